package bus

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/logproc/logproc/gen"
	"github.com/logproc/logproc/out"
	"github.com/logproc/logproc/scan"
	"github.com/logproc/logproc/scan/logline"
)

// testServer is an in-process server with file storage in a directory of
// the test's own, on a free port.
type testServer struct {
	t   testing.TB
	dir string
	url string
	srv *Server
}

func startTestServer(t testing.TB) *testServer {
	t.Helper()
	ts := &testServer{t: t, dir: t.TempDir()}
	srv, err := StartServer("nats://127.0.0.1:0", ts.dir)
	if err != nil {
		t.Fatal(err)
	}
	ts.srv, ts.url = srv, srv.URL()
	t.Cleanup(func() {
		if ts.srv != nil {
			ts.srv.Shutdown()
		}
	})
	return ts
}

// restart shuts the server down and starts it again on the same port and
// store, as a crashed and restarted server would be.
func (ts *testServer) restart() {
	ts.t.Helper()
	ts.srv.Shutdown()
	ts.srv = nil
	var err error
	for range 50 { // the port may take a moment to be free again
		if ts.srv, err = StartServer(ts.url, ts.dir); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	ts.t.Fatalf("restart: %v", err)
}

func (ts *testServer) connect(t testing.TB, name string) *Bus {
	t.Helper()
	return ts.connectTo(t, name, "T", "t")
}

func (ts *testServer) connectTo(t testing.TB, name, stream, bucket string) *Bus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	b, err := Connect(ctx, Options{URLs: ts.url, Stream: stream, Bucket: bucket, Replicas: 1, ConnectWait: 5 * time.Second, Name: name})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

// genFile writes a log with the generator and returns its path.
func genFile(t testing.TB, dir, name string, o gen.Options) string {
	t.Helper()
	if o.Workers == 0 {
		o.Workers = 2
	}
	if o.Users == 0 {
		o.Users = 300
	}
	path := filepath.Join(dir, name)
	if _, err := gen.WriteFile(context.Background(), path, o, nil); err != nil {
		t.Fatal(err)
	}
	return path
}

// scanAll is what the tests' consumers compute: every metric logproc scan
// computes by default, and 1-second windows, which must add up across
// batches too.
func scanAll(o scan.Options) scan.Options {
	o.Parse = logline.Config{ActionKey: "action", LatencyKey: "latency_ms", TimeKey: "time,ts"}
	o.TimeWindow = time.Second
	return o
}

// withMetrics sets o to count what scanAll does.
func withMetrics(o ConsumeOptions) ConsumeOptions {
	o.Scan, o.Sections = scanAll(o.Scan), out.AllSections()
	return o
}

// wantScan is what logproc scan -window 1s writes for the files.
func wantScan(t testing.TB, paths ...string) []byte {
	t.Helper()
	res, err := scan.Files(context.Background(), paths, scanAll(scan.Options{Workers: 2}), nil)
	if err != nil {
		t.Fatal(err)
	}
	o := out.New(res.Totals, res.Bytes, res.MalformedAt, out.AllSections())
	o.Formats = res.Formats
	b, err := out.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func marshalSnapshot(t testing.TB, s Snapshot) []byte {
	t.Helper()
	o := out.New(s.Result.Totals, s.Result.Bytes, s.Result.MalformedAt, s.Sections)
	o.Formats = s.Result.Formats
	b, err := out.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// consumers runs n consumers, each on a connection of its own, until
// stop is called; stop returns their stats and errors.
type consumers struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
	stats  []ConsumeStats
	errs   []error
}

func startConsumers(t *testing.T, ts *testServer, n int, o ConsumeOptions, hook func(i int, b *Bus) func(batch)) *consumers {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	c := &consumers{cancel: cancel, stats: make([]ConsumeStats, n), errs: make([]error, n)}
	for i := range n {
		b := ts.connect(t, "consumer-"+strconv.Itoa(i))
		o := o
		if hook != nil {
			o.afterWrite = hook(i, b)
		}
		c.wg.Go(func() { c.stats[i], c.errs[i] = Consume(ctx, b, o) })
	}
	t.Cleanup(c.stop)
	return c
}

func (c *consumers) stop() {
	c.cancel()
	c.wg.Wait()
}

func (c *consumers) total() ConsumeStats {
	var s ConsumeStats
	for _, t := range c.stats {
		s.add(t)
	}
	return s
}

// waitDone waits for every published batch to be counted, then reports;
// WaitReport's report (logproc report -wait's) must be Report's.
func waitDone(t *testing.T, b *Bus) Snapshot {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var last Status
	waited, err := WaitReport(ctx, b, 20*time.Millisecond, func(s Status) { last = s })
	if err != nil {
		t.Fatalf("wait: %v (last status: %s)", err, last)
	}
	snap, err := Report(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	if !snap.Done() {
		t.Fatalf("Wait returned, but Report says %s, %d unlisted", snap.Status, snap.Unlisted)
	}
	if got, want := marshalSnapshot(t, waited), marshalSnapshot(t, snap); !bytes.Equal(got, want) || waited.Published != snap.Published || waited.Counted != snap.Counted || waited.Status.Parked != snap.Status.Parked {
		t.Fatalf("WaitReport's report (%s) differs from Report's (%s):\n%.1000s\nwant\n%.1000s", waited.Status, snap.Status, got, want)
	}
	return snap
}

func publish(t *testing.T, b *Bus, batchSize int64, paths ...string) PublishStats {
	t.Helper()
	st, err := Publish(context.Background(), b, paths, PublishOptions{BatchSize: batchSize})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

var testOptions = withMetrics(ConsumeOptions{Workers: 2, AckWait: time.Second})

// TestEndToEnd: publish → three consumers → report equals scan, exactly,
// in both formats and with malformed lines.
func TestEndToEnd(t *testing.T) {
	ts := startTestServer(t)
	dir := t.TempDir()
	a := genFile(t, dir, "a.log", gen.Options{Records: 20000, Seed: 1})
	j := genFile(t, dir, "b.log", gen.Options{Records: 15000, Seed: 2, Format: gen.JSON})
	m := filepath.Join(dir, "m.log")
	var mixed []byte
	for i := range 3000 {
		switch {
		case i%97 == 5:
			mixed = append(mixed, "not a log line\n"...)
		case i%101 == 7:
			mixed = append(mixed, "   \n"...)
		default:
			mixed = append(mixed, "level=INFO user=u"+strconv.Itoa(i%13)+" msg=x\n"...)
		}
	}
	mixed = append(mixed, "level=WARN no newline at the end"...)
	if err := os.WriteFile(m, mixed, 0o644); err != nil {
		t.Fatal(err)
	}
	paths := []string{j, m, a} // not in name order: malformed lines keep the order given
	b := ts.connect(t, "test")
	c := startConsumers(t, ts, 3, withMetrics(ConsumeOptions{Workers: 2}), nil)
	// Final: m.log's last line has no newline, and scan counts it.
	st, err := Publish(context.Background(), b, paths, PublishOptions{BatchSize: 64 << 10, Final: true})
	if err != nil {
		t.Fatal(err)
	}
	if st.Files != 3 || st.Stored != st.Batches || st.Batches < 30 {
		t.Fatalf("publish: %+v", st)
	}
	snap := waitDone(t, b)
	want := wantScan(t, paths...)
	if got := marshalSnapshot(t, snap); !bytes.Equal(got, want) {
		t.Fatalf("report differs from scan:\n%s\nwant\n%s", got, want)
	}
	// Pending is not asked here: the last record is written before its
	// batch is acknowledged, so done can come a moment before the ack.
	if snap.Published != st.Batches || snap.Counted != st.Batches || len(snap.Parked) != 0 || snap.Files != 3 {
		t.Errorf("status %+v, published %d batches", snap.Status, st.Batches)
	}
	if !bytes.Contains(want, []byte(`"malformed_lines": 31`)) {
		t.Errorf("the test file has no malformed lines to locate:\n%s", want)
	}
	c.stop()
	// Stopped consumers have acknowledged every batch they counted.
	if n, err := b.pending(context.Background()); n != 0 || err != nil {
		t.Errorf("%d batches left in the stream after the consumers stopped (%v)", n, err)
	}
	total := c.total()
	if total.Counted != st.Batches || total.Duplicates != 0 || total.Parked != 0 {
		t.Errorf("consumers: %+v, want %d counted", total, st.Batches)
	}
	busy := 0
	for i, err := range c.errs {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("consumer %d: %v, want context.Canceled", i, err)
		}
		if c.stats[i].Counted > 0 {
			busy++
		}
	}
	if busy < 2 {
		t.Errorf("only %d of 3 consumers counted anything: %+v", busy, c.stats)
	}
}

// TestRecordRoundTrip: partial results through the bucket's serialization,
// folded with Totals.Add, equal one scan of all the lines (agg.Merge), to
// the last field: a field agg.Totals gains is covered without a change here.
func TestRecordRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := genFile(t, dir, "a.log", gen.Options{Records: 5000, Seed: 3})
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data = append(data, "level=INFO user=\"bad\\xff\"\nlevel=\"TRACE\" user=\xff\xfe\ngarbage\n\n{\"level\":\"warn\"}\n"...)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	want, err := scan.Files(context.Background(), []string{path}, scanAll(scan.Options{Workers: 1}), nil)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(path)
	defer f.Close()
	ranges, err := scan.Split(f, int64(len(data)), 7)
	if err != nil {
		t.Fatal(err)
	}
	var got scan.Result
	var line int64 = 1
	for _, r := range ranges {
		part := data[r.Start:r.End]
		res, err := scan.Reader(context.Background(), path, bytes.NewReader(part), scanAll(scan.Options{Workers: 1}))
		if err != nil {
			t.Fatal(err)
		}
		bt := batch{File: path, Line: line, Offset: r.Start}
		rec := record{Batch: bt, Result: resultOf(&res, &bt), Sections: out.AllSections()}
		enc, err := rec.marshal()
		if err != nil {
			t.Fatal(err)
		}
		dec, err := unmarshalRecord(enc)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(dec, rec) {
			t.Fatalf("record changed in a round trip:\n%+v\nwant\n%+v", dec, rec)
		}
		if err := got.Totals.Add(&dec.Result.Totals); err != nil {
			t.Fatal(err)
		}
		got.Bytes += dec.Result.Bytes
		for form, n := range dec.Result.Formats {
			if got.Formats == nil {
				got.Formats = map[string]map[string]int64{path: {}}
			}
			got.Formats[path][form] += n
		}
		for _, p := range dec.Result.MalformedAt {
			got.MalformedAt = append(got.MalformedAt, scan.Position{File: p.File, Line: p.Line})
		}
		line += int64(bytes.Count(part, []byte{'\n'}))
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("merged partials differ from one scan:\n%+v\nwant\n%+v", got, want)
	}
	if _, err := unmarshalRecord([]byte(`{"v":1,"batch":{}}`)); err == nil || !strings.Contains(err.Error(), "version 1;") {
		t.Errorf("a record of version 1: %v, want refused", err)
	}
}

// TestConsumerKilled: a consumer whose connection dies after it stored a
// batch's result but before its ack (and with more batches taken) does not
// change the counts: the others get its batches after the ack wait, find
// the stored one and only acknowledge it.
func TestConsumerKilled(t *testing.T) {
	ts := startTestServer(t)
	path := genFile(t, t.TempDir(), "a.log", gen.Options{Records: 20000, Seed: 4})
	b := ts.connect(t, "test")
	st := publish(t, b, 32<<10, path)
	var writes atomic.Int64
	c := startConsumers(t, ts, 3, testOptions, func(i int, b *Bus) func(batch) {
		if i != 0 {
			return nil
		}
		return func(batch) {
			if writes.Add(1) == 3 {
				b.Close() // killed between the write and the ack
			}
		}
	})
	snap := waitDone(t, b)
	if got, want := marshalSnapshot(t, snap), wantScan(t, path); !bytes.Equal(got, want) {
		t.Fatalf("report differs from scan:\n%s\nwant\n%s", got, want)
	}
	c.stop()
	if c.errs[0] == nil || errors.Is(c.errs[0], context.Canceled) {
		t.Errorf("killed consumer returned %v, want a connection error", c.errs[0])
	}
	total := c.total()
	// The killed consumer's other worker may have stored a record and lost
	// the reply with the connection: that batch counts as a duplicate when
	// it comes back, not as counted.
	if total.Duplicates < 1 || total.Counted > st.Batches || total.Counted < st.Batches-testOptions.Workers+1 {
		t.Errorf("consumers: %+v; want about %d counted and the killed batch acknowledged as a duplicate", total, st.Batches)
	}
}

// TestServerRestart: the server goes down and comes back (same store,
// same port) while consumers work; they reconnect, and counts stay exact.
func TestServerRestart(t *testing.T) {
	ts := startTestServer(t)
	path := genFile(t, t.TempDir(), "a.log", gen.Options{Records: 30000, Seed: 5})
	b := ts.connect(t, "test")
	st := publish(t, b, 32<<10, path)
	var writes atomic.Int64
	slow := func(int, *Bus) func(batch) {
		return func(batch) {
			writes.Add(1)
			time.Sleep(2 * time.Millisecond)
		}
	}
	c := startConsumers(t, ts, 3, testOptions, slow)
	for writes.Load() < int64(st.Batches)/4 {
		time.Sleep(time.Millisecond)
	}
	ts.restart()
	snap := waitDone(t, b)
	if got, want := marshalSnapshot(t, snap), wantScan(t, path); !bytes.Equal(got, want) {
		t.Fatalf("report differs from scan:\n%s\nwant\n%s", got, want)
	}
	// A write whose reply was lost in the restart holds its consumer for
	// up to opTimeout; the batch is counted by another and acknowledged.
	c.stop()
	for i, err := range c.errs {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("consumer %d: %v, want context.Canceled", i, err)
		}
	}
}

// TestDuplicatePublish: publishing the same files again, before or after
// they are counted, stores nothing and changes no count.
func TestDuplicatePublish(t *testing.T) {
	ts := startTestServer(t)
	path := genFile(t, t.TempDir(), "a.log", gen.Options{Records: 10000, Seed: 6})
	b := ts.connect(t, "test")
	first := publish(t, b, 32<<10, path)
	again := publish(t, b, 32<<10, path)
	if again.Stored != 0 || again.Batches != 0 || again.Known != first.Bytes || first.Stored != first.Batches {
		t.Fatalf("first publish %+v, second %+v; want the second to send nothing", first, again)
	}
	if n, err := b.pending(context.Background()); err != nil || n != first.Batches {
		t.Fatalf("stream holds %d batches (%v), want %d", n, err, first.Batches)
	}
	// A report before any consumer ran: a live snapshot of nothing counted.
	live, err := Report(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	if live.Done() || live.Pending != first.Batches || live.Published != first.Batches || live.Counted != 0 || live.Result.Totals.Lines() != 0 {
		t.Fatalf("report before consuming: %s, %d lines; want all %d batches pending", live.Status, live.Result.Totals.Lines(), first.Batches)
	}
	c := startConsumers(t, ts, 2, testOptions, nil)
	snap := waitDone(t, b)
	c.stop()
	if after := publish(t, b, 32<<10, path); after.Stored != 0 {
		t.Errorf("publish after counting stored %d batches again", after.Stored)
	}
	if got, want := marshalSnapshot(t, snap), wantScan(t, path); !bytes.Equal(got, want) {
		t.Fatalf("report differs from scan:\n%s\nwant\n%s", got, want)
	}
	if snap.Published != first.Batches || snap.Counted != first.Batches {
		t.Errorf("status %s, want %d batches counted once", snap.Status, first.Batches)
	}
}

// TestLevelLessBatches (issue 16, item 8): batches with no record (a
// panic trace inside a good log) count their lines as malformed, as scan
// does, and are not parked; a file with no record at all is reported as
// not a log, as scan refuses it; a message publish did not send is parked.
func TestLevelLessBatches(t *testing.T) {
	ts := startTestServer(t)
	dir := t.TempDir()
	var data []byte
	for i := range 600 {
		data = append(data, "level=INFO user=u"+strconv.Itoa(i%7)+"\n"...)
	}
	for range 2000 {
		data = append(data, "\x00\x01binary junk with no level at all\n"...)
	}
	for range 600 {
		data = append(data, "level=ERROR user=v\n"...)
	}
	path := filepath.Join(dir, "trace.log")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	junk := filepath.Join(dir, "junk.txt")
	if err := os.WriteFile(junk, bytes.Repeat([]byte("just some text\n"), 3000), 0o644); err != nil {
		t.Fatal(err)
	}
	b := ts.connect(t, "test")
	st := publish(t, b, 8<<10, path, junk)
	if err := b.nc.Publish(b.subject, []byte("level=INFO user=x\n")); err != nil { // no headers
		t.Fatal(err)
	}
	b.nc.Flush()
	c := startConsumers(t, ts, 3, testOptions, nil)
	snap := waitDone(t, b)
	c.stop()
	if len(snap.Parked) != 0 || snap.Counted != st.Batches {
		t.Fatalf("status %s with %d parked; want all %d batches counted", snap.Status, len(snap.Parked), st.Batches)
	}
	if total := c.total(); total.Parked != 1 {
		t.Errorf("consumers parked %d messages, want the foreign one", total.Parked)
	}
	// The truth, tallied from what was written: 1,200 events, 2,000 junk
	// lines in trace.log and 3,000 in junk.txt.
	if snap.Result.Totals.Levels["INFO"] != 600 || snap.Result.Totals.Levels["ERROR"] != 600 || snap.Result.Totals.Malformed != 5000 {
		t.Errorf("levels %v, malformed %d; want 600 INFO, 600 ERROR and 5000 malformed", snap.Result.Totals.Levels, snap.Result.Totals.Malformed)
	}
	if len(snap.NotLog) != 1 || snap.NotLog[0].Path != junk || snap.NotLog[0].Malformed != 3000 || !errors.Is(snap.NotLog[0], scan.ErrNotLog) {
		t.Errorf("not a log: %+v, want %s with 3000 lines", snap.NotLog, junk)
	}
	// scan of trace.log alone counts the same.
	want, err := scan.Files(context.Background(), []string{path}, scanAll(scan.Options{Workers: 1}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if want.Totals.Malformed != 2000 {
		t.Errorf("scan counts %d malformed lines in %s, want 2000", want.Totals.Malformed, path)
	}
	if n, _ := b.pending(context.Background()); n != 0 {
		t.Errorf("%d batches left in the stream", n)
	}
}

// TestPublishErrors: what publish cannot take is an error naming it.
func TestPublishErrors(t *testing.T) {
	ts := startTestServer(t)
	b := ts.connect(t, "test")
	dir := t.TempDir()
	long := filepath.Join(dir, "long.log")
	// Longer than the server's max_payload.
	if err := os.WriteFile(long, append(bytes.Repeat([]byte("x"), int(b.MaxPayload())+1<<20), '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		path string
		want string
	}{
		{filepath.Join(dir, "nope.log"), "no such file"},
		{dir, "is a directory"},
		{"/dev/null", "not a regular file"},
		{long, "offset 0"},
	} {
		_, err := Publish(context.Background(), b, []string{tt.path}, PublishOptions{})
		if err == nil || !strings.Contains(err.Error(), tt.path) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("publish %s: %v, want an error naming it and %q", tt.path, err, tt.want)
		}
	}
}

// TestConnectErrors: a server that is not there, or a bad setting, is an
// error that names it.
func TestConnectErrors(t *testing.T) {
	ctx := context.Background()
	_, err := Connect(ctx, Options{URLs: "nats://127.0.0.1:1", Stream: "S", Bucket: "b", Replicas: 1})
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") || !errors.Is(err, nats.ErrNoServers) {
		t.Errorf("no server: %v", err)
	}
	for _, o := range []Options{
		{URLs: "", Stream: "S", Bucket: "b", Replicas: 1},
		{URLs: "nats://x", Stream: "a.b", Bucket: "b", Replicas: 1},
		{URLs: "nats://x", Stream: "S", Bucket: "b*", Replicas: 1},
		{URLs: "nats://x", Stream: "S", Bucket: "b", Replicas: 1, TLSCert: "c.pem"},
	} {
		if _, err := Connect(ctx, o); err == nil {
			t.Errorf("Connect(%+v) succeeded", o)
		}
	}
}

// TestDrain: a consumer told to stop (SIGINT) finishes and acknowledges
// the batches it holds: every batch with a record has left the stream.
func TestDrain(t *testing.T) {
	ts := startTestServer(t)
	path := genFile(t, t.TempDir(), "a.log", gen.Options{Records: 20000, Seed: 7})
	b := ts.connect(t, "test")
	st := publish(t, b, 32<<10, path)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var writes atomic.Int64
	o := ConsumeOptions{Workers: 2, afterWrite: func(batch) {
		if writes.Add(1) == 5 {
			cancel()
		}
	}}
	stats, err := Consume(ctx, ts.connect(t, "consumer"), o)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Consume: %v, want context.Canceled", err)
	}
	if stats.Counted < 5 || stats.Counted >= st.Batches || stats.Retried != 0 {
		t.Fatalf("stats %+v: want 5 or a few more of %d batches counted, none retried", stats, st.Batches)
	}
	pending, err := b.pending(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	p, err := Progress(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	if p.Unlisted != 0 || p.Counted != stats.Counted || pending != st.Batches-stats.Counted {
		t.Errorf("after the drain: %d records, %d batches in the stream; want %d and %d", p.Counted, pending, stats.Counted, st.Batches-stats.Counted)
	}
}

// TestDrainDecodedAhead: a consumer stopped while its worker counts one
// batch and the next is decoded ahead finishes both, and every batch is
// counted exactly once by the consumers after it.
func TestDrainDecodedAhead(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(max(2, runtime.GOMAXPROCS(0)))) // a core beside the worker: it decodes ahead
	ts := startTestServer(t)
	path := genFile(t, t.TempDir(), "a.log", gen.Options{Records: 20000, Seed: 8})
	b := ts.connect(t, "test")
	st := publish(t, b, 32<<10, path)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var decodedN, counting atomic.Int64
	o := testOptions
	o.Workers = 1
	o.afterDecode = func(int) { decodedN.Add(1) }
	o.beforeCount = func(batch) {
		if counting.Add(1) != 3 {
			return
		}
		// The fourth batch decoded while the third waits to be counted.
		for deadline := time.Now().Add(10 * time.Second); decodedN.Load() < 4; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Errorf("no batch decoded ahead of the third in 10 s (%d decoded)", decodedN.Load())
				break
			}
		}
		cancel()
	}
	stats, err := Consume(ctx, ts.connect(t, "consumer"), o)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Consume: %v, want context.Canceled", err)
	}
	if stats.Counted < 4 || stats.Counted >= st.Batches || stats.Retried != 0 {
		t.Fatalf("stats %+v: want the batch decoded ahead counted too (4 or a few more of %d), none retried", stats, st.Batches)
	}
	countedOnceAfterStop(t, ts, b, st.Batches, stats.Counted, path)
}

// countedOnceAfterStop checks a job after a consumer stopped mid-run:
// what it counted has records and is out of the stream, the rest is in
// it, and consumers after it count every batch once, as scan does.
func countedOnceAfterStop(t *testing.T, ts *testServer, b *Bus, batches, counted int, path string) {
	t.Helper()
	p, err := Progress(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	if pending, err := b.pending(context.Background()); err != nil || p.Counted != counted || pending != batches-counted {
		t.Fatalf("after the stop: %d records, %d batches in the stream (%v); want %d and %d", p.Counted, pending, err, counted, batches-counted)
	}
	snap := countAll(t, ts, b)
	if snap.Counted != batches {
		t.Fatalf("status %s, want %d batches", snap.Status, batches)
	}
	sameAsScan(t, snap, path)
}

// TestWaitBeforePublish: Wait started before anything is published does
// not take 0 of 0 batches for done (report -wait is often started first):
// with nothing published it waits out its deadline and says so, and once
// a file is published it returns when every line of it is counted.
func TestWaitBeforePublish(t *testing.T) {
	ts := startTestServer(t)
	b := ts.connect(t, "test")
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	err := Wait(ctx, b, 10*time.Millisecond, nil)
	cancel()
	var we *WaitError
	if !errors.As(err, &we) || we.Status.Published != 0 || !strings.Contains(err.Error(), "nothing was published") {
		t.Fatalf("Wait with nothing published: %v; want a WaitError saying nothing was published", err)
	}
	snap, err := Report(context.Background(), b)
	if err != nil || snap.Status != (Status{}) || snap.Result.Totals.Lines() != 0 {
		t.Fatalf("Report with nothing published: %+v, %v; want an empty snapshot", snap.Status, err)
	}

	const records = 3000
	path := genFile(t, t.TempDir(), "a.log", gen.Options{Records: records, Seed: 5})
	polled := make(chan struct{})
	var once sync.Once
	waited := make(chan error, 1)
	wctx, wcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer wcancel()
	go func() {
		waited <- Wait(wctx, b, 10*time.Millisecond, func(Status) { once.Do(func() { close(polled) }) })
	}()
	<-polled // Wait has seen the empty job before the publish starts
	c := startConsumers(t, ts, 1, testOptions, nil)
	publish(t, b, 8<<10, path)
	if err := <-waited; err != nil {
		t.Fatalf("Wait: %v", err)
	}
	c.stop()
	if snap, err = Report(context.Background(), b); err != nil || !snap.Done() || snap.Result.Totals.Lines() != records {
		t.Fatalf("after Wait: %s, %d lines, %v; want every batch of %d lines counted", snap.Status, snap.Result.Totals.Lines(), err, records)
	}
}

// TestServerRestartDuringPublish: publish rides out a server restart,
// retrying with the same message IDs. A restarted server remembers the
// IDs of the batches still in the stream only, so a batch counted before
// the restart whose publish acknowledgement was lost is stored again; the
// consumers find it counted and only acknowledge it.
func TestServerRestartDuringPublish(t *testing.T) {
	ts := startTestServer(t)
	path := genFile(t, t.TempDir(), "a.log", gen.Options{Records: 40000, Seed: 8})
	b := ts.connect(t, "test")
	c := startConsumers(t, ts, 2, testOptions, nil)
	done := make(chan struct{})
	var st PublishStats
	var err error
	go func() {
		defer close(done)
		st, err = Publish(context.Background(), b, []string{path}, PublishOptions{BatchSize: 8 << 10})
	}()
	for {
		if n, _ := b.pending(context.Background()); n > 50 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	ts.restart()
	<-done
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
	// A safety net, not a speed target: under -race on a loaded machine
	// counting the 589 batches has taken more than 20 s.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := Wait(ctx, b, 20*time.Millisecond, nil); err != nil {
		// Seen once in some fifty runs, before consume checked that a key
		// it was told exists does: the stream empty, records missing.
		// Say everything there is to say if it comes back.
		t.Logf("publish: %+v", st)
		cons, _ := b.js.Consumer(context.Background(), "T", consumerName)
		ci, _ := cons.Info(context.Background())
		si, _ := b.stream.Info(context.Background())
		t.Logf("consumer: pending %d ackpending %d redelivered %d delivered %+v ackfloor %+v; stream %+v", ci.NumPending, ci.NumAckPending, ci.NumRedelivered, ci.Delivered, ci.AckFloor, si.State)
		c.stop()
		t.Fatalf("consumers: %+v", c.stats)
	}
	snap := waitDone(t, b)
	c.stop()
	if got, want := marshalSnapshot(t, snap), wantScan(t, path); !bytes.Equal(got, want) {
		t.Fatalf("report differs from scan:\n%s\nwant\n%s", got, want)
	}
	if snap.Counted != st.Batches {
		t.Errorf("%d of %d batches counted", snap.Counted, st.Batches)
	}
}

// TestStatusDone: the records decide, not the stream: a stale message
// left in the stream does not hold a finished report back, and a missing
// record is never made up for by an empty stream.
func TestStatusDone(t *testing.T) {
	for _, tt := range []struct {
		s    Status
		done bool
	}{
		{Status{Published: 5, Counted: 5, Pending: 1}, true},
		{Status{Published: 5, Counted: 4, Parked: 1}, true},
		{Status{Published: 5, Counted: 4}, false},
		{Status{Published: 5, Counted: 5, Unlisted: 2}, true},
		{Status{Published: 5, Counted: 3, Unfinished: 1}, false},
		{Status{}, true},
	} {
		if got := tt.s.Done(); got != tt.done {
			t.Errorf("%+v.Done() = %v, want %v", tt.s, got, tt.done)
		}
	}
}
