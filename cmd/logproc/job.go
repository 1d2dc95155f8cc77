package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/logproc/logproc/gen"
	"github.com/logproc/logproc/out"
	"github.com/logproc/logproc/scan/logline"
)

// runCommand is the seed project's whole job: generate, scan, write
// results. It also checks the results against what the generator knows it
// wrote, so every run is a test of the scanner too.
func runCommand(f *commandFlags, cfg Config, stdout, stderr io.Writer) prepare {
	g := addGenFlags(f, cfg)
	f.IntVar(&g.opts.Workers, "gen-workers", cfg.GenWorkers, "goroutines that generate (env CONCURRENT_LOG_TASK)")
	f.StringVar(&g.path, "log", g.path, "the log `file` to write and scan (env LOG_PATH)")
	g.pathFlag = "log"
	s := addScanFlags(f, cfg)
	// The generator knows every metric's truth; read the keys it writes.
	s.opts.Parse = logline.Config{ActionKey: gen.ActionKey, LatencyKey: gen.LatencyKey, TimeKey: gen.TimeKey}
	f.IntVar(&s.opts.Workers, "workers", cfg.ScanWorkers, "workers that parse (env CONCURRENT_LOG_READER_TASK)")
	return func(ctx context.Context, args []string) (plan, error) {
		if len(args) > 0 {
			return plan{}, usagef("run takes no arguments, got %q (see 'logproc run -h')", args[0])
		}
		if !f.set["o"] && f.set["log"] {
			s.output = resultsPath(g.path)
		}
		if g.path == "-" {
			return plan{}, usagef("%s=-: run scans the log it writes, so it needs a file ('logproc gen -o -' writes to stdout)",
				f.source("log", "LOG_PATH"))
		}
		if err := g.check(f, "gen-workers"); err != nil {
			return plan{}, err
		}
		if err := s.check(f, "workers", true); err != nil {
			return plan{}, err
		}
		outputs := append(g.outputs(f), use{f.source("o", "LOG_PATH"), s.output})
		return plan{outputs: outputs, work: func() error { return runJob(ctx, f, g, s, stdout, stderr) }}, nil
	}
}

func runJob(ctx context.Context, f *commandFlags, g *genSettings, s *scanSettings, stdout, stderr io.Writer) error {
	began := time.Now()
	m := newMeter(stderr, f.quiet)
	say := func(format string, args ...any) {
		if !f.quiet {
			fmt.Fprintf(stdout, format+"\n", args...)
		}
	}
	say("Generating %s for %s with %s…", plural(g.opts.Records, "line"), plural(int64(g.opts.Users), "user"), plural(int64(g.opts.Workers), "goroutine"))
	var truth out.Result
	genStats, err := genStage(ctx, g, m, stdout, &truth)
	if err != nil {
		return err
	}
	say("  %s", genStats.summary("wrote", g.opts.Workers, "goroutine", g.path))
	say("Scanning with up to %s…", plural(int64(s.opts.Workers), "worker"))
	res, scanStats, err := scanStage(ctx, []string{g.path}, s, m)
	if err != nil {
		return err
	}
	if err := writeResults(ctx, s.output, res, stdout); err != nil {
		return err
	}
	say("  %s", scanStats.summary("counted", scanStats.workers, "worker", s.output))
	if err := sameResults(res, truth); err != nil {
		return err
	}
	say("Results equal what the generator wrote: %s, %s.", plural(int64(len(res.LogLevels)), "level"), plural(int64(res.UniqueUsers), "unique user"))
	say("Done in %s; peak goroutines: %d", seconds(time.Since(began)), m.peak.Load())
	if !f.quiet {
		fmt.Fprintln(stdout)
		writeSummary(stdout, res, []string{g.path})
	}
	return nil
}

// sameResults fails when the scan disagrees with the generator's truth.
func sameResults(got, want out.Result) error {
	g, err := out.Marshal(got)
	if err != nil {
		return err
	}
	w, err := out.Marshal(want)
	if err != nil {
		return err
	}
	if !bytes.Equal(g, w) {
		return fmt.Errorf("scan results differ from what the generator wrote (lines %d vs %d, users %d vs %d): this is a bug, please report it",
			got.Lines, want.Lines, got.UniqueUsers, want.UniqueUsers)
	}
	return nil
}
