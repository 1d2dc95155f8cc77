package bus

import (
	"errors"
	"fmt"
	"io"

	"github.com/logproc/logproc/scan"
)

// pieceSize is how many bytes fileBytes hands out at a time: small enough
// that the hash and the line count that read a piece find it in cache.
const pieceSize = 1 << 20

// fileBytes hands out a file's bytes a piece at a time, in place in its
// mapping when it has one (no copy, and no buffer to clear), or else read
// into a buffer of its own. Publish reads a file through it to hash it
// and, by reference, to sum and count its batches.
type fileBytes struct {
	m   *scan.Mapping // nil: read through r
	r   io.ReaderAt
	buf []byte
	one []byte // whole's buffer, when it cannot hand out bytes in place
}

// each calls use with the bytes [off, off+n), in order, in pieces of at
// most pieceSize; a piece is valid only during the call. A file shorter
// than off+n (it shrank) is an error naming the offset.
func (fb *fileBytes) each(off, n int64, use func(piece []byte)) error {
	for end := off + n; off < end; {
		k := min(end-off, pieceSize)
		if fb.m != nil {
			if fb.m.Len() < off+k {
				return fmt.Errorf("offset %d: the file shrank while it was read", fb.m.Len())
			}
			if _, err := fb.m.WriteTo(writerFunc(use), off, k); err != nil {
				if errors.Is(err, scan.ErrTruncated) {
					return fmt.Errorf("offset %d: the file shrank while it was read", off)
				}
				return err
			}
			off += k
			continue
		}
		if fb.buf == nil {
			fb.buf = make([]byte, pieceSize)
		}
		got, err := fb.r.ReadAt(fb.buf[:k], off)
		if got > 0 {
			use(fb.buf[:got])
		}
		off += int64(got)
		switch {
		case int64(got) == k:
		case err != nil && !errors.Is(err, io.EOF):
			return fmt.Errorf("read at offset %d: %w", off, err)
		default:
			return fmt.Errorf("offset %d: the file shrank while it was read", off)
		}
	}
	return nil
}

// ReadAt reads through the mapping or r, for what takes an io.ReaderAt
// (scan.LastRecordEnd); a file shorter than off+len(p) is an error.
func (fb *fileBytes) ReadAt(p []byte, off int64) (int, error) {
	if fb.m == nil {
		return fb.r.ReadAt(p, off)
	}
	n := 0
	err := fb.each(off, int64(len(p)), func(b []byte) { n += copy(p[n:], b) })
	return n, err
}

// writerFunc is a Write that uses all it is given.
type writerFunc func([]byte)

func (w writerFunc) Write(p []byte) (int, error) {
	w(p)
	return len(p), nil
}

// whole calls use once with the bytes [off, off+n) in one slice, valid
// only during the call: in place in the mapping when there is one, where
// publish's compression reads them with no copy, or else read into a
// buffer kept for the next call. A file shorter than off+n is an error.
func (fb *fileBytes) whole(off, n int64, use func(b []byte)) error {
	if fb.m == nil {
		if int64(cap(fb.one)) < n {
			fb.one = make([]byte, n+n/8) // room for the next piece, a line longer
		}
		got, err := fb.r.ReadAt(fb.one[:n], off)
		switch {
		case int64(got) == n:
		case err != nil && !errors.Is(err, io.EOF):
			return fmt.Errorf("read %d bytes at offset %d: %w", n, off, err)
		default:
			return fmt.Errorf("offset %d: the file shrank while it was read", off+int64(got))
		}
		use(fb.one[:n])
		return nil
	}
	if fb.m.Len() < off+n {
		return fmt.Errorf("offset %d: the file shrank while it was read", fb.m.Len())
	}
	// WriteTo hands out the mapping's bytes in one Write where it can;
	// otherwise they are gathered into one.
	inPlace := false
	fb.one = fb.one[:0]
	_, err := fb.m.WriteTo(writerFunc(func(b []byte) {
		if !inPlace && len(fb.one) == 0 && int64(len(b)) == n {
			inPlace = true
			use(b)
			return
		}
		fb.one = append(fb.one, b...)
	}), off, n)
	if err != nil {
		if errors.Is(err, scan.ErrTruncated) {
			return fmt.Errorf("offset %d: the file shrank while it was read", off)
		}
		return err
	}
	if !inPlace {
		use(fb.one)
	}
	return nil
}
