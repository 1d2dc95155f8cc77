package bus

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/logproc/logproc/gen"
	"github.com/logproc/logproc/out"
	"github.com/logproc/logproc/scan"
)

// The tests of issue 16's "Why" items 4 to 11, each against scan of the
// same bytes or a count tallied from what was written.

// countAll runs consumers until every batch is counted and reports.
func countAll(t *testing.T, ts *testServer, b *Bus) Snapshot {
	t.Helper()
	c := startConsumers(t, ts, 2, testOptions, nil)
	snap := waitDone(t, b)
	c.stop()
	return snap
}

func sameAsScan(t *testing.T, snap Snapshot, paths ...string) {
	t.Helper()
	if got, want := marshalSnapshot(t, snap), wantScan(t, paths...); !bytes.Equal(got, want) {
		t.Fatalf("report differs from scan of %v:\n%.2000s\nwant\n%.2000s", paths, got, want)
	}
}

// sameAsScanAs is sameAsScan where the files scanned were published under
// other names: as maps a scanned path to the name its lines were
// published under, for the formats of each file.
func sameAsScanAs(t *testing.T, snap Snapshot, as map[string]string, paths ...string) {
	t.Helper()
	res, err := scan.Files(context.Background(), paths, scanAll(scan.Options{Workers: 2}), nil)
	if err != nil {
		t.Fatal(err)
	}
	formats := map[string]map[string]int64{}
	for path, forms := range res.Formats {
		name := cmp.Or(as[path], path)
		if formats[name] == nil {
			formats[name] = map[string]int64{}
		}
		for form, n := range forms {
			formats[name][form] += n
		}
	}
	o := out.New(res.Totals, res.Bytes, res.MalformedAt, out.AllSections())
	o.Formats = formats
	want, err := out.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	if got := marshalSnapshot(t, snap); !bytes.Equal(got, want) {
		t.Fatalf("report differs from scan of %v:\n%.2000s\nwant\n%.2000s", paths, got, want)
	}
}

// Item 4: publishing again with another -batch-size sends nothing; the
// report stays the file's.
func TestRepublishOtherBatchSize(t *testing.T) {
	ts := startTestServer(t)
	path := genFile(t, t.TempDir(), "a.log", gen.Options{Records: 10000, Seed: 10})
	b := ts.connect(t, "test")
	first := publish(t, b, 32<<10, path)
	again := publish(t, b, 7<<10, path)
	if again.Batches != 0 || again.Known != first.Bytes {
		t.Fatalf("second publish with another batch size: %+v, want nothing sent", again)
	}
	snap := countAll(t, ts, b)
	if snap.Published != first.Batches || snap.Counted != first.Batches {
		t.Fatalf("status %s, want %d batches", snap.Status, first.Batches)
	}
	sameAsScan(t, snap, path)
	// And after counting, too.
	if later := publish(t, b, 100<<10, path); later.Batches != 0 {
		t.Fatalf("third publish sent %d batches", later.Batches)
	}
	snap = waitDone(t, b)
	sameAsScan(t, snap, path)
}

// Item 5: a growing log published twice sends only what it gained, and a
// last line still being written is held back until it ends.
func TestGrowingFile(t *testing.T) {
	ts := startTestServer(t)
	dir := t.TempDir()
	whole := genFile(t, dir, "whole.log", gen.Options{Records: 10000, Seed: 11})
	data, err := os.ReadFile(whole)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "app.log")
	cutAt := len(data)/2 + 17 // in the middle of a line
	if err := os.WriteFile(path, data[:cutAt], 0o644); err != nil {
		t.Fatal(err)
	}
	b := ts.connect(t, "test")
	first := publish(t, b, 8<<10, path)
	lastNL := int64(bytes.LastIndexByte(data[:cutAt], '\n') + 1)
	if first.Bytes != lastNL || first.HeldBack != int64(cutAt)-lastNL {
		t.Fatalf("first publish %+v; want %d bytes sent, %d held back", first, lastNL, int64(cutAt)-lastNL)
	}
	c := startConsumers(t, ts, 2, testOptions, nil)
	waitDone(t, b)
	// The log grows to its end; publish again.
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	second := publish(t, b, 8<<10, path)
	if second.Known != lastNL || second.Bytes != int64(len(data))-lastNL {
		t.Fatalf("second publish %+v; want %d bytes known and %d sent", second, lastNL, int64(len(data))-lastNL)
	}
	snap := waitDone(t, b)
	c.stop()
	sameAsScanAs(t, snap, map[string]string{whole: path}, whole)
	if snap.Files != 1 || snap.Result.Totals.Lines() != 10000 {
		t.Fatalf("status %s, %d lines; want one file of 10000 lines", snap.Status, snap.Result.Totals.Lines())
	}
	// A copy of the whole log, under another name, is known whole.
	if again := publish(t, b, 64<<10, whole); again.Batches != 0 || again.Known != int64(len(data)) {
		t.Fatalf("the same bytes from another path: %+v, want nothing sent", again)
	}
}

// TestGrowingFileOldDefault: a log whose head was published with 4 MiB
// batches (the default before the server took 32 MiB messages) and that
// grew since continues with the new default's batches; its head is
// neither sent again nor counted twice.
func TestGrowingFileOldDefault(t *testing.T) {
	ts := startTestServer(t)
	dir := t.TempDir()
	whole := genFile(t, dir, "whole.log", gen.Options{Records: 60000, Seed: 17})
	data, err := os.ReadFile(whole)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "app.log")
	head := bytes.LastIndexByte(data[:len(data)*3/4], '\n') + 1
	if err := os.WriteFile(path, data[:head], 0o644); err != nil {
		t.Fatal(err)
	}
	b := ts.connect(t, "test")
	if got := BatchSizeFor(b.MaxPayload()); got != 16<<20 || BatchSizeFor(1<<20) != 512<<10 {
		t.Fatalf("BatchSizeFor: %d on the embedded server (max_payload %d), %d on 1 MB; want 16 MiB and 512 KiB", got, b.MaxPayload(), BatchSizeFor(1<<20))
	}
	first := publish(t, b, 4<<20, path)
	if first.Batches < 2 || first.Bytes != int64(head) {
		t.Fatalf("first publish %+v; want %d bytes in 2 batches or more", first, head)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	second, err := Publish(context.Background(), b, []string{path}, PublishOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if second.Known != int64(head) || second.Bytes != int64(len(data)-head) || second.Batches != 1 {
		t.Fatalf("second publish %+v; want %d bytes known and %d sent in one batch", second, head, len(data)-head)
	}
	snap := countAll(t, ts, b)
	if snap.Published != first.Batches+1 || snap.Counted != snap.Published {
		t.Fatalf("status %s, want %d batches", snap.Status, first.Batches+1)
	}
	sameAsScanAs(t, snap, map[string]string{whole: path}, whole)
	if snap.Result.Totals.Lines() != 60000 {
		t.Fatalf("%d lines, want 60000", snap.Result.Totals.Lines())
	}
}

// Item 6: a file of the same size with two edits in the middle is another
// file, counted as such.
func TestEditedFile(t *testing.T) {
	ts := startTestServer(t)
	dir := t.TempDir()
	path := genFile(t, dir, "a.log", gen.Options{Records: 8000, Seed: 12})
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	orig := filepath.Join(dir, "orig.log")
	if err := os.WriteFile(orig, data, 0o644); err != nil {
		t.Fatal(err)
	}
	b := ts.connect(t, "test")
	publish(t, b, 16<<10, path)
	countAll(t, ts, b)
	// Two edits far from both ends, the size unchanged: INFO becomes WARN.
	for _, at := range []int{len(data) / 3, len(data) / 2} {
		i := at + bytes.Index(data[at:], []byte("level=INFO"))
		copy(data[i:], "level=WARN")
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if st := publish(t, b, 16<<10, path); st.Known != 0 || st.Bytes != int64(len(data)) {
		t.Fatalf("publish of the edited file: %+v, want it all sent", st)
	}
	snap := countAll(t, ts, b)
	sameAsScanAs(t, snap, map[string]string{orig: path}, orig, path)
}

// Item 7: a bucket left from before with a TTL is refused, saying so.
func TestBucketWithTTL(t *testing.T) {
	ts := startTestServer(t)
	b := ts.connect(t, "test")
	if _, err := b.js.CreateKeyValue(context.Background(), jetstream.KeyValueConfig{Bucket: "ttl", TTL: 3 * time.Second}); err != nil {
		t.Fatal(err)
	}
	_, err := Connect(context.Background(), Options{URLs: ts.url, Stream: "T", Bucket: "ttl", Replicas: 1})
	var mm *MismatchError
	if !errors.As(err, &mm) || !strings.Contains(err.Error(), "bucket ttl") || !strings.Contains(err.Error(), "TTL 3s") || mm.Ours {
		t.Fatalf("Connect with a 3 s TTL bucket: %v, want it refused", err)
	}
}

// Item 9: a line longer than a message fails the publish before anything
// of the file is sent; an interrupted publish is finished by the next.
func TestFailedPublish(t *testing.T) {
	ts := startTestServer(t)
	dir := t.TempDir()
	path := genFile(t, dir, "a.log", gen.Options{Records: 5000, Seed: 13})
	data, _ := os.ReadFile(path)
	long := filepath.Join(dir, "long.log")
	b := ts.connect(t, "test")
	big := append(append(append([]byte{}, data...), "level=INFO user=x msg="...), bytes.Repeat([]byte("y"), int(b.MaxPayload())+1<<20)...)
	if err := os.WriteFile(long, append(big, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Publish(context.Background(), b, []string{long}, PublishOptions{BatchSize: 32 << 10})
	if err == nil || !strings.Contains(err.Error(), long) || !strings.Contains(err.Error(), "nothing of the file's bytes") {
		t.Fatalf("publish of a line longer than the server's max_payload %d: %v", b.MaxPayload(), err)
	}
	if p, err := Progress(context.Background(), b); err != nil || p != (Status{}) {
		t.Fatalf("after the refused publish: %+v, %v; want nothing published", p, err)
	}

	// A publish cancelled after its manifest and some batches.
	ctx, cancel := context.WithCancel(context.Background())
	sent := 0
	cutShort := func() {
		if sent++; sent == 20 {
			cancel()
		}
	}
	path2 := genFile(t, dir, "b.log", gen.Options{Records: 8000, Seed: 14})
	_, err = Publish(ctx, b, []string{path2}, PublishOptions{BatchSize: 4 << 10, afterBatch: cutShort})
	cancel()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled publish: %v", err)
	}
	c := startConsumers(t, ts, 2, testOptions, nil)
	// Once what was sent is counted, Wait can only give up, and says why.
	deadline := time.Now().Add(30 * time.Second)
	for n, err := b.pending(context.Background()); n > 0 || err != nil; n, err = b.pending(context.Background()) {
		if time.Now().After(deadline) {
			t.Fatalf("%d batches still pending after 30 s (%v)", n, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	wctx, wcancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	err = Wait(wctx, b, 20*time.Millisecond, nil)
	wcancel()
	var we *WaitError
	if !errors.As(err, &we) || we.Status.Unfinished != 1 || !strings.Contains(err.Error(), "run publish again") {
		t.Fatalf("wait after a cancelled publish: %v, want it to say publish again", err)
	}
	publish(t, b, 64<<10, path2) // the cutting of the manifest holds, not this one
	snap := waitDone(t, b)
	c.stop()
	sameAsScan(t, snap, path2)
	if snap.Unfinished != 0 {
		t.Errorf("status %+v after publishing again", snap.Status)
	}
}

// Item 10: an existing stream with other subjects, or fewer replicas
// than asked, is refused with what differs.
func TestExistingStreamChecked(t *testing.T) {
	ts := startTestServer(t)
	b := ts.connect(t, "test")
	if _, err := b.js.CreateStream(context.Background(), jetstream.StreamConfig{Name: "OTHER", Subjects: []string{"orders.>"}}); err != nil {
		t.Fatal(err)
	}
	_, err := Connect(context.Background(), Options{URLs: ts.url, Stream: "OTHER", Bucket: "o", Replicas: 1})
	if err == nil || !strings.Contains(err.Error(), `subjects ["orders.>"], want ["OTHER.batches"]`) || !strings.Contains(err.Error(), "not logproc's") {
		t.Errorf("a stream with other subjects: %v", err)
	}
	_, err = Connect(context.Background(), Options{URLs: ts.url, Stream: "T", Bucket: "t", Replicas: 3})
	if err == nil || !strings.Contains(err.Error(), "replicas 1, want 3") || !strings.Contains(err.Error(), "logproc reset") {
		t.Errorf("an R1 stream asked for R3: %v", err)
	}
}

// Item 11: reset deletes a job, and the same flow then counts from zero;
// a stream logproc did not make is left alone.
func TestReset(t *testing.T) {
	ts := startTestServer(t)
	path := genFile(t, t.TempDir(), "a.log", gen.Options{Records: 10000, Seed: 15})
	b := ts.connect(t, "test")
	publish(t, b, 32<<10, path)
	countAll(t, ts, b)
	o := Options{URLs: ts.url, Stream: "T", Bucket: "t", Replicas: 1}
	deleted, err := Reset(context.Background(), o)
	if err != nil || len(deleted) != 2 {
		t.Fatalf("reset: %v, %v", deleted, err)
	}
	b = ts.connect(t, "after")
	if st := publish(t, b, 32<<10, path); st.Known != 0 {
		t.Fatalf("publish after reset: %+v, want all sent", st)
	}
	sameAsScan(t, countAll(t, ts, b), path)

	if _, err := b.js.CreateStream(context.Background(), jetstream.StreamConfig{Name: "OTHER", Subjects: []string{"orders.>"}}); err != nil {
		t.Fatal(err)
	}
	_, err = Reset(context.Background(), Options{URLs: ts.url, Stream: "OTHER", Bucket: "t", Replicas: 1})
	if err == nil || !strings.Contains(err.Error(), "not made by logproc") {
		t.Fatalf("reset of a foreign stream: %v", err)
	}
	if _, err := b.js.Stream(context.Background(), "OTHER"); err != nil {
		t.Fatalf("the foreign stream is gone: %v", err)
	}
}

// Credentials never show: not in Redact's output, not in an error.
func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"nats://lp:secret@127.0.0.1:4222":          "nats://lp:xxxxx@127.0.0.1:4222",
		"nats://tok3n@h:1,tls://u:p@w@h2:2/x":      "nats://xxxxx@h:1,tls://u:xxxxx@h2:2/x",
		"nats://127.0.0.1:4222":                    "nats://127.0.0.1:4222",
		"lp:secret@host:4222":                      "lp:xxxxx@host:4222",
		"nats://h:1/path@notuser":                  "nats://h:1/path@notuser",
		"nats://a:b@h:1, nats://c:d@h:2":           "nats://a:xxxxx@h:1, nats://c:xxxxx@h:2",
		"nats://%zz:secret@h":                      "nats://%zz:xxxxx@h",
		"":                                         "",
		"nats://user:pa:ss@h":                      "nats://user:xxxxx@h",
		"nats://user@h":                            "nats://xxxxx@h",
		"nats://u:p@[::1]:4222":                    "nats://u:xxxxx@[::1]:4222",
		"nats://u:p@h:1?x=@":                       "nats://u:xxxxx@h:1?x=@",
		"nats://u:secret@h:1#@":                    "nats://u:xxxxx@h:1#@",
		"nats://u:secret@h:1/@":                    "nats://u:xxxxx@h:1/@",
		"nats://secret@h:1/p?q=r@s":                "nats://xxxxx@h:1/p?q=r@s",
		"nats://u:secret@h:1,nats://v:secret2@h:2": "nats://u:xxxxx@h:1,nats://v:xxxxx@h:2",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
	_, err := Connect(context.Background(), Options{URLs: "nats://lp:wrong@127.0.0.1:1", Stream: "S", Bucket: "b", Replicas: 1})
	if err == nil || strings.Contains(err.Error(), "wrong") || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("connect error: %v; want the server named and no password", err)
	}
	err = (&Options{URLs: "nats://lp:wrong@h:1\x7f", Stream: "S", Bucket: "b", Replicas: 1}).Check()
	if err == nil || strings.Contains(err.Error(), "wrong") {
		t.Errorf("Check: %v; want an error with no password", err)
	}
}

// A file published with -final cannot grow on: its last line was counted
// as it was; a publish of it grown is refused, naming the way out.
func TestFinalFileGrown(t *testing.T) {
	ts := startTestServer(t)
	path := filepath.Join(t.TempDir(), "a.log")
	if err := os.WriteFile(path, []byte("level=INFO user=a\nlevel=WARN user=b"), 0o644); err != nil {
		t.Fatal(err)
	}
	b := ts.connect(t, "test")
	st, err := Publish(context.Background(), b, []string{path}, PublishOptions{Final: true})
	if err != nil || st.Lines != 2 || st.HeldBack != 0 {
		t.Fatalf("publish -final: %+v, %v; want 2 lines sent", st, err)
	}
	if again := publish(t, b, 0, path); again.Batches != 0 || again.Known != 35 {
		t.Fatalf("publish of the same bytes without -final: %+v, want nothing sent", again)
	}
	if err := os.WriteFile(path, []byte("level=INFO user=a\nlevel=WARN user=bc\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Publish(context.Background(), b, []string{path}, PublishOptions{})
	if err == nil || !strings.Contains(err.Error(), "-final") || !strings.Contains(err.Error(), "logproc reset") {
		t.Fatalf("publish of a grown -final file: %v, want it refused", err)
	}
}

// Two publishes of the same file at once, with different batch sizes,
// agree on one cutting: counted once.
func TestConcurrentPublish(t *testing.T) {
	ts := startTestServer(t)
	path := genFile(t, t.TempDir(), "a.log", gen.Options{Records: 20000, Seed: 16})
	b1, b2 := ts.connect(t, "p1"), ts.connect(t, "p2")
	errs := make(chan error, 2)
	for _, p := range []struct {
		b    *Bus
		size int64
	}{{b1, 8 << 10}, {b2, 20 << 10}} {
		go func() {
			_, err := Publish(context.Background(), p.b, []string{path}, PublishOptions{BatchSize: p.size})
			errs <- err
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	snap := countAll(t, ts, b1)
	sameAsScan(t, snap, path)
	manifests, err := b1.manifests(context.Background())
	if err != nil || len(manifests) != 1 {
		t.Fatalf("%d manifests (%v), want one segment", len(manifests), err)
	}
}

// Publish's progress counts every byte of the files once, whether it is
// sent, was published before, or is a last line held back: a progress bar
// over the files' sizes ends full.
func TestPublishProgress(t *testing.T) {
	ts := startTestServer(t)
	dir := t.TempDir()
	path := genFile(t, dir, "a.log", gen.Options{Records: 5000, Seed: 11})
	// A second file whose last line has no newline yet.
	whole, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	partial := filepath.Join(dir, "b.log")
	if err := os.WriteFile(partial, append(bytes.Clone(whole), "time=2026-11-26T09:00:00.000Z level=INFO msg=unfinished"...), 0o644); err != nil {
		t.Fatal(err)
	}
	size := func(p string) int64 {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	b := ts.connect(t, "test")
	for _, round := range []string{"first", "again"} {
		var done atomic.Int64
		if _, err := Publish(context.Background(), b, []string{path, partial}, PublishOptions{BatchSize: 16 << 10, Progress: &done}); err != nil {
			t.Fatal(err)
		}
		if got, want := done.Load(), size(path)+size(partial); got != want {
			t.Fatalf("%s publish: progress %d bytes, want the files' %d", round, got, want)
		}
	}
}
