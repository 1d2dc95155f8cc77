// Command compare is make bench: it times logproc against the tools a
// reader would compare it with, on one file, in one run, and checks that
// every tool that counts gets the same answer.
//
//	compare -logproc ./logproc -floor FLOOR -naive NAIVE [flags]
//
// It builds nothing: the Makefile builds logproc and the two helpers
// (bench/cmd/floor, bench/cmd/naive) and passes their paths. It generates
// the dataset once, into -data, and reuses it while its stamp matches. Then
// it runs every tool once per round, round-robin, the order rotated each
// round, so that a noisy neighbour slows all tools alike instead of the one
// that happened to run at the time:
//
//	scan group, on the dataset    logproc scan -workers 2 and 1, wc -l,
//	                              floor, mawk (count.awk), naive
//	gen group, same line count    dd, logproc gen, dd conv=fsync
//
// Answers are checked every round: logproc scan's JSON and naive's against
// the generator's truth, mawk's counts against the truth, wc -l and floor
// against the line count, generated and dd'd sizes against the dataset's.
// Any disagreement stops the run with a non-zero exit.
//
// The table goes to stdout and, as Markdown with the machine's description,
// to -results/latest.md, with a chart in -results/latest.svg.
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
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "compare:", err)
		}
		os.Exit(1)
	}
}

// Config is everything a run depends on. Defaults come from the
// environment (the BENCH_ variables named in defaultConfig), flags override.
type Config struct {
	Logproc string // the logproc binary
	Floor   string // the bench/cmd/floor binary
	Naive   string // the bench/cmd/naive binary

	Records int64  // lines in the dataset
	Users   int    // size of the generator's user pool
	Seed    uint64 // generator seed
	Rounds  int    // times every tool runs
	Workers int    // the parallel runs' worker count

	DataDir    string // dataset and scratch outputs
	ResultsDir string // latest.md and latest.svg
	// Only, a regular expression, keeps the tools whose name it matches,
	// with their groups' references; empty keeps every tool.
	Only string
}

// defaultConfig reads the environment; getenv is os.Getenv in main.
func defaultConfig(getenv func(string) string) (Config, error) {
	c := Config{
		Records:    50_000_000,
		Users:      10_000,
		Seed:       1,
		Rounds:     5,
		Workers:    2,
		DataDir:    filepath.Join("bench", "data"),
		ResultsDir: filepath.Join("bench", "results"),
	}
	var errs []error
	envInt := func(name string, dst *int64) {
		if v := getenv(name); v != "" {
			n, err := parseCount(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
			}
			*dst = n
		}
	}
	rounds, users := int64(c.Rounds), int64(c.Users)
	envInt("BENCH_RECORDS", &c.Records)
	envInt("BENCH_ROUNDS", &rounds)
	envInt("BENCH_USERS", &users)
	c.Rounds, c.Users = int(rounds), int(users)
	if v := getenv("BENCH_DATA"); v != "" {
		c.DataDir = v
	}
	if v := getenv("BENCH_RESULTS"); v != "" {
		c.ResultsDir = v
	}
	c.Only = getenv("BENCH_ONLY")
	return c, errors.Join(errs...)
}

// parseCount accepts 50000000, 50_000_000 and 50,000,000.
func parseCount(s string) (int64, error) {
	n, err := strconv.ParseInt(strings.NewReplacer(",", "", "_", "").Replace(strings.TrimSpace(s)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a whole number", s)
	}
	return n, nil
}

// Validate reports every setting out of range.
func (c Config) Validate() error {
	var errs []error
	for _, b := range []struct{ flag, path string }{{"-logproc", c.Logproc}, {"-floor", c.Floor}, {"-naive", c.Naive}} {
		if b.path == "" {
			errs = append(errs, fmt.Errorf("%s is required (make bench builds and passes it)", b.flag))
		} else if fi, err := os.Stat(b.path); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", b.flag, err))
		} else if fi.IsDir() || fi.Mode().Perm()&0o111 == 0 {
			errs = append(errs, fmt.Errorf("%s %s: not an executable file", b.flag, b.path))
		}
	}
	if c.Records < 1 {
		errs = append(errs, fmt.Errorf("records = %d, want at least 1", c.Records))
	}
	if c.Users < 1 {
		errs = append(errs, fmt.Errorf("users = %d, want at least 1", c.Users))
	}
	if c.Rounds < 1 {
		errs = append(errs, fmt.Errorf("rounds = %d, want at least 1", c.Rounds))
	}
	if c.Workers < 1 {
		errs = append(errs, fmt.Errorf("workers = %d, want at least 1", c.Workers))
	}
	if _, err := regexp.Compile(c.Only); err != nil {
		errs = append(errs, fmt.Errorf("only %q: %w", c.Only, err))
	}
	return errors.Join(errs...)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := defaultConfig(os.Getenv)
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.Logproc, "logproc", c.Logproc, "the logproc binary to measure")
	fs.StringVar(&c.Floor, "floor", c.Floor, "the bench/cmd/floor binary")
	fs.StringVar(&c.Naive, "naive", c.Naive, "the bench/cmd/naive binary")
	fs.Int64Var(&c.Records, "records", c.Records, "lines in the dataset (env BENCH_RECORDS)")
	fs.IntVar(&c.Users, "users", c.Users, "user pool of the dataset (env BENCH_USERS)")
	fs.Uint64Var(&c.Seed, "seed", c.Seed, "generator seed")
	fs.IntVar(&c.Rounds, "rounds", c.Rounds, "runs of every tool, interleaved (env BENCH_ROUNDS)")
	fs.IntVar(&c.Workers, "workers", c.Workers, "workers of the parallel runs")
	fs.StringVar(&c.DataDir, "data", c.DataDir, "directory of the dataset and scratch files (env BENCH_DATA)")
	fs.StringVar(&c.ResultsDir, "results", c.ResultsDir, "directory for latest.md and latest.svg (env BENCH_RESULTS)")
	fs.StringVar(&c.Only, "only", c.Only, "regular expression: run only the tools it matches, and their groups' references (env BENCH_ONLY)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if err := c.Validate(); err != nil {
		return err
	}
	if err := requireTools(); err != nil {
		return err
	}
	if err := os.MkdirAll(c.DataDir, 0o755); err != nil {
		return err
	}

	ds, err := ensureDataset(ctx, c, stderr)
	if err != nil {
		return err
	}
	tools, err := newTools(c, ds)
	if err != nil {
		return err
	}
	if tools = only(tools, regexp.MustCompile(c.Only)); len(tools) == 0 {
		return fmt.Errorf("-only %q matches no tool", c.Only)
	}
	// Warm the page cache once, untimed, so the first tool of round 1 does
	// not pay for reading the file from disk.
	if _, _, err := runTool(ctx, []string{c.Floor, ds.Path}); err != nil {
		return fmt.Errorf("warming the page cache: %w", err)
	}
	started, loadBefore := time.Now(), loadAverage()
	stallBefore, psi := cpuStall()
	rows, err := measure(ctx, c.Rounds, tools, stderr)
	if err != nil {
		return err
	}
	elapsed := time.Since(started)
	m := describeMachine(ctx, c.Logproc)
	m.Load = [2]string{loadBefore, loadAverage()}
	m.CPUPressure = -1
	if stallAfter, ok := cpuStall(); psi && ok {
		m.CPUPressure = float64(stallAfter-stallBefore) / float64(elapsed)
	}
	rep := report{
		Machine: m,
		Config:  c,
		Dataset: ds,
		Rows:    rows,
		Started: started,
		Elapsed: elapsed,
	}
	if _, err := io.WriteString(stdout, rep.text()); err != nil {
		return err
	}
	if err := os.MkdirAll(c.ResultsDir, 0o755); err != nil {
		return err
	}
	md := filepath.Join(c.ResultsDir, "latest.md")
	if err := os.WriteFile(md, []byte(rep.markdown()), 0o644); err != nil {
		return err
	}
	svg := filepath.Join(c.ResultsDir, "latest.svg")
	if err := os.WriteFile(svg, []byte(rep.svg()), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "compare: every answer agreed; wrote %s and %s\n", md, svg)
	return nil
}
