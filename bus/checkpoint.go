package bus

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	json "github.com/goccy/go-json"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/logproc/logproc/agg"
	"github.com/logproc/logproc/out"
)

// checkpointKey is where report keeps what it merged, so that the next
// report reads only the records written since: its cost grows with the
// new batches, not with all of them. A reset deletes it with the bucket.
const checkpointKey = "r.merged"

// merged is every record a report has read, folded together. It is exact
// by construction: a record is added once (Batches), and every record
// whose revision is at most Rev was read, so the next report watches from
// Rev+1; a record read while no manifest listed it yet is not added, and
// is read again by the next report (Skipped).
type merged struct {
	V int `json:"v"`
	// Born is when the bucket was made (Unix ns): a checkpoint is of one
	// bucket, not of another made under its name after a reset.
	Born int64 `json:"born"`
	// Rev is the bucket revision up to which every record was read.
	Rev uint64 `json:"rev"`
	// Batches are the IDs added, counted or parked.
	Batches idSet `json:"batches"`
	// Skipped are the IDs of records read when no manifest listed them.
	Skipped []string `json:"skipped,omitempty"`

	Counted  int        `json:"counted"`
	Totals   agg.Totals `json:"totals"` // Users go in the users section, from users (fill)
	users    userSums
	Sections out.Sections `json:"sections"`
	Bytes    int64        `json:"bytes"`
	// Formats counts lines by file and form.
	Formats map[string]map[string]int64 `json:"formats,omitempty"`
	// Malformed are the batches with malformed lines, in scan's order,
	// cut to those that hold the first maxExamples lines.
	Malformed []located             `json:"malformed,omitempty"`
	Files     map[string]*fileTally `json:"files,omitempty"`
	Parked    []Parked              `json:"parked,omitempty"`
}

// located is a batch's malformed lines.
type located struct {
	Batch batch      `json:"batch"`
	At    []position `json:"at"`
}

func newMerged(born int64) *merged {
	return &merged{Born: born, Batches: idSet{}, Files: map[string]*fileTally{}}
}

// add folds one record in; users is its users section (decodeRecord).
func (m *merged) add(id string, rec *record, users []byte) error {
	m.Batches[id] = true
	if rec.Parked != "" {
		m.Parked = append(m.Parked, Parked{File: rec.Batch.File, Line: rec.Batch.Line, Offset: rec.Batch.Offset, Reason: rec.Parked})
		return nil
	}
	m.Counted++
	if err := m.users.add(users); err != nil {
		return err
	}
	if err := m.Totals.Add(&rec.Result.Totals); err != nil {
		return fmt.Errorf("%w (consumers ran with different -window settings)", err)
	}
	m.Sections.Actions = m.Sections.Actions || rec.Sections.Actions
	m.Sections.Latency = m.Sections.Latency || rec.Sections.Latency
	m.Sections.Times = m.Sections.Times || rec.Sections.Times
	m.Sections.Filter = m.Sections.Filter || rec.Sections.Filter
	m.Bytes += rec.Result.Bytes
	for form, n := range rec.Result.Formats {
		if m.Formats == nil {
			m.Formats = make(map[string]map[string]int64)
		}
		forms := m.Formats[rec.Batch.File]
		if forms == nil {
			forms = make(map[string]int64, 1)
			m.Formats[rec.Batch.File] = forms
		}
		forms[form] += n
	}
	if len(rec.Result.MalformedAt) > 0 {
		m.Malformed = append(m.Malformed, located{rec.Batch, rec.Result.MalformedAt})
	}
	ft := m.Files[rec.Batch.File]
	if ft == nil {
		ft = &fileTally{}
		m.Files[rec.Batch.File] = ft
	}
	ft.add(rec)
	return nil
}

// trim sorts the malformed lines as scan would meet them (files in
// publish order, lines in file order) and keeps the batches that hold
// the first maxExamples: no batch added later can push one of them out
// but by coming before it.
func (m *merged) trim() {
	slices.SortFunc(m.Malformed, func(a, b located) int { return compareBatches(&a.Batch, &b.Batch) })
	n := 0
	for i, l := range m.Malformed {
		if n >= maxExamples {
			m.Malformed = m.Malformed[:i]
			break
		}
		n += len(l.At)
	}
	slices.SortFunc(m.Parked, func(a, b Parked) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Offset, b.Offset))
	})
}

// valid reports whether every batch m added is one a manifest lists: a
// manifest gone (deleted by hand) makes the checkpoint stale.
func (m *merged) valid(listed map[string]bool) bool {
	for id := range m.Batches {
		if !listed[id] {
			return false
		}
	}
	return true
}

func (m *merged) marshal() ([]byte, error) {
	m.V = recordVersion
	m.users.fill(&m.Totals.Users)
	return packTotals(m, &m.Totals)
}

func unmarshalMerged(val []byte) (*merged, error) {
	m := newMerged(0)
	users, err := unpackTotals(val, m, &m.Totals)
	if err != nil {
		return nil, err
	}
	if m.Batches == nil || m.Files == nil {
		return nil, errors.New("checkpoint: no batches or files")
	}
	return m, m.users.add(users)
}

// loadCheckpoint is the bucket's checkpoint, or an empty merge when there
// is none or it cannot be used (another version, another bucket, a
// manifest gone): a checkpoint only saves work, and a full merge is
// always exact.
func (b *Bus) loadCheckpoint(ctx context.Context, listed map[string]bool, born int64) (*merged, error) {
	e, err := b.kv.Get(ctx, checkpointKey)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
		return newMerged(born), nil
	case err != nil:
		return nil, fmt.Errorf("bucket %s: key %s: %w", b.opts.Bucket, checkpointKey, err)
	}
	m, err := unmarshalMerged(e.Value())
	if err != nil || m.Born != born || !m.valid(listed) {
		return newMerged(born), nil
	}
	return m, nil
}

// bucketBorn is when the bucket was made, in Unix nanoseconds.
func (b *Bus) bucketBorn(ctx context.Context) (int64, error) {
	st, err := b.kv.Status(ctx)
	if err != nil {
		return 0, fmt.Errorf("bucket %s: %w", b.opts.Bucket, err)
	}
	bs, ok := st.(*jetstream.KeyValueBucketStatus)
	if !ok || bs.StreamInfo() == nil {
		return 0, fmt.Errorf("bucket %s: no stream info in its status", b.opts.Bucket)
	}
	return bs.StreamInfo().Created.UnixNano(), nil
}

// saveCheckpoint stores m for the next report. A checkpoint too big for a
// message, or a write that fails, costs the next report time, not
// exactness: the error is not report's. It reports whether m fit.
func (b *Bus) saveCheckpoint(ctx context.Context, m *merged) bool {
	val, err := m.marshal()
	if err != nil || int64(len(val)) > b.MaxPayload() {
		return false
	}
	b.kv.Put(ctx, checkpointKey, val)
	return true
}

// idSet is a set of batch IDs, stored as each segment's index ranges.
type idSet map[string]bool

// MarshalJSON writes {"segment": [from, to, from, to, …]}, the ranges
// [from, to) of the indices in the set.
func (s idSet) MarshalJSON() ([]byte, error) {
	bySeg := map[string][]int{}
	for id := range s {
		i, err := strconv.Atoi(id[min(len(id), segIDLen+1):])
		if err != nil || !validID(id) {
			return nil, fmt.Errorf("checkpoint: batch ID %q", id)
		}
		bySeg[segmentOf(id)] = append(bySeg[segmentOf(id)], i)
	}
	ranges := make(map[string][]int, len(bySeg))
	for seg, idx := range bySeg {
		slices.Sort(idx)
		var r []int
		for _, i := range idx {
			if n := len(r); n > 0 && r[n-1] == i {
				r[n-1] = i + 1
			} else {
				r = append(r, i, i+1)
			}
		}
		ranges[seg] = r
	}
	return json.Marshal(ranges)
}

func (s *idSet) UnmarshalJSON(b []byte) error {
	var ranges map[string][]int
	if err := json.Unmarshal(b, &ranges); err != nil {
		return err
	}
	set := idSet{}
	for seg, r := range ranges {
		if len(r)%2 != 0 || len(seg) != segIDLen || strings.Contains(seg, ".") {
			return fmt.Errorf("checkpoint: segment %q: ranges %v", seg, r)
		}
		for k := 0; k < len(r); k += 2 {
			if r[k] < 0 || r[k] >= r[k+1] {
				return fmt.Errorf("checkpoint: segment %q: range [%d, %d)", seg, r[k], r[k+1])
			}
			for i := r[k]; i < r[k+1]; i++ {
				set[batchID(seg, i)] = true
			}
		}
	}
	*s = set
	return nil
}
