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
	"os"
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
// and of a streamed chunk. Smaller windows measured alike and larger ones
// slower (docs/performance.md).
const DefaultBuffer = 256 << 10

// maxExamples is how many malformed lines a Result locates.
const maxExamples = agg.MaxExamples

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
	// Read says how the ranges of a mapped file are read: in place, or
	// copied with pread; "" is ReadAuto (readmode.go).
	Read ReadMode
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
	// PartOfFile counts an input that holds no record as malformed lines
	// and lists it in Result.NotLog instead of refusing it: for a caller
	// that sees part of a file (the bus), which decides per whole file.
	PartOfFile bool
	// Seen, when set, is handed every byte counted, once and in file
	// order, as it is read (b is valid only during the call): a caller
	// that must hash what was counted (the bus, a batch by reference)
	// reads nothing twice. It takes one worker and mapped files only.
	Seen func(b []byte)
}

// Progress is what a scan has done so far. Workers publish to it once per
// window, so another goroutine may read it at any time without slowing them.
type Progress struct {
	Lines atomic.Int64
	Bytes atomic.Int64
	// Size is the number of bytes to read, set once every file is mapped.
	Size atomic.Int64
	// Workers is how many goroutines parse: Options.Workers, or fewer when
	// the inputs have fewer pieces to share; set with Size.
	Workers atomic.Int64
}

// Position names one line of one file; Line counts from 1.
type Position = agg.Position

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
	// NotLog lists the inputs that held no record, with PartOfFile only.
	NotLog []*NotLogError
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
	return scanInputs(ctx, paths, o, p, "stdin", nil)
}

// Reader scans what r holds, as one input called name: the name errors,
// malformed lines and formats carry. r is streamed as standard input is.
func Reader(ctx context.Context, name string, r io.Reader, o Options) (Result, error) {
	if r == nil {
		return Result{}, &FileError{Path: name, Offset: -1, Err: errors.New("no reader")}
	}
	o.Stdin = r
	return scanInputs(ctx, []string{"-"}, o, nil, name, nil)
}

// section is the part of one file Section scans.
type section struct {
	name   string
	off, n int64
	mapped []byte   // the whole input, in memory already (Mapping, Bytes)
	given  bool     // mapped is the input: there is no file to open
	file   *os.File // set: mapped's bytes are read with pread from it (the Mapping's)
}

// Section scans the bytes [off, off+n) of the regular file at path,
// mapped and parsed in place as Files does a file, as one input called
// name: line numbers count from the section's first line, so off should
// be where a line starts. For a caller that counts part of a file (the
// bus, by reference).
func Section(ctx context.Context, path, name string, off, n int64, o Options) (Result, error) {
	if o.NoMmap {
		return Result{}, &FileError{Path: path, Offset: off, Err: errors.New("a section is read from the file's mapping, and NoMmap is set")}
	}
	return scanInputs(ctx, []string{path}, o, nil, "stdin", &section{name: name, off: off, n: n})
}

// scanInputs is Files, with the name "-" goes by.
func scanInputs(ctx context.Context, paths []string, o Options, p *Progress, stdinName string, sec *section) (Result, error) {
	if o.Workers < 1 {
		return Result{}, fmt.Errorf("scan: workers must be at least 1, got %d", o.Workers)
	}
	if o.Buffer <= 0 {
		o.Buffer = DefaultBuffer
	}
	if _, err := ParseReadMode(string(o.Read)); err != nil {
		return Result{}, fmt.Errorf("scan: %w", err)
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
	parser.LimitPieces(o.MaxLine) // a longer line is skipped, not joined
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
		in, err := openInput(ctx, path, o, sec)
		if err != nil {
			return Result{}, err
		}
		if path == "-" {
			in.path = stdinName
		}
		inputs = append(inputs, in)
		if sec != nil {
			if err := in.narrow(sec, o.Workers); err != nil {
				return Result{}, &FileError{Path: path, Offset: sec.off, Err: err}
			}
		} else if in.data != nil {
			if in.split, err = Split(in.readerAt(), in.size, rangesPerFile(in.size, o.Workers)); err != nil {
				return Result{}, &FileError{Path: path, Offset: -1, Err: err}
			}
		}
		size += in.size
		pieces += len(in.split)
		if in.stream != nil {
			if o.Seen != nil {
				return Result{}, &FileError{Path: in.path, Offset: -1, Err: errors.New("read as a stream, and Seen takes the bytes of mapped files only")}
			}
			pieces += o.Workers
		}
	}
	p.Size.Store(size)
	workers := min(o.Workers, max(pieces, 1))
	p.Workers.Store(int64(workers))

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
				bufSize: o.Buffer, maxLine: o.MaxLine, longAt: o.MaxLine + 1, progress: p, seen: o.Seen}
			defer wk.release()
			for {
				select {
				case <-ctx.Done():
					return
				case j, ok := <-jobs:
					if !ok {
						return // the producer is done, so inputs are final
					}
					if err := wk.do(ctx, j, pool); err != nil {
						cancel(j.fail(err))
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
	return o.result(ctx, shards, inputs, size)
}

// result merges the shards and adds what the inputs' tallies hold, once
// every piece of every input is counted.
func (o *Options) result(ctx context.Context, shards []*agg.Shard, inputs []*input, size int64) (Result, error) {
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
			if !o.PartOfFile {
				return Result{}, err
			}
			res.NotLog = append(res.NotLog, err)
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
// costs more than it saves (docs/performance.md has the measurements).
// One worker leaves no other idle: its ranges are longer, for less work
// per range (a cut, Detect's samples, a short last window).
func rangesPerFile(size int64, workers int) int {
	minRange := int64(1 << 20)
	if workers == 1 {
		minRange = 8 << 20
	}
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
	mapped   []byte   // data's bytes, to parse in place; nil: read through data
	file     *os.File // set: mapped's ranges are read with pread from it (ReadPread)
	stream   io.Reader
	close    func() error
	streamed int64 // bytes read from stream
	statSize int64 // of a streamed regular file when opened, else -1
	warnings []string
	split    []Range // of a mapped file
	ranges   []*rangeTally
}

func (in *input) Close() error {
	var err error
	if in.close != nil {
		err = in.close()
	}
	if in.data != nil {
		err = errors.Join(err, in.data.Close())
	}
	return err
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
	// forms counts the lines read as each form, a blank or long line
	// as none (form 0); finish adds the lines Next read, each as the
	// form it was: JSON by the parser's count of them (JSONLines, from
	// jsonAt at begin, less jsonOther, what NextAny's framed lines
	// added to it), logfmt the others. So Formats is the same however
	// a file is cut into ranges, chunks or pieces.
	forms     [logline.NumForms]int64
	jsonAt    int64
	jsonOther int64
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
func open(ctx context.Context, path string, stdin io.Reader, noMmap bool, read ReadMode) (*input, error) {
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
		return nil, &FileError{Path: path, Offset: -1, Err: errors.New("is a directory, not a log file")}
	case !fi.Mode().IsRegular():
		return &input{path: path, stream: f, close: f.Close, statSize: -1}, nil
	case noMmap || strings.HasSuffix(path, ".gz") || isGzip(f):
		return &input{path: path, stream: f, close: f.Close, statSize: fi.Size()}, nil
	}
	in := &input{path: path, size: fi.Size()}
	if in.size == 0 {
		f.Close()
		return in, nil
	}
	if in.data, err = mmap.Open(path); err != nil {
		f.Close()
		return nil, &FileError{Path: path, Offset: -1, Err: fmt.Errorf("cannot map: %w", err)}
	}
	in.mapped = mappedBytes(in.data)
	if in.mapped != nil && read.resolve(in.mapped, f) == ReadPread {
		// The workers pread from f (readmode.go): it must be the file mapped.
		if err := sameFile(path, f); err != nil {
			f.Close()
			in.data.Close()
			return nil, err
		}
		in.file, in.close = f, f.Close
		return in, nil
	}
	f.Close()
	return in, nil
}

// narrow makes a mapped input the section sec of it, split for workers.
func (in *input) narrow(sec *section, workers int) error {
	if sec.off < 0 || sec.n < 0 || sec.off+sec.n > in.size {
		return fmt.Errorf("section of %d bytes at offset %d: the file has %d", sec.n, sec.off, in.size)
	}
	if in.data == nil && in.mapped == nil && sec.n > 0 {
		return errors.New("a section is read from the file's mapping, and this file is not mapped (gzip data, or not a regular file)")
	}
	in.path, in.size = sec.name, sec.n
	if sec.n == 0 {
		return nil
	}
	split, err := Split(io.NewSectionReader(in.readerAt(), sec.off, sec.n), sec.n, rangesPerFile(sec.n, workers))
	if err != nil {
		return err
	}
	for i := range split {
		split[i].Start += sec.off
		split[i].End += sec.off
	}
	in.split = split
	return nil
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
				return &FileError{Path: in.path, Offset: in.streamed, Err: err}
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
func (in *input) check() *NotLogError {
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

// fail names the input, and the offset of the range, that err is about.
func (j *job) fail(err error) error {
	off := int64(-1)
	if j.chunk == nil && !j.long {
		off = j.r.Start
	}
	return &FileError{Path: j.in.path, Offset: off, Err: err}
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
