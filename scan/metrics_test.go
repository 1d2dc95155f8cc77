package scan_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/logproc/logproc/agg"
	"github.com/logproc/logproc/gen"
	"github.com/logproc/logproc/scan"
)

// TestWindowsAndTimeFilter checks events per window and -since/-until
// against a reading of the same JSON file with encoding/json and
// time.Parse.
func TestWindowsAndTimeFilter(t *testing.T) {
	dir := t.TempDir()
	start := time.Date(2026, 11, 26, 7, 59, 53, 0, time.UTC) // windows do not start on the first line
	path, _ := generate(t, dir, gen.Options{Records: 60000, Users: 200, Workers: 2, Seed: 5, Format: gen.JSON, Start: start})
	since, until := start.Add(37*time.Second+500*time.Millisecond), start.Add(101*time.Second)
	const width = 10 * time.Second

	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	windows := map[int64]int64{}
	var kept, filtered int64
	levels := map[string]int64{}
	var first, last time.Time
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		var line struct {
			Time  time.Time
			Level string
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatal(err)
		}
		if line.Time.Before(since) || !line.Time.Before(until) {
			filtered++
			continue
		}
		if kept == 0 {
			first = line.Time
		}
		last = line.Time
		kept++
		levels[line.Level]++
		windows[line.Time.UnixNano()/int64(width)]++
	}
	keys := slices.Sorted(func(yield func(int64) bool) {
		for k := range windows {
			if !yield(k) {
				return
			}
		}
	})
	lo, hi := keys[0], keys[len(keys)-1]
	wantCounts := make([]int64, hi-lo+1)
	for k, n := range windows {
		wantCounts[k-lo] = n
	}

	for _, workers := range []int{1, 3} {
		o := scan.Options{Workers: workers, Buffer: 4096, Parse: allMetrics, TimeWindow: width, Since: since, Until: until}
		res, err := scan.Files(context.Background(), []string{path}, o, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := res.Totals
		if got.Filtered != filtered || got.Timed != kept || got.Events() != kept {
			t.Errorf("%d workers: filtered %d, timed %d, events %d; want %d, %d, %d", workers, got.Filtered, got.Timed, got.Events(), filtered, kept, kept)
		}
		if got.Lines() != 60000 {
			t.Errorf("%d workers: %d lines, want 60000", workers, got.Lines())
		}
		if got.First != first.UnixNano() || got.Last != last.UnixNano() {
			t.Errorf("%d workers: time range %v..%v, want %v..%v", workers, time.Unix(0, got.First).UTC(), time.Unix(0, got.Last).UTC(), first, last)
		}
		if got.Windows.First != lo || !slices.Equal(got.Windows.Counts, wantCounts) {
			t.Errorf("%d workers: windows from %d %v, want from %d %v", workers, got.Windows.First, got.Windows.Counts, lo, wantCounts)
		}
		if w := got.Windows.Start(0); !w.Equal(since.Truncate(width)) {
			t.Errorf("%d workers: first window starts %v, want %v", workers, w, since.Truncate(width))
		}
		for level, n := range levels {
			if got.Levels[level] != n {
				t.Errorf("%d workers: %s = %d, want %d", workers, level, got.Levels[level], n)
			}
		}
	}
}

// TestSplitFilesMerge: the lines of one file, cut into pieces at line
// boundaries and given in another order as several files (one of them
// gzipped, one on standard input), count exactly as the whole file does,
// windows and histograms included.
func TestSplitFilesMerge(t *testing.T) {
	dir := t.TempDir()
	path, rep := generate(t, dir, gen.Options{Records: 50000, Users: 500, Workers: 2, Seed: 12})
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	o := scan.Options{Workers: 2, Parse: allMetrics, TimeWindow: time.Second}
	whole, err := scan.Files(context.Background(), []string{path}, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	noWindows := whole.Totals
	noWindows.Windows = agg.Windows{} // gen's truth has none
	sameAll(t, "whole", noWindows, rep.Totals)

	cut := func(frac float64) int {
		i := int(float64(len(data)) * frac)
		return i + bytes.IndexByte(data[i:], '\n') + 1
	}
	a, b, c := cut(0.2), cut(0.55), cut(0.8)
	pieces := [][]byte{data[c:], data[a:b], data[:a], data[b:c]}
	var paths []string
	for i, p := range pieces {
		name := filepath.Join(dir, "piece"+string(rune('0'+i))+".log")
		if err := os.WriteFile(name, p, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, name)
	}
	paths[1] = gzipFile(t, paths[1])
	o.Stdin = bytes.NewReader(pieces[3])
	paths[3] = "-"
	for _, workers := range []int{1, 2, 5} {
		o.Workers = workers
		o.Stdin = bytes.NewReader(pieces[3])
		res, err := scan.Files(context.Background(), paths, o, nil)
		if err != nil {
			t.Fatal(err)
		}
		sameAll(t, "pieces", res.Totals, whole.Totals)
	}

	// Totals made apart and added are the totals of the whole too.
	var sum agg.Totals
	for i, p := range paths {
		o.Stdin = bytes.NewReader(pieces[3])
		res, err := scan.Files(context.Background(), []string{p}, o, nil)
		if err != nil {
			t.Fatalf("piece %d: %v", i, err)
		}
		if err := sum.Add(&res.Totals); err != nil {
			t.Fatal(err)
		}
	}
	sameAll(t, "added", sum, whole.Totals)
}

func TestTimeOptionsNeedTimeKey(t *testing.T) {
	path, _ := generate(t, t.TempDir(), gen.Options{Records: 10, Users: 2, Workers: 1})
	for _, o := range []scan.Options{
		{Workers: 1, TimeWindow: time.Minute},
		{Workers: 1, Since: time.Now()},
		{Workers: 1, Parse: allMetrics, Since: time.Now(), Until: time.Now().Add(-time.Hour)},
		{Workers: 1, Parse: allMetrics, TimeWindow: -time.Second},
	} {
		if _, err := scan.Files(context.Background(), []string{path}, o, nil); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
	// One stray year-1970 line with a one-second window asks for too many
	// windows: an error that says what to do, not gigabytes of zeros.
	stray := filepath.Join(t.TempDir(), "stray.log")
	os.WriteFile(stray, []byte("time=1970-01-01T00:00:00Z level=INFO\ntime=2026-11-26T08:00:00Z level=INFO\n"), 0o644)
	_, err := scan.Files(context.Background(), []string{stray}, scan.Options{Workers: 1, Parse: allMetrics, TimeWindow: time.Second}, nil)
	if err == nil || !errors.Is(err, agg.ErrTooManyWindows) {
		t.Errorf("a 56-year span in 1 s windows: err = %v, want ErrTooManyWindows", err)
	}
}
