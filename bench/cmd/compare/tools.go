package main

import (
	"bufio"
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/logproc/logproc/bench/internal/results"
)

// countAWK is the awk program mawk runs; see its header.
//
//go:embed count.awk
var countAWK []byte

// The groups of the table. Each compares its tools with its reference.
const (
	groupScan    = "scan"
	groupGen     = "gen"
	groupRewrite = "rewrite"
)

// A tool is one command line make bench times.
type tool struct {
	name  string
	group string
	ref   bool // the group's reference, the denominator of the ratios
	argv  []string
	// check verifies what one run wrote, given its stdout.
	check func(stdout []byte) error
	// clean removes what a run wrote, if anything.
	clean func() error
	// warm says to run the tool untimed right before each timed run, after
	// a sync(2): the timed run writes over its own output of a moment ago.
	warm bool
}

// groups are the tables, in order.
var groups = []string{groupScan, groupGen, groupRewrite}

// requireTools fails, saying how to install it, when a tool make bench
// compares with is missing.
func requireTools() error {
	var errs []error
	for _, t := range []struct{ name, fix string }{
		{"mawk", "apt-get install mawk"},
		{"wc", "apt-get install coreutils"},
		{"dd", "apt-get install coreutils"},
	} {
		if _, err := exec.LookPath(t.name); err != nil {
			errs = append(errs, fmt.Errorf("%s is not installed (make bench compares logproc with it): run `%s`", t.name, t.fix))
		}
	}
	return errors.Join(errs...)
}

// newTools returns the tools, the scan group first, each group's
// reference first in it.
func newTools(c Config, ds dataset) ([]tool, error) {
	awkPath := filepath.Join(c.DataDir, "count.awk")
	if err := os.WriteFile(awkPath, countAWK, 0o644); err != nil {
		return nil, err
	}
	genOut := filepath.Join(c.DataDir, "gen-out.log")
	ddOut := filepath.Join(c.DataDir, "dd-out.bin")
	genOver := filepath.Join(c.DataDir, "gen-over.log")
	ddOver := filepath.Join(c.DataDir, "dd-over.bin")
	if err := removeScratch(c.DataDir, genOut, ddOut, genOver, ddOver); err != nil {
		return nil, err
	}
	w := strconv.Itoa(c.Workers)
	lines := func(stdout []byte) error { return checkLineCount(stdout, ds.Records) }
	// The seed's counters, which mawk and naive compute too.
	scan := func(workers string) tool {
		return tool{
			name:  "logproc scan -workers " + workers,
			group: groupScan,
			argv:  []string{c.Logproc, "scan", "-workers", workers, "-metrics", "seed", "-quiet", "-o", "-", ds.Path},
			check: func(stdout []byte) error { return checkResult(stdout, ds.Truth, true) },
		}
	}
	// Every metric: what they cost over the seed's counters.
	scanAll := tool{
		name:  "logproc scan -workers " + w + " -metrics all",
		group: groupScan,
		argv:  []string{c.Logproc, "scan", "-workers", w, "-metrics", "all", "-quiet", "-o", "-", ds.Path},
		check: func(stdout []byte) error {
			if err := checkResult(stdout, ds.Truth, true); err != nil {
				return err
			}
			got, err := results.Parse(stdout)
			if err != nil {
				return err
			}
			return diffError(results.DiffMetrics(ds.Truth, got))
		},
	}
	ddArgv := func(out string) []string {
		return []string{"dd", "if=/dev/zero", "of=" + out, "bs=1M",
			"count=" + strconv.FormatInt(ds.Bytes, 10), "iflag=count_bytes", "status=none"}
	}
	dd := func(name string, extra ...string) tool {
		return tool{
			name:  name,
			group: groupGen,
			argv:  append(ddArgv(ddOut), extra...),
			check: func([]byte) error { return checkSize(ddOut, ds.Bytes) },
			clean: func() error { return os.Remove(ddOut) },
		}
	}
	tools := []tool{
		{name: "wc -l", group: groupScan, ref: true, argv: []string{"wc", "-l", ds.Path}, check: lines},
		{name: "floor (mmap + bytes.Count, " + w + " goroutines)", group: groupScan,
			argv: []string{c.Floor, "-workers", w, ds.Path}, check: lines},
		scan(w),
		scan("1"),
		scanAll,
		{name: "mawk -f count.awk", group: groupScan, argv: []string{"mawk", "-f", awkPath, ds.Path},
			check: func(stdout []byte) error { return checkAWK(stdout, ds.Truth) }},
		{name: "naive (bench.Naive, " + w + " workers)", group: groupScan,
			argv:  []string{c.Naive, "-workers", w, ds.Path},
			check: func(stdout []byte) error { return checkResult(stdout, ds.Truth, false) }},

		dd("dd (no sync)"),
		{name: "logproc gen -workers " + w, group: groupGen, argv: genArgv(c, genOut),
			check: func([]byte) error { return checkSameFile(genOut, ds.Path, ds.Bytes) },
			clean: func() error { return os.Remove(genOut) }},
		dd("dd conv=fsync", "conv=fsync"),

		// What a user meets rerunning gen (make run): the file is there,
		// and is neither deleted nor synced between runs.
		{name: "dd over its last output (no sync)", group: groupRewrite, ref: true, warm: true, argv: ddArgv(ddOver),
			check: func([]byte) error { return checkSize(ddOver, ds.Bytes) }},
		{name: "logproc gen -workers " + w + " over its last output", group: groupRewrite, warm: true, argv: genArgv(c, genOver),
			check: func([]byte) error { return checkSameFile(genOver, ds.Path, ds.Bytes) }},
	}
	for i := range tools {
		// dd (no sync): logproc gen does not fsync either.
		tools[i].ref = tools[i].ref || tools[i].name == "dd (no sync)"
	}
	return tools, nil
}

// only keeps the tools whose name re matches and the references of their
// groups, so that every ratio still has its denominator.
func only(tools []tool, re *regexp.Regexp) []tool {
	groups := map[string]bool{}
	for _, t := range tools {
		if re.MatchString(t.name) {
			groups[t.group] = true
		}
	}
	var kept []tool
	for _, t := range tools {
		if re.MatchString(t.name) || t.ref && groups[t.group] {
			kept = append(kept, t)
		}
	}
	return kept
}

// removeScratch removes the outputs of the gen group and any temporary
// file an interrupted logproc gen left.
func removeScratch(dir string, paths ...string) error {
	tmp, err := filepath.Glob(filepath.Join(dir, ".gen-out.log.tmp-*"))
	if err != nil {
		return err
	}
	for _, p := range append(paths, tmp...) {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// checkLineCount checks output whose first field is a line count, as wc -l
// and floor print.
func checkLineCount(stdout []byte, want int64) error {
	f := strings.Fields(string(stdout))
	if len(f) == 0 {
		return errors.New("printed nothing")
	}
	n, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil {
		return fmt.Errorf("printed %q, want a line count", stdout)
	}
	if n != want {
		return fmt.Errorf("counted %d lines, want %d", n, want)
	}
	return nil
}

// checkResult compares a results JSON with the truth; examples says
// whether the tool locates malformed lines too.
func checkResult(stdout []byte, truth results.Result, examples bool) error {
	got, err := results.Parse(stdout)
	if err != nil {
		return err
	}
	d := results.Diff(truth, got)
	if examples {
		d = append(d, results.DiffExamples(truth, got)...)
	}
	return diffError(d)
}

func diffError(d []string) error {
	if len(d) == 0 {
		return nil
	}
	return errors.New(strings.Join(d, "; "))
}

// checkAWK compares count.awk's output with the truth.
func checkAWK(stdout []byte, truth results.Result) error {
	got, err := parseAWK(bytes.NewReader(stdout))
	if err != nil {
		return err
	}
	d := results.DiffCounts(truth, got)
	if got.BlankLines != truth.BlankLines || got.MalformedLines != truth.MalformedLines {
		d = append(d, fmt.Sprintf("blank and malformed lines: want %d and %d, got %d and %d",
			truth.BlankLines, truth.MalformedLines, got.BlankLines, got.MalformedLines))
	}
	return diffError(d)
}

// parseAWK reads count.awk's "kind key count" lines into a Result.
func parseAWK(r io.Reader) (results.Result, error) {
	res := results.Result{
		LogLevels:        map[string]int64{},
		LinesWithoutUser: map[string]int64{},
		UserActions:      map[string]int64{},
	}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		f := strings.Fields(sc.Text())
		if len(f) != 3 {
			return results.Result{}, fmt.Errorf("mawk output line %d: %q, want KIND KEY COUNT", n, sc.Text())
		}
		count, err := strconv.ParseInt(f[2], 10, 64)
		if err != nil {
			return results.Result{}, fmt.Errorf("mawk output line %d: %q: count is not a whole number", n, sc.Text())
		}
		switch f[0] {
		case "level":
			res.LogLevels[f[1]] += count
		case "nouser":
			res.LinesWithoutUser[f[1]] += count
		case "user":
			res.UserActions[f[1]] += count
		case "blank":
			res.BlankLines += count
		case "malformed":
			res.MalformedLines += count
		default:
			return results.Result{}, fmt.Errorf("mawk output line %d: unknown kind %q", n, f[0])
		}
	}
	return res, sc.Err()
}

func checkSize(path string, want int64) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if fi.Size() != want {
		return fmt.Errorf("%s: %d bytes, want %d", path, fi.Size(), want)
	}
	return nil
}

// sampleSize is how much of each end of a generated file checkSameFile
// compares; reading it all would double the benchmark's I/O.
const sampleSize = 1 << 20

// checkSameFile checks that path has size bytes and begins and ends like
// the dataset ref: the same seed and settings must give the same bytes.
func checkSameFile(path, ref string, size int64) error {
	if err := checkSize(path, size); err != nil {
		return err
	}
	for _, off := range []int64{0, max(size-sampleSize, 0)} {
		a, err := readAt(path, off, sampleSize)
		if err != nil {
			return err
		}
		b, err := readAt(ref, off, sampleSize)
		if err != nil {
			return err
		}
		if !bytes.Equal(a, b) {
			return fmt.Errorf("%s differs from %s in the %d bytes at offset %d", path, ref, len(a), off)
		}
	}
	return nil
}

func readAt(path string, off int64, n int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, n)
	m, err := f.ReadAt(b, off)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return b[:m], nil
}
