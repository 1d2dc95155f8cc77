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
// collector, no preemption signals, no heap profile sampling.
var gateEnv = []string{"GOMAXPROCS=1", "GOGC=off", "GODEBUG=asyncpreemptoff=1,memprofilerate=0"}

// measurement is what one binary executes per line.
type measurement struct {
	Binary     string
	GoVersion  string
	ScanRuns   []float64 // instructions per line, one per repetition
	GenRuns    []float64
	SmallBytes int64 // size of the small input
	LargeBytes int64 // size of the large input
}

// ScanPerLine is the median of the scan runs.
func (m measurement) ScanPerLine() float64 { return medianOf(m.ScanRuns) }

// GenPerLine is the median of the gen runs.
func (m measurement) GenPerLine() float64 { return medianOf(m.GenRuns) }

// inputs are the two files scan is measured on.
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

func genArgs(n int64, path string) []string {
	return []string{"gen", "-workers", "1", "-n", strconv.FormatInt(n, 10),
		"-seed", strconv.Itoa(inputSeed), "-users", strconv.Itoa(inputUsers), "-format", "logfmt",
		"-quiet", "-o", path}
}

func scanArgs(path string) []string {
	return []string{"scan", "-workers", "1", "-quiet", "-o", "-", path}
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
	genOut := filepath.Join(work, "gen-out.log")
	for range c.Repeat {
		scan, err := perLine(ctx, work, c.Lines,
			append([]string{binary}, scanArgs(in.small)...),
			append([]string{binary}, scanArgs(in.large)...))
		if err != nil {
			return measurement{}, err
		}
		gen, err := perLine(ctx, work, c.Lines,
			append([]string{binary}, genArgs(c.BaseLines, genOut)...),
			append([]string{binary}, genArgs(c.BaseLines+c.Lines, genOut)...))
		if err != nil {
			return measurement{}, err
		}
		m.ScanRuns = append(m.ScanRuns, scan)
		m.GenRuns = append(m.GenRuns, gen)
		fmt.Fprintf(log, "perfgate: %s: scan %.1f, gen %.1f instructions/line\n", filepath.Base(binary), scan, gen)
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
