package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The tests run the built binary, as a user would.
var binary string

func TestMain(m *testing.M) {
	if os.Getenv(panicChildEnv) != "" {
		panicChild() // TestScanFormats's panicking child: never returns
	}
	dir, err := os.MkdirTemp("", "logproc-test-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "logproc")
	// logproc-server beside logproc, where serve and consume -embedded
	// look for it first.
	build := exec.Command("go", "build", "-race", "-o", dir+"/", ".", "../logproc-server")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		os.RemoveAll(dir)
		panic("building logproc: " + err.Error())
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	code           int
	stdout, stderr string
}

// logproc runs the binary in dir with only the given environment (plus
// PATH), so the developer's own settings cannot leak in.
func logproc(t *testing.T, dir string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	// GORACE: a binary built with -race sleeps 1 s at exit unless told not to.
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "GORACE=atexit_sleep_ms=0"}, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("running logproc: %v", err)
	}
	return result{cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()}
}

// wantError asserts a failure with the given exit code and a one-line
// message that holds every string in want, and no panic trace.
func wantError(t *testing.T, r result, code int, want ...string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit code %d, want %d (stderr %q)", r.code, code, r.stderr)
	}
	msg := strings.TrimSuffix(r.stderr, "\n")
	if strings.Contains(msg, "\n") && code != 2 {
		t.Errorf("stderr has more than one line: %q", r.stderr)
	}
	if strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, "panic") {
		t.Errorf("stderr holds a panic trace: %q", r.stderr)
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("stderr %q does not mention %q", msg, w)
		}
	}
}

func readResults(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s is not JSON: %v", path, err)
	}
	return m
}

func TestScanBadInputs(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
		return name
	}
	binaryData := make([]byte, 4096)
	for i := range binaryData {
		binaryData[i] = byte(i * 7)
	}
	write("binary.bin", binaryData)
	if err := os.Mkdir(filepath.Join(dir, "adir"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"missing file", []string{"scan", "-o", "r.json", "nope.log"}, 1, []string{"nope.log", "no such file"}},
		{"directory", []string{"scan", "-o", "r.json", "adir"}, 1, []string{"adir", "directory"}},
		{"binary file", []string{"scan", "-o", "r.json", "binary.bin"}, 1, []string{"binary.bin", "not a log"}},
		{"output in a missing directory", []string{"scan", "-o", "no/such/dir/r.json", "binary.bin"}, 2, []string{"-o", "no/such/dir"}},
		{"unknown flag", []string{"scan", "-bogus", "x"}, 2, []string{"-bogus"}},
		{"zero workers", []string{"scan", "-workers", "0", "x"}, 2, []string{"-workers=0"}},
		{"unknown command", []string{"frobnicate"}, 2, []string{"frobnicate"}},
		{"unknown metric", []string{"scan", "-metrics", "latency,colour", "x"}, 2, []string{"-metrics", `"latency,colour"`, `"colour"`}},
		{"zero window", []string{"scan", "-window", "0s", "x"}, 2, []string{"-window=0s"}},
		{"window without times", []string{"scan", "-metrics", "actions", "-window", "1m", "x"}, 2, []string{"-window", "time", `"actions"`}},
		{"bad since", []string{"scan", "-since", "yesterday", "x"}, 2, []string{"-since", `"yesterday"`}},
		{"since after until", []string{"scan", "-since", "2026-11-27", "-until", "2026-11-26", "x"}, 2, []string{"-since", "-until", "2026-11-27"}},
		{"negative top", []string{"scan", "-top", "-1", "x"}, 2, []string{"-top=-1"}},
		{"unknown input format", []string{"scan", "-input-format", "xml", "x"}, 2, []string{"-input-format", `"xml"`}},
		{"unknown read mode", []string{"scan", "-read", "mmap2", "x"}, 2, []string{"-read", `"mmap2"`, "auto, mmap or pread"}},
		{"unknown latency unit", []string{"scan", "-latency-unit", "parsec", "x"}, 2, []string{"-latency-unit", `"parsec"`}},
		{"bad time key", []string{"scan", "-time-key", "time,,ts", "x"}, 2, []string{"-time-key", `"time,,ts"`}},
		{"key used twice", []string{"scan", "-action-key", "user", "x"}, 2, []string{"-action-key", "-user-key", `"user"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := logproc(t, dir, nil, tt.args...)
			wantError(t, r, tt.code, tt.want...)
			if _, err := os.Stat(filepath.Join(dir, "r.json")); err == nil {
				t.Errorf("a failed scan left r.json behind")
			}
		})
	}
}

func TestBadEnvironment(t *testing.T) {
	tests := []struct {
		env  string
		args []string
		want []string
	}{
		{"AMOUNT_LOG_RECORDS=abc", []string{"gen"}, []string{"AMOUNT_LOG_RECORDS", `"abc"`}},
		{"AMOUNT_LOG_RECORDS=0", []string{"gen"}, []string{"AMOUNT_LOG_RECORDS=0"}},
		{"AMOUNT_LOG_RECORDS=-5", []string{"run"}, []string{"AMOUNT_LOG_RECORDS=-5"}},
		{"AMOUNT_USERS_POOL=1e3", []string{"gen"}, []string{"AMOUNT_USERS_POOL", `"1e3"`}},
		{"CONCURRENT_LOG_TASK=0", []string{"gen"}, []string{"CONCURRENT_LOG_TASK=0"}},
		{"CONCURRENT_LOG_READER_TASK=-1", []string{"scan"}, []string{"CONCURRENT_LOG_READER_TASK=-1"}},
		{"CONCURRENT_LOG_READER_TASK=many", []string{"scan"}, []string{"CONCURRENT_LOG_READER_TASK", `"many"`}},
		{"LOGPROC_FORMAT=xml", []string{"gen"}, []string{"LOGPROC_FORMAT", "xml"}},
		{"LOGPROC_SEED=-1", []string{"gen"}, []string{"LOGPROC_SEED", `"-1"`}},
		{"LOG_PATH=/proc/nonexistent/dir/logs", []string{"gen"}, []string{"LOG_PATH", "/proc/nonexistent/dir"}},
		{"LOG_PATH=-", []string{"run"}, []string{"LOG_PATH=-", "needs a file"}},
		{"LOGPROC_USER_KEY=a b", []string{"scan"}, []string{"LOGPROC_USER_KEY", `"a b"`}},
		{"LOGPROC_LEVEL_KEY=user", []string{"scan"}, []string{"LOGPROC_LEVEL_KEY", "-user-key", `"user"`}},
		{"LOGPROC_METRICS=everything", []string{"scan"}, []string{"LOGPROC_METRICS", `"everything"`}},
		{"LOGPROC_INPUT_FORMAT=csv", []string{"scan"}, []string{"LOGPROC_INPUT_FORMAT", `"csv"`}},
		{"LOGPROC_READ=fast", []string{"run"}, []string{"LOGPROC_READ", `"fast"`}},
		{"LOGPROC_READ=mapped", []string{"publish"}, []string{"LOGPROC_READ", `"mapped"`}},
		{"LOGPROC_READ=copy", []string{"consume"}, []string{"LOGPROC_READ", `"copy"`}},
		{"LOGPROC_LATENCY_UNIT=h", []string{"scan"}, []string{"LOGPROC_LATENCY_UNIT", `"h"`}},
		{"LOGPROC_TIME_KEY=a=b", []string{"scan"}, []string{"LOGPROC_TIME_KEY", `"a=b"`}},
	}
	for _, tt := range tests {
		t.Run(tt.env, func(t *testing.T) {
			dir := t.TempDir()
			r := logproc(t, dir, []string{tt.env}, tt.args...)
			wantError(t, r, 2, tt.want...)
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("a rejected run left files: %v", entries)
			}
		})
	}
}

func TestScanEmptyFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "empty.log"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r := logproc(t, dir, nil, "scan", "-o", "r.json", "empty.log")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	m := readResults(t, filepath.Join(dir, "r.json"))
	if m["lines"] != 0.0 || m["unique_users"] != 0.0 || m["bytes"] != 0.0 {
		t.Fatalf("empty file gave %v, want zero counts", m)
	}
}

func TestScanReportsMalformedLines(t *testing.T) {
	dir := t.TempDir()
	log := "level=INFO user=a\nnot a log line\n\nlevel=WARN\nlevel=\"unterminated\n"
	if err := os.WriteFile(filepath.Join(dir, "app.log"), []byte(log), 0o644); err != nil {
		t.Fatal(err)
	}
	r := logproc(t, dir, nil, "scan", "-o", "-", "app.log")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var res struct {
		Lines     int64 `json:"lines"`
		Blank     int64 `json:"blank_lines"`
		Malformed int64 `json:"malformed_lines"`
		Examples  []struct {
			File string `json:"file"`
			Line int64  `json:"line"`
		} `json:"malformed_examples"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("stdout is not the results JSON: %v\n%s", err, r.stdout)
	}
	if res.Lines != 5 || res.Blank != 1 || res.Malformed != 2 {
		t.Errorf("lines, blank, malformed = %d, %d, %d; want 5, 1, 2", res.Lines, res.Blank, res.Malformed)
	}
	if len(res.Examples) != 2 || res.Examples[0].Line != 2 || res.Examples[1].Line != 5 || res.Examples[0].File != "app.log" {
		t.Errorf("malformed examples = %+v, want app.log lines 2 and 5", res.Examples)
	}
	if !strings.Contains(r.stderr, "app.log:2") {
		t.Errorf("stderr does not point at the malformed line: %q", r.stderr)
	}
}

// TestGenScanEqualsTruth is the whole pipeline through the binary: what
// scan counts is byte for byte what gen says it wrote, in both formats.
func TestGenScanEqualsTruth(t *testing.T) {
	for _, format := range []string{"logfmt", "json"} {
		t.Run(format, func(t *testing.T) {
			dir := t.TempDir()
			r := logproc(t, dir, nil, "gen", "-n", "30011", "-users", "500", "-format", format, "-workers", "3", "-o", "app.log", "-truth", "truth.json")
			if r.code != 0 {
				t.Fatalf("gen: exit %d: %s", r.code, r.stderr)
			}
			for _, workers := range []string{"1", "2", "5"} {
				r = logproc(t, dir, nil, "scan", "-workers", workers, "-o", "got.json", "app.log")
				if r.code != 0 {
					t.Fatalf("scan: exit %d: %s", r.code, r.stderr)
				}
				got, _ := os.ReadFile(filepath.Join(dir, "got.json"))
				want, _ := os.ReadFile(filepath.Join(dir, "truth.json"))
				if len(want) == 0 || !bytes.Equal(got, want) {
					t.Fatalf("scan with %s workers differs from the truth:\n%.400s\nwant\n%.400s", workers, got, want)
				}
			}
		})
	}
}

// TestGenStdout: gen -o - writes to stdout the bytes gen -o FILE writes,
// whatever the workers, creates no file named "-", and pipes into scan.
func TestGenStdout(t *testing.T) {
	dir := t.TempDir()
	for _, format := range []string{"logfmt", "json"} {
		args := []string{"gen", "-n", "20011", "-users", "300", "-seed", "9", "-format", format}
		r := logproc(t, dir, nil, append(args, "-workers", "1", "-o", "app.log", "-truth", "file.truth.json")...)
		if r.code != 0 {
			t.Fatalf("gen -o app.log: exit %d: %s", r.code, r.stderr)
		}
		r = logproc(t, dir, nil, append(args, "-workers", "3", "-o", "-", "-truth", "stdout.truth.json")...)
		if r.code != 0 {
			t.Fatalf("gen -o -: exit %d: %s", r.code, r.stderr)
		}
		want, _ := os.ReadFile(filepath.Join(dir, "app.log"))
		if len(want) == 0 || r.stdout != string(want) {
			t.Errorf("%s: gen -o - wrote %d bytes to stdout, not the %d bytes of gen -o app.log", format, len(r.stdout), len(want))
		}
		if !strings.Contains(r.stderr, "→ stdout") || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%s: stderr %q, want one summary line ending → stdout", format, r.stderr)
		}
		wantTruth, _ := os.ReadFile(filepath.Join(dir, "file.truth.json"))
		gotTruth, _ := os.ReadFile(filepath.Join(dir, "stdout.truth.json"))
		if len(wantTruth) == 0 || withoutFormats(t, string(gotTruth)) != withoutFormats(t, string(wantTruth)) {
			t.Errorf("%s: -truth with -o - differs from -truth with -o app.log:\n%.300s\nwant\n%.300s", format, gotTruth, wantTruth)
		}
		if _, err := os.Lstat(filepath.Join(dir, "-")); err == nil {
			t.Fatalf("%s: gen -o - created a file named -", format)
		}
	}

	// gen -o - | scan - counts what scan counts in the file gen -o writes.
	scanFile := logproc(t, dir, nil, "scan", "-o", "-", "app.log")
	if scanFile.code != 0 {
		t.Fatalf("scan app.log: exit %d: %s", scanFile.code, scanFile.stderr)
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	genCmd := exec.Command(binary, "gen", "-n", "20011", "-users", "300", "-seed", "9", "-format", "json", "-o", "-", "-quiet")
	scanCmd := exec.Command(binary, "scan", "-o", "-", "-quiet", "-")
	var scanOut, genErrOut, scanErrOut bytes.Buffer
	for _, c := range []*exec.Cmd{genCmd, scanCmd} {
		c.Dir, c.Env = dir, []string{"PATH=" + os.Getenv("PATH")}
	}
	genCmd.Stderr, scanCmd.Stderr = &genErrOut, &scanErrOut
	genCmd.Stdout, scanCmd.Stdin, scanCmd.Stdout = pw, pr, &scanOut
	if err := scanCmd.Start(); err != nil {
		t.Fatal(err)
	}
	genErr := genCmd.Run()
	pw.Close()
	scanErr := scanCmd.Wait()
	pr.Close()
	if genErr != nil || scanErr != nil {
		t.Fatalf("gen -o - | scan -: %v, %v: %s%s", genErr, scanErr, genErrOut.String(), scanErrOut.String())
	}
	if withoutFormats(t, scanOut.String()) != withoutFormats(t, scanFile.stdout) {
		t.Errorf("gen -o - | scan - gave\n%.300s\nscan app.log gave\n%.300s", scanOut.String(), scanFile.stdout)
	}

	wantError(t, logproc(t, dir, nil, "gen", "-n", "10", "-o", "-", "-truth", "-"), 2, "-truth=-", "stdout")
}

func TestRun(t *testing.T) {
	dir := t.TempDir()
	r := logproc(t, dir, []string{"AMOUNT_LOG_RECORDS=20000", "AMOUNT_USERS_POOL=300"}, "run")
	if r.code != 0 {
		t.Fatalf("exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"20,000 lines", "./logs", "./logs.json", "peak goroutines", "equal what the generator wrote"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("summary does not mention %q:\n%s", want, r.stdout)
		}
	}
	m := readResults(t, filepath.Join(dir, "logs.json"))
	if m["lines"] != 20000.0 {
		t.Errorf("logs.json counts %v lines, want 20000", m["lines"])
	}
}

// TestSettingsPrecedence: .env < environment < flags.
func TestSettingsPrecedence(t *testing.T) {
	dir := t.TempDir()
	env := "AMOUNT_LOG_RECORDS=111\nAMOUNT_USERS_POOL=7\nLOG_PATH=fromdotenv.log\n"
	if err := os.WriteFile(filepath.Join(dir, ".env"), []byte(env), 0o644); err != nil {
		t.Fatal(err)
	}
	lines := func(path string) int {
		b, err := os.ReadFile(filepath.Join(dir, path))
		if err != nil {
			t.Fatal(err)
		}
		return bytes.Count(b, []byte("\n"))
	}
	if r := logproc(t, dir, nil, "gen"); r.code != 0 {
		t.Fatalf("gen: %s", r.stderr)
	}
	if n := lines("fromdotenv.log"); n != 111 {
		t.Errorf(".env: %d lines, want 111", n)
	}
	if r := logproc(t, dir, []string{"AMOUNT_LOG_RECORDS=222"}, "gen"); r.code != 0 {
		t.Fatalf("gen: %s", r.stderr)
	}
	if n := lines("fromdotenv.log"); n != 222 {
		t.Errorf("environment over .env: %d lines, want 222", n)
	}
	if r := logproc(t, dir, []string{"AMOUNT_LOG_RECORDS=222"}, "gen", "-n", "333", "-o", "flag.log"); r.code != 0 {
		t.Fatalf("gen: %s", r.stderr)
	}
	if n := lines("flag.log"); n != 333 {
		t.Errorf("flag over environment: %d lines, want 333", n)
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"help"}, {"gen", "-h"}, {"scan", "--help"}, {"run", "-help"}} {
		r := logproc(t, t.TempDir(), nil, args...)
		if r.code != 0 || !strings.Contains(r.stdout, "Usage") {
			t.Errorf("%v: exit %d, stdout %q", args, r.code, r.stdout)
		}
	}
	r := logproc(t, t.TempDir(), nil, "scan", "-h")
	for _, want := range []string{"-workers", "CONCURRENT_LOG_READER_TASK", "-o", "-cpuprofile"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("scan -h does not mention %s", want)
		}
	}
}

// TestInterrupt: SIGINT during gen exits 130 and leaves no partial file.
func TestInterrupt(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(binary, "gen", "-n", "20000000", "-o", "big.log")
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the generator has started writing", func() bool {
		tmp, _ := filepath.Glob(filepath.Join(dir, ".big.log.tmp-*"))
		fi, err := os.Stat(strings.Join(tmp, ""))
		return len(tmp) == 1 && err == nil && fi.Size() > 0
	})
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 130 {
		t.Fatalf("after SIGINT: %v, want exit 130 (stderr %q)", err, stderr.String())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("interrupted gen left %v", entries)
	}
	if !strings.Contains(stderr.String(), "interrupted") {
		t.Errorf("stderr %q does not say it was interrupted", stderr.String())
	}
}

// TestScanStreams: standard input and a .gz file count what the mapped
// file does.
func TestScanStreams(t *testing.T) {
	dir := t.TempDir()
	if r := logproc(t, dir, nil, "gen", "-n", "5000", "-users", "50", "-o", "app.log", "-truth", "truth.json"); r.code != 0 {
		t.Fatalf("gen: %s", r.stderr)
	}
	want, _ := os.ReadFile(filepath.Join(dir, "truth.json"))
	if err := exec.Command("gzip", "-k", filepath.Join(dir, "app.log")).Run(); err != nil {
		t.Fatalf("gzip: %v", err)
	}
	cmd := exec.Command(binary, "scan", "-o", "-", "-")
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	stdin, err := os.Open(filepath.Join(dir, "app.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	cmd.Stdin = stdin
	got, err := cmd.Output()
	if err != nil || withoutFormats(t, string(got)) != withoutFormats(t, string(want)) {
		t.Errorf("scan - < app.log: %v\n%.300s\nwant\n%.300s", err, got, want)
	}
	r := logproc(t, dir, nil, "scan", "-o", "-", "app.log.gz")
	if r.code != 0 || withoutFormats(t, r.stdout) != withoutFormats(t, string(want)) {
		t.Errorf("scan app.log.gz: exit %d, %s\n%.300s", r.code, r.stderr, r.stdout)
	}
}

// TestScanKeys: -level-key and -user-key read logs that name them
// otherwise, and beat their environment variables.
func TestScanKeys(t *testing.T) {
	dir := t.TempDir()
	log := "{\"severity\":\"info\",\"account\":\"acme\",\"message\":\"x\"}\nseverity=WARN account=\"big corp\" level=ERROR user=nobody\n"
	if err := os.WriteFile(filepath.Join(dir, "svc.log"), []byte(log), 0o644); err != nil {
		t.Fatal(err)
	}
	r := logproc(t, dir, []string{"LOGPROC_USER_KEY=user"}, "scan", "-level-key", "severity", "-user-key", "account", "-o", "-", "svc.log")
	var res struct {
		Levels map[string]int64 `json:"log_levels"`
		Users  map[string]int64 `json:"user_actions"`
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &res) != nil {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if res.Levels["INFO"] != 1 || res.Levels["WARN"] != 1 || res.Users["acme"] != 1 || res.Users["big corp"] != 1 || len(res.Users) != 2 {
		t.Errorf("levels %v, users %v; want INFO and WARN, acme and big corp", res.Levels, res.Users)
	}
	wantError(t, logproc(t, dir, nil, "scan", "-user-key", "a=b", "svc.log"), 2, "-user-key", `"a=b"`)
}

// TestInterruptScanStdin: SIGINT stops a scan of standard input that is
// waiting for more, with exit 130 and no results file.
func TestInterruptScanStdin(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(binary, "scan", "-o", "r.json", "-")
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	pr, stdin, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	cmd.Stdin = pr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pr.Close()
	stdin.Write([]byte("level=INFO user=a\n"))
	waitUntil(t, "scan has read the line and waits for more", func() bool { return pipeEmpty(stdin) })
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 130 {
			t.Fatalf("after SIGINT: %v, want exit 130", err)
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("scan - did not stop within 10 s of SIGINT")
	}
	if _, err := os.Stat(filepath.Join(dir, "r.json")); err == nil {
		t.Error("an interrupted scan wrote r.json")
	}
}

// TestScanGlobs: a quoted glob is expanded; one that matches nothing is an
// error naming it.
func TestScanGlobs(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a.log", "b.log"} {
		if r := logproc(t, dir, nil, "gen", "-n", "1000", "-o", name, "-quiet"); r.code != 0 {
			t.Fatalf("gen: %s", r.stderr)
		}
	}
	r := logproc(t, dir, nil, "scan", "-o", "-", "*.log")
	if r.code != 0 || !strings.Contains(r.stdout, `"lines": 2000`) {
		t.Errorf("scan '*.log': exit %d, %s, want 2000 lines", r.code, r.stderr)
	}
	r = logproc(t, dir, nil, "scan", "-no-mmap", "-o", "-", "a.log")
	if r.code != 0 || !strings.Contains(r.stdout, `"lines": 1000`) {
		t.Errorf("scan -no-mmap: exit %d, %s, want 1000 lines", r.code, r.stderr)
	}
	wantError(t, logproc(t, dir, nil, "scan", "-o", "-", "*.txt"), 1, "*.txt", "no file matches")
}

// TestScanMetrics runs the metrics end to end on a generated log: windows,
// a time range filter and -top, against the generator's truth.
func TestScanMetrics(t *testing.T) {
	dir := t.TempDir()
	if r := logproc(t, dir, nil, "gen", "-n", "30000", "-users", "50", "-o", "app.log", "-truth", "truth.json"); r.code != 0 {
		t.Fatalf("gen: exit %d: %s", r.code, r.stderr)
	}
	type latency struct {
		Count int64   `json:"count"`
		P99MS float64 `json:"p99_ms"`
	}
	type results struct {
		Actions map[string]struct {
			Events    int64            `json:"events"`
			Latency   *latency         `json:"latency"`
			LogLevels map[string]int64 `json:"log_levels"`
		} `json:"actions"`
		Filtered  int64            `json:"filtered_lines"`
		Latency   *latency         `json:"latency"`
		Lines     int64            `json:"lines"`
		LogLevels map[string]int64 `json:"log_levels"`
		TimeRange *struct {
			Events int64  `json:"events"`
			First  string `json:"first"`
			Last   string `json:"last"`
		} `json:"time_range"`
		UniqueUsers int              `json:"unique_users"`
		UserActions map[string]int64 `json:"user_actions"`
		Windows     *struct {
			Width  string `json:"width"`
			Counts []struct {
				Events int64  `json:"events"`
				Start  string `json:"start"`
			} `json:"counts"`
		} `json:"windows"`
	}
	decode := func(s string) results {
		t.Helper()
		var r results
		if err := json.Unmarshal([]byte(s), &r); err != nil {
			t.Fatalf("not the results JSON: %v\n%.300s", err, s)
		}
		return r
	}
	truthData, err := os.ReadFile(filepath.Join(dir, "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	truth := decode(string(truthData))

	// All metrics, the default: the same as the truth, windows besides.
	r := logproc(t, dir, nil, "scan", "-window", "10s", "-o", "-", "app.log")
	if r.code != 0 {
		t.Fatalf("scan: exit %d: %s", r.code, r.stderr)
	}
	all := decode(r.stdout)
	if len(all.Actions) != len(truth.Actions) || all.Latency == nil || *all.Latency != *truth.Latency || all.TimeRange == nil || *all.TimeRange != *truth.TimeRange {
		t.Errorf("scan's metrics differ from the truth: %d actions (want %d), latency %+v (want %+v)", len(all.Actions), len(truth.Actions), all.Latency, truth.Latency)
	}
	var windowed int64
	for _, w := range all.Windows.Counts {
		windowed += w.Events
	}
	if all.Windows.Width != "10s" || windowed != 30000 || len(all.Windows.Counts) != 6 {
		t.Errorf("windows %s × %d hold %d events; want 10s × 6 windows (lines 2 ms apart span 60 s) holding 30000", all.Windows.Width, len(all.Windows.Counts), windowed)
	}

	// The seed's counters only: no metric sections.
	r = logproc(t, dir, []string{"LOGPROC_METRICS=seed"}, "scan", "-o", "-", "app.log")
	if seed := decode(r.stdout); r.code != 0 || seed.Actions != nil || seed.Latency != nil || seed.TimeRange != nil || seed.UniqueUsers != truth.UniqueUsers {
		t.Errorf("-metrics seed: exit %d, sections %v %v %v", r.code, seed.Actions != nil, seed.Latency != nil, seed.TimeRange != nil)
	}

	// A time range and the top three users.
	r = logproc(t, dir, nil, "scan", "-since", "2026-11-26T08:00:10Z", "-until", "2026-11-26T08:00:20Z", "-top", "3", "-o", "-", "app.log")
	if r.code != 0 {
		t.Fatalf("scan -since -until: exit %d: %s", r.code, r.stderr)
	}
	part := decode(r.stdout)
	if part.TimeRange.Events+part.Filtered != 30000 || part.TimeRange.Events < 4000 || part.TimeRange.Events > 6000 {
		t.Errorf("10 s of 60 s kept %d events and filtered %d; want about 5000 and the rest", part.TimeRange.Events, part.Filtered)
	}
	if part.TimeRange.First < "2026-11-26T08:00:10" || part.TimeRange.First >= "2026-11-26T08:00:11" {
		t.Errorf("first kept event at %s, want in the first second of the range", part.TimeRange.First)
	}
	if len(part.UserActions) != 3 || part.UniqueUsers <= 3 {
		t.Errorf("-top 3 listed %d users of %d", len(part.UserActions), part.UniqueUsers)
	}
}

// TestEnvExampleListsConfig: every variable Config reads is documented in
// .env.example, so the file a user copies is complete.
func TestEnvExampleListsConfig(t *testing.T) {
	data, err := os.ReadFile("../../.env.example")
	if err != nil {
		t.Fatal(err)
	}
	typ := reflect.TypeOf(Config{})
	for i := range typ.NumField() {
		name := typ.Field(i).Tag.Get("env")
		if !strings.Contains(string(data), name+"=") {
			t.Errorf(".env.example does not mention %s", name)
		}
	}
}

// withoutFormats is results JSON less its "formats", which names each input
// as given (stdin, app.log.gz): the rest is byte-identical however the same
// lines were read.
func withoutFormats(t *testing.T, results string) string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(results), &m); err != nil {
		return results // not JSON: compared as it is, and the test says so
	}
	delete(m, "formats")
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
