package main

// Issue 11's acceptance tests: logproc scan FILE, with no flags, reads what
// the real Go logging libraries write, and counts it exactly. Each format
// is one file written by its library (formats_writers_test.go), checked
// against the truth of the records logged, alone, with -window 1m, and
// together with the others in one run.

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// libCase is one format: the file it is written to and its writer.
type libCase struct {
	file  string
	write func(*bytes.Buffer, []cliRecord) *truth
	// dated says the records keep cliRecords' times (2026-11-26), rather
	// than the real clock's or this year's: the mixed run with windows
	// takes only these, so that its windows span minutes, not days.
	dated bool
}

var libCases = []libCase{
	{"klog.log", writeKlog, false},
	{"hclog.log", func(w *bytes.Buffer, r []cliRecord) *truth { return writeHclog(w, r, false) }, true},
	{"hclog-json.log", func(w *bytes.Buffer, r []cliRecord) *truth { return writeHclog(w, r, true) }, true},
	{"slog-default.log", writeSlogDefault, false},
	{"stdlog.log", writeStdLog, false},
	{"charm.log", writeCharm, true},
	{"zerolog-console.log", func(w *bytes.Buffer, r []cliRecord) *truth { return writeZerologConsole(w, r, true, "") }, true},
	{"zerolog-console-color.log", func(w *bytes.Buffer, r []cliRecord) *truth { return writeZerologConsole(w, r, false, "") }, true},
	{"zerolog-console-rfc3339.log", func(w *bytes.Buffer, r []cliRecord) *truth {
		return writeZerologConsole(w, r, true, time.RFC3339)
	}, true},
	{"zerolog-console-color-rfc3339.log", func(w *bytes.Buffer, r []cliRecord) *truth {
		return writeZerologConsole(w, r, false, time.RFC3339)
	}, true},
	{"zap-console.log", writeZapConsole, true},
	{"logrus-color.log", func(w *bytes.Buffer, r []cliRecord) *truth { return writeLogrusColor(w, r, false) }, true},
	{"logrus-color-full.log", func(w *bytes.Buffer, r []cliRecord) *truth { return writeLogrusColor(w, r, true) }, true},
	{"gokit-logfmt.log", func(w *bytes.Buffer, r []cliRecord) *truth { return writeGoKit(w, r, false) }, true},
	{"gokit-json.log", func(w *bytes.Buffer, r []cliRecord) *truth { return writeGoKit(w, r, true) }, true},
	{"log15.log", writeLog15, true},
	{"apex-json.log", writeApex, true},
	{"zapdriver.log", func(w *bytes.Buffer, r []cliRecord) *truth {
		return writeZapJSON(w, r, zapdriverCore, [5]string{"CRITICAL", "DEBUG", "INFO", "WARN", "ERROR"})
	}, true},
	{"ecszap.log", func(w *bytes.Buffer, r []cliRecord) *truth {
		return writeZapJSON(w, r, ecszapCore, [5]string{"DPANIC", "DEBUG", "INFO", "WARN", "ERROR"})
	}, true},
	{"panic.log", writePanicChild, true},
	// Float latencies, in exponent form where the library writes it.
	{"slog-text-float.log", func(w *bytes.Buffer, r []cliRecord) *truth { return writeSlogFloat(w, r, false) }, true},
	{"slog-json-float.log", func(w *bytes.Buffer, r []cliRecord) *truth { return writeSlogFloat(w, r, true) }, true},
	{"logrus-text-float.log", writeLogrusFloat, true},
	{"hclog-float.log", writeHclogFloat, true},
	{"gokit-float.log", writeGoKitFloat, true},
	{"zap-json-float.log", writeZapFloat, true},
}

// todayCases are the formats logproc read before issue 11, which must
// still read the same with the new keys.
func todayCases() []libCase {
	var cases []libCase
	for _, f := range cliFormats {
		if strings.HasSuffix(f.file, ".gz") {
			continue
		}
		cases = append(cases, libCase{filepath.Base(f.file), func(w *bytes.Buffer, recs []cliRecord) *truth {
			f.write(w, recs)
			tr := newTruth()
			for _, r := range recs {
				tr.add(r.truth(f.levels))
			}
			return tr
		}, true})
	}
	return cases
}

// writeCase writes c's file into dir and returns its truth, naming the file.
func writeCase(t *testing.T, dir string, c libCase) *truth {
	t.Helper()
	var buf bytes.Buffer
	tr := c.write(&buf, cliRecords(120))
	if err := os.WriteFile(filepath.Join(dir, c.file), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	tr.files = []string{c.file}
	return tr
}

// scanChecked runs logproc scan -o - with args in dir and checks its
// results against want.
func scanChecked(t *testing.T, dir string, want *truth, args ...string) {
	t.Helper()
	what := "scan " + strings.Join(args, " ")
	if len(want.files) > 1 {
		what = strings.Join(append([]string{"scan"}, args[:len(args)-len(want.files)]...), " ") + fmt.Sprintf(" (%d files)", len(want.files))
	}
	r := logproc(t, dir, nil, append([]string{"scan", "-o", "-"}, args...)...)
	if r.code != 0 {
		t.Errorf("%s: exit %d: %s", what, r.code, r.stderr)
		return
	}
	checkResults(t, what, r.stdout, want)
}

// TestScanFormats scans one file per format with no flags, then with
// -window 1m. The panic case runs the test binary as a child that logs
// and panics (TestMain).
func TestScanFormats(t *testing.T) {
	for _, c := range slices.Concat(libCases, todayCases()) {
		t.Run(strings.TrimSuffix(c.file, ".log"), func(t *testing.T) {
			dir := t.TempDir()
			want := writeCase(t, dir, c)
			if data, err := os.ReadFile(filepath.Join(dir, c.file)); err == nil {
				first, _, _ := bytes.Cut(data, []byte("\n"))
				t.Logf("first line of %s: %q", c.file, first) // for docs/formats-samples.md
			}
			// The writers set package-level clocks and outputs, so
			// only the scans run in parallel.
			t.Parallel()
			scanChecked(t, dir, want, c.file)
			scanChecked(t, dir, want.withWindow(), "-window", "1m", c.file)
		})
	}
}

// TestScanFormatsMixed scans every format's file in one run: each file
// is detected on its own. The run with windows takes only the files dated
// 2026-11-26.
func TestScanFormatsMixed(t *testing.T) {
	dir := t.TempDir()
	all, dated := newTruth(), newTruth()
	var allFiles, datedFiles []string
	for _, c := range slices.Concat(libCases, todayCases()) {
		tr := writeCase(t, dir, c)
		all.merge(tr)
		allFiles = append(allFiles, c.file)
		if c.dated {
			dated.merge(tr)
			datedFiles = append(datedFiles, c.file)
		}
	}
	scanChecked(t, dir, all, allFiles...)
	scanChecked(t, dir, dated.withWindow(), append([]string{"-window", "1m"}, datedFiles...)...)
}

// panicChildEnv makes the test binary, run as a child, log through slog
// and then die of a real Go panic (see TestMain).
const panicChildEnv = "LOGPROC_TEST_PANIC_CHILD"

// panicRecords are what the panicking child logs.
func panicRecords() []cliRecord { return cliRecords(7) }

// panicChild logs panicRecords to stderr with slog's TextHandler, as a
// service does, then indexes past a slice's end.
func panicChild() {
	recs := panicRecords()
	writeSlogCLI(slog.NewTextHandler(os.Stderr, nil), recs)
	var done []int
	_ = done[len(recs)]
}

// writePanicChild runs the test binary as a panicking child and writes
// its stderr. The lines after the records the child logged (it logs the
// same bytes as writeSlogCLI here) are its panic trace: continuation
// lines, and its blank lines are blank.
func writePanicChild(w *bytes.Buffer, _ []cliRecord) *truth {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), panicChildEnv+"=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 || !bytes.Contains(stderr.Bytes(), []byte("\ngoroutine ")) {
		panic("the panicking child: " + strings.TrimSpace(stderr.String()) + ": " + err.Error())
	}
	recs := panicRecords()
	var logged bytes.Buffer
	writeSlogCLI(slog.NewTextHandler(&logged, nil), recs)
	trace, ok := bytes.CutPrefix(stderr.Bytes(), logged.Bytes())
	if !ok {
		panic("the panicking child's stderr does not start with its records: " + stderr.String())
	}
	w.Write(stderr.Bytes())
	tr := newTruth()
	for i, r := range recs {
		rec := r.truth([5]string{"DEBUG-4", "DEBUG", "INFO", "WARN", "ERROR"})
		if i == len(recs)-1 {
			for line := range strings.Lines(string(trace)) {
				if strings.TrimSpace(line) == "" {
					tr.blank++
				} else {
					rec.cont++
				}
			}
		}
		tr.add(rec)
	}
	return tr
}
