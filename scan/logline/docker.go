package logline

import (
	"bytes"
	"encoding/binary"
	"math/bits"
)

// dockerHead reads a json-file line's head: its log, unescaped into
// p.frameBuf, its stream and its time. ok is false when line is not one.
func (p *Parser) dockerHead(line []byte) (h frameHead, ok bool) {
	const prefix = `{"log":"`
	if len(line) < len(prefix) || string(line[:len(prefix)]) != prefix || line[len(line)-1] != '}' {
		return h, false
	}
	var end int
	if p.frameBuf, end = appendJSONText(p.frameBuf[:0], line, len(prefix)); end < 0 {
		return h, false
	}
	h.content = p.frameBuf
	if n := len(h.content); n > 0 && h.content[n-1] == '\n' {
		h.content = h.content[:n-1]
	} else {
		h.partial = true
	}
	h.stream, h.raw = dockerRest(line[end+1:])
	return h, true
}

// dockerRest reads a json-file line's stream and raw time from rest, what
// follows its log's closing quote.
func dockerRest(rest []byte) (stream int, raw []byte) {
	// moby's jsonlog writes the stream and then the time, unless attrs come
	// between. Compared a word at a time: a 27-byte string compare calls memequal.
	const timeAt = len(`,"stream":"stdout","time":"`)
	head := len(rest) > timeAt && string(rest[0:8]) == `,"stream` && string(rest[24:timeAt]) == `":"`
	switch {
	case head && string(rest[8:16]) == `":"stdou` && string(rest[16:24]) == `t","time`:
		raw = rest[timeAt:]
	case head && string(rest[8:16]) == `":"stder` && string(rest[16:24]) == `r","time`:
		stream, raw = streamErr, rest[timeAt:]
	default:
		if bytes.Contains(rest, []byte(`"stream":"stderr"`)) {
			stream = streamErr
		}
		if i := bytes.Index(rest, []byte(`"time":"`)); i >= 0 {
			raw = rest[i+len(`"time":"`):]
		}
	}
	if raw != nil { // read only when the content has no time of its own (headTime)
		if j := bytes.IndexByte(raw, '"'); j >= 0 {
			raw = raw[:j]
		} else {
			raw = nil
		}
	}
	return stream, raw
}

// dockerPiece is dockerHead's ok, stream and partial, read without
// unescaping the log, for OpenRecords, which asks them of every line up to
// 256 KiB back from a cut. sure is false when the log holds a \u escape:
// dockerHead alone tells whether it reads.
func dockerPiece(line []byte) (stream int, partial, ok, sure bool) {
	const prefix = `{"log":"`
	if len(line) < len(prefix) || string(line[:len(prefix)]) != prefix || line[len(line)-1] != '}' {
		return 0, false, false, true
	}
	nl := -1 // the index just after the log's last \n escape
	i := len(prefix)
	for {
		i = quoteOrBackslash(line, i)
		if i == len(line) {
			return 0, false, false, true // no closing quote
		}
		if line[i] == '"' {
			break
		}
		if i+1 == len(line) {
			return 0, false, false, true
		}
		switch e := line[i+1]; {
		case e == 'u':
			return 0, false, false, false
		case jsonEscapes[e] == 0:
			return 0, false, false, true // a bad escape
		case e == 'n':
			nl = i + 2
		}
		i += 2
	}
	stream, _ = dockerRest(line[i+1:])
	// The log ends in '\n' by its last escape, or by a raw byte (not in a
	// file's line, which ends there, but dockerHead takes it).
	ends := nl == i || i > len(prefix) && line[i-1] == '\n'
	return stream, !ends, true, true
}

// quoteOrBackslash returns the index of the first '"' or '\\' in s at or
// after s[i], or len(s).
func quoteOrBackslash(s []byte, i int) int {
	for ; i+8 <= len(s); i += 8 {
		w := binary.LittleEndian.Uint64(s[i : i+8])
		if m := byteMask(w, '"') | byteMask(w, '\\'); m != 0 {
			return i + firstMarked(m)
		}
	}
	for i < len(s) && s[i] != '"' && s[i] != '\\' {
		i++
	}
	return i
}

// nextDocker reads the first line of b when it is a whole json-file entry
// in moby's order of keys (log, stream, time, nothing else), whose log is
// one line of plain logfmt or JSON and no piece of its stream is open: its
// log unescaped, then read by Next, and the line's end found after the
// time, so the line is not searched for its '\n' first. It returns 0 for
// any other line, which nextPiece reads. slog's line and a JSON line are
// first read where they lie, by nextEscaped and nextDockerJSON, with no
// copy. It is dockerHead, fastFramed and nextPiece made one, as nextTimed
// is for CRI (docs/performance.md).
func (p *Parser) nextDocker(b []byte, rec *Record) (int, Kind) {
	const logWord = uint64('{') | '"'<<8 | 'l'<<16 | 'o'<<24 | 'g'<<32 | '"'<<40 | ':'<<48 | '"'<<56
	if len(b) < 16 || le64(b) != logWord {
		return 0, 0
	}
	// slog's line, or a JSON line, is read where it lies, inside the JSON
	// string, when its only escapes are its quotes and its last \n; any
	// other line is unescaped and read by Next, the escaped reads' twin.
	if !p.anyOpen {
		if m, _ := p.nextEscaped(b[8:], rec); m > 0 {
			at := 8 + m
			// dockerTail's common case written out, a call fewer: moby's
			// tail, whose time is not read as the line has its own.
			if len(b)-at >= dockerTailView && (rec.Has&HasTime != 0 || p.want&(1<<fieldTime) == 0) {
				if q := mobyTail((*[dockerTailView]byte)(b[at:])); q > 0 {
					p.dropQueued()
					p.innerShape = ShapeLogfmt
					return at + dockerTimeAt + q + len("\"}\n"), Event
				}
			}
			if n := p.dockerTail(b, at, rec); n > 0 {
				p.dropQueued()
				p.innerShape = ShapeLogfmt
				return n, Event
			}
		} else if b[8] == '{' {
			if n := p.nextDockerJSON(b, rec); n > 0 {
				return n, Event
			}
		}
	}
	return p.nextDockerCopy(b, rec)
}

// nextDockerJSON reads the json-file line b whose log is a line of JSON
// where it lies (parseJSONEscaped), when the log's only escapes are its
// strings' quotes and its last \n and it is an Event, and the tail is
// moby's; else it returns 0, and nextDockerCopy reads the line. The read
// stays before b's first raw '\n', which ends the line: Next on the
// unescaped log would stop at it too.
func (p *Parser) nextDockerJSON(b []byte, rec *Record) int {
	s := b[:min(len(b), dockerWindow)]
	nl := bytes.IndexByte(s, '\n')
	if nl < 0 {
		return 0 // longer than the window: nextPiece reads it
	}
	m, kind := p.parseJSONEscaped(s[8:nl], rec)
	if kind != Event || m == 0 {
		return 0
	}
	n := p.dockerTail(b, 8+m, rec)
	if n > 0 {
		p.dropQueued()
		p.innerShape = ShapeJSON
	}
	return n
}

// nextDockerCopy is nextDocker for a log that nextEscaped and
// nextDockerJSON do not read: unescaped into p.frameBuf and read by Next.
func (p *Parser) nextDockerCopy(b []byte, rec *Record) (int, Kind) {
	// jsonUnescape reads up to the log's closing quote when the log holds
	// only ASCII and escapes of one letter; appendJSONText reads the
	// others. Both make room for all of s: b may be the rest of a mapped
	// file. A log longer than the window goes to nextPiece.
	if cap(p.frameBuf) < dockerWindow+nextSlack {
		p.frameBuf = make([]byte, 0, dockerWindow+nextSlack)
	}
	s := b[:min(len(b), dockerWindow)]
	r, n := jsonUnescape(p.frameBuf[:dockerWindow], s[8:])
	end := 8 + r
	if end >= len(s) || s[end] != '"' {
		var buf []byte
		if buf, end = appendJSONText(p.frameBuf[:0], s, 8); end < 0 {
			return 0, 0
		}
		p.frameBuf, n = buf[:0], len(buf)
	}
	log := p.frameBuf[:n]
	// The log must end in an escaped "\n": a raw '\n' there is the
	// line's end, and the general path reads the line as cut there.
	// plainStart on the log as fastFramed tests it: an escape (\t) may
	// hide where the key ends.
	if n == 0 || log[n-1] != '\n' || b[end-1] != 'n' || !plainStart(log) {
		return 0, 0
	}
	if p.anyOpen { // a piece waits for its stream's next line: nextPiece joins
		return 0, 0
	}
	// Next reads words past a line's end, which in a file are the next
	// line's; the buffer holds nextSlack bytes after the log. What they
	// hold does not change what Next reads.
	p.dropQueued()
	inner := ShapeLogfmt
	if log[0] == '{' {
		inner = ShapeJSON
	}
	m, kind := p.Next(p.frameBuf[:n+nextSlack], rec)
	if kind != Event || m != n {
		return 0, 0
	}
	if n := p.dockerTail(b, end+1, rec); n > 0 {
		p.innerShape = inner
		return n, Event
	}
	return 0, 0
}

// dockerTail reads what follows the log of the json-file line b, from
// b[at], after its closing quote, when it is moby's: its stream, its time
// and the line's end, the first '\n' after the time. It returns the
// line's length with its '\n', or 0 when the rest is not moby's or the
// time, needed because rec has none, does not read.
func (p *Parser) dockerTail(b []byte, at int, rec *Record) int {
	if len(b)-at < dockerTailView {
		return p.dockerTailSlow(b, at, rec)
	}
	q := mobyTail((*[dockerTailView]byte)(b[at:]))
	if q < 0 {
		return 0
	}
	if q == 0 {
		return p.dockerTailSlow(b, at, rec)
	}
	if rec.Has&HasTime == 0 && p.want&(1<<fieldTime) != 0 {
		ns, ok := p.frameTime(b[at+dockerTimeAt : at+dockerTimeAt+q])
		if !ok {
			return 0 // the general path decides
		}
		rec.Time, rec.Has = ns, rec.Has&^BadTime|HasTime
	}
	return at + dockerTimeAt + q + len("\"}\n")
}

const (
	// dockerTimeAt is where moby's time starts after a log's closing quote.
	dockerTimeAt = len(`,"stream":"stdout","time":"`)
	// dockerTailView is what mobyTail reads: the keys, a time whose quote
	// is in its first 32 bytes, }\n, and a byte read with them.
	dockerTailView = dockerTimeAt + 32 + len("}\n") + 1
)

// mobyTail reads the bytes after a json-file log's closing quote as moby
// writes them, `,"stream":"stdout","time":"`, a time (20 to 30 bytes) and
// `"}\n`, and returns the time's length. The words are compared in place,
// and the time's closing quote is its first byte below '+', so no '\n' comes
// before it. It returns -1 when the stream or time key is not moby's, and 0
// for any other tail, which dockerTailSlow reads.
func mobyTail(v *[dockerTailView]byte) int {
	if le64(v[0:]) != le64s(`,"stream`) || le64(v[dockerTimeAt-8:]) != le64s(`"time":"`) {
		return -1
	}
	switch w, x := le64(v[8:]), le64(v[16:]); {
	case w == le64s(`":"stdou`) && x == le64s(`t","time`):
	case w == le64s(`":"stder`) && x == le64s(`r","time`):
	default:
		return -1
	}
	// The quote is in the time's third or fourth word: the first two
	// need only hold no mark.
	const t = dockerTimeAt
	m := belowPlus(le64(v[t+16:]))
	q := 16 + bits.TrailingZeros64(m)/8
	if m == 0 {
		q = 24 + bits.TrailingZeros64(belowPlus(le64(v[t+24:])))/8
	}
	if belowPlus(le64(v[t:]))|belowPlus(le64(v[t+8:])) != 0 || q >= 32 ||
		binary.LittleEndian.Uint32(v[t+q:])&(1<<24-1) != '"'|'}'<<8|'\n'<<16 {
		return 0
	}
	return q
}

// belowPlus marks the bytes of w below '+' (the quote, SP, '\n' and the
// control bytes) or of 0x80 and more. Its first mark is exact.
func belowPlus(w uint64) uint64 { return ((w - lowBits*'+') | w) & highBits }

// dockerTailSlow is dockerTail's slow twin: it finds the line's end with
// bytes.IndexByte and takes any time of up to stampMax bytes.
func (p *Parser) dockerTailSlow(b []byte, at int, rec *Record) int {
	const timeAt = len(`,"stream":"stdout","time":"`)
	rest := b[at:]
	if len(rest) < timeAt+len("2006-01-02T15:04:05Z\"}\n") || le64(rest) != le64s(`,"stream`) ||
		le64(rest[timeAt-8:]) != le64s(`"time":"`) {
		return 0
	}
	switch w, x := le64(rest[8:]), le64(rest[16:]); {
	case w == le64s(`":"stdou`) && x == le64s(`t","time`):
	case w == le64s(`":"stder`) && x == le64s(`r","time`):
	default:
		return 0
	}
	// The line ends at the first '\n' after the time, which must follow its
	// quote and "}". A quote inside what is taken for the time does not
	// matter: such a time does not read, and the line goes to nextPiece if
	// the record needs it.
	const tail = len(`"}`) + 1
	raw := rest[timeAt:min(len(rest), timeAt+stampMax+tail)]
	nl := bytes.IndexByte(raw, '\n')
	if nl < tail || raw[nl-2] != '"' || raw[nl-1] != '}' {
		return 0
	}
	q := nl - 2
	if rec.Has&HasTime == 0 && p.want&(1<<fieldTime) != 0 {
		ns, ok := p.frameTime(raw[:q])
		if !ok {
			return 0 // the general path decides
		}
		rec.Time, rec.Has = ns, rec.Has&^BadTime|HasTime
	}
	return at + timeAt + q + tail
}

// le64s is le64 of a constant of eight bytes, folded by the compiler.
func le64s(s string) uint64 {
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// dockerWindow bounds the bytes nextDocker looks at for a line: moby
// cuts a log at 16 KiB, which its escapes may make up to six times longer.
const dockerWindow = 6<<14 + 1024

// nextSlack is how many bytes past a line's end Next reads at most.
const nextSlack = 128

// appendJSONText appends the JSON string whose content starts at s[i], its
// opening quote at s[i-1], to dst unescaped, and returns the index of its
// closing quote, or -1 when it has none or a bad escape. jsonUnescape takes
// 16 bytes at a time and the one-letter escapes, a word loop the last
// bytes: a log line is long and, when it is JSON itself, dense with \",
// where appendUnquotedJSON's byte loop suits short values. \u escapes and
// non-ASCII bytes go to appendJSONTextSlow.
func appendJSONText(dst, s []byte, i int) ([]byte, int) {
	n := len(dst)
	if cap(dst)-n < len(s)-i+8 {
		dst = append(dst[:cap(dst)], make([]byte, len(s)-i+8-(cap(dst)-n))...)
	}
	out := dst[:cap(dst)]
	d := i - n // bytes dropped so far, plus the offset between s and out: out[i-d] is s[i]'s place
	r, w := jsonUnescape(out[i-d:], s[i:])
	i, d = i+r, d+r-w
	for i+8 <= len(s) { // the last bytes, and where jsonUnescape stopped
		w := binary.LittleEndian.Uint64(s[i : i+8])
		binary.LittleEndian.PutUint64(out[i-d:i-d+8], w) // fits: i-d+8 <= len(s)-d <= cap
		m := byteMask(w, '"') | byteMask(w, '\\') | w&highBits
		if m == 0 {
			i += 8
			continue
		}
		i += firstMarked(m)
		if s[i] != '\\' || i+1 == len(s) || jsonEscapes[s[i+1]] == 0 {
			break
		}
		out[i-d] = jsonEscapes[s[i+1]]
		i += 2
		d++
	}
	if i < len(s) && s[i] == '"' {
		return out[:i-d], i
	}
	return appendJSONTextSlow(out[:i-d], s, i)
}

// jsonEscapes maps the letter after a backslash to the byte it stands for,
// for the escapes of one letter; 0 for the others.
var jsonEscapes = [256]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// appendJSONTextSlow is appendJSONText's slow twin, from s[i] on.
func appendJSONTextSlow(dst, s []byte, i int) ([]byte, int) {
	end := closingQuote(s, i) // the quotes before s[i] are escaped, so the parity rule holds from here
	if end < 0 {
		return dst, -1
	}
	dst, ok := appendUnquotedJSON(dst, s[i:end])
	if !ok {
		return dst, -1
	}
	return dst, end
}
