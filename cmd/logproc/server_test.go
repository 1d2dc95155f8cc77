package main

import (
	"bufio"
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeChild: serve runs logproc-server as a child that takes
// connections, and that stops when logproc is killed outright (its stdin
// closes), so no server outlives the command that started it.
func TestServeChild(t *testing.T) {
	dir := t.TempDir()
	url := freeURL(t)
	cmd := exec.Command(binary, "serve", "-server", url, "-store", filepath.Join(dir, "nats-data"))
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "GORACE=atexit_sleep_ms=0"}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	r.SetReadDeadline(time.Now().Add(60 * time.Second))
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil || !strings.Contains(line, "NATS server with JetStream on "+url) {
		t.Fatalf("serve's first line: %q, %v", line, err)
	}
	host := strings.TrimPrefix(url, "nats://")
	conn, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatalf("the server does not take connections: %v", err)
	}
	conn.Close()
	cmd.Process.Kill() // SIGKILL: logproc cannot stop its child itself
	cmd.Wait()
	waitUntil(t, "logproc-server stops once logproc is gone", func() bool {
		c, err := net.Dial("tcp", host)
		if err == nil {
			c.Close()
		}
		return err != nil
	})
}

// TestServerMissing: without logproc-server beside logproc or on PATH,
// serve and consume -embedded say what to install, in one line.
func TestServerMissing(t *testing.T) {
	dir := t.TempDir()
	b, err := os.ReadFile(binary)
	if err != nil {
		t.Fatal(err)
	}
	alone := filepath.Join(dir, "logproc")
	if err := os.WriteFile(alone, b, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"serve"}, {"consume", "-embedded"}} {
		cmd := exec.Command(alone, append(args, "-server", freeURL(t))...)
		cmd.Dir = dir
		cmd.Env = []string{"PATH=/usr/bin:/bin", "GORACE=atexit_sleep_ms=0"}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		cmd.Run()
		wantError(t, result{cmd.ProcessState.ExitCode(), "", stderr.String()}, 1,
			"logproc-server", "go install github.com/logproc/logproc/cmd/logproc-server@latest")
	}
}
