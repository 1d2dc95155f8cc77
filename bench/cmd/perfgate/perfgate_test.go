package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
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

// runs makes a measurement of one run per command.
func runs(scan, scanAll, gen float64) measurement {
	return measurement{Runs: map[string][]float64{"scan": {scan}, "scan-all": {scanAll}, "gen": {gen}}}
}

func TestJudge(t *testing.T) {
	base := map[string]float64{"scan": 1000, "scan-all": 2000, "gen": 500}
	for _, tc := range []struct {
		name     string
		m        measurement
		grew     []string // commands that must fail; nil for none
		fail     bool
		contains string
	}{
		{"same", runs(1000, 2000, 500), nil, false, "+0.00 %"},
		{"just under", runs(1019.9, 2039.8, 500), nil, false, "scan-all executes 2039.8 instructions per line, baseline 2000.0: +1.99 %"},
		{"scan grew", runs(1020.1, 2000, 500), []string{"scan"}, true, "scan 1020.1 vs baseline 1000.0 instructions/line (+2.01 %, limit +2 %)"},
		{"scan-all grew", runs(1000, 2040.2, 500), []string{"scan-all"}, true, "scan-all 2040.2 vs baseline 2000.0 instructions/line (+2.01 %, limit +2 %)"},
		{"gen grew", runs(1000, 2000, 520), []string{"gen"}, true, "gen 520.0 vs baseline 500.0"},
		{"all grew", runs(2000, 4000, 1000), []string{"scan", "scan-all", "gen"}, true, "+100.00 %"},
		{"faster", runs(1000, 1800, 500), nil, false, "make bench-baseline"},
		{"noisy scan-all", measurement{Runs: map[string][]float64{
			"scan": {1000, 1000}, "scan-all": {2000, 2030}, "gen": {500, 500}}}, nil, true, "repeated runs vary by 1.49 %"},
	} {
		v := judge(base, tc.m, 2)
		if (v.err != nil) != tc.fail {
			t.Errorf("%s: err = %v, want failure %v", tc.name, v.err, tc.fail)
		}
		if !slices.Equal(v.grew, tc.grew) {
			t.Errorf("%s: grew = %q, want %q", tc.name, v.grew, tc.grew)
		}
		for _, k := range commands {
			if !slices.ContainsFunc(v.lines, func(l string) bool { return strings.Contains(l, ": "+k.name+" executes ") }) {
				t.Errorf("%s: no line judges %s:\n%s", tc.name, k.name, strings.Join(v.lines, "\n"))
			}
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

func TestCommandLines(t *testing.T) {
	c := Config{Lines: 200_000, BaseLines: 10_000}
	want := map[string]string{
		"scan":     "valgrind --tool=cachegrind --cache-sim=no logproc scan -workers 1 -metrics seed -read mmap -quiet -o - FILE",
		"scan-all": "valgrind --tool=cachegrind --cache-sim=no logproc scan -workers 1 -metrics all -read mmap -quiet -o - FILE",
		"gen":      "valgrind --tool=cachegrind --cache-sim=no logproc gen -workers 1 -n 210000 -seed 1 -users 10000 -format logfmt -quiet -o FILE",
	}
	if len(commands) != len(want) {
		t.Errorf("%d commands, want %d", len(commands), len(want))
	}
	for _, k := range commands {
		if got := commandLine(k, c); got != want[k.name] {
			t.Errorf("%s: %q\nwant %q", k.name, got, want[k.name])
		}
	}
	// The small run of each command differs from the large one in its
	// input only.
	for _, k := range commands {
		small := strings.Join(k.args(10_000, "small.log", "out.log"), " ")
		large := strings.Join(k.args(210_000, "large.log", "out.log"), " ")
		if small == large {
			t.Errorf("%s runs %q on both inputs", k.name, small)
		}
	}
}

// An old baseline, written before the gate measured scan-all.
const twoCommandBaseline = `{
  "scan_instructions_per_line": 927.8,
  "gen_instructions_per_line": 304.3,
  "repeat_spread_percent": 0.197,
  "repeat": 3,
  "go_version": "go1.26.8",
  "platform": "linux/amd64",
  "cpu": "Intel(R) Xeon(R) Processor (avx2 erms avx512f avx512bw fsrm)",
  "valgrind": "valgrind-3.19.0",
  "input": "logproc gen -seed 1 -users 10000 -format logfmt: 210000 lines, minus the cost of its first 10000 lines",
  "lines": 200000,
  "base_lines": 10000,
  "large_input_bytes": 25661171,
  "small_input_bytes": 1221047,
  "scan_command": "valgrind --tool=cachegrind --cache-sim=no logproc scan -workers 1 -quiet -o - FILE",
  "gen_command": "valgrind --tool=cachegrind --cache-sim=no logproc gen -workers 1 -n 210000 -seed 1 -users 10000 -format logfmt -quiet -o FILE",
  "env": "GOMAXPROCS=1 GOGC=off GODEBUG=asyncpreemptoff=1,memprofilerate=0",
  "written": "2026-11-27T05:19:59Z"
}
`

func TestReadBaselineRefusesMissingNumbers(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, json, want string
	}{
		{"without scan-all", twoCommandBaseline,
			"has no scan_all_instructions_per_line (no baseline for scan-all yet): run `make bench-baseline`"},
		{"scan-all zero", strings.Replace(twoCommandBaseline, "{", `{"scan_all_instructions_per_line": 0,`, 1),
			"has no scan_all_instructions_per_line"},
		{"scan-all negative", strings.Replace(twoCommandBaseline, "{", `{"scan_all_instructions_per_line": -1,`, 1),
			"scan_all_instructions_per_line = -1, want a positive number: run `make bench-baseline`"},
		{"gen missing", strings.Replace(strings.Replace(twoCommandBaseline, "{", `{"scan_all_instructions_per_line": 1500,`, 1),
			`"gen_instructions_per_line": 304.3,`, "", 1),
			"has no gen_instructions_per_line (no baseline for gen yet)"},
	} {
		path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".json")
		if err := os.WriteFile(path, []byte(tc.json), 0o644); err != nil {
			t.Fatal(err)
		}
		b, err := readBaseline(path)
		if err == nil {
			t.Errorf("%s: read %+v, want an error", tc.name, b)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %q, want one line containing %q", tc.name, err, tc.want)
		}
	}
	// The same file with the number added passes.
	path := filepath.Join(dir, "complete.json")
	complete := strings.Replace(twoCommandBaseline, "{", `{"scan_all_instructions_per_line": 1500,`, 1)
	if err := os.WriteFile(path, []byte(complete), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := readBaseline(path)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"scan": 927.8, "scan-all": 1500, "gen": 304.3}
	if got := b.perLines(); !maps.Equal(got, want) {
		t.Errorf("perLines = %v, want %v", got, want)
	}
}

func TestBaselineRoundTrip(t *testing.T) {
	c := Config{Tolerance: 2, Lines: 200_000, BaseLines: 10_000, Baseline: "b.json"}
	m := measurement{GoVersion: "go1.26.8", LargeBytes: 9, SmallBytes: 1, Runs: map[string][]float64{
		"scan":     {1000, 1000.5, 1001},
		"scan-all": {2001, 2000, 2002},
		"gen":      {700, 700, 700},
	}}
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
	if got.ScanPerLine != 1000.5 || got.ScanAllPerLine != 2001 || got.GenPerLine != 700 {
		t.Errorf("per line = %g, %g, %g; want the medians 1000.5, 2001, 700", got.ScanPerLine, got.ScanAllPerLine, got.GenPerLine)
	}
	if got.Repeat != 3 || got.RepeatSpread != 0.1 {
		t.Errorf("repeat %d, spread %g; want 3 and scan-all's 0.1", got.Repeat, got.RepeatSpread)
	}

	// Every command's numbers are in the file under the names entry gives.
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	if err := json.Unmarshal(data, &fields); err != nil {
		t.Fatal(err)
	}
	for _, k := range commands {
		e := got.entry(k.name)
		if fields[e.key] != m.PerLine(k.name) {
			t.Errorf("%s: %s = %v, want %g", k.name, e.key, fields[e.key], m.PerLine(k.name))
		}
		if *e.command != commandLine(k, c) {
			t.Errorf("%s: command %q, want %q", k.name, *e.command, commandLine(k, c))
		}
	}
	if !strings.Contains(fmt.Sprint(fields["scan_all_command"]), "-metrics all") {
		t.Errorf("scan_all_command = %v, want the scan with -metrics all", fields["scan_all_command"])
	}

	if err := got.check(c); err != nil {
		t.Errorf("check with the same setup: %v", err)
	}
	other := c
	other.Lines = 100_000
	if err := got.check(other); err == nil {
		t.Error("check with other line counts passed")
	}
	if w := got.warnings(m, c, "valgrind-3.19.0"); len(w) != 0 {
		t.Errorf("warnings with nothing changed: %q", w)
	}
	m.GoVersion = "go1.27"
	if w := got.warnings(m, c, "valgrind-3.19.0"); len(w) != 2 || !strings.Contains(w[0], "go1.27") {
		t.Errorf("warnings after a Go upgrade = %q", w)
	}
	m.GoVersion = got.GoVersion
	old := got
	old.ScanAll = "valgrind --tool=cachegrind --cache-sim=no logproc scan -workers 1 -quiet -o - FILE"
	if w := old.warnings(m, c, "valgrind-3.19.0"); len(w) != 2 || !strings.Contains(w[0], "scan-all's command was valgrind") {
		t.Errorf("warnings after a change of scan-all's command = %q", w)
	}
	old.ScanAll = ""
	if w := old.warnings(m, c, "valgrind-3.19.0"); len(w) != 2 || !strings.Contains(w[0], "scan-all's command was not recorded for the baseline") {
		t.Errorf("warnings without scan-all's command = %q", w)
	}

	for _, name := range []string{"scan", "scan-all", "gen"} {
		noisy := measurement{Runs: maps.Clone(m.Runs)}
		noisy.Runs[name] = []float64{1000, 1010}
		if _, err := newBaseline(noisy, c, "v"); err == nil {
			t.Errorf("newBaseline accepted %s runs that vary by 1 %%", name)
		}
	}
	if _, err := readBaseline(filepath.Join(t.TempDir(), "missing.json")); err == nil || !strings.Contains(err.Error(), "make bench-baseline") {
		t.Errorf("readBaseline of a missing file = %v, want a hint to make bench-baseline", err)
	}
}

// Every measured command must be caught by at least one slowed build of
// the selftest, and the builds may name measured commands only.
func TestSlowBuildsCoverEveryCommand(t *testing.T) {
	caught := map[string]bool{}
	for _, b := range slowBuilds {
		if len(b.catches) == 0 {
			t.Errorf("slow build %q names no command to catch it", b.name)
		}
		for _, name := range b.catches {
			if !slices.ContainsFunc(commands, func(k command) bool { return k.name == name }) {
				t.Errorf("slow build %q names %q, which the gate does not measure", b.name, name)
			}
			caught[name] = true
		}
	}
	for _, k := range commands {
		if !caught[k.name] {
			t.Errorf("no slow build checks that the gate catches %s", k.name)
		}
	}
}

func TestNotIn(t *testing.T) {
	if got := notIn([]string{"scan", "scan-all", "gen"}, []string{"gen", "scan"}); !slices.Equal(got, []string{"scan-all"}) {
		t.Errorf("notIn = %q, want [scan-all]", got)
	}
	if got := notIn([]string{"scan"}, []string{"scan", "gen"}); got != nil {
		t.Errorf("notIn = %q, want none", got)
	}
}
