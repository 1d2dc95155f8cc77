package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/logproc/logproc/agg"
	"github.com/logproc/logproc/bench/internal/results"
	"github.com/logproc/logproc/gen"
	"github.com/logproc/logproc/scan"
)

// benchLines is the size of the benchmarks' file: about 120 MB, large
// enough that start-up and the merge are noise, small enough for /tmp.
const benchLines = 1_000_000

// benchOptions generate the benchmarks' file.
var benchOptions = gen.Options{Records: benchLines, Users: 10_000, Workers: 2, Seed: 1, Format: gen.Logfmt}

// fixture is the benchmarks' file, generated once per process, on first
// use, and removed by TestMain.
var fixture struct {
	once sync.Once
	dir  string
	path string
	rep  gen.Report
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fixture.dir != "" {
		os.RemoveAll(fixture.dir)
	}
	os.Exit(code)
}

// benchFile returns the path of the benchmarks' file and its truth.
func benchFile(b *testing.B) (string, gen.Report) {
	b.Helper()
	fixture.once.Do(func() {
		if fixture.dir, fixture.err = os.MkdirTemp("", "logproc-bench-"); fixture.err != nil {
			return
		}
		fixture.path = filepath.Join(fixture.dir, "bench.log")
		fixture.rep, fixture.err = gen.WriteFile(context.Background(), fixture.path, benchOptions, nil)
	})
	if fixture.err != nil {
		b.Fatal(fixture.err)
	}
	return fixture.path, fixture.rep
}

// diffTotals compares everything two counts must agree on, and the bytes.
func diffTotals(want, got agg.Totals, wantBytes, gotBytes int64) []string {
	return results.Diff(resultOf(want, wantBytes), resultOf(got, gotBytes))
}

func resultOf(t agg.Totals, bytes int64) results.Result {
	return results.Result{
		BlankLines:       t.Blank,
		Bytes:            bytes,
		Lines:            t.Lines(),
		LinesWithoutUser: t.NoUser,
		LogLevels:        t.Levels,
		MalformedLines:   t.Malformed,
		UniqueUsers:      len(t.Users),
		UserActions:      t.Users,
	}
}

// reportLines reports lines/s over the whole timed loop.
func reportLines(b *testing.B, lines int64) {
	b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

func BenchmarkScan(b *testing.B) {
	path, truth := benchFile(b)
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			b.SetBytes(truth.Bytes)
			b.ReportAllocs()
			var res scan.Result
			var err error
			for b.Loop() {
				if res, err = scan.Files(context.Background(), []string{path}, scan.Options{Workers: workers}, nil); err != nil {
					b.Fatal(err)
				}
			}
			reportLines(b, truth.Lines)
			if d := diffTotals(truth.Totals, res.Totals, truth.Bytes, res.Bytes); len(d) > 0 {
				b.Fatalf("scan disagrees with the truth: %q", d)
			}
		})
	}
}

func BenchmarkNaive(b *testing.B) {
	path, truth := benchFile(b)
	const workers = 2
	b.SetBytes(truth.Bytes)
	b.ReportAllocs()
	var t agg.Totals
	var err error
	for b.Loop() {
		if t, err = Naive(path, workers); err != nil {
			b.Fatal(err)
		}
	}
	reportLines(b, truth.Lines)
	if d := diffTotals(truth.Totals, t, truth.Bytes, truth.Bytes); len(d) > 0 {
		b.Fatalf("Naive disagrees with the truth: %q", d)
	}
}

// BenchmarkGen writes the benchmarks' file again with gen.Write, into the
// page cache: gen.WriteFile's fsync would time the disk.
func BenchmarkGen(b *testing.B) {
	_, truth := benchFile(b)
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			f, err := os.Create(filepath.Join(b.TempDir(), "gen.log"))
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			o := benchOptions
			o.Workers = workers
			b.SetBytes(truth.Bytes)
			b.ReportAllocs()
			var rep gen.Report
			for b.Loop() {
				if rep, err = gen.Write(context.Background(), f, o, nil); err != nil {
					b.Fatal(err)
				}
			}
			reportLines(b, truth.Lines)
			if d := diffTotals(truth.Totals, rep.Totals, truth.Bytes, rep.Bytes); len(d) > 0 || rep.Lines != truth.Lines {
				b.Fatalf("gen.Write's report differs from gen.WriteFile's with the same options: %q, %d lines", d, rep.Lines)
			}
		})
	}
}

// formats are the generator's formats, which every counter must read.
var formats = []gen.Format{gen.Logfmt, gen.JSON}

// genFile writes a small generated log into t's temporary directory.
func genFile(t *testing.T, f gen.Format, records int64, users int) (string, gen.Report) {
	t.Helper()
	path := filepath.Join(t.TempDir(), f.String()+".log")
	rep, err := gen.WriteFile(context.Background(), path, gen.Options{Records: records, Users: users, Workers: 2, Seed: 7, Format: f}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return path, rep
}

func TestNaiveEqualsTruth(t *testing.T) {
	for _, f := range formats {
		t.Run(f.String(), func(t *testing.T) {
			path, truth := genFile(t, f, 20_000, 500)
			for _, workers := range []int{1, 3} {
				got, err := Naive(path, workers)
				if err != nil {
					t.Fatal(err)
				}
				if d := diffTotals(truth.Totals, got, truth.Bytes, truth.Bytes); len(d) > 0 {
					t.Errorf("Naive(%d workers) disagrees with the truth: %q", workers, d)
				}
			}
		})
	}
}

func TestScanEqualsNaive(t *testing.T) {
	for _, f := range formats {
		t.Run(f.String(), func(t *testing.T) {
			path, truth := genFile(t, f, 20_000, 500)
			want, err := Naive(path, 2)
			if err != nil {
				t.Fatal(err)
			}
			for _, workers := range []int{1, 2, 3} {
				got, err := scan.Files(context.Background(), []string{path}, scan.Options{Workers: workers}, nil)
				if err != nil {
					t.Fatal(err)
				}
				if d := diffTotals(want, got.Totals, truth.Bytes, got.Bytes); len(d) > 0 {
					t.Errorf("scan (%d workers) disagrees with Naive: %q", workers, d)
				}
				if d := diffTotals(truth.Totals, got.Totals, truth.Bytes, got.Bytes); len(d) > 0 {
					t.Errorf("scan (%d workers) disagrees with the truth: %q", workers, d)
				}
			}
		})
	}
}

// edgeLines are lines the generator never writes, in both formats: the
// fast parser must still agree with the naive one on each.
const edgeLines = "\n" +
	"   \t \n" +
	"\r\n" +
	"level=info msg=lower user=a@x\n" +
	"level=WARNING msg=w user=\"quoted user\"\n" +
	"level=ERR msg=e user=\n" +
	"time=2026-11-26T08:00:00.000Z level=DEBUG msg=\"x user=ghost\" user=b@x\r\n" +
	"level=INFO level=ERROR msg=twice user=c@x user=d@x\n" +
	"msg=\"no level\" user=a@x\n" +
	"level=\"INFO\" msg=\"a \\\"quoted\\\" word\" user=\"e\\\\x\"\n" +
	"garbage without equals\n" +
	"level=INFO msg=\"unterminated\n" +
	"{\"time\":\"2026-11-26T08:00:00Z\",\"level\":\"INFO\",\"msg\":\"j\",\"user\":\"a@x\"}\n" +
	"{\"level\":\"warn\",\"msg\":\"{\\\"user\\\":\\\"ghost\\\"}\"}\n" +
	"  {\"level\":\"ERROR\",\"user\":\"\\u00e9@x\"}\n" +
	"{\"level\":\"INFO\",\"user\":\"a@x\"\n" +
	"{\"msg\":\"no level\"}\n" +
	"{\"level\":5}\n" +
	"level=INFO msg=bad\xffutf8 user=\xfe@x\n" +
	"level=INFO msg=last user=a@x" // no newline at the end

func TestScanEqualsNaiveEdges(t *testing.T) {
	for _, f := range formats {
		t.Run(f.String(), func(t *testing.T) {
			path, _ := genFile(t, f, 3_000, 50)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			// The edge lines at the start, in the middle and at the end.
			mid := len(data) / 2
			for data[mid-1] != '\n' {
				mid++
			}
			mixed := append(append(append(append([]byte(edgeLines+"\n"), data[:mid]...), edgeLines+"\n"...), data[mid:]...), edgeLines...)
			if err := os.WriteFile(path, mixed, 0o644); err != nil {
				t.Fatal(err)
			}
			want, err := Naive(path, 2)
			if err != nil {
				t.Fatal(err)
			}
			if want.Blank == 0 || want.Malformed == 0 {
				t.Fatalf("Naive found %d blank and %d malformed lines; the edge lines should give both", want.Blank, want.Malformed)
			}
			for _, workers := range []int{1, 2, 3} {
				got, err := scan.Files(context.Background(), []string{path}, scan.Options{Workers: workers, Buffer: 4096}, nil)
				if err != nil {
					t.Fatal(err)
				}
				if d := diffTotals(want, got.Totals, int64(len(mixed)), got.Bytes); len(d) > 0 {
					t.Errorf("scan (%d workers) disagrees with Naive: %q", workers, d)
				}
			}
		})
	}
}
