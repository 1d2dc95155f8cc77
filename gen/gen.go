// Package gen writes synthetic logs: N lines, byte for byte what log/slog's
// text (logfmt) or JSON handler would write for the same records, with a
// Report of what was written, the truth a scan of the file must reproduce.
//
// The file is cut into batches of batchLines lines. Batch b draws its lines
// from a random generator seeded with (Seed, b) alone, so the bytes depend
// on the Options but not on how many workers render them. Each worker owns
// one reused buffer and counts what it renders into its own tally:
//
//	file:   take batch b → render it into buf → wait for b-1's end offset
//	        → pass b's end offset on to b+1 → WriteAt(buf, offset)
//	stream: take batch b → render it into buf → wait for b-1's end offset
//	        → Write(buf) → pass b's end offset on to b+1
//
// Rendering, the costly part, runs in parallel; the only order between
// workers is the hand-off of one offset per batch, through a channel. Into
// a file (Write, WriteFile) the WriteAt runs after the hand-off, so writes
// overlap too. A stream (WriteStream: stdout, a pipe) has no offsets, so
// there the Write runs before the hand-off: writes take turns, in batch
// order, while the other workers render. Tallies are merged once, when
// every worker is done.
//
// AppendLine formats one Event as slog would. The generator draws each
// line as a few table indices and renders it from pieces encoded once with
// AppendLine's helpers, so a line costs a few copies and no allocation.
// Tests compare both, line by line, with slog's own output.
package gen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/logproc/logproc/agg"
	"github.com/logproc/logproc/internal/files"
)

// Format is the line format of a log.
type Format int

const (
	Logfmt Format = iota // slog.TextHandler's key=value lines
	JSON                 // slog.JSONHandler's one object per line
)

// ParseFormat returns the Format that String names.
func ParseFormat(s string) (Format, error) {
	switch s {
	case "logfmt":
		return Logfmt, nil
	case "json":
		return JSON, nil
	}
	return 0, fmt.Errorf("unknown format %q (want logfmt or json)", s)
}

func (f Format) String() string {
	switch f {
	case Logfmt:
		return "logfmt"
	case JSON:
		return "json"
	}
	return "Format(" + strconv.Itoa(int(f)) + ")"
}

// Limits of Options, which bound memory: each worker keeps a 2.6 MB
// buffer and an 8-byte counter per user, and the Report holds a map entry
// per user seen.
const (
	maxUsers   = 1 << 24
	maxWorkers = 1024
)

// Options say what to generate.
type Options struct {
	Records int64 // lines to write, >= 0
	Users   int   // size of the user pool, in [1, 1<<24]
	Workers int   // goroutines, in [1, 1024]
	Seed    uint64
	Format  Format
	// Start is the time of the first line, used in UTC and truncated to
	// the millisecond; the zero Time means 2026-11-26T08:00:00Z. Lines
	// are 1 to 3 ms apart, 2 on average, and must end before the year 10000.
	Start time.Time
	// Sync makes WriteFile flush the file to disk before renaming it into
	// place, so that not even a power cut can leave path complete in size
	// but with holes. It costs time per gigabyte, and a generated log can
	// be written again from its seed, so it is off by default.
	Sync bool
}

func (o Options) start() time.Time {
	if o.Start.IsZero() {
		return time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	}
	return o.Start.UTC().Truncate(time.Millisecond)
}

// Validate reports the first field of o that is out of range.
func (o Options) Validate() error {
	switch {
	case o.Records < 0:
		return fmt.Errorf("gen: Records = %d, want >= 0", o.Records)
	case o.Users < 1 || o.Users > maxUsers:
		return fmt.Errorf("gen: Users = %d, want 1 to %d", o.Users, maxUsers)
	case o.Workers < 1 || o.Workers > maxWorkers:
		return fmt.Errorf("gen: Workers = %d, want 1 to %d", o.Workers, maxWorkers)
	case o.Format != Logfmt && o.Format != JSON:
		return fmt.Errorf("gen: Format = %v, want logfmt or json", o.Format)
	}
	// Four-digit years, as RFC 3339 and slog's JSON handler require; the
	// last line is at most 2*(Records-1) ms after the first.
	const lastMS = 253402300799999 // 9999-12-31T23:59:59.999Z
	start := o.start()
	if ms := start.UnixMilli(); start.Year() < 1 || ms > lastMS || o.Records > (lastMS-ms)/2+1 {
		return fmt.Errorf("gen: Start = %s, want lines from year 0001 to 9999 with Records = %d",
			start.Format(time.RFC3339Nano), o.Records)
	}
	return nil
}

// Report is what the generator wrote: the truth that scanning must
// reproduce.
type Report struct {
	// Totals holds the levels, users, actions, latencies and time range
	// written; Blank, Malformed, Filtered and the Bad counts are 0, and
	// there are no Windows.
	Totals agg.Totals
	Lines  int64
	Bytes  int64
}

// batch is one unit of work. The batch reads the offset where it starts
// from start, once the previous batch has rendered and knows its size, and
// sends the offset where it ends on end, which is the next batch's start.
type batch struct {
	index int64
	start <-chan int64
	end   chan<- int64
}

// sink is where the workers put their batches, chosen once per log. With
// at set, each batch goes to its offset by WriteAt, after the hand-off, so
// writes overlap; otherwise each batch is written to stream before the
// hand-off, so writes take turns in batch order.
type sink struct {
	at     io.WriterAt
	stream io.Writer
}

// name names the output in errors when it is a file (/dev/stdout too).
func (s sink) name() string {
	var w any = s.stream
	if s.at != nil {
		w = s.at
	}
	if f, ok := w.(interface{ Name() string }); ok {
		return f.Name()
	}
	return ""
}

// worker renders and writes batches, one at a time.
type worker struct {
	gen   *generator
	buf   []byte // reused for every batch
	tally *tally
	bytes int64
}

// Write writes the log to f from offset 0, truncates f to the written size
// and returns what it wrote. If progress is not nil, it adds the number of
// lines of each batch once the batch is written. On error f holds part of
// the log; the first error stops every worker and is returned.
func Write(ctx context.Context, f *os.File, o Options, progress *atomic.Int64) (Report, error) {
	rep, err := generate(ctx, sink{at: f}, o, progress)
	if err != nil {
		return Report{}, err
	}
	if err := f.Truncate(rep.Bytes); err != nil {
		return Report{}, fmt.Errorf("gen: %w", err)
	}
	return rep, nil
}

// WriteStream writes the log to w, which need not seek: standard output, a
// pipe, a compressor. The bytes are those WriteFile writes for the same
// Options, whatever o.Workers is; each batch is one Write of about 2 MB,
// and Writes never overlap. If progress is not nil, it adds the number of
// lines of each batch once the batch is written. o.Sync does not apply.
//
// The first error, or ctx's end, stops every worker: no Write starts
// after it, but one in progress is waited for, since w may block (a pipe
// nobody reads). w then holds a prefix of the log, whole batches and
// perhaps part of the failing one. A write error names the batch and its
// offset in the log.
func WriteStream(ctx context.Context, w io.Writer, o Options, progress *atomic.Int64) (Report, error) {
	return generate(ctx, sink{stream: w}, o, progress)
}

// generate runs the workers that write the log into s. It is Write without
// the final truncation, which a device refuses and a stream cannot do.
func generate(ctx context.Context, s sink, o Options, progress *atomic.Int64) (Report, error) {
	if err := o.Validate(); err != nil {
		return Report{}, err
	}
	prefix := "gen: "
	if name := s.name(); name != "" {
		prefix += name + ": "
	}
	if err := ctx.Err(); err != nil {
		return Report{}, fmt.Errorf("%s%w", prefix, err)
	}
	g := newGenerator(o)
	numBatches := (o.Records + batchLines - 1) / batchLines

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	batches := make(chan batch)
	var wg sync.WaitGroup
	wg.Go(func() { dispatch(ctx, numBatches, batches) })
	workers := make([]*worker, min(int64(o.Workers), numBatches))
	for i := range workers {
		w := &worker{
			gen: g,
			// Lines average about 125 bytes in logfmt and 145 in JSON;
			// the rare batch that needs more grows the buffer once.
			buf:   make([]byte, 0, batchLines*160),
			tally: newTally(o.Users),
		}
		workers[i] = w
		wg.Go(func() {
			if err := w.run(ctx, s, batches, progress); err != nil {
				cancel(err) // the first cause sticks; later ones are ignored
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return Report{}, fmt.Errorf("%s%w", prefix, err)
	}

	rep := Report{Lines: o.Records}
	tallies := make([]*tally, len(workers))
	for i, w := range workers {
		rep.Bytes += w.bytes
		tallies[i] = w.tally
	}
	rep.Totals = g.totals(tallies)
	return rep, nil
}

// dispatch sends batches 0 to n-1, in order, chaining each batch's end to
// the next one's start, and closes out when done or when ctx is.
func dispatch(ctx context.Context, n int64, out chan<- batch) {
	defer close(out)
	start := make(chan int64, 1)
	start <- 0
	for i := range n {
		end := make(chan int64, 1)
		select {
		case out <- batch{index: i, start: start, end: end}:
		case <-ctx.Done():
			return
		}
		start = end
	}
}

func (w *worker) run(ctx context.Context, s sink, batches <-chan batch, progress *atomic.Int64) error {
	for b := range batches {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		w.buf = w.gen.renderBatch(w.buf[:0], b.index, w.tally)
		var off int64
		select {
		case off = <-b.start:
		case <-ctx.Done():
			return context.Cause(ctx)
		}
		// The select picks at random when both are ready: a cancelled
		// log gets no further write.
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		end := off + int64(len(w.buf))
		var err error
		if s.at != nil {
			b.end <- end
			_, err = s.at.WriteAt(w.buf, off)
		} else if err = writeStream(s.stream, w.buf); err == nil {
			b.end <- end
		}
		if err != nil {
			return fmt.Errorf("batch %d at offset %d: %w", b.index, off, err)
		}
		w.bytes += int64(len(w.buf))
		if progress != nil {
			progress.Add(min(batchLines, w.gen.records-b.index*batchLines))
		}
	}
	return nil
}

// writeStream writes p to w and holds w to io.Writer's contract: a short
// write is an error.
func writeStream(w io.Writer, p []byte) error {
	n, err := w.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	return err
}

// WriteFile writes the log to a temporary file in path's directory and
// renames it to path only on success, so path never holds a partial log.
// On any error, cancellation included, the temporary file is removed and
// path is left as it was. A symbolic link is followed: the temporary file
// goes in its target's directory and replaces the target, not the link. A
// FIFO, a device (/dev/null) or a path through /proc (/dev/stdout) is
// written in place, as a stream: renaming over it would replace it. A log
// that would not fit in the free space of its file system is refused before
// anything is written.
func WriteFile(ctx context.Context, path string, o Options, progress *atomic.Int64) (rep Report, err error) {
	if err := o.Validate(); err != nil {
		return Report{}, err
	}
	dest, err := files.Where(path)
	if err != nil {
		return Report{}, fmt.Errorf("gen: %w", err)
	}
	if dest.Direct {
		return writeDirect(ctx, path, o, progress)
	}
	dir := filepath.Dir(dest.Path)
	if err := checkSpace(dir, o, freeSpace); err != nil {
		return Report{}, fmt.Errorf("gen: %s: %w", path, err)
	}
	dropCache(dest.Path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(dest.Path)+".tmp-*")
	if err != nil {
		return Report{}, fmt.Errorf("gen: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close() // closed already if Close or Rename failed; err says what went wrong
			if rmErr := os.Remove(f.Name()); rmErr != nil {
				err = errors.Join(err, rmErr)
			}
		}
	}()
	if rep, err = abandonable(ctx, func() (Report, error) { return Write(ctx, f, o, progress) }); err != nil {
		return Report{}, err
	}
	// CreateTemp makes the file private (0600); a log is for reading.
	if err = f.Chmod(0o644); err != nil {
		return Report{}, fmt.Errorf("gen: %w", err)
	}
	if o.Sync {
		if err = f.Sync(); err != nil {
			return Report{}, fmt.Errorf("gen: %w", err)
		}
	}
	if err = f.Close(); err != nil {
		return Report{}, fmt.Errorf("gen: %w", err)
	}
	// The last moment to stop: once renamed, the log is whole and stays.
	if err = ctx.Err(); err != nil {
		return Report{}, fmt.Errorf("gen: %s: %w", path, err)
	}
	if err = replace(f.Name(), dest.Path); err != nil {
		return Report{}, fmt.Errorf("gen: %w", err)
	}
	return rep, nil
}

// writeDirect streams the log into a FIFO, a device such as /dev/null
// (which measures the generator without the file system) or /dev/stdout.
// Opening a FIFO waits for a reader, or for ctx to end.
func writeDirect(ctx context.Context, path string, o Options, progress *atomic.Int64) (Report, error) {
	f, err := files.OpenDirect(ctx, path)
	if err != nil {
		return Report{}, fmt.Errorf("gen: %w", err)
	}
	rep, err := abandonable(ctx, func() (Report, error) { return generate(ctx, sink{stream: f}, o, progress) })
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("gen: %w", cerr)
	}
	return rep, err
}

// abandonable returns what write returns, or ctx's end as soon as it comes,
// without waiting for a write held up in the kernel: a FIFO whose reader
// stopped reading, a disk throttling dirty pages. The caller then closes
// the file, which fails the abandoned write, and removes what it made.
func abandonable(ctx context.Context, write func() (Report, error)) (Report, error) {
	type result struct {
		rep Report
		err error
	}
	done := make(chan result, 1)
	go func() {
		rep, err := write()
		done <- result{rep, err}
	}()
	select {
	case r := <-done:
		return r.rep, r.err
	case <-ctx.Done():
		return Report{}, fmt.Errorf("gen: %w", context.Cause(ctx))
	}
}
