package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// lockedBuffer is a stderr the test reads while the process writes it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// started runs logproc in the background and waits until its stderr
// holds ready.
func started(t *testing.T, dir string, env []string, ready string, args ...string) (*exec.Cmd, *lockedBuffer) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "GORACE=atexit_sleep_ms=0"}, env...)
	stderr := new(lockedBuffer)
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(stderr.String(), ready) {
		if time.Now().After(deadline) {
			t.Fatalf("%v: no %q on stderr in 20 s: %q", args, ready, stderr)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return cmd, stderr
}

// exitsWithin sends SIGINT and wants exit 130 within limit.
func exitsWithin(t *testing.T, cmd *exec.Cmd, stderr *lockedBuffer, limit time.Duration) {
	t.Helper()
	exited := make(chan error, 1)
	began := time.Now()
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 130 {
			t.Errorf("%v after SIGINT: %v, want exit 130; stderr: %q", cmd.Args, err, stderr)
		}
		if took := time.Since(began); took > limit {
			t.Errorf("%v took %s to stop after SIGINT, want at most %s", cmd.Args, took, limit)
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("%v did not stop within 15 s of SIGINT; stderr: %q", cmd.Args, stderr)
	}
}

// TestConsumeSIGINTServerGone (issue 16): a consumer whose server died
// ends within a second of SIGINT, and serve writes its CPU profile.
func TestConsumeSIGINTServerGone(t *testing.T) {
	dir := t.TempDir()
	env := []string{"NATS_URL=" + freeURL(t), "LOGPROC_NATS_STORE=" + filepath.Join(dir, "nats-data")}
	srv, srvErr := started(t, dir, env, "NATS server with JetStream on", "serve", "-cpuprofile", "serve.prof")
	cons, consErr := started(t, dir, env, "consuming stream", "consume")
	exitsWithin(t, srv, srvErr, 10*time.Second)
	if fi, err := os.Stat(filepath.Join(dir, "serve.prof")); err != nil || fi.Size() == 0 {
		t.Errorf("serve -cpuprofile wrote nothing: %v", err)
	}
	exitsWithin(t, cons, consErr, time.Second)
}

// TestBusReset (issue 16, item 11): reset deletes the job, so the same
// flow in the same directory counts the new log alone; a second reset
// finds nothing to delete.
func TestBusReset(t *testing.T) {
	dir := t.TempDir()
	env := []string{"NATS_URL=" + freeURL(t), "LOGPROC_NATS_STORE=" + filepath.Join(dir, "nats-data")}
	srv, srvErr := started(t, dir, env, "NATS server with JetStream on", "serve")
	for i, seed := range []string{"1", "2"} {
		if r := logproc(t, dir, env, "gen", "-n", "20000", "-seed", seed, "-o", "app.log", "-truth", "truth.json"); r.code != 0 {
			t.Fatalf("gen: %s", r.stderr)
		}
		if r := logproc(t, dir, env, "publish", "app.log"); r.code != 0 {
			t.Fatalf("publish: %s", r.stderr)
		}
		if r := logproc(t, dir, env, "consume", "-idle", "500ms"); r.code != 0 {
			t.Fatalf("consume: %s", r.stderr)
		}
		r := logproc(t, dir, env, "report", "-wait", "20s", "-o", "got.json")
		got, _ := os.ReadFile(filepath.Join(dir, "got.json"))
		want, _ := os.ReadFile(filepath.Join(dir, "truth.json"))
		if r.code != 0 || len(want) == 0 || string(got) != string(want) {
			t.Fatalf("run %d: report (exit %d, %s) differs from the truth", i+1, r.code, r.stderr)
		}
		r = logproc(t, dir, env, "reset")
		if r.code != 0 || !strings.Contains(r.stderr, "deleted stream LOGPROC and bucket logproc") {
			t.Fatalf("reset: exit %d: %s", r.code, r.stderr)
		}
	}
	if r := logproc(t, dir, env, "reset"); r.code != 0 || !strings.Contains(r.stderr, "no stream LOGPROC or bucket logproc") {
		t.Errorf("reset of nothing: exit %d: %s", r.code, r.stderr)
	}
	exitsWithin(t, srv, srvErr, 10*time.Second)
}
