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

// runJob is the seed project's whole job: generate, scan, write results.
// It also checks the results against what the generator knows it wrote, so
// every run is a test of the scanner too.
func runJob(ctx context.Context, cfg Config, src settings, args []string, stdout, stderr io.Writer) error {
	f := newCommandFlags("run", runUsage, src)
	g := addGenFlags(f, cfg)
	f.IntVar(&g.opts.Workers, "gen-workers", cfg.GenWorkers, "goroutines that generate (env CONCURRENT_LOG_TASK)")
	f.StringVar(&g.path, "log", g.path, "the log `file` to write and scan (env LOG_PATH)")
	s := addScanFlags(f, cfg)
	// The generator knows every metric's truth; read the keys it writes.
	s.opts.Parse = logline.Config{ActionKey: gen.ActionKey, LatencyKey: gen.LatencyKey, TimeKey: gen.TimeKey}
	f.IntVar(&s.opts.Workers, "workers", cfg.ScanWorkers, "workers that parse (env CONCURRENT_LOG_READER_TASK)")
	if err := f.parse(args, stdout, stderr); err != nil {
		return err
	}
	if f.NArg() > 0 {
		return usagef("run takes no arguments, got %q (see 'logproc run -h')", f.Arg(0))
	}
	if !f.set["o"] && f.set["log"] {
		s.output = resultsPath(g.path)
	}
	if g.path == "-" {
		return usagef("%s=-: run scans the log it writes, so it needs a file ('logproc gen -o -' writes to stdout)",
			f.source("log", "LOG_PATH"))
	}
	if err := g.check(f, "gen-workers"); err != nil {
		return err
	}
	if err := s.check(f, "workers"); err != nil {
		return err
	}
	if err := f.checkPaths(nil, use{f.source("log", "LOG_PATH"), g.path}, use{f.source("o", "LOG_PATH"), s.output}); err != nil {
		return err
	}
	stopProfiles, err := f.startProfiles()
	if err != nil {
		return err
	}

	began := time.Now()
	m := newMeter(stderr, f.quiet)
	say := func(format string, args ...any) {
		if !f.quiet {
			fmt.Fprintf(stdout, format+"\n", args...)
		}
	}
	say("Generating %s lines for %s users with %d goroutines…", count(g.opts.Records), count(int64(g.opts.Users)), g.opts.Workers)
	var truth out.Result
	genStats, err := genStage(ctx, g, m, stdout, &truth)
	if err != nil {
		return err
	}
	say("  %s", genStats.summary("wrote", g.opts.Workers, "goroutines", g.path))
	say("Scanning with %d workers…", s.opts.Workers)
	res, scanStats, err := scanStage(ctx, []string{g.path}, s, m)
	if err != nil {
		return err
	}
	if err := writeResults(ctx, s.output, res, stdout); err != nil {
		return err
	}
	say("  %s", scanStats.summary("counted", s.opts.Workers, "workers", s.output))
	if err := sameResults(res, truth); err != nil {
		return err
	}
	say("Results equal what the generator wrote: %s levels, %s unique users.", count(int64(len(res.LogLevels))), count(int64(res.UniqueUsers)))
	say("Done in %s; peak goroutines: %d", seconds(time.Since(began)), m.peak.Load())
	return stopProfiles()
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
