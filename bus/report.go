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

	read int // records this report read from the bucket: the rest came from its checkpoint
}

// Report merges the partial result of every batch the manifests list. It
// may run while consumers work: Status says what is not counted yet. It
// starts from what the last report merged (its checkpoint in the bucket)
// and reads only the records written since.
func Report(ctx context.Context, b *Bus) (Snapshot, error) {
	r := reporter{users: true}
	snap, err := r.step(ctx, b)
	if err == nil {
		r.save(ctx, b)
	}
	return snap, err
}

// reporter merges step by step: each step reads only the records new
// since the one before, the first since the bucket's checkpoint.
type reporter struct {
	m       *merged
	unsaved int       // records merged since the checkpoint was saved
	saved   time.Time // when it was
	tooBig  bool      // the merge outgrew a message: no more saving
	users   bool      // a snapshot has its users (Wait's need only its status)
}

func (r *reporter) step(ctx context.Context, b *Bus) (Snapshot, error) {
	pending, err := b.pending(ctx)
	if err != nil {
		return Snapshot{}, err
	}
	manifests, err := b.manifests(ctx)
	if err != nil {
		return Snapshot{}, err
	}
	listed := listedBatches(manifests)
	born, err := b.bucketBorn(ctx)
	if err != nil {
		return Snapshot{}, err
	}
	if r.m == nil || r.m.Born != born || !r.m.valid(listed) {
		if r.m, err = b.loadCheckpoint(ctx, listed, born); err != nil {
			return Snapshot{}, err
		}
		r.unsaved = 0
	}
	read, err := b.mergeNew(ctx, r.m, listed)
	if err != nil {
		r.m = nil // part of a step: the next starts again from the checkpoint
		return Snapshot{}, err
	}
	r.m.trim()
	r.unsaved += read
	if r.users {
		r.m.users.fill(&r.m.Totals.Users)
	}
	snap := r.m.snapshot(manifests, pending)
	snap.read = read
	return snap, nil
}

// save stores the checkpoint if anything was merged since the last; once
// the merge is too big for a message it stops trying (users only grow).
func (r *reporter) save(ctx context.Context, b *Bus) {
	if r.m != nil && r.unsaved > 0 && !r.tooBig {
		r.tooBig = !b.saveCheckpoint(ctx, r.m)
		r.unsaved, r.saved = 0, time.Now()
	}
}

// mergeNew adds to m the records written since m.Rev, and those m
// skipped that a manifest lists now; it returns how many records it
// read from the bucket.
func (b *Bus) mergeNew(ctx context.Context, m *merged, listed map[string]bool) (int, error) {
	read := 0
	addValue := func(id string, val []byte) error {
		rec, users, err := decodeRecord(val)
		if err == nil {
			err = m.add(id, &rec, users)
		}
		if err != nil {
			return fmt.Errorf("bucket %s: key %s%s: %w", b.opts.Bucket, batchPrefix, id, err)
		}
		return nil
	}
	// Records skipped before, when no manifest listed them yet.
	var skipped []string
	for _, id := range m.Skipped {
		if !listed[id] || m.Batches[id] {
			skipped = append(skipped, id)
			continue
		}
		e, err := b.kv.Get(ctx, batchPrefix+id)
		read++
		if err != nil {
			return read, fmt.Errorf("bucket %s: key %s%s: %w", b.opts.Bucket, batchPrefix, id, err)
		}
		if err := addValue(id, e.Value()); err != nil {
			return read, err
		}
	}
	// Delete markers are read too: the read is fresh when it reaches the
	// leader's last revision, whatever that revision holds (readFresh).
	var opts []jetstream.WatchOpt
	if m.Rev > 0 {
		opts = append(opts, jetstream.ResumeFromRevision(m.Rev+1))
	}
	next, stop, err := b.readFresh(ctx, batchPrefix, m.Rev, opts...)
	if err != nil {
		return read, err
	}
	defer stop()
	for {
		e, err := next()
		if err != nil {
			return read, err
		}
		if e == nil {
			break // every value there was when the watch began has come
		}
		read++
		// Entries come in revision order: every record up to this one
		// has come.
		m.Rev = max(m.Rev, e.Revision())
		id := strings.TrimPrefix(e.Key(), batchPrefix)
		switch {
		case m.Batches[id]:
			// Added already: a key written again (by hand) adds nothing.
		case !listed[id]:
			skipped = append(skipped, id)
		default:
			if err := addValue(id, e.Value()); err != nil {
				return read, err
			}
		}
	}
	slices.Sort(skipped)
	m.Skipped = slices.Compact(skipped)
	return read, nil
}

// snapshot is the Snapshot of m, for the manifests and pending batches
// there are now.
func (m *merged) snapshot(manifests map[string]manifest, pending int) Snapshot {
	snap := Snapshot{Status: status(manifests, pending)}
	snap.Counted, snap.Status.Parked, snap.Unlisted = m.Counted, len(m.Parked), len(m.Skipped)
	snap.Result.Totals = m.Totals
	snap.Result.Bytes = m.Bytes
	snap.Result.Formats = m.Formats
	snap.Sections = m.Sections
	snap.Parked = m.Parked

	// A file is not a log when it was counted whole and no batch of it
	// held a record: as scan, report refuses it.
	listed := map[string]int{}
	for _, mf := range manifests {
		listed[mf.File] += mf.Batches
	}
	for path, ft := range m.Files {
		if ft.Counted == listed[path] && ft.NoRecord == ft.Counted {
			snap.NotLog = append(snap.NotLog, &scan.NotLogError{Path: path, Malformed: ft.Malformed, Long: ft.Long, Seen: ft.Seen})
		}
	}
	slices.SortFunc(snap.NotLog, func(a, b *scan.NotLogError) int { return cmp.Compare(a.Path, b.Path) })

	for _, l := range m.Malformed { // in scan's order (trim)
		for _, p := range l.At {
			if len(snap.Result.MalformedAt) < maxExamples {
				snap.Result.MalformedAt = append(snap.Result.MalformedAt, scan.Position{File: p.File, Line: p.Line})
			}
		}
	}
	return snap
}

// fileTally is what report needs to tell whether a file is a log.
type fileTally struct {
	Counted   int    `json:"counted"`
	NoRecord  int    `json:"no_record,omitempty"`
	Malformed int64  `json:"malformed,omitempty"`
	Long      int64  `json:"long,omitempty"`
	Seen      string `json:"seen,omitempty"`
	First     batch  `json:"first"`
}

func (t *fileTally) add(r *record) {
	t.Counted++
	if r.NoRecord == nil {
		return
	}
	t.NoRecord++
	t.Malformed += r.NoRecord.Malformed
	t.Long += r.NoRecord.Long
	if t.NoRecord == 1 || r.Batch.Offset < t.First.Offset {
		t.First, t.Seen = r.Batch, r.NoRecord.Seen
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
	next, stop, err := b.readFresh(ctx, batchPrefix, 0, jetstream.MetaOnly())
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
	case e.Status.Published == 0:
		msg += "; nothing was published: is publish running, with the same -stream and -bucket?"
	case e.Status.Unfinished > 0 && e.Status.Pending == 0:
		msg += fmt.Sprintf("; the publish of %d file segments did not finish and nothing is left in the stream: run publish again", e.Status.Unfinished)
	case e.Status.Pending > 0:
		msg += "; is a consumer running?"
	}
	return msg
}

func (e *WaitError) Unwrap() error { return e.Err }

// Wait polls until something is published and every published batch is
// counted or parked, or ctx ends; each poll's status goes to progress, if not nil. Each poll merges
// the records new since the last (as Report does) and the checkpoint is
// saved now and then and at the end, so that the Report after it reads
// only what came since. A poll that fails (a leader election, a
// restarting server) is polled again; if ctx ends first, the *WaitError
// names the last failure.
func Wait(ctx context.Context, b *Bus, every time.Duration, progress func(Status)) error {
	_, err := WaitReport(ctx, b, every, progress)
	return err
}

// WaitReport is Wait that returns, once every batch is done, the Report
// of its last poll: what a Report right after it would read again.
func WaitReport(ctx context.Context, b *Bus, every time.Duration, progress func(Status)) (Snapshot, error) {
	var last Status
	var lastErr error
	var r reporter
	r.saved = time.Now()
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	wake := b.watchWrites(wctx)
	for attempt := 0; ; attempt++ {
		pctx, cancel := context.WithTimeout(ctx, pollTimeout)
		snap, err := r.step(pctx, b)
		s := snap.Status
		switch {
		case err == nil:
			last, lastErr, attempt = s, nil, 0
			if progress != nil {
				progress(s)
			}
			// Nothing published is not done: report -wait is often started
			// before publish, and 0 of 0 would end it with empty results.
			done := s.Done() && s.Published > 0
			if done || time.Since(r.saved) >= saveEvery {
				r.save(pctx, b)
			}
			if done {
				snap.Status.Pending = settle(pctx, b, snap.Status.Pending)
				cancel()
				r.m.users.fill(&r.m.Totals.Users)
				snap.Result.Totals.Users = r.m.Totals.Users
				return snap, nil
			}
		case ctx.Err() == nil:
			lastErr = err
		}
		cancel()
		wait := every
		woken := wake
		if lastErr != nil {
			wait, woken = max(every, min(backoff(attempt), pollBackoff)), nil
		}
		select {
		case <-ctx.Done():
			return Snapshot{}, &WaitError{Status: last, Last: lastErr, Err: ctx.Err()}
		case <-time.After(wait):
		case <-woken:
			// A record or manifest was written: poll now, but not more
			// often than every minPoll.
			select {
			case <-ctx.Done():
			case <-time.After(minPoll):
			}
		}
	}
}

// minPoll is the shortest time between two polls of Wait.
const minPoll = 10 * time.Millisecond

// settle is the stream's pending count once the acknowledgements of the
// last batches counted have landed (a consumer acknowledges a batch just
// after its record is written), given pending as read with the records:
// asked again every settleEvery while not 0, for up to settleWait.
func settle(ctx context.Context, b *Bus, pending int) int {
	for deadline := time.Now().Add(settleWait); pending > 0 && time.Now().Before(deadline); {
		select {
		case <-ctx.Done():
			return pending
		case <-time.After(settleEvery):
		}
		if p, err := b.pending(ctx); err == nil {
			pending = p
		}
	}
	return pending
}

// settleWait bounds settle: a stale copy of a counted batch (see Done)
// stays pending longer, and is reported as it is. An acknowledgement
// takes a round trip: settleEvery is short.
const (
	settleWait  = 200 * time.Millisecond
	settleEvery = 2 * time.Millisecond
)

// watchWrites returns a channel that receives when a key of the bucket is
// written, until ctx ends. The watch starts in the background: during an
// election making it can take as long as ctx, and Wait polls on its timer
// meanwhile, or for good if the watch cannot start.
func (b *Bus) watchWrites(ctx context.Context) <-chan struct{} {
	wake := make(chan struct{}, 1)
	go func() {
		w, err := b.kv.WatchAll(ctx, jetstream.UpdatesOnly(), jetstream.MetaOnly())
		if err != nil {
			return
		}
		defer w.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case _, ok := <-w.Updates():
				if !ok {
					return
				}
				select {
				case wake <- struct{}{}:
				default:
				}
			}
		}
	}()
	return wake
}

// saveEvery is how often Wait saves what it merged, at most.
const saveEvery = time.Second

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
