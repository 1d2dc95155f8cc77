package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/logproc/logproc/gen"
	"github.com/logproc/logproc/out"
	"github.com/logproc/logproc/scan"
)

const genUsage = `Usage: logproc gen [flags]

Writes a synthetic log file, exactly as Go's log/slog would (TextHandler for
logfmt, JSONHandler for json), from many goroutines at once. The same seed
and settings give the same bytes whatever the number of workers. With -o -
the log goes to standard output, for a pipe (logproc gen -o - | gzip); the
summary and progress stay on standard error.
`

const scanUsage = `Usage: logproc scan [flags] [FILE...]

Counts log files (logfmt or JSON lines, as slog, logrus, zap and zerolog
write them, detected per line) into one results JSON: events per level,
unique users, lines per user, lines without a user, blank and malformed
lines, and, unless -metrics says otherwise, events and latency percentiles
per action, the time range and, with -window, events per time window. With
no FILE it scans LOG_PATH. Files are memory-mapped and counted together by
a pool of workers; "-" (standard input), pipes and .gz files are streamed
through the same workers. When stdout is a terminal it also prints a
summary (-quiet drops it).
`

const runUsage = `Usage: logproc run [flags]

The whole job: generate LOG_PATH, scan it, write LOG_PATH.json, check the
results against what the generator wrote, and print a summary.
`

// genSettings are the generator's flags, defaulted from the Config.
type genSettings struct {
	opts   gen.Options
	format string
	path   string
	truth  string
}

func addGenFlags(f *commandFlags, cfg Config) *genSettings {
	s := &genSettings{
		opts:   gen.Options{Records: cfg.Records, Users: cfg.UsersPool, Workers: cfg.GenWorkers, Seed: cfg.Seed},
		format: cfg.Format,
		path:   cfg.LogPath,
	}
	f.Int64Var(&s.opts.Records, "n", s.opts.Records, "lines to generate (env AMOUNT_LOG_RECORDS)")
	f.IntVar(&s.opts.Users, "users", s.opts.Users, "size of the fake user pool (env AMOUNT_USERS_POOL)")
	f.Uint64Var(&s.opts.Seed, "seed", s.opts.Seed, "generator seed (env LOGPROC_SEED)")
	f.StringVar(&s.format, "format", s.format, "line format: logfmt or json (env LOGPROC_FORMAT)")
	f.BoolVar(&s.opts.Sync, "fsync", false, "flush the log to disk before renaming it into place")
	return s
}

// check validates the generator's settings, naming the flag or variable
// each value came from.
func (s *genSettings) check(f *commandFlags, workersFlag string) error {
	format, err := gen.ParseFormat(s.format)
	if err != nil {
		return usagef("%s: %v", f.source("format", "LOGPROC_FORMAT"), err)
	}
	s.opts.Format = format
	if err := atLeastOne(f.source("n", "AMOUNT_LOG_RECORDS"), s.opts.Records); err != nil {
		return usageError{err}
	}
	if err := atLeastOne(f.source("users", "AMOUNT_USERS_POOL"), s.opts.Users); err != nil {
		return usageError{err}
	}
	if err := atLeastOne(f.source(workersFlag, "CONCURRENT_LOG_TASK"), s.opts.Workers); err != nil {
		return usageError{err}
	}
	if s.path != "-" {
		if err := checkWritableDir(f.source("o", "LOG_PATH"), s.path); err != nil {
			return usageError{err}
		}
	}
	if s.truth == "-" && s.path == "-" {
		return usagef("-truth=-: the log already goes to stdout (%s=-)", f.source("o", "LOG_PATH"))
	}
	if s.truth != "" && s.truth != "-" {
		if err := checkWritableDir("-truth", s.truth); err != nil {
			return usageError{err}
		}
	}
	return nil
}

// outputs are the files gen writes.
func (s *genSettings) outputs(f *commandFlags) []use {
	uses := []use{{f.source("o", "LOG_PATH"), s.path}}
	if s.truth != "" {
		uses = append(uses, use{"-truth", s.truth})
	}
	return uses
}

func runGen(ctx context.Context, cfg Config, src settings, args []string, stdout, stderr io.Writer) error {
	f := newCommandFlags("gen", genUsage, src)
	s := addGenFlags(f, cfg)
	f.IntVar(&s.opts.Workers, "workers", cfg.GenWorkers, "goroutines that generate (env CONCURRENT_LOG_TASK)")
	f.StringVar(&s.path, "o", s.path, "the log `file` to write, - for stdout (env LOG_PATH)")
	f.StringVar(&s.truth, "truth", "", "also write what was generated, in the results schema, to `file` (- for stdout)")
	if err := f.parse(args, stdout, stderr); err != nil {
		return err
	}
	if f.NArg() > 0 {
		return usagef("gen takes no arguments, got %q (see 'logproc gen -h')", f.Arg(0))
	}
	if err := s.check(f, "workers"); err != nil {
		return err
	}
	if err := f.checkPaths(nil, s.outputs(f)...); err != nil {
		return err
	}
	stopProfiles, err := f.startProfiles()
	if err != nil {
		return err
	}
	m := newMeter(stderr, f.quiet)
	stage, err := genStage(ctx, s, m, stdout, nil)
	if err != nil {
		return err
	}
	if !f.quiet {
		fmt.Fprintln(stderr, stage.summary("generated", s.opts.Workers, "workers", s.path))
	}
	return stopProfiles()
}

// stageStats is what one stage did, for the summary.
type stageStats struct {
	lines, bytes int64
	took         time.Duration
	warnings     []string
}

func (st stageStats) summary(verb string, workers int, what, path string) string {
	if path == "-" {
		path = "stdout"
	}
	return fmt.Sprintf("%s %s lines (%s) in %s with %d %s: %.2f M lines/s, %s/s → %s",
		verb, count(st.lines), size(st.bytes), seconds(st.took), workers, what,
		rate(st.lines, st.took)/1e6, size(int64(rate(st.bytes, st.took))), path)
}

// genStage runs the generator stage, writes the truth file if asked, and
// keeps the truth in *truth when truth is not nil. A path or truth of "-"
// goes to stdout.
func genStage(ctx context.Context, s *genSettings, m *meter, stdout io.Writer, truth *out.Result) (stageStats, error) {
	var done atomic.Int64
	m.start(func() string {
		n := done.Load()
		return fmt.Sprintf("gen: %s %s/%s lines", percent(n, s.opts.Records), count(n), count(s.opts.Records))
	})
	began := time.Now()
	var rep gen.Report
	var err error
	if s.path == "-" {
		rep, err = interruptible(ctx, func() (gen.Report, error) { return gen.WriteStream(ctx, stdout, s.opts, &done) })
	} else {
		rep, err = gen.WriteFile(ctx, s.path, s.opts, &done)
	}
	took := time.Since(began)
	m.end()
	if err != nil {
		return stageStats{}, err
	}
	want := out.New(rep.Totals, rep.Bytes, nil, out.AllSections())
	if rep.Lines > 0 { // what a scan of the file, or of gen's stdout piped in, names it as
		name := s.path
		if name == "-" {
			name = "stdin"
		}
		want.Formats = map[string]map[string]int64{name: {s.opts.Format.String(): rep.Lines}}
	}
	if s.truth != "" {
		if err := writeResults(ctx, s.truth, want, stdout); err != nil {
			return stageStats{}, err
		}
	}
	if truth != nil {
		*truth = want
	}
	return stageStats{lines: rep.Lines, bytes: rep.Bytes, took: took}, nil
}

// scanSettings are the scanner's flags, defaulted from the Config.
type scanSettings struct {
	opts     scan.Options
	output   string
	sections out.Sections
	limits   *limitFlags
}

func addScanFlags(f *commandFlags, cfg Config) *scanSettings {
	s := &scanSettings{opts: scan.Options{Workers: cfg.ScanWorkers}, output: resultsPath(cfg.LogPath), sections: out.AllSections()}
	f.StringVar(&s.output, "o", s.output, "write the results JSON to `file` (- for stdout; default LOG_PATH.json)")
	s.limits = addLimitFlags(f, cfg)
	return s
}

func noResultsPath(f *commandFlags) error {
	return usagef("%s is empty, so the results have no default file: give -o FILE", f.source("o", "LOG_PATH"))
}

// resultsPath is where the results of the log at path go by default: no
// file when path is empty, for checkPaths to refuse, rather than ".json".
func resultsPath(path string) string {
	if path == "" {
		return ""
	}
	return path + ".json"
}

func (s *scanSettings) check(f *commandFlags, workersFlag string) error {
	if err := atLeastOne(f.source(workersFlag, "CONCURRENT_LOG_READER_TASK"), s.opts.Workers); err != nil {
		return usageError{err}
	}
	if err := checkWorkers(f.source(workersFlag, "CONCURRENT_LOG_READER_TASK"), s.opts.Workers); err != nil {
		return err
	}
	if err := s.limits.apply(f, &s.opts); err != nil {
		return err
	}
	if s.output == "" && !f.set["o"] {
		return noResultsPath(f)
	}
	if s.output != "-" {
		if err := checkWritableDir(f.source("o", "LOG_PATH"), s.output); err != nil {
			return usageError{err}
		}
	}
	return nil
}

func runScan(ctx context.Context, cfg Config, src settings, args []string, stdout, stderr io.Writer) error {
	f := newCommandFlags("scan", scanUsage, src)
	s := addScanFlags(f, cfg)
	f.IntVar(&s.opts.Workers, "workers", cfg.ScanWorkers, "workers that parse (env CONCURRENT_LOG_READER_TASK)")
	metrics := addMetricFlags(f, cfg)
	addTopFlag(f, &s.sections.TopUsers)
	f.BoolVar(&s.opts.NoMmap, "no-mmap", false, "read files instead of mapping them (for mounts where mapping fails)")
	if err := f.parse(args, stdout, stderr); err != nil {
		return err
	}
	if err := s.check(f, "workers"); err != nil {
		return err
	}
	if err := metrics.apply(f, s); err != nil {
		return err
	}
	if err := checkTop(s.sections.TopUsers); err != nil {
		return err
	}
	paths, err := inputPaths(f.Args(), cfg.LogPath, src.name("LOG_PATH"))
	if err != nil {
		return err
	}
	if err := f.checkPaths(inputs(paths), use{f.source("o", "LOG_PATH"), s.output}); err != nil {
		return err
	}
	stopProfiles, err := f.startProfiles()
	if err != nil {
		return err
	}
	m := newMeter(stderr, f.quiet)
	res, stage, err := scanStage(ctx, paths, s, m)
	if err != nil {
		return err
	}
	if err := writeResults(ctx, s.output, res, stdout); err != nil {
		return err
	}
	if !f.quiet {
		if s.output != "-" && isTerminal(stdout) {
			writeSummary(stdout, res, paths)
		}
		for _, w := range stage.warnings {
			fmt.Fprintln(stderr, "warning:", w)
		}
		fmt.Fprintln(stderr, stage.summary("scanned", s.opts.Workers, "workers", s.output))
		if res.MalformedLines > 0 {
			fmt.Fprintln(stderr, malformedNote(res))
		}
		if res.LongLines > 0 {
			fmt.Fprintf(stderr, "%s lines longer than -max-line %s skipped (long_lines; located with the malformed)\n", count(res.LongLines), s.limits.maxLine)
		}
	}
	return stopProfiles()
}

// scanStage runs the scan stage and builds the results.
func scanStage(ctx context.Context, paths []string, s *scanSettings, m *meter) (out.Result, stageStats, error) {
	var p scan.Progress
	m.start(func() string {
		return fmt.Sprintf("scan: %s %s lines, %s", percent(p.Bytes.Load(), p.Size.Load()), count(p.Lines.Load()), size(p.Bytes.Load()))
	})
	began := time.Now()
	opts := s.opts
	opts.ListUsers = true // out writes millions of users from a list far faster than from a map
	sr, err := scan.Files(ctx, paths, opts, &p)
	took := time.Since(began)
	m.end()
	if err != nil {
		return out.Result{}, stageStats{}, err
	}
	res, err := out.NewContext(ctx, sr.Totals, sr.Bytes, sr.MalformedAt, s.sections)
	if err != nil {
		return out.Result{}, stageStats{}, err
	}
	res.Formats = sr.Formats
	return res, stageStats{lines: res.Lines, bytes: res.Bytes, took: took, warnings: sr.Warnings}, nil
}

func malformedNote(r out.Result) string {
	s := fmt.Sprintf("%s malformed lines (no parsable level), first at", count(r.MalformedLines))
	for i, p := range r.MalformedExamples {
		if i > 0 {
			s += ","
		}
		s += " " + p.File + ":" + strconv.FormatInt(p.Line, 10)
	}
	return s
}

// inputPaths returns the files a command reads: args, or def, named by
// defName, when there are none. An empty name is refused. It expands the arguments that hold a glob pattern and name no
// file as they are, so that 'logs/*.log' works when the shell did not
// expand it (quoted, or from a script). A pattern that matches nothing is an
// error, like a missing file.
func inputPaths(args []string, def, defName string) ([]string, error) {
	if len(args) == 0 {
		if def == "" {
			return nil, usagef("%s is empty and no FILE is given: want a log file to read", defName)
		}
		return []string{def}, nil
	}
	var paths []string
	for _, a := range args {
		if a == "" {
			return nil, usagef("an empty FILE argument: want a log file to read")
		}
		if !strings.ContainsAny(a, "*?[") {
			paths = append(paths, a)
			continue
		}
		if _, err := os.Stat(a); err == nil {
			paths = append(paths, a)
			continue
		}
		matches, err := filepath.Glob(a)
		if err != nil {
			return nil, usagef("%q: %v", a, err)
		}
		if len(matches) == 0 {
			return nil, fmt.Errorf("%s: no file matches", a)
		}
		paths = append(paths, matches...)
	}
	return paths, nil
}
