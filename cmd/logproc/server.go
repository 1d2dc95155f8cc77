package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// serverBinary is the program that runs the embedded NATS server: logproc
// itself leaves nats-server out, which halves its size and its first build.
const serverBinary = "logproc-server"

// childServer is logproc-server running as a child of this process.
type childServer struct {
	cmd    *exec.Cmd
	stdin  io.Closer
	url    string
	stderr *bytes.Buffer
}

// findServer looks for logproc-server beside this executable, where make
// build and go install put it, then on PATH.
func findServer() (string, error) {
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), serverBinary)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, nil
		}
	}
	if p, err := exec.LookPath(serverBinary); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("the embedded NATS server is the program %s, found neither beside %s nor on PATH: "+
		"go install github.com/logproc/logproc/cmd/logproc-server@latest (or make build), or point NATS_URL at a server", serverBinary, os.Args[0])
}

// startServer starts logproc-server listening where urls points, storing
// in store, and returns once it takes connections. The child has its own
// process group, so that a ^C reaches only logproc, which drains its
// consumers before stopping the server; it also stops when logproc dies,
// as its standard input then closes. node holds logproc-server's cluster
// flags, if any.
func startServer(ctx context.Context, urls, store string, node ...string) (*childServer, error) {
	path, err := findServer()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(path, append([]string{"-server", urls, "-store", store, "-stdin"}, node...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	s := &childServer{cmd: cmd, stdin: stdin, stderr: &stderr}
	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		ready <- strings.TrimSpace(line)
		io.Copy(io.Discard, stdout)
	}()
	timer := time.NewTimer(30 * time.Second)
	defer timer.Stop()
	select {
	case s.url = <-ready:
	case <-timer.C:
	case <-ctx.Done():
	}
	if s.url == "" {
		s.Shutdown()
		if msg := s.message(); msg != "" {
			return nil, errors.New(msg)
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%s did not start", path)
	}
	return s, nil
}

// message is the child's last error line, without its prefix.
func (s *childServer) message() string {
	lines := strings.Split(strings.TrimSpace(s.stderr.String()), "\n")
	return strings.TrimPrefix(lines[len(lines)-1], serverBinary+": ")
}

// URL is where clients connect.
func (s *childServer) URL() string { return s.url }

// Shutdown stops the server once its clients' last messages are stored.
func (s *childServer) Shutdown() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	s.stdin.Close()
	s.cmd.Wait()
}
