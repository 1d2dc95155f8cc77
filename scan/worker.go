package scan

// The workers: each counts the ranges and chunks it takes into its own
// shard, reading a range with Next when it is logfmt or JSON alone and
// line by line with NextAny otherwise.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"github.com/logproc/logproc/agg"
	"github.com/logproc/logproc/scan/logline"
)

// worker is one goroutine's state, reused across the ranges it takes.
type worker struct {
	parser logline.Parser // a copy per worker: it keeps scratch buffers
	filter timeFilter
	// levelAndUser says that the parser takes the level and the user
	// alone and filter is off: countLevelsAndUsers counts.
	levelAndUser bool
	shard        *agg.Shard
	buf          []byte // scanRange's window, made on first use
	sample       []byte // beginRead's three samples, made on first use
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
	// seen is Options.Seen: nil, or handed each byte counted, in order.
	seen func([]byte)
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
	switch {
	case in.mapped != nil:
		b := in.mapped[r.Start:r.End]
		if in.file != nil {
			if err = w.beginRead(in.file, r, t); err == nil {
				err = w.scanRead(ctx, in.file, b, r.Start, t)
			}
		} else {
			w.begin(b, t)
			err = w.scanMapped(ctx, b, t)
		}
		// b is x/exp/mmap's mapping, which in.data's finalizer unmaps once in.data is unreachable.
		runtime.KeepAlive(in.data)
	default:
		err = w.scanRange(ctx, in.data, r, t)
	}
	if errors.Is(err, errShrank) {
		err = truncatedError(in.path)
	}
	if err == nil {
		w.finish(t)
	}
	return err
}

// errShrank is what a read that came short of a range's end returns: the
// file shrank since it was opened.
var errShrank = errors.New("the file shrank while it was read")

// scanRead counts the lines of b, a range of a mapped file that starts at
// offset start of f, copied by pread into the worker's window w.bufSize
// bytes at a time (readmode.go says why). A window's unfinished last line
// is read again at the start of the next, and a line longer than the
// window is counted in place in b, so the window never grows.
func (w *worker) scanRead(ctx context.Context, f *os.File, b []byte, start int64, t *rangeTally) error {
	if w.buf == nil {
		w.buf = getWindow(w.bufSize)
	}
	seen := 0 // the bytes of b handed to w.seen: a window reads its carried line again
	for off := 0; off < len(b); {
		n := min(len(w.buf), len(b)-off)
		got, err := f.ReadAt(w.buf[:n], start+int64(off))
		if got < n {
			if err == nil || errors.Is(err, io.EOF) {
				return errShrank
			}
			return fmt.Errorf("read %d bytes at offset %d: %w", n, start+int64(off), err)
		}
		if w.seen != nil && off+n > seen {
			w.seen(w.buf[seen-off : n])
			seen = off + n
		}
		lines, from := t.lines, off
		rest := w.countLines(w.buf[:n], 0, t)
		off += n - len(rest)
		switch {
		case w.err != nil:
		case off+len(rest) == len(b) && len(rest) > 0:
			w.countLine(rest, t) // the file's last line has no '\n'
			off = len(b)
		case off == from:
			// No line ends in the window: count the long line in place.
			end := len(b)
			if i := bytes.IndexByte(b[off+n:], '\n'); i >= 0 {
				end = off + n + i + 1
			}
			if w.seen != nil {
				w.seen(b[seen:end])
				seen = end
			}
			if rest := w.countLines(b[off:end], 0, t); len(rest) > 0 && w.err == nil {
				w.countLine(rest, t)
			}
			off = end
		}
		w.progress.Lines.Add(t.lines - lines)
		w.progress.Bytes.Add(int64(off - from))
		if w.err != nil {
			return w.err
		}
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
	}
	return nil
}

// begin looks at the first bytes of a range or chunk, once, to choose how
// its lines are read: by Next, when they are logfmt or JSON, or else one
// at a time by NextAny.
func (w *worker) begin(b []byte, t *rangeTally) {
	w.native = w.parser.Detect(b)
	t.jsonAt = w.parser.JSONLines() // Detect's reading is not the range's
}

// sampleSize is how much of a range beginRead reads at each of Detect's
// three places: a few lines, which is all Detect looks at.
const sampleSize = 4096

// beginRead is begin for a range read with pread: Detect's samples are
// read from f too, so that no page of the mapping is touched.
func (w *worker) beginRead(f *os.File, r Range, t *rangeTally) error {
	if w.sample == nil {
		w.sample = make([]byte, 3*sampleSize)
	}
	var s [3][]byte
	n := r.Len()
	for k, at := range [3]int64{0, n / 2, n - n/8} {
		if k > 0 {
			if at == 0 {
				continue // as Detect: no line is cut there
			}
			at-- // from the byte before, which says whether a line is cut
		}
		buf := w.sample[k*sampleSize : k*sampleSize+int(min(sampleSize, n-at))]
		if _, err := (fullReaderAt{f}).ReadAt(buf, r.Start+at); errors.Is(err, errShrank) {
			return err
		} else if err != nil {
			return fmt.Errorf("read %d bytes at offset %d: %w", len(buf), r.Start+at, err)
		}
		s[k] = buf
	}
	w.native = w.parser.DetectSamples(s[0], s[1], s[2])
	t.jsonAt = w.parser.JSONLines()
	return nil
}

// finish counts what the range left open (a framed record whose last piece
// never came) and the lines Next read, each as the form it was.
func (w *worker) finish(t *rangeTally) {
	w.countOpen(t, true)
	var read int64
	for _, n := range t.forms {
		read += n
	}
	if !w.native { // NextAny counted every line's form
		t.forms[0] += t.lines - read
		return
	}
	json := w.parser.JSONLines() - t.jsonAt - t.jsonOther
	t.forms[logline.MakeForm(logline.ShapeNone, logline.ShapeJSON)] += json
	t.forms[logline.MakeForm(logline.ShapeNone, logline.ShapeLogfmt)] += t.lines - read - json
}

// scanMapped counts the lines of b, a range of a mapped file, in place,
// w.bufSize bytes at a time: progress and cancellation are looked at
// between pieces, as scanRange does between windows. A piece ends at the
// end of its last line, however far past w.bufSize that is.
func (w *worker) scanMapped(ctx context.Context, b []byte, t *rangeTally) error {
	for len(b) > 0 {
		lines, size, from := t.lines, len(b), b
		rest := max(len(b)-w.bufSize, 0)
		if b = w.countLines(b, rest, t); len(b) > rest && w.err == nil {
			w.countLine(b, t) // the file's last line has no '\n'
			b = nil
		}
		if w.seen != nil {
			w.seen(from[:size-len(b)])
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
		w.buf = getWindow(w.bufSize)
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
		if w.seen != nil {
			w.seen(w.buf[carry : carry+n])
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
	if !w.filter.on {
		return w.countEvents(b, rest, t)
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
		w.countNonEvent(kind, &rec, t)
		b = b[n:]
	}
	return b
}

// countLevelsAndUsers is countLines when the parser takes only the level
// and the user and no time filter is on, the seed's counters: an event goes
// straight to Shard.Count, past count's tests for the other fields. With
// more fields taken a test per line for this case cost more than it
// saved, so it is chosen once, not per line.
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

// countEvents is countLines with no time filter on, the default scan's: an
// event goes straight to countEvent, past count's tests for the filter and
// the other kinds.
func (w *worker) countEvents(b []byte, rest int, t *rangeTally) []byte {
	var rec logline.Record
	for len(b) > rest {
		if len(b) > prefetchAhead {
			prefetchNTA(&b[prefetchAhead])
		}
		n, kind := w.parser.NextTimed(b, &rec)
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
			w.countEvent(&rec)
			continue
		}
		w.countNonEvent(kind, &rec, t)
	}
	return b
}

// countNonEvent counts a line Next did not find an event (or any line,
// with a time filter): a malformed one is read again (countOther).
func (w *worker) countNonEvent(kind logline.Kind, rec *logline.Record, t *rangeTally) {
	if kind == logline.Malformed {
		w.countOther(w.parser.LastLine(), t)
		return
	}
	if kind == logline.Blank {
		t.forms[0]++ // a blank line has no form
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

// countOther counts a line Next found malformed as NextAny reads it, as it
// would in a range not native: a framed piece joins its record there.
func (w *worker) countOther(line []byte, t *rangeTally) {
	var rec logline.Record
	json := w.parser.JSONLines()
	_, kind, form := w.parser.NextAny(line, true, &rec)
	t.jsonOther += w.parser.JSONLines() - json // a framed body read through Next
	if kind == logline.Malformed {
		t.keepFirst(line)
	}
	w.countAs(kind, form, &rec, t)
}

// countAs counts a line NextAny or ParseAny read, the other records its
// line held, and the framed records it ended.
func (w *worker) countAs(kind logline.Kind, form logline.Form, rec *logline.Record, t *rangeTally) {
	t.forms[form]++
	w.count(kind, rec, t)
	for w.parser.More() {
		kind = w.parser.NextEvent(rec)
		w.shard.CountExtra()
		t.lines--
		w.count(kind, rec, t)
	}
	if w.parser.HasClosed() {
		w.countOpen(t, false)
	}
}

// countOpen counts the framed records a line not framed ended
// (Parser.Closed) and, with all, those the range's end left open
// (Parser.Flush).
func (w *worker) countOpen(t *rangeTally, all bool) {
	var rec logline.Record
	for {
		json := w.parser.JSONLines()
		var kind logline.Kind
		var form logline.Form
		var ok bool
		if all {
			kind, form, ok = w.parser.Flush(&rec)
		} else {
			kind, form, ok = w.parser.Closed(&rec)
		}
		t.jsonOther += w.parser.JSONLines() - json
		if !ok {
			return
		}
		// The record's pieces were counted as lines, with no form: its
		// form is its last piece's, as when its last piece ends it.
		w.shard.CountExtra()
		t.lines--
		t.forms[0]--
		w.countAs(kind, form, &rec, t)
	}
}

// keepFirst keeps the head of the range's first malformed line.
func (t *rangeTally) keepFirst(line []byte) {
	if t.firstLen == 0 { // not t.malformed: a record a line ended is no line
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
	json := w.parser.JSONLines()
	_, kind, form := w.parser.NextAny(line, true, &rec)
	t.jsonOther += w.parser.JSONLines() - json
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
		w.countEvent(rec)
		return
	}
	w.countNoEvent(kind, t)
}

// countEvent counts the fields of an event.
func (w *worker) countEvent(rec *logline.Record) { w.shard.CountRecord(rec) }

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

// windows keeps workers' windows from one scan to the next: a caller that
// scans many sections (a bus consumer, a batch at a time) would otherwise
// take a new window each time, whose pages the first pread into it faults in.
var windows sync.Pool

// getWindow returns a window of size bytes, from windows when it has one.
func getWindow(size int) []byte {
	if b, ok := windows.Get().(*[]byte); ok && cap(*b) >= size {
		return (*b)[:size]
	}
	return make([]byte, size)
}

// release gives the worker's window back to windows.
func (w *worker) release() {
	if w.buf != nil {
		b := w.buf
		w.buf = nil
		windows.Put(&b)
	}
}
