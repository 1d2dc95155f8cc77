package scan_test

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/logproc/logproc/agg"
	"github.com/logproc/logproc/agg/aggtest"
	"github.com/logproc/logproc/bench"
	"github.com/logproc/logproc/gen"
	"github.com/logproc/logproc/scan"
	"github.com/logproc/logproc/scan/logline"
)

func generate(t testing.TB, dir string, o gen.Options) (string, gen.Report) {
	t.Helper()
	path := filepath.Join(dir, fmt.Sprintf("gen-%d-%d-%s.log", o.Records, o.Seed, o.Format))
	rep, err := gen.WriteFile(context.Background(), path, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	return path, rep
}

func sameTotals(t *testing.T, what string, got, want agg.Totals) {
	t.Helper()
	if !maps.Equal(got.Levels, want.Levels) {
		t.Errorf("%s: levels %v, want %v", what, got.Levels, want.Levels)
	}
	if !maps.Equal(got.NoUser, want.NoUser) {
		t.Errorf("%s: lines without user %v, want %v", what, got.NoUser, want.NoUser)
	}
	if !maps.Equal(got.Users, want.Users) {
		t.Errorf("%s: %d users, want %d (or counts differ)", what, len(got.Users), len(want.Users))
	}
	if got.Blank != want.Blank || got.Malformed != want.Malformed {
		t.Errorf("%s: blank, malformed = %d, %d; want %d, %d", what, got.Blank, got.Malformed, want.Blank, want.Malformed)
	}
}

// allMetrics takes every field gen writes: its keys, with zap's "ts" as
// a second time key as logproc's default has it.
var allMetrics = logline.Config{ActionKey: "action", LatencyKey: "latency_ms", TimeKey: "time,ts"}

// sameAll fails unless got holds every count of want: levels, users,
// actions, latency histograms, time range and windows.
func sameAll(t *testing.T, what string, got, want agg.Totals) {
	t.Helper()
	sameTotals(t, what, got, want)
	if !aggtest.Equal(&got, &want) {
		t.Errorf("%s: metrics differ: %d actions (want %d), %d latencies (want %d), %d timed %d..%d (want %d %d..%d), windows %v (want %v)",
			what, len(got.Actions), len(want.Actions), got.Latency.Count(), want.Latency.Count(),
			got.Timed, got.First, got.Last, want.Timed, want.First, want.Last, got.Windows, want.Windows)
	}
}

// TestFilesEqualsTruth: across seeds, sizes, both formats, worker counts
// from 1 to more than there are lines, windows smaller than a line, and
// scan reproduces what gen wrote.
func TestFilesEqualsTruth(t *testing.T) {
	dir := t.TempDir()
	sizes := []int64{1, 2, 17, 5000, 70001}
	if testing.Short() {
		sizes = sizes[:4]
	}
	for _, format := range []gen.Format{gen.Logfmt, gen.JSON} {
		for i, records := range sizes {
			o := gen.Options{Records: records, Users: 1 + int(records)%997, Workers: 2, Seed: uint64(i*7 + 1), Format: format}
			path, rep := generate(t, dir, o)
			for _, workers := range []int{1, 2, 3, 8, min(int(records)+5, scan.MaxWorkers)} {
				for _, window := range []int{0, 64, 4096} {
					name := fmt.Sprintf("%s/%d lines/%d workers/window %d", format, records, workers, window)
					res, err := scan.Files(context.Background(), []string{path}, scan.Options{Workers: workers, Buffer: window, Parse: allMetrics}, nil)
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					sameAll(t, name, res.Totals, rep.Totals)
					if res.Bytes != rep.Bytes || res.Totals.Lines() != rep.Lines {
						t.Errorf("%s: %d bytes, %d lines; want %d, %d", name, res.Bytes, res.Totals.Lines(), rep.Bytes, rep.Lines)
					}
				}
			}
		}
	}
}

// TestFilesAggregates: several files count as their sum, and a file given
// twice counts twice.
func TestFilesAggregates(t *testing.T) {
	dir := t.TempDir()
	a, ra := generate(t, dir, gen.Options{Records: 3000, Users: 50, Workers: 1, Seed: 1})
	b, rb := generate(t, dir, gen.Options{Records: 4000, Users: 80, Workers: 1, Seed: 2, Format: gen.JSON})
	res, err := scan.Files(context.Background(), []string{a, b, a}, scan.Options{Workers: 2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := agg.Totals{Levels: map[string]int64{}, NoUser: map[string]int64{}, Users: map[string]int64{}}
	for _, r := range []gen.Report{ra, rb, ra} {
		for k, v := range r.Totals.Levels {
			want.Levels[k] += v
		}
		for k, v := range r.Totals.NoUser {
			want.NoUser[k] += v
		}
		for k, v := range r.Totals.Users {
			want.Users[k] += v
		}
	}
	sameTotals(t, "a+b+a", res.Totals, want)
	if res.Bytes != 2*ra.Bytes+rb.Bytes {
		t.Errorf("bytes %d, want %d", res.Bytes, 2*ra.Bytes+rb.Bytes)
	}
}

// TestFilesAgreesWithNaive checks the inputs a generator never writes
// against the naive oracle, with windows small enough that lines cross
// them and some lines are longer than a window.
func TestFilesAgreesWithNaive(t *testing.T) {
	long := strings.Repeat("x", 10000)
	tests := []struct{ name, data string }{
		{"crlf", "level=INFO user=a\r\nlevel=WARN user=b\r\n"},
		{"no trailing newline", "level=INFO user=a\nlevel=ERROR user=a"},
		{"blank lines", "\n\nlevel=INFO user=a\n \t \n\r\n"},
		{"line longer than the window", "level=INFO user=a msg=" + long + "\nlevel=INFO user=" + long + "\n"},
		{"invalid utf-8", "level=INFO user=a\xffb\nlevel=INFO user=a\xfeb\nlevel=WARN user=\"\\xff\"\n"},
		{"quoted users", "level=INFO user=\"Jane Q. Public <jane@example.com>\"\nlevel=INFO user=\"a\\\"b\"\n"},
		{"user only inside msg", "level=INFO msg=\"retry level=ERROR user=x\"\n"},
		{"malformed", "level=INFO\nhello\nlevel=\"open\nlevel= user=a\n{\"level\":3}\n"},
		{"json", "{\"level\":\"INFO\",\"user\":\"a\"}\n{\"user\":\"b\",\"level\":\"warn\",\"n\":{\"level\":\"X\"}}\n"},
		{"other levels", "level=info user=a\nlevel=Warning user=a\nlevel=TRACE\nlevel=INFO+2 user=b\n"},
		{"nul bytes", "level=INFO user=a\x00b\n\x00\x00\nlevel=WARN user=c\n"},
	}
	dir := t.TempDir()
	for i, tt := range tests {
		path := filepath.Join(dir, fmt.Sprintf("%d.log", i))
		if err := os.WriteFile(path, []byte(tt.data), 0o644); err != nil {
			t.Fatal(err)
		}
		want, err := bench.Naive(path, 1)
		if err != nil {
			t.Fatal(err)
		}
		for _, window := range []int{8, 64, 0} {
			for _, workers := range []int{1, 3} {
				res, err := scan.Files(context.Background(), []string{path}, scan.Options{Workers: workers, Buffer: window}, nil)
				if err != nil {
					t.Fatalf("%s: %v", tt.name, err)
				}
				sameTotals(t, fmt.Sprintf("%s/window %d/%d workers", tt.name, window, workers), res.Totals, want)
			}
		}
	}
}

// TestMalformedPositions: line numbers are absolute, in file order, even
// when the malformed lines fall in ranges counted by different workers.
func TestMalformedPositions(t *testing.T) {
	var b strings.Builder
	var want []int64
	for line := int64(1); line <= 4<<20/20; line++ {
		if line%50000 == 7 {
			b.WriteString("garbage garbage\n")
			want = append(want, line)
			continue
		}
		b.WriteString("level=INFO user=abc\n")
	}
	path := filepath.Join(t.TempDir(), "m.log")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := scan.Files(context.Background(), []string{path}, scan.Options{Workers: 4}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Totals.Malformed != int64(len(want)) {
		t.Fatalf("malformed = %d, want %d", res.Totals.Malformed, len(want))
	}
	if len(res.MalformedAt) != len(want) {
		t.Fatalf("positions %v, want lines %v", res.MalformedAt, want)
	}
	for i, p := range res.MalformedAt {
		if p.Line != want[i] || p.File != path {
			t.Errorf("position %d = %v, want %s:%d", i, p, path, want[i])
		}
	}
}

func TestFilesErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.log")
	binary := filepath.Join(dir, "binary.bin")
	os.WriteFile(empty, nil, 0o644)
	os.WriteFile(binary, []byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00>\x00"), 0o644)
	tests := []struct {
		paths []string
		want  string
	}{
		{[]string{filepath.Join(dir, "missing.log")}, "missing.log"},
		{[]string{dir}, "is a directory"},
		{[]string{binary}, "not a log file"},
		{[]string{empty, filepath.Join(dir, "missing.log")}, "missing.log"},
	}
	for _, tt := range tests {
		_, err := scan.Files(context.Background(), tt.paths, scan.Options{Workers: 2}, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Files(%v) = %v, want an error containing %q", tt.paths, err, tt.want)
		}
	}
	for _, path := range []string{empty, os.DevNull} {
		res, err := scan.Files(context.Background(), []string{path}, scan.Options{Workers: 2}, nil)
		if err != nil || res.Totals.Lines() != 0 || res.Bytes != 0 {
			t.Errorf("%s: %v, %v; want zero counts and no error", path, res, err)
		}
	}
}

func TestFilesCancelled(t *testing.T) {
	path, _ := generate(t, t.TempDir(), gen.Options{Records: 100000, Users: 10, Workers: 2, Seed: 1})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := scan.Files(ctx, []string{path}, scan.Options{Workers: 2}, nil); err == nil {
		t.Fatal("a cancelled scan returned no error")
	}
}

func TestProgress(t *testing.T) {
	path, rep := generate(t, t.TempDir(), gen.Options{Records: 50000, Users: 10, Workers: 2, Seed: 1})
	var p scan.Progress
	if _, err := scan.Files(context.Background(), []string{path}, scan.Options{Workers: 2}, &p); err != nil {
		t.Fatal(err)
	}
	if p.Lines.Load() != rep.Lines || p.Bytes.Load() != rep.Bytes || p.Size.Load() != rep.Bytes {
		t.Errorf("progress: %d lines, %d of %d bytes; want %d lines, %d bytes", p.Lines.Load(), p.Bytes.Load(), p.Size.Load(), rep.Lines, rep.Bytes)
	}
}

func BenchmarkFiles(b *testing.B) {
	const records = 1 << 20
	path, rep := generate(b, b.TempDir(), gen.Options{Records: records, Users: 10000, Workers: 2, Seed: 1})
	for _, window := range []int{64 << 10, scan.DefaultBuffer, 4 << 20} {
		for _, workers := range []int{1, 2} {
			b.Run(fmt.Sprintf("window=%dKiB/workers=%d", window>>10, workers), func(b *testing.B) {
				o := scan.Options{Workers: workers, Buffer: window}
				b.SetBytes(rep.Bytes)
				b.ReportAllocs()
				var res scan.Result
				for b.Loop() {
					var err error
					if res, err = scan.Files(context.Background(), []string{path}, o, nil); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(records)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
				if res.Totals.Lines() != rep.Lines || len(res.Totals.Users) != len(rep.Totals.Users) {
					b.Fatalf("counted %d lines, %d users; want %d, %d", res.Totals.Lines(), len(res.Totals.Users), rep.Lines, len(rep.Totals.Users))
				}
			})
		}
	}
}
