package bus

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/logproc/logproc/gen"
	"github.com/logproc/logproc/out"
	"github.com/logproc/logproc/scan"
)

// malformedLog writes a log of n lines with a malformed line every 97th,
// spread over many batches, so that which lines report locates depends on
// merging batches in scan's order.
func malformedLog(t *testing.T, dir, name string, n int) string {
	t.Helper()
	var data []byte
	for i := range n {
		if i%97 == 5 {
			data = append(data, "not a log line "+strconv.Itoa(i)+"\n"...)
		} else {
			data = append(data, "level=INFO user=u"+strconv.Itoa(i%31)+" msg=x latency_ms=3\n"...)
		}
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func report(t *testing.T, b *Bus) Snapshot {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	snap, err := Report(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// countAllNoMerge is countAll that waits with Progress, which merges
// nothing, not with Wait.
func countAllNoMerge(t *testing.T, ts *testServer, b *Bus) {
	t.Helper()
	c := startConsumers(t, ts, 2, testOptions, nil)
	defer c.stop()
	deadline := time.Now().Add(30 * time.Second)
	for {
		s, err := Progress(context.Background(), b)
		if err == nil && s.Done() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not every batch counted in 30 s: %v, %v", s, err)
		}
		time.Sleep(10 * time.Millisecond) // a poll, not a synchronisation
	}
}

// TestReportCheckpoint: a report reads only the records written since
// the last one, and its answer is scan's to the byte; with the checkpoint
// gone it reads them all and gives the same bytes.
func TestReportCheckpoint(t *testing.T) {
	ts := startTestServer(t)
	dir := t.TempDir()
	a := genFile(t, dir, "a.log", gen.Options{Records: 8000, Seed: 21})
	m := malformedLog(t, dir, "m.log", 6000)
	b := ts.connect(t, "test")
	stA := publish(t, b, 16<<10, a)
	countAllNoMerge(t, ts, b)
	snap := report(t, b)
	sameAsScan(t, snap, a)
	if snap.read != stA.Batches {
		t.Errorf("first report read %d records, want all %d", snap.read, stA.Batches)
	}
	if snap = report(t, b); snap.read != 0 {
		t.Errorf("a report with nothing new read %d records, want 0", snap.read)
	}
	sameAsScan(t, snap, a)

	stM := publish(t, b, 16<<10, m)
	countAllNoMerge(t, ts, b)
	snap = report(t, b)
	sameAsScan(t, snap, a, m)
	if snap.read != stM.Batches {
		t.Errorf("report after a second file read %d records, want its %d", snap.read, stM.Batches)
	}
	// Wait merges as it waits, and saves what it merged for the report.
	stW := publish(t, b, 16<<10, malformedLog(t, dir, "w.log", 3000))
	if snap = countAll(t, ts, b); snap.read != 0 || stW.Batches == 0 {
		t.Errorf("report after Wait read %d records, want 0 (Wait merged the %d new)", snap.read, stW.Batches)
	}
	if err := b.kv.Delete(context.Background(), checkpointKey); err != nil {
		t.Fatal(err)
	}
	snap = report(t, b)
	sameAsScan(t, snap, a, m, filepath.Join(dir, "w.log"))
	if all := stA.Batches + stM.Batches + stW.Batches; snap.read != all {
		t.Errorf("report without a checkpoint read %d records, want all %d", snap.read, all)
	}
}

// TestReportCheckpointConcurrent: reports run while consumers write
// records, each saving a checkpoint the next starts from; the last is
// scan's to the byte, malformed lines included (their batches are
// merged out of order), and so is a report from no checkpoint.
func TestReportCheckpointConcurrent(t *testing.T) {
	ts := startTestServer(t)
	path := malformedLog(t, t.TempDir(), "m.log", 30000)
	b := ts.connect(t, "test")
	st := publish(t, b, 8<<10, path)
	r := ts.connect(t, "reporter")
	var mu sync.Mutex
	var reports, partial int
	var errs []error
	c := startConsumers(t, ts, 2, withMetrics(ConsumeOptions{Workers: 1}), func(i int, _ *Bus) func(batch) {
		n := 0
		return func(batch) {
			if n++; n%7 != i { // each consumer reports now and then, the other writing meanwhile
				return
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			snap, err := Report(ctx, r)
			cancel()
			mu.Lock()
			defer mu.Unlock()
			reports++
			if err != nil {
				errs = append(errs, err)
			} else if !snap.Done() {
				partial++
			}
		}
	})
	snap := waitDone(t, b)
	c.stop()
	for _, err := range errs {
		t.Errorf("a report while consumers wrote: %v", err)
	}
	if partial < 3 {
		t.Errorf("%d of %d reports ran before the end: the test did not test it", partial, reports)
	}
	sameAsScan(t, snap, path)
	if snap.read >= st.Batches {
		t.Errorf("the last report read %d of %d records: no checkpoint used", snap.read, st.Batches)
	}
	if err := b.kv.Delete(context.Background(), checkpointKey); err != nil {
		t.Fatal(err)
	}
	sameAsScan(t, report(t, b), path)
}

// TestReportCheckpointReset: after a reset the old checkpoint is gone
// with its bucket, and another file published counts alone.
func TestReportCheckpointReset(t *testing.T) {
	ts := startTestServer(t)
	dir := t.TempDir()
	a := genFile(t, dir, "a.log", gen.Options{Records: 6000, Seed: 22})
	other := genFile(t, dir, "b.log", gen.Options{Records: 5000, Seed: 23})
	b := ts.connect(t, "test")
	publish(t, b, 16<<10, a)
	sameAsScan(t, countAll(t, ts, b), a)
	if _, err := b.kv.Get(context.Background(), checkpointKey); err != nil {
		t.Fatalf("no checkpoint after a report: %v", err)
	}
	if _, err := Reset(context.Background(), Options{URLs: ts.url, Stream: "T", Bucket: "t", Replicas: 1}); err != nil {
		t.Fatal(err)
	}
	b = ts.connect(t, "after")
	publish(t, b, 16<<10, other)
	sameAsScan(t, countAll(t, ts, b), other)
}

// TestReportSkipped: a record read before a manifest lists it is not
// counted, and the next report, once the manifest is there, counts it:
// the checkpoint's revision does not hide it. A record of version 1 is
// refused with one line.
func TestReportSkipped(t *testing.T) {
	ts := startTestServer(t)
	path := malformedLog(t, t.TempDir(), "s.log", 500)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b := ts.connect(t, "test")
	ctx := context.Background()
	seg := strings.Repeat("ab", segIDLen/2)
	bt := batch{ID: batchID(seg, 0), File: path, Line: 1}
	res, err := scan.Reader(ctx, path, bytes.NewReader(data), scanAll(scan.Options{Workers: 1, PartOfFile: true}))
	if err != nil {
		t.Fatal(err)
	}
	rec := record{Batch: bt, Result: resultOf(&res, &bt), Sections: out.AllSections()}
	val, err := rec.marshal()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.kv.Create(ctx, batchPrefix+bt.ID, val); err != nil {
		t.Fatal(err)
	}
	if snap := report(t, b); snap.Counted != 0 || snap.Unlisted != 1 || snap.Result.Totals.Lines() != 0 {
		t.Fatalf("a record no manifest lists: %+v, want 1 unlisted and nothing counted", snap.Status)
	}
	mf := manifest{File: path, To: int64(len(data)), Hash: strings.Repeat("0", 64), Grid: 1 << 20, Batches: 1, FirstLine: 1, Complete: true}
	mval, err := mf.marshal()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.kv.Create(ctx, filePrefix+seg, mval); err != nil {
		t.Fatal(err)
	}
	snap := report(t, b)
	if snap.Counted != 1 || snap.Unlisted != 0 || !snap.Done() {
		t.Fatalf("the record, listed now: %+v, want it counted", snap.Status)
	}
	sameAsScan(t, snap, path)

	// A version 1 record (JSON) for a batch a manifest lists.
	mf.Batches = 2
	if mval, err = mf.marshal(); err != nil {
		t.Fatal(err)
	}
	if _, err := b.kv.Put(ctx, filePrefix+seg, mval); err != nil {
		t.Fatal(err)
	}
	if _, err := b.kv.Create(ctx, batchPrefix+batchID(seg, 1), []byte(`{"v":1,"batch":{},"result":{}}`)); err != nil {
		t.Fatal(err)
	}
	_, err = Report(ctx, b)
	if err == nil || !strings.Contains(err.Error(), "record version 1; this logproc reads version 5") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("a version 1 record: %v, want refused in one line", err)
	}
}
