// Package scan reads log files and counts their lines.
//
// A file is memory-mapped (golang.org/x/exp/mmap) and cut by Split into byte
// ranges that end on newlines. A bounded pool of workers takes ranges, from
// every file given, one at a time: each worker parses its range in place in
// the mapping (mapping.go), asking for the bytes a little ahead of the line
// it parses in a way that keeps them out of the L2 cache (prefetch.go),
// parses each line with logline.Parser and counts into its own agg.Shard.
// Where the mapping's bytes cannot be reached, a worker reads its range
// through a reused window instead. Nothing is shared per line: no lock, no
// channel, no atomic. The shards are merged once, after the last worker
// returns.
//
// What cannot be mapped (standard input, a pipe, gzip data) is streamed
// (stream.go): one goroutine reads it in chunks that end on newlines and
// hands each chunk to the same workers, one channel operation per chunk.
// Memory stays within Options.MaxMemory whatever the input (limits.go).
//
//	file ──Split──▶ ranges ──▶ worker 1 (parser, shard 1) ─┐
//	                       ──▶ worker 2 (parser, shard 2) ─┼─▶ agg.Merge ─▶ Result
//	                       ──▶ …                          ─┘
package scan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/exp/mmap"

	"github.com/logproc/logproc/agg"
	"github.com/logproc/logproc/internal/files"
	"github.com/logproc/logproc/scan/logline"
)

// DefaultBuffer is how many bytes of a mapped range a worker counts between
// looks at progress and cancellation, and the size of the window it reads
// a range through when the mapping's bytes cannot be reached (mapping.go),
// and of a streamed chunk. Windows of 32 KiB to 256 KiB measured alike
// on a 10M-line file; 1 MiB was slower (1.80 against 1.65 s of user time,
// 1 worker, median of 6).
const DefaultBuffer = 256 << 10

// maxExamples is how many malformed lines a Result locates.
const maxExamples = 10

// Options configures a scan.
type Options struct {
	// Workers is the number of goroutines that parse; at least 1.
	Workers int
	// Buffer is how many bytes of a mapped file a worker counts between
	// looks at progress and cancellation, the read window per worker
	// where the mapping's bytes cannot be reached, and the size of a
	// streamed chunk; 0 means DefaultBuffer. A longer line grows the
	// window.
	Buffer int
	// Stdin is what the path "-" reads; nil means os.Stdin.
	Stdin io.Reader
	// Parse says which keys to take and how to tell a line's format;
	// the zero Config takes slog's level and user (see logline.Config).
	Parse logline.Config
	// NoMmap streams regular files too, as it does pipes: for file systems
	// where mapping fails or is slow (some network mounts).
	NoMmap bool
	// TimeWindow, when not zero, counts events per window of that width
	// (agg.Totals.Windows), from the times Parse takes.
	TimeWindow time.Duration
	// Since and Until, when not zero, keep only the events whose time is
	// in [Since, Until); the others, and events with no time, are counted
	// as filtered and nowhere else.
	Since, Until time.Time
	// MaxLine is the longest line, without its '\n', that is parsed; a
	// longer one is counted in Totals.LongLines, located with the
	// malformed lines and skipped. 0 means DefaultMaxLine.
	MaxLine int
	// MaxMemory is the budget for the scan's buffers and workers, memory
	// that grows with distinct users and actions aside; 0 means
	// DefaultMaxMemory. Files refuses settings that cannot keep to it.
	MaxMemory int64
	// ListUsers merges the users into Totals.UserList instead of
	// Totals.Users (agg.MergeList): for a caller that only writes them.
	ListUsers bool
}

// Progress is what a scan has done so far. Workers publish to it once per
// window, so another goroutine may read it at any time without slowing them.
type Progress struct {
	Lines atomic.Int64
	Bytes atomic.Int64
	// Size is the number of bytes to read, set once every file is mapped.
	Size atomic.Int64
}

// Position names one line of one file; Line counts from 1.
type Position struct {
	File string
	Line int64
}

// Result is what a scan found.
type Result struct {
	Totals agg.Totals
	// Bytes is the number of bytes counted: the size of mapped files, what
	// was read from streams (decompressed, for .gz).
	Bytes int64
	// MalformedAt locates the first malformed and long lines, in file
	// order.
	MalformedAt []Position
	// Warnings are things done that the user should know of, one line
	// each: trailing garbage ignored after gzip data, say.
	Warnings []string
	// Formats counts, per input, the lines read as each form
	// (logline.Form's name: "cri+json"); blank and malformed lines, which
	// have none, are left out.
	Formats map[string]map[string]int64
}

// Files scans the named files and counts them together: regular files are
// mapped, "-" (o.Stdin), pipes and .gz files are streamed. An empty file
// counts as zero lines. A missing file, a directory, a file that cannot be
// mapped or read, a file that shrinks while it is read, and a file that
// holds no log lines at all (binary data, say) are errors naming the file;
// nothing is counted then. When ctx is cancelled Files returns at once,
// even if a stream is blocked in Read.
func Files(ctx context.Context, paths []string, o Options, p *Progress) (Result, error) {
	if o.Workers < 1 {
		return Result{}, fmt.Errorf("scan: workers must be at least 1, got %d", o.Workers)
	}
	if o.Buffer <= 0 {
		o.Buffer = DefaultBuffer
	}
	if err := o.limits(); err != nil {
		return Result{}, err
	}
	if o.TimeWindow < 0 {
		return Result{}, fmt.Errorf("scan: time window must be positive, got %v", o.TimeWindow)
	}
	if !o.Since.IsZero() && !o.Until.IsZero() && !o.Since.Before(o.Until) {
		return Result{}, fmt.Errorf("scan: since %s is not before until %s", o.Since.Format(time.RFC3339Nano), o.Until.Format(time.RFC3339Nano))
	}
	if (o.TimeWindow > 0 || !o.Since.IsZero() || !o.Until.IsZero()) && o.Parse.TimeKey == "" {
		return Result{}, errors.New("scan: a time window or range needs a time key to read times from")
	}
	parser, err := logline.NewParser(o.Parse)
	if err != nil {
		return Result{}, fmt.Errorf("scan: %w", err)
	}
	filter := newTimeFilter(o.Since, o.Until)
	if p == nil {
		p = new(Progress)
	}
	inputs := make([]*input, 0, len(paths))
	defer func() {
		for _, in := range inputs {
			in.Close()
		}
	}()
	var size int64
	pieces := 0 // what there is to share among workers
	for _, path := range paths {
		in, err := open(ctx, path, o.Stdin, o.NoMmap)
		if err != nil {
			return Result{}, err
		}
		inputs = append(inputs, in)
		if in.data != nil {
			if in.split, err = Split(in.data, in.size, rangesPerFile(in.size, o.Workers)); err != nil {
				return Result{}, fmt.Errorf("%s: %w", path, err)
			}
		}
		size += in.size
		pieces += len(in.split)
		if in.stream != nil {
			pieces += o.Workers
		}
	}
	p.Size.Store(size)
	workers := min(o.Workers, max(pieces, 1))

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	jobs := make(chan job, workers)
	pool := newBufPool(o.MaxMemory/4, workers) // chunk buffers of streamed inputs
	// The producer is not waited for once the scan is cancelled: it may be
	// blocked reading a terminal or a pipe that will never say more, and an
	// interrupted scan must return now. It closes jobs when it is done.
	go func() {
		defer close(jobs)
		if err := produce(ctx, inputs, o.Buffer, o.MaxLine, pool, jobs); err != nil {
			cancel(err)
		}
	}()
	levelAndUser := parser.TakesLevelAndUserOnly() && !filter.on
	shards := make([]*agg.Shard, workers)
	var wg sync.WaitGroup
	for w := range shards {
		shards[w] = agg.NewShard()
		if o.TimeWindow > 0 {
			shards[w].SetWindow(o.TimeWindow)
		}
		wg.Go(func() {
			wk := worker{parser: parser, filter: filter, levelAndUser: levelAndUser, shard: shards[w],
				bufSize: o.Buffer, maxLine: o.MaxLine, longAt: o.MaxLine + 1, progress: p}
			for {
				select {
				case <-ctx.Done():
					return
				case j, ok := <-jobs:
					if !ok {
						return // the producer is done, so inputs are final
					}
					if err := wk.do(ctx, j, pool); err != nil {
						cancel(fmt.Errorf("%s: %w", j.in.path, err))
					}
				}
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return Result{}, err
	}

	for _, in := range inputs {
		size += in.streamed
	}
	merge := agg.MergeContext
	if o.ListUsers {
		merge = agg.MergeList
	}
	totals, err := merge(ctx, shards...)
	if err != nil {
		return Result{}, err
	}
	res := Result{Totals: totals, Bytes: size}
	if res.Totals.Windows.Overflow {
		return Result{}, fmt.Errorf("time window %v: %w: the events span more than %d windows; use a wider window, or -since and -until",
			o.TimeWindow, agg.ErrTooManyWindows, agg.MaxWindows)
	}
	res.Formats = make(map[string]map[string]int64, len(inputs))
	for _, in := range inputs {
		if err := in.check(); err != nil {
			return Result{}, err
		}
		res.MalformedAt = in.locate(res.MalformedAt)
		res.Warnings = append(res.Warnings, in.warnings...)
		if forms := in.forms(); len(forms) > 0 {
			res.Formats[in.path] = forms
		}
	}
	return res, nil
}

// rangesPerFile gives the workers many ranges each, so that a worker held
// up (on a shared machine, its CPU taken away for a while) does not leave
// the others idle at the end, but never ranges so small that splitting
// costs more than it saves. With 2 workers on a 10M-line file, 64 ranges a
// worker instead of 4 took the median of 9 interleaved runs from 0.79 to
// 0.74 s (16: 0.76 s), the CPU time unchanged.
func rangesPerFile(size int64, workers int) int {
	const minRange = 1 << 20
	return int(max(1, min(int64(workers)*64, size/minRange)))
}

// job is one piece of one input for a worker: a range of a mapped file, or
// a chunk of a streamed one. Either way it holds whole lines, except that
// the last piece of an input may end without a newline.
type job struct {
	in    *input
	tally *rangeTally
	r     Range  // of a mapped file
	chunk []byte // of a streamed input: whole lines in a buffer from the pool
	long  bool   // of a streamed input: one line too long to read, skipped
}

// input is one file to count and, per range or chunk in order, what its
// worker saw. A mapped input has data (nil when the file is empty); a
// streamed one has stream.
type input struct {
	path     string
	size     int64 // of a mapped file
	data     *mmap.ReaderAt
	mapped   []byte // data's bytes, to parse in place; nil: read through data
	stream   io.Reader
	close    func() error
	streamed int64 // bytes read from stream
	statSize int64 // of a streamed regular file when opened, else -1
	warnings []string
	split    []Range // of a mapped file
	ranges   []*rangeTally
}

func (in *input) Close() error {
	if in.data != nil {
		return in.data.Close()
	}
	if in.close != nil {
		return in.close()
	}
	return nil
}

// rangeTally is what a range holds besides counts: its number of lines and
// events and where its first malformed lines are, so that line numbers can
// be made absolute once every range is done.
type rangeTally struct {
	lines     int64
	events    int64
	malformed int64
	long      int64
	at        [maxExamples]int64 // 1-based line numbers within the range
	// forms counts the lines read as each form; the lines Next read
	// count as native, the form Detect gave the range.
	forms  [logline.NumForms]int64
	native logline.Form
	// first is the head of the range's first malformed line, to name
	// what a file that is not a log holds.
	first    [80]byte
	firstLen int
}

// locateNext records line t.lines, malformed or long, among the first
// maxExamples of the range.
func (t *rangeTally) locateNext() {
	if n := t.malformed + t.long; n < maxExamples {
		t.at[n] = t.lines
	}
}

// open maps a regular file and prepares anything else to be streamed: "-"
// (stdin), a pipe or other non-regular file, gzip data, which is
// decompressed on the way (sniff), and any file when noMmap is set.
func open(ctx context.Context, path string, stdin io.Reader, noMmap bool) (*input, error) {
	if path == "-" {
		if stdin == nil {
			stdin = os.Stdin
		}
		return &input{path: "stdin", stream: stdin, statSize: -1}, nil
	}
	f, err := files.Open(ctx, path, os.O_RDONLY, 0) // a FIFO waits for a writer, or for ctx
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	switch {
	case fi.IsDir():
		f.Close()
		return nil, fmt.Errorf("%s: is a directory, not a log file", path)
	case !fi.Mode().IsRegular():
		return &input{path: path, stream: f, close: f.Close, statSize: -1}, nil
	case noMmap || strings.HasSuffix(path, ".gz") || isGzip(f):
		return &input{path: path, stream: f, close: f.Close, statSize: fi.Size()}, nil
	}
	defer f.Close()
	in := &input{path: path, size: fi.Size()}
	if in.size == 0 {
		return in, nil
	}
	if in.data, err = mmap.Open(path); err != nil {
		return nil, fmt.Errorf("%s: cannot map: %w", path, err)
	}
	in.mapped = mappedBytes(in.data)
	return in, nil
}

// isGzip reports whether the regular file f starts with gzip's magic bytes.
func isGzip(f *os.File) bool {
	var head [2]byte
	n, _ := f.ReadAt(head[:], 0)
	return bytes.Equal(head[:n], gzipMagic)
}

// produce sends every input's pieces to the workers, in order: the ranges
// of each mapped file, the chunks of each streamed one.
func produce(ctx context.Context, inputs []*input, window, maxLine int, pool *bufPool, jobs chan<- job) error {
	send := func(j job) error {
		j.in.ranges = append(j.in.ranges, j.tally)
		select {
		case jobs <- j:
			return nil
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
	for _, in := range inputs {
		if in.stream != nil {
			if err := in.chunks(ctx, window, maxLine, pool, send); err != nil {
				return fmt.Errorf("%s: %w", in.path, err)
			}
			continue
		}
		for _, r := range in.split {
			if err := send(job{in: in, tally: new(rangeTally), r: r}); err != nil {
				return err
			}
		}
	}
	return nil
}

// check rejects a file that has bytes but not one record: that is not a
// log (a binary file, most likely), and counting it as a pile of malformed
// lines would hide the mistake. The message says what its first line held.
func (in *input) check() error {
	var events, malformed, long int64
	var first []byte
	for _, r := range in.ranges {
		events += r.events
		malformed += r.malformed
		long += r.long
		if first == nil && r.firstLen > 0 {
			first = r.first[:r.firstLen]
		}
	}
	if events == 0 && malformed+long > 0 {
		return &NotLogError{Path: in.path, Malformed: malformed, Long: long, Seen: logline.Describe(first)}
	}
	return nil
}

// forms adds up the lines of each form over the input's ranges.
func (in *input) forms() map[string]int64 {
	var sum [logline.NumForms]int64
	for _, r := range in.ranges {
		for f, n := range r.forms {
			sum[f] += n
		}
	}
	m := map[string]int64{}
	for f, n := range sum {
		if name := logline.Form(f).String(); n > 0 && name != "" {
			m[name] += n
		}
	}
	return m
}

// locate appends the positions of the file's first malformed lines.
func (in *input) locate(dst []Position) []Position {
	var before int64
	for _, r := range in.ranges {
		for _, at := range r.at[:min(r.malformed+r.long, maxExamples)] {
			if len(dst) == maxExamples {
				return dst
			}
			dst = append(dst, Position{File: in.path, Line: before + at})
		}
		before += r.lines
	}
	return dst
}

// worker is one goroutine's state, reused across the ranges it takes.
type worker struct {
	parser logline.Parser // a copy per worker: it keeps scratch buffers
	filter timeFilter
	// levelAndUser says that the parser takes the level and the user
	// alone and filter is off: countLevelsAndUsers counts.
	levelAndUser bool
	shard        *agg.Shard
	buf          []byte // scanRange's window, made on first use
	bufSize      int
	// maxLine is the longest line parsed; a line whose length with its
	// '\n' passes longAt is counted by countLong instead.
	maxLine, longAt int
	err             error // from countLong: a long line of binary data
	progress        *Progress
	// native says that the range being counted is logfmt or JSON alone
	// (logline.Parser.Detect): Next reads it; any other goes line by
	// line through NextAny.
	native bool
}

// do counts one job; a streamed chunk's buffer goes back to the pool.
func (w *worker) do(ctx context.Context, j job, pool *bufPool) error {
	if ctx.Err() != nil {
		return nil // another worker failed; the scan is over
	}
	switch {
	case j.long:
		w.skipLong(j.tally) // the producer checked it for NUL bytes
		w.progress.Lines.Add(1)
		return nil
	case j.chunk == nil:
		return w.scan(ctx, j.in, j.r, j.tally)
	}
	w.begin(j.chunk, j.tally)
	if rest := w.countLines(j.chunk, 0, j.tally); len(rest) > 0 && w.err == nil {
		w.countLine(rest, j.tally) // the stream's last line has no '\n'
	}
	w.finish(j.tally)
	w.progress.Lines.Add(j.tally.lines)
	w.progress.Bytes.Add(int64(len(j.chunk)))
	pool.put(j.chunk)
	return w.err
}

// scan counts range r of in into the worker's shard and t. A fault in the
// mapping (the file was truncated while mapped) or any other panic becomes
// an error for this file instead of a crash.
func (w *worker) scan(ctx context.Context, in *input, r Range, t *rangeTally) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if p := recover(); p != nil {
			if f, ok := p.(interface{ Addr() uintptr }); ok && f.Addr() != 0 {
				err = truncatedError(in.path)
				return
			}
			err = fmt.Errorf("internal error, please report: %v", p)
		}
	}()
	if in.mapped != nil {
		b := in.mapped[r.Start:r.End]
		w.begin(b, t)
		err = w.scanMapped(ctx, b, t)
	} else {
		err = w.scanRange(ctx, in.data, r, t)
	}
	if err == nil {
		w.finish(t)
	}
	return err
}

// begin looks at the first bytes of a range or chunk, once, to choose how
// its lines are read: by Next, when they are logfmt or JSON, or else one
// at a time by NextAny.
func (w *worker) begin(b []byte, t *rangeTally) {
	t.native, w.native = w.parser.Detect(b)
}

// finish counts what the range left open (a framed record whose last piece
// never came) and the lines Next read, as the range's native form.
func (w *worker) finish(t *rangeTally) {
	var rec logline.Record
	for {
		kind, form, ok := w.parser.Flush(&rec)
		if !ok {
			break
		}
		// The record's last piece was counted as a line already.
		w.shard.CountExtra()
		t.lines--
		w.countAs(kind, form, &rec, t)
	}
	var read int64
	for _, n := range t.forms {
		read += n
	}
	t.forms[t.native] += t.lines - read
}

// scanMapped counts the lines of b, a range of a mapped file, in place,
// w.bufSize bytes at a time: progress and cancellation are looked at
// between pieces, as scanRange does between windows. A piece ends at the
// end of its last line, however far past w.bufSize that is.
func (w *worker) scanMapped(ctx context.Context, b []byte, t *rangeTally) error {
	for len(b) > 0 {
		lines, size := t.lines, len(b)
		rest := max(len(b)-w.bufSize, 0)
		if b = w.countLines(b, rest, t); len(b) > rest && w.err == nil {
			w.countLine(b, t) // the file's last line has no '\n'
			b = nil
		}
		w.progress.Lines.Add(t.lines - lines)
		w.progress.Bytes.Add(int64(size - len(b)))
		if w.err != nil {
			return w.err
		}
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
	}
	return nil
}

// scanRange reads r through the worker's window, counts every line in it
// and records its tally in t. A line that does not fit in the window grows
// the window up to maxLine+1 bytes; a longer line is skipped.
func (w *worker) scanRange(ctx context.Context, src io.ReaderAt, r Range, t *rangeTally) error {
	if w.buf == nil {
		w.buf = make([]byte, w.bufSize)
	}
	carry := 0        // bytes of an unfinished line at the start of buf
	skipping := false // through a long line, to its '\n'
	for off := r.Start; off < r.End; {
		if carry == len(w.buf) {
			if carry > w.maxLine {
				if err := longLineError(w.buf, w.maxLine); err != nil {
					return err
				}
				w.skipLong(t)
				carry, skipping = 0, true
			} else {
				w.buf = append(w.buf, make([]byte, min(len(w.buf), w.maxLine+1-len(w.buf)))...)
			}
		}
		n := int(min(int64(len(w.buf)-carry), r.End-off))
		if _, err := src.ReadAt(w.buf[carry:carry+n], off); err != nil && !(errors.Is(err, io.EOF) && off+int64(n) == r.End) {
			return fmt.Errorf("read %d bytes at offset %d: %w", n, off, err)
		}
		if off == r.Start {
			w.begin(w.buf[:n], t)
		}
		off += int64(n)
		window := w.buf[:carry+n]
		if skipping {
			i := bytes.IndexByte(window, '\n')
			if skipping = i < 0; skipping {
				i = len(window) - 1
			}
			window = window[i+1:]
		}
		lines := t.lines
		rest := w.countLines(window, 0, t)
		if off == r.End && len(rest) > 0 && w.err == nil {
			w.countLine(rest, t) // the file's last line has no '\n'
			rest = nil
		}
		if w.err != nil {
			return w.err
		}
		carry = copy(w.buf, rest)
		w.progress.Lines.Add(t.lines - lines)
		w.progress.Bytes.Add(int64(n))
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
	}
	return nil
}

// countLines counts the lines of b that start before its last rest bytes,
// or every complete line when rest is 0, and returns what follows them:
// with rest 0, the unfinished tail. This is the hot loop: Parser.Next finds
// each line's end and parses it in one pass, into one record reused for
// every line, while prefetchNTA asks for the bytes a few lines ahead.
func (w *worker) countLines(b []byte, rest int, t *rangeTally) []byte {
	if !w.native {
		return w.countAny(b, rest, t)
	}
	if w.levelAndUser {
		return w.countLevelsAndUsers(b, rest, t)
	}
	var rec logline.Record
	for len(b) > rest {
		if len(b) > prefetchAhead {
			prefetchNTA(&b[prefetchAhead])
		}
		n, kind := w.parser.Next(b, &rec)
		if n == 0 {
			break
		}
		if n > w.longAt {
			if !w.countLong(b[:n], t) {
				break
			}
			b = b[n:]
			continue
		}
		if kind != logline.Malformed {
			w.count(kind, &rec, t)
		} else {
			w.countOther(w.parser.LastLine(), t)
		}
		b = b[n:]
	}
	return b
}

// countLevelsAndUsers is countLines when the parser takes only the level
// and the user and no time filter is on, the seed's counters: an event goes
// straight to Shard.Count, past count's tests for the other fields, 19
// instructions a line fewer (cachegrind). With more fields taken the test
// for this case cost 13 more, so it is chosen once, not per line.
func (w *worker) countLevelsAndUsers(b []byte, rest int, t *rangeTally) []byte {
	var rec logline.Record
	for len(b) > rest {
		if len(b) > prefetchAhead {
			prefetchNTA(&b[prefetchAhead])
		}
		n, kind := w.parser.Next(b, &rec)
		if n == 0 {
			break
		}
		if n > w.longAt {
			if !w.countLong(b[:n], t) {
				break
			}
			b = b[n:]
			continue
		}
		b = b[n:]
		if kind == logline.Event {
			t.lines++
			t.events++
			w.shard.Count(rec.Level, rec.User)
			continue
		}
		w.countNonEvent(kind, &rec, t)
	}
	return b
}

// countNonEvent counts a line Next did not find an event: a malformed one
// is read again by ParseAny.
func (w *worker) countNonEvent(kind logline.Kind, rec *logline.Record, t *rangeTally) {
	if kind == logline.Malformed {
		w.countOther(w.parser.LastLine(), t)
		return
	}
	w.count(kind, rec, t)
}

// countAny is countLines for a range that is not logfmt or JSON alone:
// each line goes through NextAny, which reads every form.
func (w *worker) countAny(b []byte, rest int, t *rangeTally) []byte {
	var rec logline.Record
	for len(b) > rest {
		n, kind, form := w.parser.NextAny(b, false, &rec)
		if n == 0 {
			break
		}
		if n > w.longAt {
			if !w.countLong(b[:n], t) {
				break
			}
			b = b[n:]
			continue
		}
		if kind == logline.Malformed {
			t.keepFirst(b[:n])
		}
		w.countAs(kind, form, &rec, t)
		b = b[n:]
	}
	return b
}

// countOther counts a line Next found malformed, as ParseAny reads it.
func (w *worker) countOther(line []byte, t *rangeTally) {
	var rec logline.Record
	kind, form := w.parser.ParseAny(line, &rec)
	if kind == logline.Malformed {
		t.keepFirst(line)
	}
	w.countAs(kind, form, &rec, t)
}

// countAs counts a line NextAny or ParseAny read, and the other records
// its line held.
func (w *worker) countAs(kind logline.Kind, form logline.Form, rec *logline.Record, t *rangeTally) {
	t.forms[form]++
	w.count(kind, rec, t)
	for w.parser.More() {
		kind = w.parser.NextEvent(rec)
		w.shard.CountExtra()
		t.lines--
		w.count(kind, rec, t)
	}
}

// keepFirst keeps the head of the range's first malformed line.
func (t *rangeTally) keepFirst(line []byte) {
	if t.malformed == 0 && t.firstLen == 0 {
		t.firstLen = copy(t.first[:], line)
	}
}

// countLine counts line, which has no '\n': the last line of an input.
func (w *worker) countLine(line []byte, t *rangeTally) {
	if len(line) > w.maxLine {
		w.countLong(line, t)
		return
	}
	var rec logline.Record
	_, kind, form := w.parser.NextAny(line, true, &rec)
	if kind == logline.Malformed {
		t.keepFirst(line)
	}
	w.countAs(kind, form, &rec, t)
}

// count counts one line of the given kind, parsed into rec.
func (w *worker) count(kind logline.Kind, rec *logline.Record, t *rangeTally) {
	t.lines++
	// Events first and on their own: a switch over every kind was
	// compiled to a search that put them behind two compares.
	if kind == logline.Event || kind == logline.NoLevel {
		t.events++
		if w.filter.on && !w.filter.keeps(rec) {
			w.shard.CountFiltered()
			return
		}
		slot := w.shard.Count(rec.Level, rec.User)
		if len(rec.Action) > 0 {
			w.shard.CountAction(slot, rec.Action, rec.Latency, rec.Has&logline.HasLatency != 0)
		} else if rec.Has&logline.HasLatency != 0 {
			w.shard.CountLatency(rec.Latency)
		}
		if rec.Has&logline.HasTime != 0 {
			w.shard.CountTime(rec.Time)
		}
		if rec.Has&(logline.BadLatency|logline.BadTime) != 0 {
			w.countBad(rec.Has)
		}
		return
	}
	w.countNoEvent(kind, t)
}

// countNoEvent counts a line that holds no event.
func (w *worker) countNoEvent(kind logline.Kind, t *rangeTally) {
	switch kind {
	case logline.Blank:
		w.shard.CountBlank()
	case logline.Continuation:
		w.shard.CountContinuation()
	case logline.Partial:
		w.shard.CountJoined()
	default:
		t.locateNext()
		t.malformed++
		w.shard.CountMalformed()
	}
}

// countBad records the fields of an event that could not be read.
func (w *worker) countBad(has logline.Has) {
	w.shard.CountBad(has&logline.BadLatency != 0, has&logline.BadTime != 0)
}

// timeFilter keeps the events in [since, until), in Unix nanoseconds.
type timeFilter struct {
	on           bool
	since, until int64
}

func newTimeFilter(since, until time.Time) timeFilter {
	f := timeFilter{on: !since.IsZero() || !until.IsZero(), since: math.MinInt64, until: math.MaxInt64}
	if !since.IsZero() {
		f.since = clampUnixNano(since)
	}
	if !until.IsZero() {
		f.until = clampUnixNano(until)
	}
	return f
}

// clampUnixNano is t in Unix nanoseconds, clamped to the years int64 holds
// (1678 to 2262), which are the years ParseTime gives.
func clampUnixNano(t time.Time) int64 {
	switch {
	case t.Before(time.Unix(0, math.MinInt64)):
		return math.MinInt64
	case t.After(time.Unix(0, math.MaxInt64)):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// keeps reports whether the event has a time in the filter's range.
func (f *timeFilter) keeps(rec *logline.Record) bool {
	return rec.Has&logline.HasTime != 0 && f.since <= rec.Time && rec.Time < f.until
}
