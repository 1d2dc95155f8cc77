package bus

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/logproc/logproc/gen"
	"github.com/logproc/logproc/scan"
)

// benchRecords sizes the benchmark's file: 500,000 lines, about 61 MB.
const benchRecords = 500_000

// BenchmarkConsume counts one generated file through the bus, in batches
// of 512 KiB and 4 MiB, with 1 and 2 consumers (one worker each, on connections of their own) against an
// in-process server on loopback, from the first pull to the last record
// written. Publishing each round's batches into a fresh stream and bucket
// is not timed. BenchmarkScanFiles counts the same file locally, the
// baseline. Compare their MB/s and lines/s.
func BenchmarkConsume(b *testing.B) {
	ts := startTestServer(b)
	path := genFile(b, b.TempDir(), "bench.log", gen.Options{Records: benchRecords, Users: 10000, Seed: 9})
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	want := wantScan(b, path)
	for _, run := range []struct {
		batch     int64
		consumers int
	}{{512 << 10, 1}, {512 << 10, 2}, {4 << 20, 1}, {4 << 20, 2}} {
		consumers := run.consumers
		b.Run("batch="+strconv.FormatInt(run.batch>>10, 10)+"KiB/consumers="+strconv.Itoa(consumers), func(b *testing.B) {
			b.SetBytes(fi.Size())
			b.ReportAllocs()
			var batches int
			var took time.Duration
			for i := range b.N {
				b.StopTimer()
				name := "B" + strconv.Itoa(consumers) + "_" + strconv.Itoa(i)
				pub := ts.connectTo(b, "publish", name, name)
				st, err := Publish(context.Background(), pub, []string{path}, PublishOptions{BatchSize: run.batch})
				if err != nil {
					b.Fatal(err)
				}
				batches = st.Batches
				conns := make([]*Bus, consumers)
				for k := range conns {
					conns[k] = ts.connectTo(b, "consume", name, name)
				}
				ctx, cancel := context.WithCancel(context.Background())
				var written atomic.Int64
				o := withMetrics(ConsumeOptions{Workers: 1, afterWrite: func(batch) {
					if written.Add(1) == int64(st.Batches) {
						cancel()
					}
				}})
				var wg sync.WaitGroup
				began := time.Now()
				b.StartTimer()
				for _, c := range conns {
					wg.Go(func() { Consume(ctx, c, o) })
				}
				wg.Wait()
				b.StopTimer()
				took += time.Since(began)
				cancel()
				if i == b.N-1 {
					snap, err := Report(context.Background(), pub)
					if err != nil {
						b.Fatal(err)
					}
					if got := marshalSnapshot(b, snap); !bytes.Equal(got, want) {
						b.Fatalf("the bus counted otherwise than scan:\n%.300s\nwant\n%.300s", got, want)
					}
				}
				pub.js.DeleteStream(context.Background(), name)
				pub.js.DeleteKeyValue(context.Background(), name)
				b.StartTimer()
			}
			sec := took.Seconds() / float64(b.N)
			b.ReportMetric(float64(batches)/sec, "batches/s")
			b.ReportMetric(benchRecords/sec, "lines/s")
		})
	}
}

// BenchmarkScanFiles is the baseline: scan.Files on the same file.
func BenchmarkScanFiles(b *testing.B) {
	path := genFile(b, b.TempDir(), "bench.log", gen.Options{Records: benchRecords, Users: 10000, Seed: 9})
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	for _, workers := range []int{1, 2} {
		b.Run("workers="+strconv.Itoa(workers), func(b *testing.B) {
			b.SetBytes(fi.Size())
			b.ReportAllocs()
			began := time.Now()
			for range b.N {
				if _, err := scan.Files(context.Background(), []string{path}, scanAll(scan.Options{Workers: workers}), nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(benchRecords/(time.Since(began).Seconds()/float64(b.N)), "lines/s")
		})
	}
}

// BenchmarkEndToEnd times what a user waits for: from the start of
// publish to an exact report, with two consumers of one worker each
// already pulling, against an in-process server on loopback, by value and
// by reference. Compare its MB/s with BenchmarkScanFiles'.
func BenchmarkEndToEnd(b *testing.B) {
	ts := startTestServer(b)
	path := genFile(b, b.TempDir(), "bench.log", gen.Options{Records: benchRecords, Users: 10000, Seed: 9})
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	want := wantScan(b, path)
	for _, run := range []struct {
		batch int64
		ref   bool
	}{{512 << 10, false}, {4 << 20, false}, {32 << 20, true}} {
		batch := run.batch
		mode := "value"
		if run.ref {
			mode = "reference"
		}
		b.Run("by="+mode+"/batch="+strconv.FormatInt(batch>>10, 10)+"KiB", func(b *testing.B) {
			b.SetBytes(fi.Size())
			for i := range b.N {
				b.StopTimer()
				name := "E" + strconv.FormatInt(batch>>10, 10) + "_" + strconv.Itoa(i)
				pub := ts.connectTo(b, "publish", name, name)
				ctx, cancel := context.WithCancel(context.Background())
				var wg sync.WaitGroup
				for range 2 {
					c := ts.connectTo(b, "consume", name, name)
					wg.Go(func() { Consume(ctx, c, withMetrics(ConsumeOptions{Workers: 1})) })
				}
				b.StartTimer()
				if _, err := Publish(context.Background(), pub, []string{path}, PublishOptions{BatchSize: batch, ByReference: run.ref}); err != nil {
					b.Fatal(err)
				}
				if err := Wait(context.Background(), pub, 5*time.Millisecond, nil); err != nil {
					b.Fatal(err)
				}
				snap, err := Report(context.Background(), pub)
				b.StopTimer()
				if err != nil {
					b.Fatal(err)
				}
				if got := marshalSnapshot(b, snap); !bytes.Equal(got, want) {
					b.Fatalf("the bus counted otherwise than scan:\n%.300s\nwant\n%.300s", got, want)
				}
				cancel()
				wg.Wait()
				pub.js.DeleteStream(context.Background(), name)
				pub.js.DeleteKeyValue(context.Background(), name)
				b.StartTimer()
			}
		})
	}
}
