package scan

// Pieces counts one input given piece by piece, in the caller's goroutine:
// for a caller that holds the input's bytes one piece at a time (the bus
// decodes a batch piece by piece) and wants each counted while it is
// still in cache. Each piece is counted as Files counts a range.

import (
	"context"
	"errors"
	"fmt"

	"github.com/logproc/logproc/agg"
	"github.com/logproc/logproc/scan/logline"
)

// Pieces counts inputs given piece by piece, one input after another; it
// is not safe for use by more than one goroutine.
type Pieces struct {
	o        Options
	w        worker
	in       input
	size     int64
	progress Progress
	spare    []*rangeTally // tallies of the inputs before, reused
	open     bool          // the last piece ended without a '\n'
	err      error         // sticky, until Start
}

// NewPieces checks o as Files does and returns a Pieces that counts with
// it; o.Workers is not used.
func NewPieces(o Options) (*Pieces, error) {
	o.Workers = 1
	if o.Buffer <= 0 {
		o.Buffer = DefaultBuffer
	}
	if err := o.limits(); err != nil {
		return nil, err
	}
	if o.TimeWindow < 0 {
		return nil, fmt.Errorf("scan: time window must be positive, got %v", o.TimeWindow)
	}
	if !o.Since.IsZero() && !o.Until.IsZero() && !o.Since.Before(o.Until) {
		return nil, fmt.Errorf("scan: since %s is not before until %s", o.Since, o.Until)
	}
	if (o.TimeWindow > 0 || !o.Since.IsZero() || !o.Until.IsZero()) && o.Parse.TimeKey == "" {
		return nil, errors.New("scan: a time window or range needs a time key to read times from")
	}
	parser, err := logline.NewParser(o.Parse)
	if err != nil {
		return nil, fmt.Errorf("scan: %w", err)
	}
	parser.LimitPieces(o.MaxLine) // a longer line is skipped, not joined
	p := &Pieces{o: o}
	filter := newTimeFilter(o.Since, o.Until)
	p.w = worker{parser: parser, filter: filter, levelAndUser: parser.TakesLevelAndUserOnly() && !filter.on,
		bufSize: o.Buffer, maxLine: o.MaxLine, longAt: o.MaxLine + 1, progress: &p.progress, seen: o.Seen}
	return p, nil
}

// Start begins the input called name; what the one before held is gone.
func (p *Pieces) Start(name string) {
	for _, t := range p.in.ranges {
		*t = rangeTally{}
		p.spare = append(p.spare, t)
	}
	p.in = input{path: name, ranges: p.in.ranges[:0]}
	p.w.shard = agg.NewShard() // the last one went into the last Result
	if p.o.TimeWindow > 0 {
		p.w.shard.SetWindow(p.o.TimeWindow)
	}
	p.size, p.open, p.err, p.w.err = 0, false, nil, nil
	// An input cut short (an error, a cancelled count) may leave records
	// open in the parser: they are not the next input's.
	var rec logline.Record
	for {
		if _, _, ok := p.w.parser.Flush(&rec); !ok {
			break
		}
	}
}

// Add counts piece, the input's next bytes, in place; piece is not kept.
// Every piece but the last must end where Split may end a range: after a
// '\n' with no framed record open. A piece after one that ended without a
// '\n' is an error, not a line counted in two halves.
func (p *Pieces) Add(ctx context.Context, piece []byte) (err error) {
	if p.err != nil || len(piece) == 0 {
		return p.err
	}
	if p.open {
		p.err = &FileError{Path: p.in.path, Offset: p.size, Err: errors.New("a piece follows one that did not end with a newline")}
		return p.err
	}
	defer func() {
		if r := recover(); r != nil {
			err = &FileError{Path: p.in.path, Offset: p.size, Err: fmt.Errorf("internal error, please report: %v", r)}
			p.err = err
		}
	}()
	var t *rangeTally
	if n := len(p.spare); n > 0 {
		t, p.spare = p.spare[n-1], p.spare[:n-1]
	} else {
		t = new(rangeTally)
	}
	p.in.ranges = append(p.in.ranges, t)
	p.w.begin(piece, t)
	if err := p.w.scanMapped(ctx, piece, t); err != nil {
		p.err = &FileError{Path: p.in.path, Offset: p.size, Err: err}
		return p.err
	}
	p.w.finish(t)
	p.size += int64(len(piece))
	p.open = piece[len(piece)-1] != '\n'
	return nil
}

// Result is what the input's pieces held, as Bytes counts their bytes one
// after the other, or the first error Add met.
func (p *Pieces) Result(ctx context.Context) (Result, error) {
	if p.err != nil {
		return Result{}, p.err
	}
	if p.w.shard == nil {
		return Result{}, errors.New("scan: Pieces.Result before Start")
	}
	in := p.in
	res, err := p.o.result(ctx, []*agg.Shard{p.w.shard}, []*input{&in}, p.size)
	p.w.shard = nil
	return res, err
}
