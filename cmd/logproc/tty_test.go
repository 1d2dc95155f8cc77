package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
)

// terminal is a pseudo-terminal the binary writes to, as a person's
// terminal: what it shows is kept for the test to read.
type terminal struct {
	tty  *os.File // the binary's end
	ptmx *os.File
	mu   sync.Mutex
	seen bytes.Buffer
	done chan struct{}
}

func newTerminal(t *testing.T) *terminal {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatalf("opening a pseudo-terminal: %v", err)
	}
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 50, Cols: 160}); err != nil {
		t.Fatal(err)
	}
	term := &terminal{tty: tty, ptmx: ptmx, done: make(chan struct{})}
	go func() {
		defer close(term.done)
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			term.mu.Lock()
			term.seen.Write(buf[:n])
			term.mu.Unlock()
			if err != nil { // EIO once the last writer is gone
				return
			}
		}
	}()
	t.Cleanup(func() { ptmx.Close(); tty.Close() })
	return term
}

func (term *terminal) String() string {
	term.mu.Lock()
	defer term.mu.Unlock()
	return term.seen.String()
}

// wait waits for the binary to exit and returns what the terminal showed.
func (term *terminal) wait(t *testing.T, cmd *exec.Cmd) string {
	t.Helper()
	cmd.Wait()
	term.tty.Close() // the reader sees EIO once the screen is drained
	select {
	case <-term.done:
	case <-time.After(30 * time.Second):
		t.Fatal("the terminal's reader did not finish")
	}
	return strings.ReplaceAll(term.String(), "\r\n", "\n")
}

// onTerminal prepares the binary with stdout and stderr on a new terminal
// (stderr elsewhere when stderr is not nil) and stdin from /dev/null; the
// caller starts it.
func onTerminal(t *testing.T, dir string, env []string, stderr io.Writer, args ...string) (*exec.Cmd, *terminal) {
	t.Helper()
	term := newTerminal(t)
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "GORACE=atexit_sleep_ms=0"}, env...)
	cmd.Stdout, cmd.Stderr = term.tty, term.tty
	if stderr != nil {
		cmd.Stderr = stderr
	}
	t.Cleanup(func() {
		if cmd.Process != nil && cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return cmd, term
}

// stalled is a pipe's write end that nobody reads, closed at the end.
func stalled(t *testing.T) *os.File {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	return w
}

// TestTerminalSummary: scan FILE on a terminal shows the summary and a
// hint instead of JSON, writes no file, and names the bad lines once.
func TestTerminalSummary(t *testing.T) {
	dir := t.TempDir()
	genTruth(t, dir, "3000")
	log, _ := os.ReadFile(filepath.Join(dir, "app.log"))
	log = append(log, "not a log line\n"...)
	os.WriteFile(filepath.Join(dir, "app.log"), log, 0o644)
	before := snapshot(t, dir)

	cmd, term := onTerminal(t, dir, nil, nil, "scan", "app.log")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	screen := term.wait(t, cmd)
	if cmd.ProcessState.ExitCode() != 0 {
		t.Fatalf("scan app.log on a terminal: exit %d:\n%s", cmd.ProcessState.ExitCode(), screen)
	}
	for _, want := range []string{"3,001 in 1 file", "levels ", "users ", "-o FILE writes it"} {
		if !strings.Contains(screen, want) {
			t.Errorf("the terminal does not show %q:\n%s", want, screen)
		}
	}
	if strings.Contains(screen, `"log_levels"`) {
		t.Errorf("JSON on a terminal:\n%s", screen)
	}
	if n := strings.Count(screen, "app.log:3001"); n != 1 {
		t.Errorf("the bad line is named %d times, want once:\n%s", n, screen)
	}
	if after := snapshot(t, dir); !sameSnapshot(before, after) {
		t.Errorf("scan on a terminal wrote files: %v", after)
	}

	// stdout a terminal, -o FILE: the JSON in the file, the summary shown.
	cmd, term = onTerminal(t, dir, nil, nil, "scan", "app.log", "-o", "r.json")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	screen = term.wait(t, cmd)
	if !strings.Contains(screen, "levels ") || strings.Contains(screen, "-o FILE writes it") {
		t.Errorf("scan -o r.json on a terminal:\n%s", screen)
	}
	readResults(t, filepath.Join(dir, "r.json"))
}

// TestProgress: on a terminal a long gen draws a bar with percent, rate
// and ETA, a scan of a stream a spinner with counts; nothing is drawn with
// NO_COLOR, -quiet, or stderr not a terminal. The test waits for the
// drawing itself (or for the log to grow), then interrupts.
func TestProgress(t *testing.T) {
	dir := t.TempDir()
	shows := func(term *terminal, parts ...string) func() bool {
		return func() bool {
			s := term.String()
			for _, p := range parts {
				if !strings.Contains(s, p) {
					return false
				}
			}
			return true
		}
	}
	// gen writes to a pipe nobody reads: it stalls once the pipe is full,
	// and runs as long as the test needs, whatever the machine's speed.
	cmd, term := onTerminal(t, dir, nil, nil, "gen", "-n", "100000000", "-workers", "1", "-o", "-")
	cmd.Stdout = stalled(t)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "gen draws a bar", shows(term, "gen ", "%", "lines/", "|"))
	cmd.Process.Signal(syscall.SIGINT)
	term.wait(t, cmd)

	// A stream has no size: a spinner with the bytes read so far.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	term = newTerminal(t)
	scan := exec.Command(binary, "scan", "-o", "r.json", "-")
	scan.Dir, scan.Stdin, scan.Stdout, scan.Stderr = dir, r, term.tty, term.tty
	scan.Env = []string{"PATH=" + os.Getenv("PATH"), "GORACE=atexit_sleep_ms=0"}
	if err := scan.Start(); err != nil {
		t.Fatal(err)
	}
	r.Close()
	lines := bytes.Repeat([]byte("level=INFO user=a\n"), 4096)
	waitUntil(t, "scan of a stream draws a spinner", func() bool {
		w.Write(lines) // until the workers have counted enough to show
		return shows(term, "scan (", "B/s")()
	})
	w.Close()
	screen := term.wait(t, scan)
	if scan.ProcessState.ExitCode() != 0 {
		t.Fatalf("scan -: %s", screen)
	}

	// NO_COLOR, -quiet, and stderr not a terminal draw nothing: each runs
	// until the log on disk has grown past what a second of drawing needs.
	var pipe bytes.Buffer
	for _, tt := range []struct {
		env    []string
		args   []string
		stderr io.Writer
	}{
		{[]string{"NO_COLOR=1"}, nil, nil},
		{nil, []string{"-quiet"}, nil},
		{nil, nil, &pipe},
	} {
		args := append([]string{"gen", "-n", "100000000", "-workers", "1", "-o", "-"}, tt.args...)
		cmd, term := onTerminal(t, dir, tt.env, tt.stderr, args...)
		cmd.Stdout = stalled(t)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// The meter draws from the first second on; give it half a second more.
		began := time.Now()
		waitUntil(t, "gen has run for 1.5 s", func() bool { return time.Since(began) > 1500*time.Millisecond })
		cmd.Process.Signal(syscall.SIGINT)
		screen := term.wait(t, cmd)
		if code := cmd.ProcessState.ExitCode(); code != 130 {
			t.Errorf("%v %v: exit %d after SIGINT, want 130", tt.env, args, code)
		}
		if strings.Contains(screen+pipe.String(), "%") || strings.Contains(screen+pipe.String(), "lines/s") {
			t.Errorf("%v %v drew progress:\n%q\n%q", tt.env, args, screen, pipe.String())
		}
	}
}
