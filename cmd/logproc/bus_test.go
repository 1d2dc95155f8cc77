package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/logproc/logproc/internal/testport"
)

// freeURL is a NATS URL on a port nothing listens on.
func freeURL(t *testing.T) string {
	t.Helper()
	return "nats://127.0.0.1:" + strconv.Itoa(testport.Free(t))
}

// background starts logproc and returns the command and its stderr.
func background(t *testing.T, dir string, env []string, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd, &stderr
}

// interrupt sends SIGINT and wants exit 130 within 15 s.
func interrupt(t *testing.T, cmd *exec.Cmd, stderr *bytes.Buffer) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 130 {
			t.Errorf("%v after SIGINT: %v, want exit 130; stderr:\n%s", cmd.Args, err, stderr)
		}
	case <-time.After(15 * time.Second):
		t.Errorf("%v did not stop within 15 s of SIGINT", cmd.Args)
	}
}

// TestBusEndToEnd is docs/distributed.md's one-machine flow through the binary:
// an embedded server with a consumer, publish, two more consumers (one of
// them killed with SIGKILL on the way), and a report that equals what the
// generator wrote, byte for byte.
func TestBusEndToEnd(t *testing.T) {
	dir := t.TempDir()
	env := []string{"NATS_URL=" + freeURL(t), "LOGPROC_NATS_STORE=" + filepath.Join(dir, "nats-data")}
	if r := logproc(t, dir, env, "gen", "-n", "200000", "-users", "2000", "-o", "app.log", "-truth", "truth.json"); r.code != 0 {
		t.Fatalf("gen: %s", r.stderr)
	}
	first, firstErr := background(t, dir, env, "consume", "-embedded", "-ack-wait", "1s", "-workers", "1")
	r := logproc(t, dir, env, "publish", "-batch-size", "65536", "app.log")
	if r.code != 0 || !strings.Contains(r.stderr, "published 1 file:") {
		t.Fatalf("publish: exit %d: %s\n%s", r.code, r.stderr, firstErr)
	}
	second, secondErr := background(t, dir, env, "consume", "-ack-wait", "1s")
	killed, _ := background(t, dir, env, "consume", "-ack-wait", "1s")
	time.Sleep(100 * time.Millisecond)
	killed.Process.Kill()

	r = logproc(t, dir, env, "report", "-wait", "60s", "-o", "got.json")
	if r.code != 0 {
		t.Fatalf("report: exit %d: %s", r.code, r.stderr)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "got.json"))
	want, _ := os.ReadFile(filepath.Join(dir, "truth.json"))
	if len(want) == 0 || string(got) != string(want) {
		t.Fatalf("report differs from the truth:\n%.400s\nwant\n%.400s", got, want)
	}
	if !strings.Contains(r.stderr, "0 pending, 0 parked (1 file)") {
		t.Errorf("report's summary: %q", r.stderr)
	}

	// Publishing again stores nothing and changes nothing.
	r = logproc(t, dir, env, "publish", "-batch-size", "65536", "app.log")
	if r.code != 0 || !strings.Contains(r.stderr, "(0 new, ") {
		t.Errorf("publish again: exit %d: %s", r.code, r.stderr)
	}
	r = logproc(t, dir, env, "report", "-o", "-")
	if r.code != 0 || r.stdout != string(want) {
		t.Errorf("report after publishing again: exit %d: %s\n%.300s", r.code, r.stderr, r.stdout)
	}

	interrupt(t, second, secondErr)
	interrupt(t, first, firstErr)
	if !strings.Contains(firstErr.String(), "interrupted; finished the batches in hand") {
		t.Errorf("consume's stderr after SIGINT: %q", firstErr)
	}
}

// TestBusNotLog: a file with no log record is counted as malformed lines
// batch by batch, and report refuses it as scan does, naming it.
func TestBusNotLog(t *testing.T) {
	dir := t.TempDir()
	env := []string{"NATS_URL=" + freeURL(t), "LOGPROC_NATS_STORE=" + filepath.Join(dir, "nats-data")}
	bin := make([]byte, 100000)
	for i := range bin {
		bin[i] = byte(i * 7)
	}
	if err := os.WriteFile(filepath.Join(dir, "blob.bin"), bin, 0o644); err != nil {
		t.Fatal(err)
	}
	srv, srvErr := background(t, dir, env, "serve")
	if r := logproc(t, dir, env, "publish", "blob.bin"); r.code != 0 {
		t.Fatalf("publish: %s", r.stderr)
	}
	if r := logproc(t, dir, env, "consume", "-idle", "500ms"); r.code != 0 || !strings.Contains(r.stderr, "0 parked") {
		t.Fatalf("consume: exit %d: %s", r.code, r.stderr)
	}
	r := logproc(t, dir, env, "report", "-o", "r.json")
	wantError(t, r, 1, "blob.bin: no log record in", "not a log file")
	interrupt(t, srv, srvErr)
}

// TestBusReportNothingPublished: report on a job with nothing published
// is an error, not an empty result with exit 0, with -wait too (a report
// started before publish waits for one), and writes no results file.
func TestBusReportNothingPublished(t *testing.T) {
	dir := t.TempDir()
	env := []string{"NATS_URL=" + freeURL(t), "LOGPROC_NATS_STORE=" + filepath.Join(dir, "nats-data")}
	srv, srvErr := background(t, dir, env, "serve")
	r := logproc(t, dir, env, "report", "-o", "r.json")
	wantError(t, r, 1, "nothing was published in bucket logproc", "logproc publish FILE")
	r = logproc(t, dir, env, "report", "-wait", "300ms", "-o", "r.json")
	wantError(t, r, 1, "nothing was published in bucket logproc within -wait=300ms")
	if _, err := os.Stat(filepath.Join(dir, "r.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("report with nothing published left r.json: %v", err)
	}
	interrupt(t, srv, srvErr)
}

func TestBusBadSettings(t *testing.T) {
	dir := t.TempDir()
	url := freeURL(t)
	tests := []struct {
		env  []string
		args []string
		code int
		want []string
	}{
		{[]string{"NATS_URL=" + url}, []string{"publish", "x.log"}, 1, []string{url, "no servers", "logproc serve"}},
		{[]string{"LOGPROC_STREAM=a.b"}, []string{"consume"}, 2, []string{"LOGPROC_STREAM", `"a.b"`}},
		{nil, []string{"report", "-bucket", "x y"}, 2, []string{"-bucket", `"x y"`}},
		{[]string{"NATS_CREDS=nope.creds"}, []string{"report"}, 2, []string{"NATS_CREDS", "nope.creds", "no such file"}},
		{nil, []string{"consume", "-tls-cert", "c.pem"}, 2, []string{"-tls-cert", "-tls-key"}},
		{[]string{"LOGPROC_REPLICAS=9"}, []string{"publish"}, 2, []string{"LOGPROC_REPLICAS=9"}},
		{nil, []string{"publish", "-batch-size", "0"}, 2, []string{"-batch-size=0"}},
		{nil, []string{"consume", "-idle", "-1s"}, 2, []string{"-idle"}},
		{nil, []string{"consume", "extra"}, 2, []string{"extra"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(append(tt.env, tt.args...), " "), func(t *testing.T) {
			wantError(t, logproc(t, dir, tt.env, tt.args...), tt.code, tt.want...)
		})
	}
}

// TestBusSettingsRefused: bus.Options.Check holds the rules, and the
// message names the flag or variable the bad value came from, before any
// connection is tried.
func TestBusSettingsRefused(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		env  []string
		args []string
		want []string
	}{
		{nil, []string{"report", "-server", ""}, []string{`-server=""`, "want a NATS server URL"}},
		{[]string{"LOGPROC_REPLICAS=7"}, []string{"report"}, []string{`LOGPROC_REPLICAS=7`, "want 1 to 5"}},
		{nil, []string{"consume", "-stream", "a b"}, []string{`-stream="a b"`, "letters, digits"}},
		{[]string{"LOGPROC_BUCKET=x.y"}, []string{"reset"}, []string{`LOGPROC_BUCKET="x.y"`, "letters, digits"}},
		{[]string{"NATS_TLS_CERT=c.pem"}, []string{"publish", "x.log"}, []string{"NATS_TLS_CERT", "-tls-key", "give both or neither"}},
		{nil, []string{"report", "-server", "nats://lp:secret@h:4222,nats://h:\x7f"}, []string{"-server=", "lp:xxxxx@h", "cannot parse"}},
	} {
		r := logproc(t, dir, c.env, c.args...)
		wantError(t, r, 2, c.want...)
		if strings.Contains(r.stderr, "secret") {
			t.Errorf("%v: the password is in the message: %s", c.args, r.stderr)
		}
	}
}
