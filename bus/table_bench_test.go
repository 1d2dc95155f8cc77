package bus

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/logproc/logproc/gen"
	"github.com/logproc/logproc/out"
	"github.com/logproc/logproc/scan"
)

// BenchmarkTable prints the throughput table of docs/distributed.md:
// issue 16's targets, measured on one generated file of BUS_RECORDS
// lines (default 500,000; make bench-bus: 5,000,000, about 611 MB), as
// logproc gen writes it by default, in BUS_DIR (default a temporary
// directory; a file there of the right size is used again). Each of
// BUS_ROUNDS rounds (default 3) runs every row once, interleaved, and the
// table gives each row's median. Settings are the commands' defaults:
// every metric, scan with 1 and 2 workers, one consumer with 2 workers
// (and one with 1 worker, by value and by reference, on batches already
// in the stream), 16 MiB batches by value (compressed, and as they are
// for comparison) and 32 MiB by reference, against an in-process server
// on loopback; every report is checked against scan to the byte.
// The CPU columns are the process's (the server's included), which a
// busy machine changes less than the wall time.
//
//	make bench-bus
//	BUS_RECORDS=5000000 go test -run '^$' -bench '^BenchmarkTable$' -benchtime 1x -timeout 30m ./bus/
func BenchmarkTable(b *testing.B) {
	records := envInt(b, "BUS_RECORDS", 500_000)
	rounds := envInt(b, "BUS_ROUNDS", 3)
	dir := os.Getenv("BUS_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	path := filepath.Join(dir, "bus-"+strconv.Itoa(records)+".log")
	if _, err := os.Stat(path); err != nil {
		if _, err := gen.WriteFile(context.Background(), path, gen.Options{Records: int64(records), Users: 10000, Seed: 1, Workers: runtime.NumCPU()}, nil); err != nil {
			b.Fatal(err)
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	o, res, want := scanOracle(b, path)
	lines := res.Totals.Lines()
	co := ConsumeOptions{Workers: 2, Scan: o, Sections: out.AllSections()}

	ts := startTestServer(b)
	one := co
	one.Workers = 1
	// A consumer row's ratios are to scan with 1 worker, the others' to
	// scan with 2.
	rows := []struct {
		name, target string
		consumer     bool
		run          func(round int) span
	}{
		{"scan, 1 worker", "", false, func(int) span { return timeScan(b, path, withWorkers(o, 1)) }},
		{"scan, 2 workers (the default)", "", false, func(int) span { return timeScan(b, path, withWorkers(o, 2)) }},
		{"bus by value, " + strconv.Itoa(DefaultBatchSize>>20) + " MiB batches", "at most 4×", false, func(r int) span {
			return timeEndToEnd(b, ts, "V"+strconv.Itoa(r), path, co, PublishOptions{}, want)
		}},
		{"bus by reference, 32 MiB batches", "at most 2×", false, func(r int) span {
			return timeEndToEnd(b, ts, "R"+strconv.Itoa(r), path, co, PublishOptions{ByReference: true}, want)
		}},
		{"one consumer, 1 worker, batches in the stream", "at least 80 % of scan, 1 worker", true, func(r int) span {
			return timeConsumer(b, ts, "C"+strconv.Itoa(r), path, one, PublishOptions{}, want)
		}},
		{"one consumer, 1 worker, by reference, batches in the stream", "at least 80 % of scan, 1 worker", true, func(r int) span {
			return timeConsumer(b, ts, "D"+strconv.Itoa(r), path, one, PublishOptions{ByReference: true}, want)
		}},
		// What compression (the default) is measured against.
		{"bus by value, uncompressed (publish -compress=false)", "", false, func(r int) span {
			return timeEndToEnd(b, ts, "U"+strconv.Itoa(r), path, co, PublishOptions{Uncompressed: true}, want)
		}},
		{"one consumer, 1 worker, uncompressed, batches in the stream", "", true, func(r int) span {
			return timeConsumer(b, ts, "E"+strconv.Itoa(r), path, one, PublishOptions{Uncompressed: true}, want)
		}},
	}
	// BUS_ROWS, a regular expression, keeps the rows it matches (and the
	// two scan rows, which the ratios need): one change measured in more
	// rounds.
	only, err := regexp.Compile(os.Getenv("BUS_ROWS"))
	if err != nil {
		b.Fatalf("BUS_ROWS: %v", err)
	}
	took := make([][]time.Duration, len(rows))
	cpu := make([][]time.Duration, len(rows))
	for r := range rounds {
		for i, row := range rows {
			if i > 1 && !only.MatchString(row.name) {
				continue // left out of the table below
			}
			runtime.GC() // not the rows before's garbage
			sp := row.run(r)
			took[i], cpu[i] = append(took[i], sp.wall), append(cpu[i], sp.cpu)
		}
	}
	med, medCPU := make([]float64, len(rows)), make([]float64, len(rows))
	for i := range rows {
		if len(took[i]) == 0 {
			continue
		}
		slices.Sort(took[i])
		slices.Sort(cpu[i])
		med[i], medCPU[i] = took[i][len(took[i])/2].Seconds(), cpu[i][len(cpu[i])/2].Seconds()
	}
	var load string
	if avg, err := os.ReadFile("/proc/loadavg"); err == nil {
		load = string(bytes.Fields(avg)[0])
	}
	fmt.Printf("\n%s lines, %.0f MB, %d users; median of %d interleaved rounds; %s, %d CPUs, load average %s at the end\n\n",
		group(int64(lines)), float64(fi.Size())/1e6, 10000, rounds, time.Now().UTC().Format("2006-01-02 15:04 MST"), runtime.NumCPU(), load)
	fmt.Println("| | s | lines/s | × scan (2 workers) | target | CPU s | × scan's CPU |")
	fmt.Println("|---|---:|---:|---:|---|---:|---:|")
	for i, row := range rows {
		if len(took[i]) == 0 {
			continue // not matched by BUS_ROWS
		}
		ratio := fmt.Sprintf("%.1f", med[i]/med[1])
		cpuRatio := fmt.Sprintf("%.1f", medCPU[i]/medCPU[1])
		if row.consumer {
			ratio = fmt.Sprintf("%.0f %% of scan, 1 worker", 100*med[0]/med[i])
			cpuRatio = fmt.Sprintf("%.1f (of 1 worker's)", medCPU[i]/medCPU[0])
		}
		fmt.Printf("| %s | %.3f | %s | %s | %s | %.2f | %s |\n", row.name, med[i], group(int64(float64(lines)/med[i])), ratio, row.target, medCPU[i], cpuRatio)
	}
	fmt.Println()
	report := func(i int, ratio float64, unit string) {
		if len(took[i]) > 0 {
			b.ReportMetric(ratio, unit)
		}
	}
	report(2, med[2]/med[1], "x-scan-by-value")
	report(3, med[3]/med[1], "x-scan-by-reference")
	report(4, med[0]/med[4], "consumer/scan-1-worker")
	report(5, med[0]/med[5], "consumer-by-reference/scan-1-worker")
}

// cpuTime is the CPU time this process has used, user and system: the
// server's included, as it runs in the process.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func envInt(b *testing.B, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		b.Fatalf("%s=%q: want a whole number, at least 1", name, s)
	}
	return n
}

// scanOracle is what the bus's results must equal: scan's, with every
// metric and no -window, as the commands run it, on 2 workers.
func scanOracle(b *testing.B, path string) (scan.Options, scan.Result, []byte) {
	o := scanAll(scan.Options{})
	o.TimeWindow = 0 // as the commands: no -window
	res, err := scan.Files(context.Background(), []string{path}, withWorkers(o, 2), nil)
	if err != nil {
		b.Fatal(err)
	}
	return o, res, marshalResult(b, res)
}

func withWorkers(o scan.Options, n int) scan.Options {
	o.Workers = n
	return o
}

func marshalResult(b *testing.B, res scan.Result) []byte {
	o := out.New(res.Totals, res.Bytes, res.MalformedAt, out.AllSections())
	o.Formats = res.Formats
	data, err := out.Marshal(o)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// span is the wall and CPU time of a row's timed part.
type span struct{ wall, cpu time.Duration }

type stopwatch struct {
	wall time.Time
	cpu  time.Duration
}

func startWatch() stopwatch { return stopwatch{time.Now(), cpuTime()} }

func (w stopwatch) stop() span { return span{time.Since(w.wall), cpuTime() - w.cpu} }

func timeScan(b *testing.B, path string, o scan.Options) span {
	w := startWatch()
	if _, err := scan.Files(context.Background(), []string{path}, o, nil); err != nil {
		b.Fatal(err)
	}
	return w.stop()
}

// checkReport fails b unless the bus's report is scan's to the byte.
func checkReport(b *testing.B, snap Snapshot, want []byte) {
	if got := marshalSnapshot(b, snap); !bytes.Equal(got, want) {
		b.Fatalf("the bus counted otherwise than scan:\n%.300s\nwant\n%.300s", got, want)
	}
}

// timeEndToEnd is what a user waits for: publish, with a consumer already
// pulling, then report -wait (WaitReport, woken by each record written
// and polling every 200 ms otherwise, as the command).
func timeEndToEnd(b *testing.B, ts *testServer, name, path string, co ConsumeOptions, po PublishOptions, want []byte) span {
	pub := ts.connectTo(b, "publish", name, name)
	defer dropJob(pub, name)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	c := ts.connectTo(b, "consume", name, name)
	wg.Go(func() { Consume(ctx, c, co) })
	defer wg.Wait()
	defer cancel()
	waitConsumer(b, c)
	w := startWatch()
	if _, err := Publish(context.Background(), pub, []string{path}, po); err != nil {
		b.Fatal(err)
	}
	snap, err := WaitReport(context.Background(), pub, 200*time.Millisecond, nil)
	took := w.stop()
	if err != nil {
		b.Fatal(err)
	}
	checkReport(b, snap, want)
	return took
}

// timeConsumer times one consumer counting batches already in the
// stream, from its start to its last record written.
func timeConsumer(b *testing.B, ts *testServer, name, path string, co ConsumeOptions, po PublishOptions, want []byte) span {
	pub := ts.connectTo(b, "publish", name, name)
	defer dropJob(pub, name)
	st, err := Publish(context.Background(), pub, []string{path}, po)
	if err != nil {
		b.Fatal(err)
	}
	c := ts.connectTo(b, "consume", name, name)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var written atomic.Int64
	var took span
	w := startWatch()
	co.afterWrite = func(batch) {
		if written.Add(1) == int64(st.Batches) {
			took = w.stop()
			cancel()
		}
	}
	Consume(ctx, c, co)
	if written.Load() != int64(st.Batches) {
		b.Fatalf("the consumer wrote %d of %d records", written.Load(), st.Batches)
	}
	snap, err := Report(context.Background(), pub)
	if err != nil {
		b.Fatal(err)
	}
	checkReport(b, snap, want)
	return took
}

// waitConsumer waits until the job's consumer exists: a consumer that is
// already pulling, as in the README's flow.
func waitConsumer(b *testing.B, c *Bus) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := c.js.Consumer(context.Background(), c.opts.Stream, consumerName); err == nil {
			return
		}
		if time.Now().After(deadline) {
			b.Fatal("the consumer did not start in 10 s")
		}
		time.Sleep(time.Millisecond) // a poll, not a synchronisation
	}
}

func dropJob(b *Bus, name string) {
	b.js.DeleteStream(context.Background(), name)
	b.js.DeleteKeyValue(context.Background(), name)
}

// group writes n with thousands separators.
func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
