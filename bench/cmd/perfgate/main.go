// Command perfgate is the CI perf gate: it counts the instructions logproc
// executes per line, for two scans and for gen, and fails when any grows
// by more than -tolerance percent over bench/perf-baseline.json.
//
//	perfgate -logproc ./logproc [-baseline FILE] [-write | -selftest]
//
// Wall time on a shared machine varies by tens of percent; the number of
// instructions a program executes on a fixed input does not. perfgate runs
// logproc under valgrind's cachegrind in its fast mode (--cache-sim=no,
// which only counts instructions, "I refs") with one worker, GOMAXPROCS=1,
// GOGC=off (no collector to trigger at a time-dependent moment),
// GODEBUG=asyncpreemptoff=1 (no preemption signals) and memprofilerate=0
// (the heap profiler samples allocations at random and walks their stacks).
// What remains is the random map order and hash seed, which vary the
// count by about 0.1 %.
//
// Each command runs on two inputs made by logproc gen with a fixed seed, a
// small one (baseLines) and a large one (baseLines+lines), and the
// difference is divided by lines, so start-up and the results JSON, which
// cost the same for both, do not dilute the per-line cost:
//
//	scan:     logproc scan -workers 1 -metrics seed -quiet -o - FILE
//	scan-all: logproc scan -workers 1 -metrics all -quiet -o - FILE
//	gen:      logproc gen -workers 1 -n N -seed 1 -users 10000 -quiet -o FILE
//
// scan computes the seed's counters only (levels, users); scan-all also the
// per-action counts, latency histograms and time range. Each command has
// its own number in the baseline (scan_instructions_per_line,
// scan_all_instructions_per_line, gen_instructions_per_line); a baseline
// that lacks one is refused with a request to make bench-baseline.
//
// The gate takes the median of -repeat such measurements (3), and also
// fails when they disagree by more than half the tolerance: a count that
// does not repeat cannot gate anything.
//
// -write records the numbers as the new baseline: make bench-baseline, a
// deliberate step. -selftest checks the gate itself, on builds it makes
// from -module: the plain build, measured twice, must pass against itself,
// and two slowed builds must fail against it, one with optimisations and
// inlining off everywhere (-gcflags=all=-N -l, several times the
// instructions), on every command, and one with optimisations off in
// package agg only (a few percent), on both scans (see slowBuilds).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "perfgate:", err)
		}
		os.Exit(1)
	}
}

// Config is one gate run.
type Config struct {
	Logproc   string  // the binary to measure
	Baseline  string  // the committed baseline
	Write     bool    // record a new baseline instead of comparing
	SelfTest  bool    // check that the gate catches a slowed build
	Tolerance float64 // allowed growth, percent
	Lines     int64   // lines that the per-line cost is measured over
	BaseLines int64   // lines of the small input whose cost is subtracted
	Repeat    int     // measurements of each command; the median counts
	Module    string  // the module root, for -selftest's build
}

// Validate reports every setting out of range.
func (c Config) Validate() error {
	var errs []error
	if c.Logproc == "" && !c.SelfTest {
		errs = append(errs, errors.New("-logproc is required (make perf-gate builds and passes it)"))
	} else if _, err := os.Stat(c.Logproc); err != nil && !c.SelfTest {
		errs = append(errs, fmt.Errorf("-logproc: %w", err))
	}
	if c.Write && c.SelfTest {
		errs = append(errs, errors.New("-write and -selftest do not go together"))
	}
	if c.Tolerance <= 0 {
		errs = append(errs, fmt.Errorf("-tolerance = %g, want a positive percentage", c.Tolerance))
	}
	if c.Lines < 1000 {
		errs = append(errs, fmt.Errorf("-lines = %d, want at least 1000", c.Lines))
	}
	if c.BaseLines < 1 {
		errs = append(errs, fmt.Errorf("-base-lines = %d, want at least 1", c.BaseLines))
	}
	if c.Repeat < 1 || c.Write && c.Repeat < 2 {
		errs = append(errs, fmt.Errorf("-repeat = %d, want at least 1, and 2 with -write: a baseline must repeat", c.Repeat))
	}
	return errors.Join(errs...)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := Config{
		Baseline:  "bench/perf-baseline.json",
		Tolerance: 2,
		Lines:     200_000,
		BaseLines: 10_000,
		Repeat:    3,
		Module:    ".",
	}
	fs := flag.NewFlagSet("perfgate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.Logproc, "logproc", c.Logproc, "the logproc binary to measure")
	fs.StringVar(&c.Baseline, "baseline", c.Baseline, "the baseline JSON")
	fs.BoolVar(&c.Write, "write", c.Write, "measure -repeat times (at least 2) and write the baseline (make bench-baseline)")
	fs.BoolVar(&c.SelfTest, "selftest", c.SelfTest, "check the gate: build logproc from -module plainly and slowed, and expect it to pass and fail them")
	fs.Float64Var(&c.Tolerance, "tolerance", c.Tolerance, "allowed growth of instructions per line, percent")
	fs.Int64Var(&c.Lines, "lines", c.Lines, "lines the per-line cost is measured over")
	fs.Int64Var(&c.BaseLines, "base-lines", c.BaseLines, "lines of the small input whose cost is subtracted")
	fs.IntVar(&c.Repeat, "repeat", c.Repeat, "measurements per command; the median counts")
	fs.StringVar(&c.Module, "module", c.Module, "module root, where -selftest runs go build")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if err := c.Validate(); err != nil {
		return err
	}
	valgrind, err := valgrindVersion(ctx)
	if err != nil {
		return err
	}
	var base baseline
	if !c.Write && !c.SelfTest {
		if base, err = readBaseline(c.Baseline); err != nil {
			return err
		}
		if err := base.check(c); err != nil {
			return err
		}
	}
	work, err := os.MkdirTemp("", "perfgate-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	if c.SelfTest {
		return selfTest(ctx, c, work, stdout)
	}
	if c.Logproc, err = filepath.Abs(c.Logproc); err != nil {
		return err
	}
	in, err := makeInputs(ctx, c, work)
	if err != nil {
		return err
	}
	m, err := measure(ctx, c, c.Logproc, in, work, stdout)
	if err != nil {
		return err
	}
	if c.Write {
		b, err := newBaseline(m, c, valgrind)
		if err != nil {
			return err
		}
		if err := b.write(c.Baseline); err != nil {
			return err
		}
		numbers := make([]string, 0, len(commands))
		for _, k := range commands {
			numbers = append(numbers, fmt.Sprintf("%s %.1f", k.name, *b.entry(k.name).perLine))
		}
		fmt.Fprintf(stdout, "perfgate: wrote %s: %s instructions/line (%d runs, spread %.2f %%)\n",
			c.Baseline, strings.Join(numbers, ", "), b.Repeat, b.RepeatSpread)
		return nil
	}
	for _, w := range base.warnings(m, c, valgrind) {
		fmt.Fprintln(stdout, "perfgate: warning:", w)
	}
	v := judge(base.perLines(), m, c.Tolerance)
	for _, line := range v.lines {
		fmt.Fprintln(stdout, line)
	}
	return v.err
}
