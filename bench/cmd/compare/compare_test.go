package main

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/logproc/logproc/bench/internal/results"
	"github.com/logproc/logproc/gen"
)

func TestParseCount(t *testing.T) {
	for in, want := range map[string]int64{"50000000": 50_000_000, "50_000_000": 50_000_000, "50,000,000": 50_000_000, " 7 ": 7} {
		if got, err := parseCount(in); err != nil || got != want {
			t.Errorf("parseCount(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "5e7", "ten", "1.5"} {
		if _, err := parseCount(in); err == nil {
			t.Errorf("parseCount(%q) succeeded", in)
		}
	}
}

func TestDefaultConfig(t *testing.T) {
	env := map[string]string{"BENCH_RECORDS": "10_000_000", "BENCH_ROUNDS": "3", "BENCH_DATA": "/d"}
	c, err := defaultConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.Records != 10_000_000 || c.Rounds != 3 || c.DataDir != "/d" || c.Users != 10_000 || c.Workers != 2 {
		t.Errorf("defaultConfig = %+v", c)
	}
	env["BENCH_ROUNDS"] = "many"
	if _, err := defaultConfig(func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), "BENCH_ROUNDS") {
		t.Errorf("a bad BENCH_ROUNDS gave %v, want an error naming it", err)
	}
	if err := (Config{}).Validate(); err == nil || !strings.Contains(err.Error(), "-logproc is required") {
		t.Errorf("Validate of the zero Config = %v", err)
	}
}

func TestCheckLineCount(t *testing.T) {
	for _, tc := range []struct {
		out string
		ok  bool
	}{
		{"1000 bench.log\n", true},
		{"1000\n", true},
		{"999 bench.log\n", false},
		{"", false},
		{"wc: bench.log: No such file\n", false},
	} {
		if err := checkLineCount([]byte(tc.out), 1000); (err == nil) != tc.ok {
			t.Errorf("checkLineCount(%q) = %v, want ok %v", tc.out, err, tc.ok)
		}
	}
}

func TestParseAWK(t *testing.T) {
	out := "level INFO 3\nlevel WARN 1\nnouser INFO 1\nuser a@x 2\nuser b@x 1\nblank - 0\nmalformed - 2\n"
	got, err := parseAWK(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	truth := results.Result{
		LogLevels:        map[string]int64{"INFO": 3, "WARN": 1},
		LinesWithoutUser: map[string]int64{"INFO": 1},
		UserActions:      map[string]int64{"a@x": 2, "b@x": 1},
		MalformedLines:   2,
	}
	if d := results.Diff(truth, got); len(d) != 0 {
		t.Errorf("parseAWK: %q", d)
	}
	if err := checkAWK([]byte(out), truth); err != nil {
		t.Errorf("checkAWK: %v", err)
	}
	truth.MalformedLines = 0
	if err := checkAWK([]byte(out), truth); err == nil {
		t.Error("checkAWK ignores malformed lines")
	}
	for _, bad := range []string{"level INFO\n", "level INFO x\n", "bogus k 1\n", "user a b 1\n"} {
		if _, err := parseAWK(strings.NewReader(bad)); err == nil {
			t.Errorf("parseAWK(%q) succeeded", bad)
		}
	}
}

// TestCountAWK runs count.awk under mawk on generated logs, tricky
// messages included, and on hand-made lines, and checks its counts.
func TestCountAWK(t *testing.T) {
	if _, err := exec.LookPath("mawk"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("mawk is not installed, and CI must run this test: .ci/run installs it")
		}
		t.Skip("mawk is not installed: apt-get install mawk")
	}
	dir := t.TempDir()
	prog := filepath.Join(dir, "count.awk")
	if err := os.WriteFile(prog, countAWK, 0o644); err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(dir, "gen.log")
	rep, err := gen.WriteFile(context.Background(), log, gen.Options{Records: 20_000, Users: 300, Workers: 2, Seed: 3, Format: gen.Logfmt}, nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("mawk", "-f", prog, log).Output()
	if err != nil {
		t.Fatal(err)
	}
	truth := results.Result{LogLevels: rep.Totals.Levels, LinesWithoutUser: rep.Totals.NoUser, UserActions: rep.Totals.Users}
	if err := checkAWK(out, truth); err != nil {
		t.Errorf("count.awk on generated logfmt: %v", err)
	}

	hand := filepath.Join(dir, "hand.log")
	lines := `time=2026-11-26T08:00:00.000Z level=INFO msg="retry level=ERROR user=ghost@example.com after \"timeout\"" user=a@x action=login latency_ms=1
time=2026-11-26T08:00:00.001Z level=WARN msg="a \\ b" component=db latency_ms=2
level=ERROR msg=plain user=b@x

   
no level here
`
	if err := os.WriteFile(hand, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = exec.Command("mawk", "-f", prog, hand).Output()
	if err != nil {
		t.Fatal(err)
	}
	want := results.Result{
		LogLevels:        map[string]int64{"INFO": 1, "WARN": 1, "ERROR": 1},
		LinesWithoutUser: map[string]int64{"WARN": 1},
		UserActions:      map[string]int64{"a@x": 1, "b@x": 1},
		BlankLines:       2,
		MalformedLines:   1,
	}
	if err := checkAWK(out, want); err != nil {
		t.Errorf("count.awk on hand-made lines: %v\n%s", err, out)
	}
}

func TestSummarize(t *testing.T) {
	s := func(secs ...float64) []sample {
		var out []sample
		for _, v := range secs {
			d := time.Duration(v * float64(time.Second))
			out = append(out, sample{wall: d, user: 2 * d, sys: d / 2, maxRSS: int64(v * 1000)})
		}
		return out
	}
	tools := []tool{
		{name: "wc -l", group: groupScan, ref: true},
		{name: "logproc scan", group: groupScan},
		{name: "dd conv=fsync", group: groupGen, ref: true},
		{name: "logproc gen", group: groupGen},
	}
	rows := summarize(tools, [][]sample{s(1, 3, 2), s(4, 8, 6, 5), s(10), s(5)})
	want := []row{
		{Name: "wc -l", Median: 2 * time.Second, Min: time.Second, Max: 3 * time.Second, Ratio: 1},
		{Name: "logproc scan", Median: 5500 * time.Millisecond, Min: 4 * time.Second, Max: 8 * time.Second, Ratio: 2.75},
		{Name: "dd conv=fsync", Median: 10 * time.Second, Ratio: 1},
		{Name: "logproc gen", Median: 5 * time.Second, Ratio: 0.5},
	}
	for i, w := range want {
		g := rows[i]
		if g.Name != w.Name || g.Median != w.Median || g.Ratio != w.Ratio || (w.Min != 0 && (g.Min != w.Min || g.Max != w.Max)) {
			t.Errorf("row %d = %+v, want %+v", i, g, w)
		}
	}
	if rows[1].MaxRSS != 8000 || rows[1].CPU != 13750*time.Millisecond || rows[1].User != 11*time.Second || rows[1].Sys != 2750*time.Millisecond {
		t.Errorf("row 1: MaxRSS %d (want the largest, 8000), CPU %v, user %v, sys %v (want the medians, 13.75s, 11s, 2.75s)",
			rows[1].MaxRSS, rows[1].CPU, rows[1].User, rows[1].Sys)
	}
}

func testReport() report {
	rows := []row{
		{Name: "wc -l", Group: groupScan, Ref: true, Median: 500 * time.Millisecond, Min: 400 * time.Millisecond, Max: 600 * time.Millisecond, Ratio: 1},
		{Name: "logproc scan -workers 2", Group: groupScan, Median: time.Second, Min: time.Second, Max: 1100 * time.Millisecond, Ratio: 2, MaxRSS: 1 << 30,
			User: 1500 * time.Millisecond, Sys: 250 * time.Millisecond},
		{Name: "logproc scan -workers 1", Group: groupScan, Median: 2 * time.Second, Min: 2 * time.Second, Max: 2 * time.Second, Ratio: 4},
		{Name: "naive <&>", Group: groupScan, Median: 90 * time.Second, Min: 80 * time.Second, Max: 95 * time.Second, Ratio: 180},
		{Name: "dd conv=fsync", Group: groupGen, Ref: true, Median: 3 * time.Second, Min: 3 * time.Second, Max: 3 * time.Second, Ratio: 1},
		{Name: "logproc gen -workers 2", Group: groupGen, Median: 6 * time.Second, Min: 5 * time.Second, Max: 7 * time.Second, Ratio: 2},
		{Name: "dd over its last output (no sync)", Group: groupRewrite, Ref: true, Median: 2 * time.Second, Min: 2 * time.Second, Max: 2 * time.Second, Ratio: 1,
			Sys: 400 * time.Millisecond},
		{Name: "logproc gen -workers 2 over its last output", Group: groupRewrite, Median: 2500 * time.Millisecond, Min: 2 * time.Second, Max: 3 * time.Second, Ratio: 1.25,
			User: time.Second, Sys: 500 * time.Millisecond},
	}
	return report{
		Machine: machine{NProc: 2, CPU: "Test CPU", Memory: 8 << 30, Kernel: "Linux 6", GoVersion: "go1.26.8", Mawk: "mawk 1.3.4"},
		Config:  Config{Rounds: 3, Workers: 2, Records: 10_000_000},
		Dataset: dataset{Path: "bench/data/bench.log", stamp: stamp{Records: 10_000_000, Bytes: 1_220_000_000, Users: 10_000, Seed: 1, Format: "logfmt"}},
		Rows:    rows,
		Started: time.Date(2026, 11, 27, 4, 0, 0, 0, time.UTC),
		Elapsed: time.Minute,
	}
}

func TestSVGIsWellFormed(t *testing.T) {
	svg := testReport().svg()
	dec := xml.NewDecoder(strings.NewReader(svg))
	for {
		_, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("the SVG is not well-formed XML: %v\n%s", err, svg)
		}
	}
	for _, want := range []string{"naive &lt;&amp;&gt;", "90.000 s (180.00×)", "0.1 s", "100 s", "<rect"} {
		if !strings.Contains(svg, want) {
			t.Errorf("the SVG lacks %q", want)
		}
	}
}

func TestMarkdownAndText(t *testing.T) {
	r := testReport()
	md := r.markdown()
	for _, want := range []string{
		"| CPUs (nproc) | 2 |",
		"| tool | median s | min–max s | lines/s | GB/s | × wc -l | user s | sys s | peak RSS |",
		"| logproc scan -workers 2 | 1.000 | 1.000–1.100 | 10.0 M | 1.22 | 2.00 | 1.50 | 0.25 | 1024 MiB |",
		"## Writing as many bytes over the last run's file (no delete, no sync between runs)",
		"logproc gen -workers 2 over its last output takes 1.25× the time of dd over its last output (no sync). System time: 0.50 s against 0.40 s.",
		"| dd conv=fsync | 3.000 | 3.000–3.000 | — |",
		"1 → 2 workers: speed-up 2.00×",
		"logproc scan -workers 2 is 90.00× faster than naive <&>.",
		"logproc scan -workers 2 takes 2.00× the time of wc -l.",
		"10,000,000 lines, 1,220,000,000 bytes",
		"![median wall time per tool, log scale](latest.svg)",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the Markdown lacks %q:\n%s", want, md)
		}
	}
	text := r.text()
	for _, want := range []string{"logproc scan -workers 2", "1.000–1.100", "× dd conv=fsync"} {
		if !strings.Contains(text, want) {
			t.Errorf("the text lacks %q:\n%s", want, text)
		}
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -1234: "-1,234"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestOnly: the tools matched, and the reference of each group they are
// in; a group with no match is left out whole.
func TestOnly(t *testing.T) {
	tools := []tool{
		{name: "wc -l", group: groupScan, ref: true},
		{name: "logproc scan -workers 2", group: groupScan},
		{name: "logproc scan -workers 2 -metrics all", group: groupScan},
		{name: "mawk", group: groupScan},
		{name: "dd (no sync)", group: groupGen, ref: true},
		{name: "logproc gen -workers 2", group: groupGen},
	}
	var got []string
	for _, k := range only(tools, regexp.MustCompile("^logproc scan -workers 2")) {
		got = append(got, k.name)
	}
	want := []string{"wc -l", "logproc scan -workers 2", "logproc scan -workers 2 -metrics all"}
	if !slices.Equal(got, want) {
		t.Errorf("only kept %q, want %q", got, want)
	}
	if n := len(only(tools, regexp.MustCompile(""))); n != len(tools) {
		t.Errorf("an empty expression kept %d tools of %d", n, len(tools))
	}
}

// A warm tool's every timed run follows an untimed run of its own, not
// another tool's: the order of runs is what the rewrite table means.
func TestMeasureWarmRunsBackToBack(t *testing.T) {
	journal := filepath.Join(t.TempDir(), "runs")
	run := func(name string) []string {
		return []string{"sh", "-c", "echo " + name + " >> " + journal}
	}
	ok := func([]byte) error { return nil }
	tools := []tool{
		{name: "a", argv: run("a"), check: ok},
		{name: "w", warm: true, argv: run("w"), check: ok},
		{name: "b", argv: run("b"), check: ok},
	}
	rows, err := measure(context.Background(), 3, tools, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(journal)
	if err != nil {
		t.Fatal(err)
	}
	// Round r starts at tool r: a w w b, then w w b a, then b a w w.
	want := "a w w b w w b a b a w w"
	if s := strings.Join(strings.Fields(string(got)), " "); s != want {
		t.Errorf("runs in order %q, want %q", s, want)
	}
	for _, r := range rows {
		if r.Median <= 0 {
			t.Errorf("%s: median %v from its timed runs", r.Name, r.Median)
		}
	}
}
