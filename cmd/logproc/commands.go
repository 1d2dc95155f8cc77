package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
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
	opts     gen.Options
	format   string
	path     string
	pathFlag string // the flag that names path: gen's -o, run's -log
	truth    string
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
		if err := checkWritableDir(f.source(s.pathFlag, "LOG_PATH"), s.path); err != nil {
			return usageError{err}
		}
	}
	if s.truth == "-" && s.path == "-" {
		return usagef("-truth=-: the log already goes to stdout (%s=-)", f.source(s.pathFlag, "LOG_PATH"))
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
	uses := []use{{f.source(s.pathFlag, "LOG_PATH"), s.path}}
	if s.truth != "" {
		uses = append(uses, use{"-truth", s.truth})
	}
	return uses
}

func genCommand(f *commandFlags, cfg Config, stdout, stderr io.Writer) prepare {
	s := addGenFlags(f, cfg)
	f.IntVar(&s.opts.Workers, "workers", cfg.GenWorkers, "goroutines that generate (env CONCURRENT_LOG_TASK)")
	f.StringVar(&s.path, "o", s.path, "the log `file` to write, - for stdout (env LOG_PATH)")
	s.pathFlag = "o"
	f.StringVar(&s.truth, "truth", "", "also write what was generated, in the results schema, to `file` (- for stdout)")
	return func(ctx context.Context, args []string) (plan, error) {
		if len(args) > 0 {
			return plan{}, usagef("gen takes no arguments, got %q (see 'logproc gen -h')", args[0])
		}
		if err := s.check(f, "workers"); err != nil {
			return plan{}, err
		}
		return plan{outputs: s.outputs(f), work: func() error {
			m := newMeter(stderr, f.quiet)
			stage, err := genStage(ctx, s, m, stdout, nil)
			if err != nil {
				return err
			}
			if !f.quiet {
				fmt.Fprintln(stderr, stage.summary("generated", s.opts.Workers, "worker", s.path))
			}
			return nil
		}}, nil
	}
}

// stageStats is what one stage did, for the summary.
type stageStats struct {
	lines, bytes int64
	took         time.Duration
	workers      int // that actually ran
	warnings     []string
}

func (st stageStats) summary(verb string, workers int, what, path string) string {
	switch path {
	case "-":
		path = "stdout"
	case "":
		path = "the summary"
	}
	return fmt.Sprintf("%s %s (%s) in %s with %s: %.2f M lines/s, %s/s → %s",
		verb, plural(st.lines, "line"), size(st.bytes), seconds(st.took), plural(int64(workers), what),
		rate(st.lines, st.took)/1e6, size(int64(rate(st.bytes, st.took))), path)
}

// genStage runs the generator stage, writes the truth file if asked, and
// keeps the truth in *truth when truth is not nil. A path or truth of "-"
// goes to stdout.
func genStage(ctx context.Context, s *genSettings, m *meter, stdout io.Writer, truth *out.Result) (stageStats, error) {
	var done atomic.Int64
	m.start(gauge{label: "gen", unit: "lines", total: s.opts.Records, done: done.Load})
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
	read     *string
}

func addScanFlags(f *commandFlags, cfg Config) *scanSettings {
	s := &scanSettings{opts: scan.Options{Workers: cfg.ScanWorkers}, output: resultsPath(cfg.LogPath), sections: out.AllSections()}
	f.StringVar(&s.output, "o", s.output, "write the results JSON to `file` (- for stdout; default LOG_PATH.json)")
	s.limits = addLimitFlags(f, cfg)
	s.read = addReadFlag(f, cfg)
	return s
}

// addReadFlag adds -read, how a file's bytes are read (env LOGPROC_READ).
func addReadFlag(f *commandFlags, cfg Config) *string {
	v := cfg.Read
	f.StringVar(&v, "read", v, "how a file's bytes are read: auto (what costs less on this machine), mmap (in place\nin the file's mapping) or pread (copied into a reused buffer) (env LOGPROC_READ)")
	return &v
}

// readMode is -read's mode; a bad one is refused naming where it came from.
func readMode(f *commandFlags, v string) (scan.ReadMode, error) {
	m, err := scan.ParseReadMode(v)
	if err != nil {
		return "", usagef("%s: %v", f.source("read", "LOGPROC_READ"), err)
	}
	return m, nil
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

// check validates the scanner's settings. seed says the results go to
// LOG_PATH.json unless -o says otherwise.
func (s *scanSettings) check(f *commandFlags, workersFlag string, seed bool) error {
	if err := atLeastOne(f.source(workersFlag, "CONCURRENT_LOG_READER_TASK"), s.opts.Workers); err != nil {
		return usageError{err}
	}
	if err := checkWorkers(f.source(workersFlag, "CONCURRENT_LOG_READER_TASK"), s.opts.Workers); err != nil {
		return err
	}
	if err := s.limits.apply(f, &s.opts); err != nil {
		return err
	}
	read, err := readMode(f, *s.read)
	if err != nil {
		return err
	}
	s.opts.Read = read
	if s.output == "" {
		switch {
		case f.set["o"]:
			return usagef("-o is empty: want a file name, or - for standard output")
		case seed:
			return noResultsPath(f)
		}
		return nil
	}
	if err := checkJSONName(f.source("o", "LOG_PATH"), s.output); err != nil {
		return err
	}
	if s.output != "-" {
		if err := checkWritableDir(f.source("o", "LOG_PATH"), s.output); err != nil {
			return usageError{err}
		}
	}
	return nil
}

// otherFormats are the file name extensions of formats people might
// expect -o to write; logproc writes JSON only, so it refuses them rather
// than fill a .csv with JSON.
var otherFormats = []string{".csv", ".tsv", ".txt", ".yaml", ".yml", ".xml", ".toml", ".md", ".html", ".parquet", ".xlsx"}

// checkJSONName refuses a results file named for another format.
func checkJSONName(name, path string) error {
	ext := strings.ToLower(filepath.Ext(path))
	if slices.Contains(otherFormats, ext) {
		return usagef("%s=%q: logproc writes the results as JSON only; name the file .json (tables for Miller or a spreadsheet: jq -r, see README)", name, path)
	}
	return nil
}

func scanCommand(f *commandFlags, cfg Config, stdout, stderr io.Writer) prepare {
	s := addScanFlags(f, cfg)
	f.IntVar(&s.opts.Workers, "workers", cfg.ScanWorkers, "workers that parse (env CONCURRENT_LOG_READER_TASK)")
	metrics := addMetricFlags(f, cfg)
	addTopFlag(f, &s.sections.TopUsers)
	f.BoolVar(&s.opts.NoMmap, "no-mmap", false, "read files instead of mapping them (for mounts where mapping fails)")
	return func(ctx context.Context, args []string) (plan, error) {
		seed := len(args) == 0 && !stdinPiped()
		switch {
		case f.set["o"]:
		case seed:
			// The seed's behaviour: LOG_PATH in, LOG_PATH.json out.
		case isTerminal(stdout):
			s.output = "" // the summary only; the hint says how to get the JSON
		default:
			s.output = "-"
		}
		if len(args) == 0 && !seed {
			args = []string{"-"}
		}
		if err := s.check(f, "workers", seed); err != nil {
			return plan{}, err
		}
		if err := metrics.apply(f, s); err != nil {
			return plan{}, err
		}
		if err := checkTop(s.sections.TopUsers); err != nil {
			return plan{}, err
		}
		paths, err := inputPaths(args, cfg.LogPath, f.settings.name("LOG_PATH"))
		if err != nil {
			return plan{}, err
		}
		var outputs []use
		if s.output != "" {
			outputs = append(outputs, use{f.source("o", "LOG_PATH"), s.output})
		}
		return plan{inputs: inputs(paths), outputs: outputs, work: func() error {
			m := newMeter(stderr, f.quiet)
			res, stage, err := scanStage(ctx, paths, s, m)
			if seed && errors.Is(err, fs.ErrNotExist) {
				what := "LOG_PATH's default"
				if f.settings.isSet("LOG_PATH") {
					what = f.settings.name("LOG_PATH")
				}
				return fmt.Errorf("%w (with no FILE and nothing piped in, scan reads %s: give a FILE, or pipe a log in)", err, what)
			}
			if err != nil {
				return err
			}
			if s.output != "" {
				if err := writeResults(ctx, s.output, res, stdout); err != nil {
					return err
				}
			}
			if f.quiet {
				return nil
			}
			summarised := s.output != "-" && isTerminal(stdout)
			if summarised {
				writeSummary(stdout, res, paths)
			}
			for _, w := range stage.warnings {
				fmt.Fprintln(stderr, "logproc: warning:", w)
			}
			fmt.Fprintln(stderr, stage.summary("scanned", stage.workers, "worker", s.output))
			if res.MalformedLines > 0 && !summarised {
				fmt.Fprintln(stderr, malformedNote(res))
			}
			if res.LongLines > 0 {
				fmt.Fprintf(stderr, "logproc: %s longer than -max-line %s skipped (long_lines; located with the malformed)\n", plural(res.LongLines, "line"), s.limits.maxLine)
			}
			if s.output == "" {
				fmt.Fprintln(stderr, "logproc: the results JSON went nowhere: -o FILE writes it to a file, -o - (or a pipe) to stdout")
			}
			return nil
		}}, nil
	}
}

// stdinPiped reports whether standard input is a pipe, a file or a
// socket: something to read, as jq and ripgrep take it. A terminal or
// /dev/null is not.
func stdinPiped() bool {
	fi, err := os.Stdin.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice == 0
}

// scanStage runs the scan stage and builds the results.
func scanStage(ctx context.Context, paths []string, s *scanSettings, m *meter) (out.Result, stageStats, error) {
	var p scan.Progress
	m.start(gauge{label: "scan", unit: "B", total: knownSize(paths), done: p.Bytes.Load})
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
	return res, stageStats{lines: res.Lines, bytes: res.Bytes, took: took, workers: int(p.Workers.Load()), warnings: sr.Warnings}, nil
}

// knownSize is the bytes paths hold when each is a regular file read as
// it is; 0 (unknown: a spinner) when one is a stream or compressed.
func knownSize(paths []string) int64 {
	var total int64
	for _, p := range paths {
		fi, err := os.Stat(p)
		if p == "-" || err != nil || !fi.Mode().IsRegular() || strings.HasSuffix(p, ".gz") {
			return 0
		}
		total += fi.Size()
	}
	return total
}

func malformedNote(r out.Result) string {
	s := fmt.Sprintf("logproc: %s (no parsable level), first at", plural(r.MalformedLines, "malformed line"))
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
