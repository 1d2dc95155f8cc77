package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// genTruth writes app.log of n lines and the generator's own account of
// it, truth.json: the oracle of what a scan must write.
func genTruth(t *testing.T, dir string, n string, extra ...string) []byte {
	t.Helper()
	args := append([]string{"gen", "-n", n, "-users", "300", "-o", "app.log", "-truth", "truth.json", "-quiet"}, extra...)
	if r := logproc(t, dir, nil, args...); r.code != 0 {
		t.Fatalf("gen: %s", r.stderr)
	}
	want, err := os.ReadFile(filepath.Join(dir, "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	return want
}

// logprocIn runs the binary with stdin read from the named file.
func logprocIn(t *testing.T, dir, stdin string, env []string, args ...string) result {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, stdin))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "GORACE=atexit_sleep_ms=0"}, env...)
	cmd.Stdin = f
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Run()
	return result{cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()}
}

// TestFlagsAnywhere: flags after file names, GNU long forms and Go's
// single-dash forms all reach the same flags; the results equal the truth.
func TestFlagsAnywhere(t *testing.T) {
	dir := t.TempDir()
	want := genTruth(t, dir, "3000")
	for i, args := range [][]string{
		{"scan", "app.log", "-o", "r0.json"},
		{"scan", "-o", "r1.json", "app.log"},
		{"scan", "--output", "r2.json", "app.log", "--workers", "2"},
		{"scan", "--output=r3.json", "-workers=3", "app.log"},
		{"scan", "app.log", "-workers", "2", "-o=r4.json", "-quiet"},
		{"scan", "-metrics", "all", "app.log", "--quiet", "-o", "r5.json"},
	} {
		r := logproc(t, dir, nil, args...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d: %s", args, r.code, r.stderr)
		}
		got, err := os.ReadFile(filepath.Join(dir, "r"+string(rune('0'+i))+".json"))
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%v: results differ from the truth:\n%.300s\nwant\n%.300s", args, got, want)
		}
	}
	// A flag's value that starts with a dash stays a value: the log "-"
	// (stdin) after -o, and a negative number the check refuses by name.
	wantError(t, logproc(t, dir, nil, "scan", "app.log", "-top", "-1"), 2, "-top=-1")
	wantError(t, logproc(t, dir, nil, "gen", "-n", "-5"), 2, "-n=-5", "at least 1")
}

// TestPipes: scan reads a piped stdin and writes the JSON to a piped
// stdout, as jq does; with no FILE and no pipe it keeps the seed's
// LOG_PATH and LOG_PATH.json.
func TestPipes(t *testing.T) {
	dir := t.TempDir()
	want := genTruth(t, dir, "2000")

	// FILE, stdout a pipe: the JSON on stdout, nothing written beside.
	r := logproc(t, dir, nil, "scan", "app.log")
	if r.code != 0 || r.stdout != string(want) {
		t.Errorf("scan app.log | …: exit %d, stdout differs from the truth:\n%.300s\nstderr %q", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "logs.json")); err == nil {
		t.Errorf("scan app.log wrote ./logs.json")
	}

	// stdin a pipe or a file, no FILE: read it. gen -o - names its truth
	// "stdin", as scan names standard input.
	cmd := exec.Command(binary, "gen", "-n", "2000", "-users", "300", "-o", "-", "-truth", "stdin.truth.json", "-quiet")
	cmd.Dir = dir
	log, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	wantStdin, _ := os.ReadFile(filepath.Join(dir, "stdin.truth.json"))
	os.WriteFile(filepath.Join(dir, "piped.log"), log, 0o644)
	r = logprocIn(t, dir, "piped.log", nil, "scan")
	if r.code != 0 || r.stdout != string(wantStdin) {
		t.Errorf("scan < piped.log: exit %d, stdout differs from the truth:\n%.300s\nstderr %q", r.code, r.stdout, r.stderr)
	}
	cat := exec.Command("sh", "-c", "cat piped.log | "+binary+" scan --quiet")
	cat.Dir = dir
	cat.Env = []string{"PATH=" + os.Getenv("PATH"), "GORACE=atexit_sleep_ms=0"}
	if got, err := cat.Output(); err != nil || string(got) != string(wantStdin) {
		t.Errorf("cat piped.log | logproc scan: %v, stdout differs from the truth:\n%.300s", err, got)
	}

	// No FILE, stdin /dev/null: LOG_PATH in, LOG_PATH.json out, as the seed.
	r = logproc(t, dir, []string{"LOG_PATH=app.log"}, "scan")
	if r.code != 0 || r.stdout != "" {
		t.Fatalf("LOG_PATH=app.log scan: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if got, err := os.ReadFile(filepath.Join(dir, "app.log.json")); err != nil || !bytes.Equal(got, want) {
		t.Errorf("LOG_PATH=app.log scan: app.log.json (%v) differs from the truth:\n%.300s", err, got)
	}

	// A FILE needs no LOG_PATH: its results go to stdout.
	if r := logproc(t, dir, []string{"LOG_PATH="}, "scan", "app.log"); r.code != 0 || r.stdout != string(want) {
		t.Errorf("LOG_PATH= scan app.log: exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestOutputFormats: -o names JSON; a name of another format is refused
// before any work, and nothing is written.
func TestOutputFormats(t *testing.T) {
	dir := t.TempDir()
	genTruth(t, dir, "100")
	for _, name := range []string{"out.csv", "out.TSV", "out.yaml"} {
		wantError(t, logproc(t, dir, nil, "scan", "app.log", "-o", name), 2, "-o=\""+name+"\"", "JSON only")
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			t.Errorf("-o %s was written", name)
		}
	}
	wantError(t, logproc(t, dir, nil, "report", "-o", "out.csv"), 2, "out.csv", "JSON only")
	// A name without an extension, or another one, is the user's choice.
	if r := logproc(t, dir, nil, "scan", "app.log", "-o", "results"); r.code != 0 {
		t.Errorf("-o results: %s", r.stderr)
	}
}

// TestMistypes: a mistyped command or flag is one line with a suggestion.
func TestMistypes(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		args []string
		want []string
	}{
		{[]string{"scna", "app.log"}, []string{`unknown command "scna"`, "did you mean scan?"}},
		{[]string{"gne"}, []string{`unknown command "gne"`, "did you mean gen?"}},
		{[]string{"scan", "-workerz", "2"}, []string{"unknown flag -workerz", "did you mean -workers?"}},
		{[]string{"scan", "--wokers=2"}, []string{"unknown flag -wokers", "did you mean -workers?"}},
		{[]string{"scan", "--ouptut", "x.json"}, []string{"unknown flag -ouptut", "did you mean --output?"}},
		{[]string{"gen", "-zzz"}, []string{"unknown flag -zzz for gen", "logproc gen -h"}},
		{[]string{"scan", "-workers"}, []string{"needs an argument", "workers"}},
	} {
		r := logproc(t, dir, nil, tt.args...)
		wantError(t, r, 2, tt.want...)
		if strings.Count(r.stderr, "\n") != 1 || strings.Count(r.stderr, "logproc:") != 1 {
			t.Errorf("%v: want one line with one logproc: prefix, got %q", tt.args, r.stderr)
		}
	}
}

// TestHelpGroups: the main help groups the commands, a command's help
// names the variable each flag overrides and the long forms.
func TestHelpGroups(t *testing.T) {
	r := logproc(t, t.TempDir(), nil, "--help")
	for _, want := range []string{"Count logs:", "Scale out over NATS JetStream", "completion bash|zsh|fish", "--version"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("logproc --help does not say %q", want)
		}
	}
	r = logproc(t, t.TempDir(), nil, "gen", "--help")
	for _, want := range []string{"-n, --records N", "AMOUNT_LOG_RECORDS", "-o, --output file", "LOG_PATH", "Common flags:", "-cpuprofile"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("logproc gen --help does not say %q:\n%s", want, r.stdout)
		}
	}
}

// TestVersion: --version names the module version and the Go version the
// binary was built with.
func TestVersion(t *testing.T) {
	out, err := exec.Command("go", "env", "GOVERSION").Output()
	if err != nil {
		t.Fatal(err)
	}
	r := logproc(t, t.TempDir(), nil, "--version")
	want := regexp.MustCompile(`^logproc \S+ .*` + regexp.QuoteMeta(strings.TrimSpace(string(out))) + ` linux/\w+\n$`)
	if r.code != 0 || !want.MatchString(r.stdout) {
		t.Errorf("--version: exit %d, stdout %q", r.code, r.stdout)
	}
}

// TestCompletion: the scripts parse in their shells (bash -n where bash
// is), and name logproc.
func TestCompletion(t *testing.T) {
	dir := t.TempDir()
	for shell, want := range map[string]string{"bash": "__start_logproc", "zsh": "#compdef logproc", "fish": "complete -c logproc"} {
		r := logproc(t, dir, nil, "completion", shell)
		if r.code != 0 || !strings.Contains(r.stdout, want) {
			t.Errorf("completion %s: exit %d, no %q in %.200q", shell, r.code, want, r.stdout)
		}
		if shell == "bash" {
			os.WriteFile(filepath.Join(dir, "c.bash"), []byte(r.stdout), 0o644)
			if out, err := exec.Command("bash", "-n", filepath.Join(dir, "c.bash")).CombinedOutput(); err != nil {
				t.Errorf("bash -n on the completion script: %v: %s", err, out)
			}
		}
	}
	wantError(t, logproc(t, dir, nil, "completion", "ksh"), 2, `unknown shell "ksh"`)
	// Completion of a command's flags, as the shell asks for it.
	r := logproc(t, dir, nil, "__complete", "scan", "--work")
	if !strings.Contains(r.stdout, "--workers") {
		t.Errorf("__complete scan --work: %q", r.stdout)
	}
}

// TestMessages: plurals, and the workers that actually ran: a one-line
// file cannot be shared among eight workers.
func TestMessages(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "one.log"), []byte("level=INFO user=a\n"), 0o644)
	r := logproc(t, dir, nil, "scan", "-workers", "8", "-o", "r.json", "one.log")
	if r.code != 0 || !strings.Contains(r.stderr, "scanned 1 line (18 B)") || !strings.Contains(r.stderr, "with 1 worker:") {
		t.Errorf("scan of one line with -workers 8: exit %d, stderr %q", r.code, r.stderr)
	}
	r = logproc(t, dir, nil, "run", "-n", "1", "-users", "1", "-gen-workers", "1", "-workers", "4", "-log", "run.log")
	for _, want := range []string{"Generating 1 line for 1 user with 1 goroutine", "counted 1 line", "with 1 worker:", "1 level, 1 unique user.", "\nlevels "} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("run -n 1: stdout does not say %q:\n%s", want, r.stdout)
		}
	}
}

// TestBlame: a message names the flag a value came from, and names a
// variable only when it was set.
func TestBlame(t *testing.T) {
	dir := t.TempDir()
	wantError(t, logproc(t, dir, nil, "scan"), 1, "open ./logs", "LOG_PATH's default", "give a FILE, or pipe a log in")
	wantError(t, logproc(t, dir, []string{"LOG_PATH=zz"}, "scan"), 1, "open zz", "reads LOG_PATH:")
	wantError(t, logproc(t, dir, nil, "run", "-log", "/nonexistent/x"), 2, `-log="/nonexistent/x"`)
	wantError(t, logproc(t, dir, nil, "gen", "-o", "/nonexistent/x"), 2, `-o="/nonexistent/x"`)
	wantError(t, logproc(t, dir, []string{"LOG_PATH=/nonexistent/x"}, "gen"), 2, `LOG_PATH="/nonexistent/x"`)
	r := logproc(t, dir, []string{"LOG_PATH=/nonexistent/x"}, "run", "-log", "/nonexistent/y")
	if strings.Contains(r.stderr, "LOG_PATH") {
		t.Errorf("run -log blames LOG_PATH: %q", r.stderr)
	}
}

// TestRunSummary: run ends with scan's summary, drawn from the results it
// wrote.
func TestRunSummary(t *testing.T) {
	dir := t.TempDir()
	r := logproc(t, dir, nil, "run", "-n", "5000", "-users", "40", "-log", "app.log")
	if r.code != 0 {
		t.Fatalf("run: %s", r.stderr)
	}
	for _, want := range []string{"\nlines ", "5,000 in 1 file", "\nlevels ", "\nusers ", "40 unique", "\nlatency ", "\nactions "} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("run's summary does not say %q:\n%s", want, r.stdout)
		}
	}
}
