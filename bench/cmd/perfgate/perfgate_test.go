package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// A cachegrind.out file as valgrind 3.19 writes it, cut short.
const cachegrindOut = `desc: I1 cache:         32768 B, 64 B, 8-way associative
cmd: ./logproc scan -workers 1 -quiet -o - large.log
events: Ir
fl=???
fn=runtime.rt0_go
0 12
summary: 452726407
`

func TestParseCachegrind(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{cachegrindOut, 452726407, true},
		// With the cache simulation on, Ir is one column of several.
		{"events: Dr Ir Dw\nsummary: 5 7 9\n", 7, true},
		{"events: Ir\n", 0, false},             // no summary
		{"summary: 5\n", 0, false},             // no events line before it
		{"events: Dr\nsummary: 5\n", 0, false}, // no Ir column
		{"events: Ir\nsummary: x\n", 0, false},
	} {
		got, err := parseCachegrind(strings.NewReader(tc.in))
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseCachegrind(%q) = %d, %v; want %d, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestMedianSpread(t *testing.T) {
	if got := medianOf([]float64{3, 1, 2}); got != 2 {
		t.Errorf("medianOf odd = %g, want 2", got)
	}
	if got := medianOf([]float64{4, 1, 2, 3}); got != 2.5 {
		t.Errorf("medianOf even = %g, want 2.5", got)
	}
	if got := spread([]float64{99, 100, 101}); got != 2 {
		t.Errorf("spread = %g, want 2", got)
	}
	if got := spread([]float64{100}); got != 0 {
		t.Errorf("spread of one run = %g, want 0", got)
	}
}

func TestJudge(t *testing.T) {
	m := func(scan, gen float64) measurement {
		return measurement{ScanRuns: []float64{scan}, GenRuns: []float64{gen}}
	}
	for _, tc := range []struct {
		name     string
		m        measurement
		fail     bool
		contains string
	}{
		{"same", m(1000, 500), false, "+0.00 %"},
		{"just under", m(1019.9, 500), false, "+1.99 %"},
		{"scan grew", m(1020.1, 500), true, "scan 1020.1 vs baseline 1000.0 instructions/line (+2.01 %, limit +2 %)"},
		{"gen grew", m(1000, 520), true, "gen 520.0 vs baseline 500.0"},
		{"faster", m(900, 500), false, "make bench-baseline"},
		{"noisy", measurement{ScanRuns: []float64{1000, 1015}, GenRuns: []float64{500, 500}}, true, "vary by"},
	} {
		v := judge(1000, 500, tc.m, 2)
		if (v.err != nil) != tc.fail {
			t.Errorf("%s: err = %v, want failure %v", tc.name, v.err, tc.fail)
		}
		all := strings.Join(v.lines, "\n")
		if v.err != nil {
			all += "\n" + v.err.Error()
			if strings.Contains(v.err.Error(), "\n") {
				t.Errorf("%s: the error is more than one line: %q", tc.name, v.err)
			}
		}
		if !strings.Contains(all, tc.contains) {
			t.Errorf("%s: output lacks %q:\n%s", tc.name, tc.contains, all)
		}
	}
}

func TestBaselineRoundTrip(t *testing.T) {
	c := Config{Tolerance: 2, Lines: 200_000, BaseLines: 10_000, Baseline: "b.json"}
	m := measurement{GoVersion: "go1.26.8", ScanRuns: []float64{1000, 1000.5, 1001}, GenRuns: []float64{700, 700, 700}, LargeBytes: 9, SmallBytes: 1}
	b, err := newBaseline(m, c, "valgrind-3.19.0")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "perf-baseline.json")
	if err := b.write(path); err != nil {
		t.Fatal(err)
	}
	got, err := readBaseline(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != b {
		t.Errorf("read back %+v\nwant %+v", got, b)
	}
	if got.ScanPerLine != 1000.5 || got.GenPerLine != 700 {
		t.Errorf("per line = %g, %g; want the medians 1000.5, 700", got.ScanPerLine, got.GenPerLine)
	}
	if err := got.check(c); err != nil {
		t.Errorf("check with the same setup: %v", err)
	}
	other := c
	other.Lines = 100_000
	if err := got.check(other); err == nil {
		t.Error("check with other line counts passed")
	}
	if w := got.warnings(m, "valgrind-3.19.0"); len(w) != 0 {
		t.Errorf("warnings with nothing changed: %q", w)
	}
	m.GoVersion = "go1.27"
	if w := got.warnings(m, "valgrind-3.19.0"); len(w) != 2 || !strings.Contains(w[0], "go1.27") {
		t.Errorf("warnings after a Go upgrade = %q", w)
	}

	noisy := m
	noisy.ScanRuns = []float64{1000, 1010}
	if _, err := newBaseline(noisy, c, "v"); err == nil {
		t.Error("newBaseline accepted runs that vary by 1 %")
	}
	if _, err := readBaseline(filepath.Join(t.TempDir(), "missing.json")); err == nil || !strings.Contains(err.Error(), "make bench-baseline") {
		t.Errorf("readBaseline of a missing file = %v, want a hint to make bench-baseline", err)
	}
}
