package logline

// Where a framed file may be cut: after a line where no CRI or Docker
// record is open, as NextAny reads it (framed.go), so that each range,
// chunk or batch holds whole records.

import "bytes"

// MayBeFramed says that a line starting with head may be a CRI or Docker
// line: it starts with a date or with Docker's {"log":.
func MayBeFramed(head []byte) bool {
	return hasPrefixAt(head, 0, `{"log":`) ||
		len(head) > len("2006-01-02T") && isDigit(head[0]) && head[4] == '-' && head[10] == 'T'
}

// OpenRecords reports whether, after the whole lines of b, a CRI or Docker
// record is open: the last line of some stream is a piece whose record
// goes on. Only the lines from the end back to the first that is not
// framed are looked at, so a cut is safe where it reports false, unless a
// stream's piece lies further back than b reaches. b's first line may be
// the tail of a longer one; it is not looked at.
func OpenRecords(b []byte) bool { return openRecords(b, false) }

// OpenRecordsWhole is OpenRecords for b that starts where a line does (an
// input's first byte, or just after a '\n'): its first line is looked at
// too.
func OpenRecordsWhole(b []byte) bool { return openRecords(b, true) }

func openRecords(b []byte, whole bool) bool {
	var p Parser
	seen := [numStreams]bool{}
	end := len(b)
	if end > 0 && b[end-1] == '\n' {
		end--
	}
	// The last lines are read back one at a time: with both streams in the
	// file they answer at once. With one, the answer lies at b's start or
	// at a line not framed, and the rest is read forward (openAfter).
	for n := 0; end > 0; n++ {
		if n == openBackLines {
			return p.openAfter(b[:end], seen, whole)
		}
		start := bytes.LastIndexByte(b[:end], '\n') + 1
		if start == 0 && !whole {
			return false // b's first line may be cut
		}
		stream, partial, ok := p.framedPiece(trimCR(b[start:end]))
		if !ok {
			return false
		}
		if !seen[stream] {
			if partial {
				return true
			}
			seen[stream] = true
			if seen[streamOut] && seen[streamErr] {
				return false
			}
		}
		end = start - 1
	}
	return false
}

// openBackLines is how many lines OpenRecords reads back before it reads
// the rest forward.
const openBackLines = 4

// openAfter is OpenRecords on b for the streams not seen, read forward,
// each line's end found by bytes.IndexByte: what counts is the last line of
// each stream after the last line not framed, and after b's first line.
func (p *Parser) openAfter(b []byte, seen [numStreams]bool, whole bool) bool {
	i := 0
	if !whole {
		if i = bytes.IndexByte(b, '\n') + 1; i == 0 {
			return false // b's first line may be cut
		}
	}
	// A line of stderr holds the word, in its Docker or CRI head: with
	// stdout seen and no such word, no line can open a record.
	if seen[streamOut] && !bytes.Contains(b[i:], []byte("stderr")) {
		return false
	}
	var open [numStreams]bool // the last line of the stream is a piece
	for i <= len(b) {
		end := bytes.IndexByte(b[i:], '\n')
		if end < 0 {
			end = len(b)
		} else {
			end += i
		}
		stream, partial, ok := p.framedPiece(trimCR(b[i:end]))
		if !ok {
			open = [numStreams]bool{}
		} else {
			open[stream] = partial
		}
		i = end + 1
	}
	for s := range open {
		if open[s] && !seen[s] {
			return true
		}
	}
	return false
}

// framedPiece reads a line's stream and whether it is a piece, ok when it
// is a CRI or Docker line.
func (p *Parser) framedPiece(line []byte) (stream int, partial, ok bool) {
	if len(line) > 0 && line[0] == '{' {
		stream, partial, ok, sure := dockerPiece(line)
		if sure {
			return stream, partial, ok
		}
		h, ok := p.dockerHead(line)
		return h.stream, h.partial, ok
	}
	if len(line) > 0 && isDigit(line[0]) {
		h, ok := p.criHead(line)
		return h.stream, h.partial, ok
	}
	return 0, false, false
}
