package scan

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Streamed inputs: standard input, pipes, devices, gzip data and any file
// when Options.NoMmap is set. One goroutine reads them in chunks of whole
// lines (chunks) from buffers whose total size a bufPool bounds, whatever
// the number of workers; a line too long for the biggest buffer is
// skipped, not grown into (skipLong).

// gzipMagic starts every gzip member (RFC 1952).
var gzipMagic = []byte{0x1f, 0x8b}

// bufPool hands the producer chunk buffers and takes them back from the
// workers, keeping the bytes of the buffers out at once within budget.
// Only the producer calls get, so used needs no lock.
type bufPool struct {
	free   chan []byte
	budget int64
	used   int64 // bytes of the buffers made and not let go
}

// newBufPool returns a pool of budget bytes of buffers for the given
// number of workers. get makes a buffer only when none is free, so at most
// one more than the workers hold and the jobs queue holds (one each) is
// ever out, and free has room for them all: put never drops one.
func newBufPool(budget int64, workers int) *bufPool {
	return &bufPool{free: make(chan []byte, 2*workers+2), budget: budget}
}

// get returns a buffer of at least want bytes, waiting for one to come back
// when the budget is spent. A single buffer larger than the budget is made
// when none is out, so that get never waits for nothing.
func (p *bufPool) get(ctx context.Context, want int) ([]byte, error) {
	for {
		var b []byte
		select {
		case b = <-p.free:
		default:
			if p.used == 0 || p.used+int64(want) <= p.budget {
				p.used += int64(want)
				return make([]byte, want), nil
			}
			select {
			case b = <-p.free:
			case <-ctx.Done():
				return nil, context.Cause(ctx)
			}
		}
		if cap(b) >= want {
			return b[:cap(b)], nil
		}
		p.used -= int64(cap(b)) // too small now: let the collector have it
	}
}

// put gives a buffer back.
func (p *bufPool) put(b []byte) {
	select {
	case p.free <- b[:0]:
	default: // cannot happen: free holds every buffer made
	}
}

// sniff decides, from its first two bytes, whether a streamed input is
// gzip data, and decompresses it then: by content, not by name, so that
// gzip on standard input or in a file without .gz is read too. It is
// called by the producer, not by open, because the first read of a pipe
// may block, and the producer's blocking is what cancellation leaves
// behind.
func (in *input) sniff() error {
	br := bufio.NewReaderSize(in.stream, 64<<10)
	head, err := br.Peek(len(gzipMagic))
	switch {
	case len(head) == 0 && strings.HasSuffix(in.path, ".gz") && errors.Is(err, io.EOF):
		return errors.New("empty file: a .gz file holds at least a gzip header")
	case err != nil && !errors.Is(err, io.EOF):
		return err
	case !bytes.Equal(head, gzipMagic) && strings.HasSuffix(in.path, ".gz"):
		return fmt.Errorf("not gzip data: it starts with %x, not %x", head, gzipMagic)
	case bytes.Equal(head, gzipMagic):
		z, err := gzip.NewReader(br)
		if err != nil {
			return err
		}
		z.Multistream(false)
		in.stream = &gunzip{src: br, z: z, in: in}
		in.statSize = -1 // the size of compressed bytes says nothing of what they hold
	default:
		in.stream = br
	}
	return nil
}

// gunzip reads every member of gzip data, as gzip -d does; bytes after the
// last member that do not start another are ignored with a warning, as
// gzip -d ignores them ("decompression OK, trailing garbage ignored").
type gunzip struct {
	src *bufio.Reader
	z   *gzip.Reader
	in  *input // for its warnings
}

func (g *gunzip) Read(p []byte) (int, error) {
	for {
		n, err := g.z.Read(p)
		if err != io.EOF {
			return n, err
		}
		// A member ended; another may follow.
		if err := g.z.Reset(g.src); err != nil {
			if err != io.EOF {
				g.in.warnings = append(g.in.warnings, g.in.path+": decompression OK, trailing garbage ignored")
			}
			return n, io.EOF
		}
		g.z.Multistream(false)
		if n > 0 {
			return n, nil
		}
	}
}

// chunks reads a streamed input into buffers from pool, cuts each after its
// last newline (before any CRI or Docker record still open) and sends it;
// the unfinished line starts the next buffer. A line, or a record in
// pieces, that fills a buffer gets one twice as large, up to maxLine+1
// bytes; beyond, a line is skipped and sent as a long line, and a record
// is cut. Buffers come back to pool once a worker is done with them.
func (in *input) chunks(ctx context.Context, size, maxLine int, pool *bufPool, send func(job) error) error {
	if err := in.sniff(); err != nil {
		return err
	}
	var carry []byte
	want := size
	for eof := false; !eof || len(carry) > 0; {
		buf, err := pool.get(ctx, max(want, len(carry)+1))
		if err != nil {
			return err
		}
		n := copy(buf, carry)
		if !eof {
			if n, eof, err = in.fill(buf, n); err != nil {
				return err
			}
		}
		end := n
		if !eof {
			var whole bool
			end, whole = recordsEnd(buf[:n]) // no framed record left open
			if !whole && n <= maxLine {
				end = 0 // a record open at every line's end: a bigger buffer, as for a long line
			}
		}
		switch {
		case end > 0:
			carry = append(carry[:0], buf[end:n]...)
			if err := send(job{in: in, tally: new(rangeTally), chunk: buf[:end]}); err != nil {
				return err
			}
		case n > maxLine: // a full buffer holds part of one line, too long
			rest, end, err := in.skipLong(buf, n, maxLine)
			if err != nil {
				return err
			}
			carry, eof = append(carry[:0], rest...), end
			pool.put(buf)
			want = size
			if err := send(job{in: in, tally: new(rangeTally), long: true}); err != nil {
				return err
			}
		default: // one line fills the buffer: read it into a bigger one
			carry = append(carry[:0], buf[:n]...)
			pool.put(buf)
			want = min(2*len(buf), maxLine+1)
		}
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
	}
	return in.checkLength()
}

// fill reads into buf[n:] until buf is full or the input ends.
func (in *input) fill(buf []byte, n int) (int, bool, error) {
	for n < len(buf) {
		m, err := in.stream.Read(buf[n:])
		n += m
		in.streamed += int64(m)
		if err == io.EOF {
			return n, true, nil
		} else if err != nil {
			return n, false, err
		}
	}
	return n, false, nil
}

// skipLong reads past the line that starts buf[:n], which has more than
// maxLine bytes, and returns what follows its '\n' and whether the input
// ended. A long line with a NUL byte is an error: binary data.
func (in *input) skipLong(buf []byte, n, maxLine int) (rest []byte, eof bool, err error) {
	if err := longLineError(buf[:n], maxLine); err != nil {
		return nil, false, err
	}
	for {
		if i := bytes.IndexByte(buf[:n], '\n'); i >= 0 {
			return buf[i+1 : n], eof, nil
		}
		if eof {
			return nil, true, nil
		}
		if n, eof, err = in.fill(buf, 0); err != nil {
			return nil, false, err
		}
	}
}

// checkLength rejects a regular file that ended before the size it had
// when opened: it was truncated while read, and its counts are partial.
func (in *input) checkLength() error {
	if in.statSize >= 0 && in.streamed < in.statSize {
		return fmt.Errorf("the file changed while it was read (truncated to %d bytes?)", in.streamed)
	}
	return nil
}
