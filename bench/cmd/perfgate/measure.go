package main

import (
	"bufio"
	"bytes"
	"context"
	"debug/buildinfo"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// The generator settings of the inputs. The seed is fixed so the inputs
// are the same bytes on every machine.
const (
	inputSeed  = 1
	inputUsers = 10_000
)

// gateEnv makes a Go program's instruction count repeatable: one P, no
// collector, no preemption signals, no heap profile sampling. And no
// RDTSCP, which valgrind 3.19 cannot run: on AMD the runtime's cputicks
// uses it on a contended lock, and the program died of SIGILL.
var gateEnv = []string{"GOMAXPROCS=1", "GOGC=off", "GODEBUG=asyncpreemptoff=1,memprofilerate=0,cpu.rdtscp=off"}

// measurement is what one binary executes per line.
type measurement struct {
	Binary    string
	GoVersion string
	// Runs are the instructions per line of each command, by name, one
	// per repetition.
	Runs       map[string][]float64
	SmallBytes int64 // size of the small input
	LargeBytes int64 // size of the large input
}

// PerLine is the median of the runs of the command named name.
func (m measurement) PerLine(name string) float64 { return medianOf(m.Runs[name]) }

// perLines are the medians of every command's runs, by name.
func (m measurement) perLines() map[string]float64 {
	p := make(map[string]float64, len(commands))
	for _, k := range commands {
		p[k.name] = m.PerLine(k.name)
	}
	return p
}

// spread is the largest spread of any command's runs, in percent.
func (m measurement) spread() float64 {
	var s float64
	for _, k := range commands {
		s = max(s, spread(m.Runs[k.name]))
	}
	return s
}

// inputs are the two files the scans are measured on.
type inputs struct {
	small, large string
}

// makeInputs generates the inputs with logproc gen, natively: the bytes
// depend on the seed and sizes only, not on the binary's speed.
func makeInputs(ctx context.Context, c Config, work string) (inputs, error) {
	in := inputs{small: filepath.Join(work, "small.log"), large: filepath.Join(work, "large.log")}
	for _, f := range []struct {
		path string
		n    int64
	}{{in.small, c.BaseLines}, {in.large, c.BaseLines + c.Lines}} {
		cmd := exec.CommandContext(ctx, c.Logproc, genArgs(f.n, f.path)...)
		cmd.Dir = work
		if out, err := cmd.CombinedOutput(); err != nil {
			return inputs{}, fmt.Errorf("%s: %w: %s", cmd, err, bytes.TrimSpace(out))
		}
	}
	return in, nil
}

// command is one logproc command line the gate measures. args returns
// its arguments for n lines: a scan reads in, which makeInputs made with n
// lines; gen writes n lines to out.
type command struct {
	name string
	args func(n int64, in, out string) []string
}

// commands are what the gate measures, in the order it reports them. Each
// has its own numbers in the baseline (baseline.entry).
//
// scan computes the seed's counters only (levels, users); scan-all also
// the per-action counts, the latency histograms and the time range, which
// take the parser's value path and package agg's metrics code: scan alone
// would let them slow down unseen.
var commands = []command{
	{"scan", func(_ int64, in, _ string) []string { return scanArgs("seed", in) }},
	{"scan-all", func(_ int64, in, _ string) []string { return scanArgs("all", in) }},
	{"gen", func(n int64, _, out string) []string { return genArgs(n, out) }},
}

// commandLine is k as the baseline records it, run on the large input.
func commandLine(k command, c Config) string {
	return "valgrind --tool=cachegrind --cache-sim=no logproc " + strings.Join(k.args(c.BaseLines+c.Lines, "FILE", "FILE"), " ")
}

func genArgs(n int64, path string) []string {
	return []string{"gen", "-workers", "1", "-n", strconv.FormatInt(n, 10),
		"-seed", strconv.Itoa(inputSeed), "-users", strconv.Itoa(inputUsers), "-format", "logfmt",
		"-quiet", "-o", path}
}

// scanArgs scans path with one worker, computing the metrics named (the
// -metrics flag: seed or all). The read mode is given: auto would time the
// machine under valgrind, and pread and mmap count alike (the copy is the
// kernel's).
func scanArgs(metrics, path string) []string {
	return []string{"scan", "-workers", "1", "-metrics", metrics, "-read", "mmap", "-quiet", "-o", "-", path}
}

// measure counts binary's instructions per line, c.Repeat times.
func measure(ctx context.Context, c Config, binary string, in inputs, work string, log io.Writer) (measurement, error) {
	m := measurement{Binary: binary, GoVersion: "unknown"}
	if bi, err := buildinfo.ReadFile(binary); err == nil {
		m.GoVersion = bi.GoVersion
	}
	for _, f := range []struct {
		path string
		size *int64
	}{{in.small, &m.SmallBytes}, {in.large, &m.LargeBytes}} {
		fi, err := os.Stat(f.path)
		if err != nil {
			return measurement{}, err
		}
		*f.size = fi.Size()
	}
	m.Runs = make(map[string][]float64, len(commands))
	genOut := filepath.Join(work, "gen-out.log")
	for range c.Repeat {
		progress := make([]string, 0, len(commands))
		for _, k := range commands {
			n, err := perLine(ctx, work, c.Lines,
				append([]string{binary}, k.args(c.BaseLines, in.small, genOut)...),
				append([]string{binary}, k.args(c.BaseLines+c.Lines, in.large, genOut)...))
			if err != nil {
				return measurement{}, err
			}
			m.Runs[k.name] = append(m.Runs[k.name], n)
			progress = append(progress, fmt.Sprintf("%s %.1f", k.name, n))
		}
		fmt.Fprintf(log, "perfgate: %s: %s instructions/line\n", filepath.Base(binary), strings.Join(progress, ", "))
	}
	return m, nil
}

// perLine returns (instructions(large) - instructions(small)) / lines.
func perLine(ctx context.Context, work string, lines int64, small, large []string) (float64, error) {
	a, err := instructions(ctx, work, small)
	if err != nil {
		return 0, err
	}
	b, err := instructions(ctx, work, large)
	if err != nil {
		return 0, err
	}
	if b <= a {
		return 0, fmt.Errorf("%s executed %d instructions, no more than the %d of the small input", strings.Join(large, " "), b, a)
	}
	return float64(b-a) / float64(lines), nil
}

// instructions runs argv under cachegrind and returns its I refs.
func instructions(ctx context.Context, work string, argv []string) (int64, error) {
	out := filepath.Join(work, "cachegrind.out")
	os.Remove(out)
	args := append([]string{"--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=" + out}, argv...)
	cmd := exec.CommandContext(ctx, "valgrind", args...)
	cmd.Dir = work // no .env from the caller's directory
	cmd.Env = append(os.Environ(), gateEnv...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr // stdout goes to /dev/null
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("valgrind %s: %w: %s", strings.Join(argv, " "), err, lastLines(stderr.String(), 3))
	}
	f, err := os.Open(out)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	n, err := parseCachegrind(f)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", out, err)
	}
	return n, nil
}

// parseCachegrind returns the Ir total of a cachegrind output file: the
// "summary:" line's value in the column that the "events:" line names Ir.
func parseCachegrind(r io.Reader) (int64, error) {
	col := -1
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "events:"):
			col = slices.Index(strings.Fields(strings.TrimPrefix(line, "events:")), "Ir")
		case strings.HasPrefix(line, "summary:"):
			f := strings.Fields(strings.TrimPrefix(line, "summary:"))
			if col < 0 || col >= len(f) {
				return 0, errors.New("no Ir column before the summary line")
			}
			return strconv.ParseInt(f[col], 10, 64)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, errors.New("no summary line")
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(len(lines)-n, 0):], "; ")
}

// valgrindVersion returns "valgrind-3.19.0", or an error saying how to
// install valgrind.
func valgrindVersion(ctx context.Context) (string, error) {
	if _, err := exec.LookPath("valgrind"); err != nil {
		return "", errors.New("valgrind is not installed: run `apt-get install valgrind` (the perf gate counts instructions with cachegrind)")
	}
	out, err := exec.CommandContext(ctx, "valgrind", "--version").Output()
	if err != nil {
		return "", fmt.Errorf("valgrind --version: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

func medianOf(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(v))
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// spread is (max - min) / median of v, in percent.
func spread(v []float64) float64 {
	if len(v) < 2 {
		return 0
	}
	return (slices.Max(v) - slices.Min(v)) / medianOf(v) * 100
}
