package scan

import (
	"bytes"
	"fmt"
	"io"

	"github.com/logproc/logproc/scan/logline"
)

// Range is the byte range [Start, End) of one file.
type Range struct {
	Start, End int64
}

// Len is the number of bytes in the range.
func (r Range) Len() int64 { return r.End - r.Start }

// Split cuts the first size bytes of r into at most n contiguous ranges of
// about equal length that cover [0, size) exactly. Every range but the last
// ends just after a '\n', so no line is ever cut; the last ends at size,
// newline or not. No range is empty, so a file holding one huge line yields
// one range however large n is. Split reads only a little after each cut to
// find the next newline.
func Split(r io.ReaderAt, size int64, n int) ([]Range, error) {
	if size <= 0 {
		return nil, nil
	}
	n = int(min(int64(max(n, 1)), size))
	ranges := make([]Range, 0, n)
	var buf [4096]byte
	start := int64(0)
	for i := 1; i < n && start < size; i++ {
		target := max(size*int64(i)/int64(n), start)
		end, err := nextRecordStart(r, target, size, buf[:])
		if err != nil {
			return nil, err
		}
		if end >= size {
			break
		}
		if end > start {
			ranges = append(ranges, Range{start, end})
			start = end
		}
	}
	return append(ranges, Range{start, size}), nil
}

// NextRecordStart is where the next range may start after off, as Split
// cuts them: just past the first '\n' at or after off, moved on past the
// lines of a CRI or Docker record still open there; size when there is
// none. Inputs cut there count as the whole does (the bus cuts batches so).
func NextRecordStart(r io.ReaderAt, off, size int64) (int64, error) {
	var buf [4096]byte
	return nextRecordStart(r, off, size, buf[:])
}

// LastRecordEnd is where the records of r before end (a line's end) end:
// end, moved back before the pieces of a CRI or Docker record still open
// there, as far as Split looks back; end when the record is longer. A log
// being written is counted up to there, and its open record once its last
// piece comes.
func LastRecordEnd(r io.ReaderAt, end int64) (int64, error) {
	if end == 0 {
		return 0, nil
	}
	var buf [4096]byte
	if framed, err := lastLineMayBeFramed(r, end, buf[:]); err != nil || !framed {
		return end, err
	}
	n := min(end, openLookBack)
	b := make([]byte, n)
	if _, err := r.ReadAt(b, end-n); err != nil && err != io.EOF {
		return 0, fmt.Errorf("read at offset %d: %w", end-n, err)
	}
	open := logline.OpenRecords
	if n == end { // b starts the input: its first line is whole
		open = logline.OpenRecordsWhole
	}
	for e := int64(len(b)); e > 0; e = int64(bytes.LastIndexByte(b[:e-1], '\n') + 1) {
		if !open(b[:e]) {
			return end - n + e, nil
		}
	}
	if n == end {
		return 0, nil // every line is a piece of an open record
	}
	return end, nil
}

// nextRecordStart is nextLineStart, moved on past the lines of a framed
// record that goes on (logline.OpenRecords), so that a record cut into
// pieces is read whole by one worker.
func nextRecordStart(r io.ReaderAt, off, size int64, buf []byte) (int64, error) {
	end, err := nextLineStart(r, off, size, buf)
	var back []byte
	for err == nil && end < size {
		// A record is open at a cut only after a framed line, as a line
		// that is not framed ends every record: the line before the cut
		// tells, in one small read, that most cuts need no look back at
		// all.
		framed, err := lastLineMayBeFramed(r, end, buf)
		if err != nil {
			return 0, err
		}
		if !framed {
			break
		}
		n := min(end, openLookBack)
		if int64(cap(back)) < n {
			back = make([]byte, n)
		}
		back = back[:n]
		if _, err := r.ReadAt(back, end-n); err != nil && err != io.EOF {
			return 0, fmt.Errorf("read at offset %d: %w", end-n, err)
		}
		open := logline.OpenRecords
		if end == n { // back reaches the input's start: its first line is whole
			open = logline.OpenRecordsWhole
		}
		if !open(back) {
			break
		}
		end, err = nextLineStart(r, end, size, buf)
	}
	return end, err
}

// lastLineMayBeFramed reads the line that ends at end, a line's start
// after offset 0, and reports whether it may be a CRI or Docker line
// (logline.MayBeFramed), or is longer than buf.
func lastLineMayBeFramed(r io.ReaderAt, end int64, buf []byte) (bool, error) {
	n := min(end, int64(len(buf)))
	b := buf[:n]
	if _, err := r.ReadAt(b, end-n); err != nil && err != io.EOF {
		return false, fmt.Errorf("read at offset %d: %w", end-n, err)
	}
	start := bytes.LastIndexByte(b[:n-1], '\n') + 1
	if start == 0 && n < end {
		return true, nil // longer than buf: the look back decides
	}
	return logline.MayBeFramed(b[start:]), nil
}

// openLookBack is how far before a cut OpenRecords looks for an open
// record: a few of containerd's 16 KiB pieces of each stream.
const openLookBack = 256 << 10

// recordsEnd is the end of b's last whole line after which no framed
// record is open, as nextRecordStart's look back sees it, and true. When a
// record is open at every line's end (one longer than b), it is where to
// cut it, where only its first piece is left out of the look as at a
// range's start, and false. b starts where a line does.
func recordsEnd(b []byte) (int, bool) {
	last := bytes.LastIndexByte(b, '\n') + 1
	for end := last; end > 0; end = bytes.LastIndexByte(b[:end-1], '\n') + 1 {
		if !openBefore(b, end) {
			return end, true
		}
	}
	end := last
	for end > 0 && logline.OpenRecords(b[max(0, end-openLookBack):end]) {
		end = bytes.LastIndexByte(b[:end-1], '\n') + 1
	}
	return end, false
}

// openBefore is nextRecordStart's look back at a cut at end in b, which
// starts where a line does and no record is open: the openLookBack bytes
// before end.
func openBefore(b []byte, end int) bool {
	if end <= openLookBack {
		return logline.OpenRecordsWhole(b[:end])
	}
	return logline.OpenRecords(b[end-openLookBack : end])
}

// nextLineStart returns the offset just past the first '\n' at or after
// off, or size when there is none.
func nextLineStart(r io.ReaderAt, off, size int64, buf []byte) (int64, error) {
	for off < size {
		chunk := buf[:min(int64(len(buf)), size-off)]
		if _, err := r.ReadAt(chunk, off); err != nil && err != io.EOF {
			return 0, fmt.Errorf("read at offset %d: %w", off, err)
		}
		if i := bytes.IndexByte(chunk, '\n'); i >= 0 {
			return off + int64(i) + 1, nil
		}
		off += int64(len(chunk))
	}
	return size, nil
}
