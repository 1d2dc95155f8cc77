package scan

import (
	"bytes"
	"fmt"
	"io"
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
		end, err := nextLineStart(r, target, size, buf[:])
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
