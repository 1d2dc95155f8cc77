package bus

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	json "github.com/goccy/go-json"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/logproc/logproc/agg"
	"github.com/logproc/logproc/out"
	"github.com/logproc/logproc/scan"
)

// maxExamples is how many malformed lines a result locates, as in scan.
const maxExamples = agg.MaxExamples

// Status is how far the counting is.
type Status struct {
	Files     int // files published whole
	Published int // batches of those files
	Counted   int // batches with a partial result
	Parked    int // batches that could not be counted
	// Pending is the number of messages in the stream: batches no
	// consumer has acknowledged yet, waiting or being counted (and,
	// rarely, a stale copy; see Done).
	Pending int
	// Unlisted is the number of records of files whose publish has not
	// finished (or failed): they are counted, but their file's batches are
	// not all known yet.
	Unlisted int
}

// Done reports whether every batch published is counted or parked. It
// goes by the records alone: each batch has at most one, so as many
// records as batches is the whole. Pending is not asked: a server
// restarted while batches are acknowledged can keep a message its
// consumer has acknowledged (seen in TestServerRestartDuringPublish about
// once in 30 runs: ack floor past it, the record stored, the message
// still in the work-queue stream), and a batch published again after a
// restart is only acknowledged; neither changes a count.
func (s Status) Done() bool {
	return s.Unlisted == 0 && s.Counted+s.Parked >= s.Published
}

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
}

// Report merges every partial result in the bucket. It may run while
// consumers work: Status says what is not counted yet.
func Report(ctx context.Context, b *Bus) (Snapshot, error) {
	var snap Snapshot
	pending, err := b.pending(ctx)
	if err != nil {
		return snap, err
	}
	w, err := b.kv.WatchAll(ctx, jetstream.IgnoreDeletes())
	if err != nil {
		return snap, fmt.Errorf("bucket %s: %w", b.opts.Bucket, err)
	}
	defer w.Stop()
	manifests := map[string]manifest{}
	perFile := map[string]int{}
	type located struct {
		batch batch
		at    []scan.Position
	}
	var malformed []located
	var totals agg.Totals
	counted := 0
	for {
		var e jetstream.KeyValueEntry
		select {
		case e = <-w.Updates():
		case <-ctx.Done():
			return snap, ctx.Err()
		}
		if e == nil {
			break // every value there was when the watch began has come
		}
		key := e.Key()
		switch {
		case strings.HasPrefix(key, filePrefix):
			var m manifest
			if err := json.Unmarshal(e.Value(), &m); err != nil {
				return snap, fmt.Errorf("bucket %s: key %s: %w", b.opts.Bucket, key, err)
			}
			manifests[strings.TrimPrefix(key, filePrefix)] = m
		case strings.HasPrefix(key, batchPrefix):
			rec, err := unmarshalRecord(e.Value())
			if err != nil {
				return snap, fmt.Errorf("bucket %s: key %s: %w", b.opts.Bucket, key, err)
			}
			perFile[fileOf(strings.TrimPrefix(key, batchPrefix))]++
			if rec.Parked != "" {
				snap.Parked = append(snap.Parked, Parked{File: rec.Batch.File, Line: rec.Batch.Line, Offset: rec.Batch.Offset, Reason: rec.Parked})
				continue
			}
			counted++
			if err := totals.Add(&rec.Result.Totals); err != nil {
				return snap, fmt.Errorf("bucket %s: key %s: %w (consumers ran with different -window settings)", b.opts.Bucket, key, err)
			}
			snap.Sections.Actions = snap.Sections.Actions || rec.Sections.Actions
			snap.Sections.Latency = snap.Sections.Latency || rec.Sections.Latency
			snap.Sections.Times = snap.Sections.Times || rec.Sections.Times
			snap.Sections.Filter = snap.Sections.Filter || rec.Sections.Filter
			snap.Result.Bytes += rec.Result.Bytes
			if len(rec.Result.MalformedAt) > 0 {
				malformed = append(malformed, located{rec.Batch, rec.Result.MalformedAt})
			}
		}
	}
	snap.Result.Totals = totals
	snap.Status = status(manifests, perFile, pending)
	snap.Counted, snap.Status.Parked = counted, len(snap.Parked)

	// The first malformed lines in the order scan would meet them: files
	// in publish order, lines in file order.
	slices.SortFunc(malformed, func(a, b located) int { return compareBatches(&a.batch, &b.batch) })
	for _, l := range malformed {
		for _, p := range l.at {
			if len(snap.Result.MalformedAt) < maxExamples {
				snap.Result.MalformedAt = append(snap.Result.MalformedAt, p)
			}
		}
	}
	slices.SortFunc(snap.Parked, func(a, b Parked) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Offset, b.Offset))
	})
	return snap, nil
}

func compareBatches(a, b *batch) int {
	return cmp.Or(cmp.Compare(a.Run, b.Run), cmp.Compare(a.Index, b.Index), cmp.Compare(a.File, b.File), cmp.Compare(a.Offset, b.Offset))
}

// status counts, from the manifests and the number of records per file,
// what is published, counted and pending. Counted and Parked are the sum of
// the records of files that have a manifest; they are split by the caller
// when it knows which records are parked.
func status(manifests map[string]manifest, perFile map[string]int, pending int) Status {
	s := Status{Files: len(manifests), Pending: pending}
	for id, m := range manifests {
		s.Published += m.Batches
		s.Counted += perFile[id]
	}
	for id, n := range perFile {
		if _, ok := manifests[id]; !ok {
			s.Unlisted += n
		}
	}
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
	manifests := map[string]manifest{}
	w, err := b.kv.Watch(ctx, filePrefix+">", jetstream.IgnoreDeletes())
	if err != nil {
		return Status{}, fmt.Errorf("bucket %s: %w", b.opts.Bucket, err)
	}
	defer w.Stop()
	for e := range w.Updates() {
		if e == nil {
			break
		}
		var m manifest
		if err := json.Unmarshal(e.Value(), &m); err != nil {
			return Status{}, fmt.Errorf("bucket %s: key %s: %w", b.opts.Bucket, e.Key(), err)
		}
		manifests[strings.TrimPrefix(e.Key(), filePrefix)] = m
	}
	keys, err := b.kv.ListKeysFiltered(ctx, batchPrefix+">")
	if err != nil {
		return Status{}, fmt.Errorf("bucket %s: %w", b.opts.Bucket, err)
	}
	perFile := map[string]int{}
	for k := range keys.Keys() {
		perFile[fileOf(strings.TrimPrefix(k, batchPrefix))]++
	}
	return status(manifests, perFile, pending), nil
}

// Wait polls Progress until every published batch is counted or parked,
// or ctx ends; each poll's status goes to progress, if not nil.
func Wait(ctx context.Context, b *Bus, every time.Duration, progress func(Status)) error {
	for {
		s, err := Progress(ctx, b)
		if err != nil {
			return err
		}
		if progress != nil {
			progress(s)
		}
		if s.Done() {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(every):
		}
	}
}
