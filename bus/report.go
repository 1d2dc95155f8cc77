package bus

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/logproc/logproc/agg"
	"github.com/logproc/logproc/out"
	"github.com/logproc/logproc/scan"
)

// maxExamples is how many malformed lines a result locates, as in scan.
const maxExamples = agg.MaxExamples

// Status is how far the counting is. Every number goes by batch ID: a
// batch is counted when the record under its ID is there, and only the
// batches a manifest lists are.
type Status struct {
	Files     int // files, by path, with bytes published
	Published int // batches the manifests list
	Counted   int // of them, with a partial result
	Parked    int // of them, that could not be counted
	// Pending is the number of messages in the stream: batches no
	// consumer has acknowledged yet, waiting or being counted (and,
	// rarely, a stale copy of a counted one; see Done).
	Pending int
	// Unfinished is the number of segments whose publish has not
	// finished: still running, or failed, to be run again.
	Unfinished int
	// Unlisted is the number of records no manifest lists: left by hand
	// or by another layout; they are not counted.
	Unlisted int
}

// Done reports whether every batch published has its record. Pending is
// not asked: a server restarted while batches are acknowledged can keep
// a message its consumer has acknowledged, and a batch published again
// after a restart is only acknowledged; neither changes a count.
func (s Status) Done() bool { return s.Counted+s.Parked == s.Published }

func (s Status) String() string {
	return fmt.Sprintf("%d of %d batches counted, %d pending, %d parked (%d files)", s.Counted, s.Published, s.Pending, s.Parked, s.Files)
}

// Parked is a batch that could not be counted, and why.
type Parked struct {
	File   string
	Line   int64
	Offset int64
	Reason string
}

// Snapshot is the merged result of every batch counted so far.
type Snapshot struct {
	Status
	// Result is what one scan of the counted batches gives: their totals
	// and bytes, and the first malformed lines in publish order.
	Result scan.Result
	// Sections are those the consumers computed, all of them together.
	Sections out.Sections
	Parked   []Parked
	// NotLog lists the files counted whole in which no line was a record,
	// which scan refuses.
	NotLog []*scan.NotLogError
}

// Report merges the partial result of every batch the manifests list. It
// may run while consumers work: Status says what is not counted yet.
func Report(ctx context.Context, b *Bus) (Snapshot, error) {
	var snap Snapshot
	pending, err := b.pending(ctx)
	if err != nil {
		return snap, err
	}
	manifests, err := b.manifests(ctx)
	if err != nil {
		return snap, err
	}
	listed := listedBatches(manifests)
	next, stop, err := b.readFresh(ctx, batchPrefix)
	if err != nil {
		return snap, err
	}
	defer stop()
	type located struct {
		batch batch
		at    []position
	}
	var malformed []located
	files := map[string]*fileTally{}
	var totals agg.Totals
	seen := map[string]bool{}
	for {
		e, err := next()
		if err != nil {
			return snap, err
		}
		if e == nil {
			break // every value there was when the watch began has come
		}
		id := strings.TrimPrefix(e.Key(), batchPrefix)
		if !listed[id] || seen[id] {
			snap.Unlisted++
			continue
		}
		seen[id] = true
		rec, err := unmarshalRecord(e.Value())
		if err != nil {
			return snap, fmt.Errorf("bucket %s: key %s: %w", b.opts.Bucket, e.Key(), err)
		}
		if rec.Parked != "" {
			snap.Parked = append(snap.Parked, Parked{File: rec.Batch.File, Line: rec.Batch.Line, Offset: rec.Batch.Offset, Reason: rec.Parked})
			continue
		}
		snap.Counted++
		if err := totals.Add(&rec.Result.Totals); err != nil {
			return snap, fmt.Errorf("bucket %s: key %s: %w (consumers ran with different -window settings)", b.opts.Bucket, e.Key(), err)
		}
		snap.Sections.Actions = snap.Sections.Actions || rec.Sections.Actions
		snap.Sections.Latency = snap.Sections.Latency || rec.Sections.Latency
		snap.Sections.Times = snap.Sections.Times || rec.Sections.Times
		snap.Sections.Filter = snap.Sections.Filter || rec.Sections.Filter
		snap.Result.Bytes += rec.Result.Bytes
		for form, n := range rec.Result.Formats {
			if snap.Result.Formats == nil {
				snap.Result.Formats = make(map[string]map[string]int64)
			}
			forms := snap.Result.Formats[rec.Batch.File]
			if forms == nil {
				forms = make(map[string]int64, 1)
				snap.Result.Formats[rec.Batch.File] = forms
			}
			forms[form] += n
		}
		if len(rec.Result.MalformedAt) > 0 {
			malformed = append(malformed, located{rec.Batch, rec.Result.MalformedAt})
		}
		ft := files[rec.Batch.File]
		if ft == nil {
			ft = &fileTally{}
			files[rec.Batch.File] = ft
		}
		ft.add(&rec)
	}
	snap.Result.Totals = totals
	parked := len(snap.Parked)
	counted, unlisted := snap.Counted, snap.Unlisted
	snap.Status = status(manifests, pending)
	snap.Counted, snap.Status.Parked, snap.Unlisted = counted, parked, unlisted

	// A file is not a log when it was counted whole and no batch of it
	// held a record: as scan, report refuses it.
	for _, m := range manifests {
		if ft := files[m.File]; ft != nil {
			ft.listed += m.Batches
		}
	}
	for path, ft := range files {
		if ft.counted == ft.listed && ft.noRecord == ft.counted {
			snap.NotLog = append(snap.NotLog, &scan.NotLogError{Path: path, Malformed: ft.malformed, Long: ft.long, Seen: ft.seen})
		}
	}
	slices.SortFunc(snap.NotLog, func(a, b *scan.NotLogError) int { return cmp.Compare(a.Path, b.Path) })

	// The first malformed lines in the order scan would meet them: files
	// in publish order, lines in file order.
	slices.SortFunc(malformed, func(a, b located) int { return compareBatches(&a.batch, &b.batch) })
	for _, l := range malformed {
		for _, p := range l.at {
			if len(snap.Result.MalformedAt) < maxExamples {
				snap.Result.MalformedAt = append(snap.Result.MalformedAt, scan.Position{File: p.File, Line: p.Line})
			}
		}
	}
	slices.SortFunc(snap.Parked, func(a, b Parked) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Offset, b.Offset))
	})
	return snap, nil
}

// fileTally is what report needs to tell whether a file is a log.
type fileTally struct {
	listed, counted, noRecord int
	malformed, long           int64
	seen                      string
	first                     batch
}

func (t *fileTally) add(r *record) {
	t.counted++
	if r.NoRecord == nil {
		return
	}
	t.noRecord++
	t.malformed += r.NoRecord.Malformed
	t.long += r.NoRecord.Long
	if t.noRecord == 1 || r.Batch.Offset < t.first.Offset {
		t.first, t.seen = r.Batch, r.NoRecord.Seen
	}
}

func compareBatches(a, b *batch) int {
	return cmp.Or(cmp.Compare(a.Run, b.Run), cmp.Compare(a.Index, b.Index), cmp.Compare(a.File, b.File), cmp.Compare(a.Offset, b.Offset))
}

// listedBatches is the set of batch IDs the manifests list.
func listedBatches(manifests map[string]manifest) map[string]bool {
	ids := map[string]bool{}
	for id, m := range manifests {
		for i := range m.Batches {
			ids[batchID(id, i)] = true
		}
	}
	return ids
}

// status counts, from the manifests, what is published and pending; the
// caller counts the records.
func status(manifests map[string]manifest, pending int) Status {
	s := Status{Pending: pending}
	paths := map[string]bool{}
	for _, m := range manifests {
		paths[m.File] = true
		s.Published += m.Batches
		if !m.Complete {
			s.Unfinished++
		}
	}
	s.Files = len(paths)
	return s
}

// pending is the number of batches still in the work-queue stream.
func (b *Bus) pending(ctx context.Context) (int, error) {
	info, err := b.stream.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("stream %s: %w", b.opts.Stream, err)
	}
	return int(info.State.Msgs), nil
}

// Progress is a cheaper Status than Report's: it reads the manifests and
// the keys of the records, not their values, so it does not tell counted
// from parked batches (Parked is 0, Counted holds both).
func Progress(ctx context.Context, b *Bus) (Status, error) {
	pending, err := b.pending(ctx)
	if err != nil {
		return Status{}, err
	}
	manifests, err := b.manifests(ctx)
	if err != nil {
		return Status{}, err
	}
	listed := listedBatches(manifests)
	next, stop, err := b.readFresh(ctx, batchPrefix, jetstream.MetaOnly())
	if err != nil {
		return Status{}, err
	}
	defer stop()
	s := status(manifests, pending)
	for {
		e, err := next()
		if err != nil {
			return Status{}, err
		}
		if e == nil {
			return s, nil
		}
		if listed[strings.TrimPrefix(e.Key(), batchPrefix)] {
			s.Counted++
		} else {
			s.Unlisted++
		}
	}
}

// pollTimeout bounds one poll of Wait: a poll sent to a server that went
// down mid-way is given up and sent again.
const pollTimeout = 10 * time.Second

// pollBackoff caps the back-off of Wait and Retry: a poll after a node
// kill works again within a second or two, and every poll is cheap.
const pollBackoff = 500 * time.Millisecond

// stallTimeout is how long a bucket watch may send nothing before it is
// taken for lost: one whose server went down never says it is done.
const stallTimeout = 5 * time.Second

// watchEntries returns the function that gives a watch's next entry, nil
// once every value there was when it began has come, or an error if ctx
// ends or nothing comes for stallTimeout.
func watchEntries(ctx context.Context, w jetstream.KeyWatcher, what string) func() (jetstream.KeyValueEntry, error) {
	t := time.NewTimer(stallTimeout)
	return func() (jetstream.KeyValueEntry, error) {
		t.Reset(stallTimeout)
		select {
		case e, ok := <-w.Updates():
			if !ok {
				return nil, fmt.Errorf("%s: the watch ended early", what)
			}
			return e, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-t.C:
			return nil, fmt.Errorf("%s: nothing came for %s (a server down?)", what, stallTimeout)
		}
	}
}

// WaitError is Wait giving up: the status it saw last, and the last error
// that kept it from seeing one, if any.
type WaitError struct {
	Status Status
	Last   error // the last error of a poll, nil if the last poll worked
	Err    error // ctx's
}

func (e *WaitError) Error() string {
	msg := fmt.Sprintf("not every batch was counted in time (%s)", e.Status)
	switch {
	case e.Last != nil:
		msg += "; the last poll failed: " + e.Last.Error()
	case e.Status.Unfinished > 0 && e.Status.Pending == 0:
		msg += fmt.Sprintf("; the publish of %d file segments did not finish and nothing is left in the stream: run publish again", e.Status.Unfinished)
	case e.Status.Pending > 0:
		msg += "; is a consumer running?"
	}
	return msg
}

func (e *WaitError) Unwrap() error { return e.Err }

// Wait polls Progress until every published batch is counted or parked,
// or ctx ends; each poll's status goes to progress, if not nil. A poll
// that fails (a leader election, a restarting server) is polled again;
// if ctx ends first, the *WaitError names the last failure.
func Wait(ctx context.Context, b *Bus, every time.Duration, progress func(Status)) error {
	var last Status
	var lastErr error
	for attempt := 0; ; attempt++ {
		pctx, cancel := context.WithTimeout(ctx, pollTimeout)
		s, err := Progress(pctx, b)
		cancel()
		switch {
		case err == nil:
			last, lastErr, attempt = s, nil, 0
			if progress != nil {
				progress(s)
			}
			if s.Done() {
				return nil
			}
		case ctx.Err() == nil:
			lastErr = err
		}
		wait := every
		if lastErr != nil {
			wait = max(every, min(backoff(attempt), pollBackoff))
		}
		select {
		case <-ctx.Done():
			return &WaitError{Status: last, Last: lastErr, Err: ctx.Err()}
		case <-time.After(wait):
		}
	}
}

// Retry runs f until it works, an error is not transient (see fatal),
// ctx ends, or an attempt fails after until; each attempt runs under ctx
// alone, so a long one is not cut short. Report's reading rides out an
// election this way.
func Retry[T any](ctx context.Context, until time.Time, f func(context.Context) (T, error)) (T, error) {
	for attempt := 0; ; attempt++ {
		v, err := f(ctx)
		if err == nil || fatal(err) || ctx.Err() != nil || time.Now().After(until) {
			return v, err
		}
		select {
		case <-ctx.Done():
			return v, err
		case <-time.After(min(backoff(attempt), pollBackoff)):
		}
	}
}
