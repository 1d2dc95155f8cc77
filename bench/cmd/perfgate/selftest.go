package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// slowBuild is a deliberately slowed logproc build, made with compiler
// flags only, so that no package has to carry a slow mode.
type slowBuild struct {
	name    string
	flags   []string // for go build
	catches []string // the commands the gate must fail on this build
}

// slowBuilds are the builds -selftest expects the gate to fail, each on
// the commands it names: a gross slowdown, which every command must
// catch, and a small one, package agg unoptimised, calibrated on the code
// of the day (docs/performance.md has what it cost). Should agg's share of
// the work shrink, it may fall under the tolerance, and the selftest says
// so.
//
// The small one must be caught by scan-all too, which counts actions,
// latencies and times in agg besides levels and users; not by gen, which
// uses agg only for the truth's latency histograms, a share under the
// tolerance.
var slowBuilds = []slowBuild{
	{"optimisations and inlining off everywhere", []string{"-gcflags=all=-N -l"}, []string{"scan", "scan-all", "gen"}},
	{"optimisations off in package agg only", []string{"-gcflags=github.com/logproc/logproc/agg=-N"}, []string{"scan", "scan-all"}},
}

// selfTest checks the gate on builds of c.Module's logproc: the plain
// build, measured twice, must pass against itself (noise does not fail
// it), and every slow build must fail against the plain build's numbers,
// on each command it names.
func selfTest(ctx context.Context, c Config, work string, log io.Writer) error {
	plain := filepath.Join(work, "logproc")
	if err := goBuild(ctx, c.Module, plain); err != nil {
		return err
	}
	c.Logproc = plain
	in, err := makeInputs(ctx, c, work)
	if err != nil {
		return err
	}
	ref, err := measure(ctx, c, plain, in, work, log)
	if err != nil {
		return err
	}
	again, err := measure(ctx, c, plain, in, work, log)
	if err != nil {
		return err
	}
	fmt.Fprintln(log, "perfgate: selftest: the same binary, measured again:")
	v := judge(ref.perLines(), again, c.Tolerance)
	printLines(log, v.lines)
	if v.err != nil {
		return fmt.Errorf("selftest failed: the gate fails the same binary measured twice: %w", v.err)
	}
	var errs []error
	for i, b := range slowBuilds {
		bin := filepath.Join(work, fmt.Sprintf("logproc-slow%d", i))
		if err := goBuild(ctx, c.Module, bin, b.flags...); err != nil {
			return err
		}
		m, err := measure(ctx, c, bin, in, work, log)
		if err != nil {
			return err
		}
		fmt.Fprintf(log, "perfgate: selftest: %s (go build %s):\n", b.name, strings.Join(b.flags, " "))
		v := judge(ref.perLines(), m, c.Tolerance)
		printLines(log, v.lines)
		if missed := notIn(b.catches, v.grew); len(missed) > 0 {
			errs = append(errs, fmt.Errorf("selftest failed: the gate passed %s of a build with %s",
				strings.Join(missed, " and "), b.name))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	fmt.Fprintf(log, "perfgate: selftest passed: the gate passes the same binary twice and fails all %d slowed builds, on every command each names\n", len(slowBuilds))
	return nil
}

// notIn returns the names in want that are not in got.
func notIn(want, got []string) []string {
	var missed []string
	for _, name := range want {
		if !slices.Contains(got, name) {
			missed = append(missed, name)
		}
	}
	return missed
}

func printLines(w io.Writer, lines []string) {
	for _, l := range lines {
		fmt.Fprintln(w, "  "+l)
	}
}

// goBuild builds module's cmd/logproc into out with extra go build flags.
func goBuild(ctx context.Context, module, out string, flags ...string) error {
	args := append(append([]string{"build"}, flags...), "-o", out, "./cmd/logproc")
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = module
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(b)))
	}
	return nil
}
