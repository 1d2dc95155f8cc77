package bus

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/logproc/logproc/gen"
	"github.com/logproc/logproc/scan"
)

// TestByReference: batches sent by reference carry no bytes, and the
// consumers' counts equal scan's; a file changed after publish is parked
// with the reason, not miscounted.
func TestByReference(t *testing.T) {
	ts := startTestServer(t)
	dir := t.TempDir()
	path := genFile(t, dir, "a.log", gen.Options{Records: 20000, Seed: 31})
	b := ts.connect(t, "test")
	st, err := Publish(context.Background(), b, []string{path}, PublishOptions{BatchSize: 256 << 10, ByReference: true})
	if err != nil {
		t.Fatal(err)
	}
	info, err := b.stream.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Batches < 5 || info.State.Bytes > uint64(st.Batches)*1024 {
		t.Fatalf("%d batches take %d bytes in the stream: want references, not bytes", st.Batches, info.State.Bytes)
	}
	sameAsScan(t, countAll(t, ts, b), path)

	// Another file, changed in place between publish and consume.
	other := genFile(t, dir, "b.log", gen.Options{Records: 5000, Seed: 32})
	if _, err := Publish(context.Background(), b, []string{other}, PublishOptions{ByReference: true}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(other)
	i := bytes.Index(data, []byte("level=INFO"))
	copy(data[i:], "level=WARN")
	if err := os.WriteFile(other, data, 0o644); err != nil {
		t.Fatal(err)
	}
	snap := countAll(t, ts, b)
	if len(snap.Parked) != 1 || !strings.Contains(snap.Parked[0].Reason, "changed since it was published") {
		t.Fatalf("parked %+v, want the changed file's batch", snap.Parked)
	}
	sameAsScan(t, snap, path) // the changed file counts nothing
}

// TestReadModes: publish and consumers read a file in place in its
// mapping or copied with pread (scan's readmode.go), by value and by
// reference, and every way counts what scan does.
func TestReadModes(t *testing.T) {
	ts := startTestServer(t)
	dir := t.TempDir()
	b := ts.connect(t, "test")
	var paths []string // the report counts every file published so far
	for i, mode := range []scan.ReadMode{scan.ReadMmap, scan.ReadPread} {
		for j, byRef := range []bool{false, true} {
			path := genFile(t, dir, fmt.Sprintf("%s-%v.log", mode, byRef), gen.Options{Records: 12000, Seed: uint64(40 + 2*i + j)})
			paths = append(paths, path)
			if _, err := Publish(context.Background(), b, []string{path}, PublishOptions{BatchSize: 128 << 10, ByReference: byRef, Read: mode}); err != nil {
				t.Fatal(err)
			}
			o := testOptions
			o.Scan.Read = mode
			c := startConsumers(t, ts, 2, o, nil)
			snap := waitDone(t, b)
			c.stop()
			sameAsScan(t, snap, paths...)
		}
	}
	// A file changed in place after publish, its batch read with pread.
	other := genFile(t, dir, "changed.log", gen.Options{Records: 5000, Seed: 49})
	if _, err := Publish(context.Background(), b, []string{other}, PublishOptions{ByReference: true, Read: scan.ReadPread}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(other)
	i := bytes.Index(data, []byte("level=INFO"))
	copy(data[i:], "level=WARN")
	if err := os.WriteFile(other, data, 0o644); err != nil {
		t.Fatal(err)
	}
	o := testOptions
	o.Scan.Read = scan.ReadPread
	c := startConsumers(t, ts, 2, o, nil)
	snap := waitDone(t, b)
	c.stop()
	if len(snap.Parked) != 1 || !strings.Contains(snap.Parked[0].Reason, "changed since it was published") {
		t.Fatalf("parked %+v, want the changed file's batch", snap.Parked)
	}
	sameAsScan(t, snap, paths...)
}

// TestByReferenceEditedWhileConsumed: a file edited in place while one
// worker counts its batches one after another, in the mapping it keeps
// for them, has the batch the edit falls in parked and every other batch
// counted; the lines counted and parked are the file's.
func TestByReferenceEditedWhileConsumed(t *testing.T) {
	ts := startTestServer(t)
	path := genFile(t, t.TempDir(), "a.log", gen.Options{Records: 20000, Seed: 33})
	b := ts.connect(t, "test")
	st, err := Publish(context.Background(), b, []string{path}, PublishOptions{BatchSize: 128 << 10, ByReference: true})
	if err != nil {
		t.Fatal(err)
	}
	if st.Batches < 8 {
		t.Fatalf("%d batches: want at least 8", st.Batches)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	at := int64(len(data)) - 100 // in the last batch, counted last by the one worker
	o := testOptions
	o.Workers = 1
	var seen atomic.Int32
	o.beforeCount = func(batch) {
		if seen.Add(1) != 3 {
			return
		}
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			t.Error(err)
			return
		}
		defer f.Close()
		if _, err := f.WriteAt([]byte{data[at] ^ 1}, at); err != nil {
			t.Error(err)
		}
	}
	snap := countOne(t, ts, b, o)
	if len(snap.Parked) != 1 || !strings.Contains(snap.Parked[0].Reason, "changed since it was published") {
		t.Fatalf("parked %+v, want the last batch", snap.Parked)
	}
	off := snap.Parked[0].Offset
	if off > at || at-off > 256<<10 {
		t.Fatalf("parked the batch at offset %d, want the last one, with offset %d", off, at)
	}
	parkedLines := int64(bytes.Count(data[off:], []byte{'\n'}))
	if got, want := snap.Result.Totals.Lines()+parkedLines, int64(bytes.Count(data, []byte{'\n'})); got != want {
		t.Fatalf("%d lines counted and parked, want the file's %d", got, want)
	}
}

// countOne counts every batch with one consumer of options o.
func countOne(t *testing.T, ts *testServer, b *Bus, o ConsumeOptions) Snapshot {
	t.Helper()
	c := startConsumers(t, ts, 1, o, nil)
	snap := waitDone(t, b)
	c.stop()
	return snap
}

// TestByReferenceRotated: a log rotated while a worker holds it mapped,
// then published again by reference at the same path, has the new file's
// batches counted from the new file, not summed in the old mapping and
// parked; the old file's batches not yet counted are parked, as the path
// holds other bytes now.
func TestByReferenceRotated(t *testing.T) {
	ts := startTestServer(t)
	dir := t.TempDir()
	path := genFile(t, dir, "app.log", gen.Options{Records: 20000, Seed: 41})
	next := genFile(t, dir, "next.log", gen.Options{Records: 15000, Seed: 42}) // shorter: the old mapping covers its batches
	b := ts.connect(t, "test")
	st, err := Publish(context.Background(), b, []string{path}, PublishOptions{BatchSize: 128 << 10, ByReference: true})
	if err != nil {
		t.Fatal(err)
	}
	o := testOptions
	o.Workers = 1
	var seen atomic.Int32
	var newBatches int
	published := make(chan struct{}) // the new file's batches are in the stream
	o.beforeCount = func(batch) {
		if seen.Add(1) != int32(st.Batches) { // the old file's last batch
			return
		}
		defer close(published)
		if err := os.Rename(path, path+".1"); err != nil {
			t.Error(err)
			return
		}
		if err := os.Rename(next, path); err != nil {
			t.Error(err)
			return
		}
		ns, err := Publish(context.Background(), b, []string{path}, PublishOptions{BatchSize: 128 << 10, ByReference: true})
		if err != nil {
			t.Error(err)
		}
		newBatches = ns.Batches
	}
	c := startConsumers(t, ts, 1, o, nil)
	select {
	case <-published:
	case <-time.After(30 * time.Second):
		t.Fatal("the old file's last batch did not come in 30 s")
	}
	snap := waitDone(t, b) // Wait knows the segments published before it began
	c.stop()
	// The old file's last batch is counted after the rotation: parked.
	if len(snap.Parked) > 1 || newBatches < 3 {
		t.Fatalf("%d new batches; %d parked (the first: %+v), want at most the old file's last batch", newBatches, len(snap.Parked), snap.Parked[0])
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	old, err := os.ReadFile(path + ".1")
	if err != nil {
		t.Fatal(err)
	}
	want := int64(bytes.Count(data, []byte{'\n'}) + bytes.Count(old, []byte{'\n'}))
	if len(snap.Parked) == 1 {
		want -= int64(bytes.Count(old[snap.Parked[0].Offset:], []byte{'\n'}))
	}
	if got := snap.Result.Totals.Lines(); got != want {
		t.Fatalf("%d lines counted, want %d: the new file's and the old one's not parked", got, want)
	}
}
