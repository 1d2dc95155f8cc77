package scan

import (
	"bytes"
	"errors"
	"fmt"
	"os"
)

// The limits that keep a scan's memory bounded whatever its input: see
// Options.MaxLine and Options.MaxMemory.
const (
	// DefaultMaxLine is the longest line counted when Options.MaxLine is 0.
	DefaultMaxLine = 64 << 20
	// DefaultMaxMemory is the memory budget when Options.MaxMemory is 0.
	DefaultMaxMemory = 1 << 30
	// MaxWorkers is the most workers a scan runs: more only cost memory
	// (a user table each) on any machine we know of.
	MaxWorkers = 1024
)

// shardMemory is about what one worker's counters take before they count a
// user: agg's empty user table.
const shardMemory = 256 << 10

// ErrBinary says that an input holds a line longer than the maximum with
// NUL bytes in it: binary data such as /dev/zero or a file of zeros, which
// would otherwise be read to its end, if it has one, as one long line.
var ErrBinary = errors.New("binary data, not a log file")

// limits fills in the defaults of o's limits and checks that they fit
// together: streamed buffers get a quarter of the budget, and that must
// hold two of the longest lines; the workers' counters get at most half.
func (o *Options) limits() error {
	if o.MaxLine == 0 {
		o.MaxLine = DefaultMaxLine
	}
	if o.MaxMemory == 0 {
		o.MaxMemory = DefaultMaxMemory
	}
	switch {
	case o.Workers > MaxWorkers:
		return fmt.Errorf("scan: workers %d is more than %d, the most a scan runs", o.Workers, MaxWorkers)
	case o.Seen != nil && o.Workers != 1:
		return fmt.Errorf("scan: Seen takes the bytes in file order, from 1 worker; got %d workers", o.Workers)
	case o.MaxLine < 1:
		return fmt.Errorf("scan: max line must be at least 1 byte, got %d", o.MaxLine)
	case o.MaxMemory/8 < int64(o.MaxLine)+1:
		return fmt.Errorf("scan: max memory %d is less than 8 times max line %d", o.MaxMemory, o.MaxLine)
	case int64(o.Workers)*int64(shardMemory+o.Buffer) > o.MaxMemory/2:
		return fmt.Errorf("scan: workers %d need about %d MiB, more than half of max memory %d MiB",
			o.Workers, int64(o.Workers)*int64(shardMemory+o.Buffer)>>20, o.MaxMemory>>20)
	}
	return nil
}

// longLineError is the error for a long line that holds a NUL byte in its
// first maxLine+1 bytes, the same bytes however the line was read.
func longLineError(line []byte, maxLine int) error {
	if bytes.IndexByte(line[:maxLine+1], 0) >= 0 {
		return fmt.Errorf("%w: a line of more than %d bytes holds NUL bytes", ErrBinary, maxLine)
	}
	return nil
}

// countLong counts line, longer than maxLine, as a long line, or reports
// false and sets w.err when it is binary data.
func (w *worker) countLong(line []byte, t *rangeTally) bool {
	if w.err = longLineError(line, w.maxLine); w.err != nil {
		return false
	}
	w.skipLong(t)
	return true
}

// skipLong counts a long line known to hold no NUL byte where checked. Not
// read, it is no framed piece: it ends the records open, as OpenRecords
// reads a line that is not framed, and they are counted before it.
func (w *worker) skipLong(t *rangeTally) {
	w.parser.EndOpen()
	if w.parser.HasClosed() {
		w.countOpen(t, false)
	}
	t.lines++
	t.forms[0]++ // a line skipped unread has no form
	t.locateNext()
	t.long++
	w.shard.CountLong()
}

// truncatedError is the error for a mapped file whose pages went away
// while they were read: it was truncated, to its size now if known.
func truncatedError(path string) error {
	if fi, err := os.Stat(path); err == nil {
		return fmt.Errorf("the file changed while it was read (truncated to %d bytes?)", fi.Size())
	}
	return errors.New("the file changed while it was read (truncated?)")
}
