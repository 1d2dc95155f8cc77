package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// startLogproc starts the binary in dir with only PATH in its environment.
// Its stderr is returned once it has exited, by wantInterrupted.
func startLogproc(t *testing.T, dir string, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return cmd, &stderr
}

// waitUntil polls cond until it holds, failing the test after 60 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting until %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// inFIFOOpen reports whether a thread of process pid waits in the kernel
// for a FIFO's other end to open.
func inFIFOOpen(pid int) bool {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/wchan", pid))
	for _, task := range tasks {
		if b, err := os.ReadFile(task); err == nil && string(b) == "wait_for_partner" {
			return true
		}
	}
	return false
}

// wantInterrupted sends sig to cmd and wants it to exit 130 within a
// second, saying so in one line, with no temporary file left in dir.
func wantInterrupted(t *testing.T, cmd *exec.Cmd, stderr *bytes.Buffer, sig syscall.Signal, dir string) {
	t.Helper()
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	sent := time.Now()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		took := time.Since(sent)
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != exitInterrupted {
			t.Errorf("after %v: %v, want exit 130 (stderr %q)", sig, err, stderr.String())
		}
		if took > time.Second {
			t.Errorf("exited %v after %v, want within 1 s", took, sig)
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-exited
		t.Fatalf("still running 10 s after %v (stderr %q)", sig, stderr.String())
	}
	if msg := stderr.String(); !strings.Contains(msg, "interrupted") || strings.Contains(msg, "goroutine ") {
		t.Errorf("stderr %q, want one line saying it was interrupted", msg)
	}
	tmp, _ := filepath.Glob(filepath.Join(dir, ".*tmp*"))
	if len(tmp) > 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
}

// TestSignalGen: SIGINT, SIGTERM and SIGHUP stop gen while it writes, and
// remove its temporary file. SIGHUP used to kill it and leave the file.
func TestSignalGen(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			cmd, stderr := startLogproc(t, dir, "gen", "-n", "20000000", "-o", "big.log")
			waitUntil(t, "gen has written a batch", func() bool {
				tmp, _ := filepath.Glob(filepath.Join(dir, ".big.log.tmp-*"))
				if len(tmp) == 0 {
					return false
				}
				fi, err := os.Stat(tmp[0])
				return err == nil && fi.Size() > 0
			})
			wantInterrupted(t, cmd, stderr, sig, dir)
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("interrupted gen left %v", entries)
			}
		})
	}
}

// TestSignalFIFO: a signal stops a command waiting for a FIFO's other end:
// scan of a FIFO nobody writes to (it ignored SIGINT and SIGTERM forever),
// gen into a FIFO nobody reads, and scan writing its results into one.
func TestSignalFIFO(t *testing.T) {
	tests := []struct {
		name string
		args []string
		sig  syscall.Signal
	}{
		{"scan opening its input", []string{"scan", "-o", "r.json", "fifo"}, syscall.SIGINT},
		{"scan opening its input, SIGTERM", []string{"scan", "-no-mmap", "-o", "r.json", "fifo"}, syscall.SIGTERM},
		{"gen opening its output", []string{"gen", "-n", "1000", "-o", "fifo"}, syscall.SIGHUP},
		{"scan writing its results", []string{"scan", "-o", "fifo", "app.log"}, syscall.SIGINT},
		{"gen writing its truth", []string{"gen", "-n", "1000", "-o", "app2.log", "-truth", "fifo"}, syscall.SIGTERM},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "app.log"), []byte("level=INFO user=a\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd, stderr := startLogproc(t, dir, tt.args...)
			waitUntil(t, "it waits for the FIFO's other end", func() bool { return inFIFOOpen(cmd.Process.Pid) })
			wantInterrupted(t, cmd, stderr, tt.sig, dir)
			if _, err := os.Stat(filepath.Join(dir, "r.json")); err == nil {
				t.Error("an interrupted scan wrote r.json")
			}
			if fi, err := os.Lstat(filepath.Join(dir, "fifo")); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
				t.Errorf("fifo is no longer a FIFO: %v, %v", fi.Mode(), err)
			}
		})
	}
}

// TestSignalScanReading: a signal stops a scan reading a FIFO whose writer
// keeps it open without writing more.
func TestSignalScanReading(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd, stderr := startLogproc(t, dir, "scan", "-o", "r.json", "fifo")
	// Opening the writing end returns once scan has opened the reading
	// end: from then on it reads.
	opened := make(chan *os.File, 1)
	go func() {
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			t.Error(err)
		}
		opened <- w
	}()
	var w *os.File
	select {
	case w = <-opened:
	case <-time.After(60 * time.Second):
		t.Fatal("scan never opened the FIFO")
	}
	defer w.Close()
	if _, err := w.Write([]byte("level=INFO user=a\nlevel=WARN user=b\n")); err != nil {
		t.Fatal(err)
	}
	wantInterrupted(t, cmd, stderr, syscall.SIGTERM, dir)
	if _, err := os.Stat(filepath.Join(dir, "r.json")); err == nil {
		t.Error("an interrupted scan wrote r.json")
	}
}

// pipeFull reports whether the pipe read by r holds all it can: its writer
// is then held up until someone reads.
func pipeFull(r *os.File) bool {
	const fGetPipeSz = 1032 // F_GETPIPE_SZ
	size, _, errno := syscall.Syscall(syscall.SYS_FCNTL, r.Fd(), fGetPipeSz, 0)
	if errno != 0 {
		return false
	}
	var n int32
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, r.Fd(), syscall.TIOCINQ, uintptr(unsafe.Pointer(&n))); errno != 0 {
		return false
	}
	return int(n) >= int(size)
}

// pipeEmpty reports whether the pipe written by w holds nothing: its
// reader has read all there was.
func pipeEmpty(w *os.File) bool {
	var n int32
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, w.Fd(), syscall.TIOCINQ, uintptr(unsafe.Pointer(&n)))
	return errno == 0 && n == 0
}

// TestSignalStdoutBlocked: a signal stops a command whose standard output
// is a pipe nobody reads: gen -o - (it waited for the reader to exit, then
// died of SIGPIPE), and scan writing large results to -o -.
func TestSignalStdoutBlocked(t *testing.T) {
	dir := t.TempDir()
	if r := logproc(t, dir, nil, "gen", "-n", "30000", "-users", "5000", "-o", "app.log", "-quiet"); r.code != 0 {
		t.Fatalf("gen: exit %d: %s", r.code, r.stderr)
	}
	for _, tt := range []struct {
		name string
		args []string
		sig  syscall.Signal
	}{
		{"gen -o -", []string{"gen", "-n", "20000000", "-o", "-"}, syscall.SIGTERM},
		{"scan -o -", []string{"scan", "-o", "-", "app.log"}, syscall.SIGINT},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pr, pw, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer pr.Close()
			cmd := exec.Command(binary, tt.args...)
			cmd.Dir, cmd.Env, cmd.Stdout = dir, []string{"PATH=" + os.Getenv("PATH")}, pw
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			pw.Close()
			waitUntil(t, "its standard output is full", func() bool { return pipeFull(pr) })
			wantInterrupted(t, cmd, &stderr, tt.sig, dir)
		})
	}
}

// manyUsers is a log of manyUsersN distinct users, written once for every
// test that needs one: a merge and a write that take a while.
var manyUsers struct {
	once sync.Once
	path string
	err  error
}

const manyUsersN = 1_000_000

func manyUsersLog(t *testing.T) string {
	t.Helper()
	manyUsers.once.Do(func() {
		manyUsers.path = filepath.Join(filepath.Dir(binary), "many-users.log")
		b := make([]byte, 0, manyUsersN*32)
		for i := range manyUsersN {
			b = append(b, "level=INFO user=user"...)
			b = strconv.AppendInt(b, int64(i), 10)
			b = append(b, "@example.com\n"...)
		}
		manyUsers.err = os.WriteFile(manyUsers.path, b, 0o644)
	})
	if manyUsers.err != nil {
		t.Fatal(manyUsers.err)
	}
	return manyUsers.path
}

// threadsAsleep reports whether every thread of process pid sleeps: none
// runs or waits for a CPU, so its workers have counted all they were given.
func threadsAsleep(pid int) bool {
	stats, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/stat", pid))
	for _, path := range stats {
		b, err := os.ReadFile(path)
		// The state follows the command's closing parenthesis.
		i := bytes.LastIndexByte(b, ')')
		if err != nil || i < 0 || i+2 >= len(b) || b[i+2] != 'S' {
			return false
		}
	}
	return len(stats) > 0
}

// cpuTicks is the CPU time process pid has used, in clock ticks (10 ms).
func cpuTicks(pid int) int64 {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	fields := strings.Fields(string(b[i+1:]))
	if len(fields) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return utime + stime
}

// TestSignalScanMerging: a signal while a scan merges a million users ends
// it within a second, writing nothing. The merge used to ignore signals
// and exit 0 seconds later. The scan reads a FIFO: once it has counted all
// that was written (the FIFO is empty and its threads sleep), the FIFO is
// closed, and once the scan has used 50 ms of CPU since, all of it went to
// the merge.
func TestSignalScanMerging(t *testing.T) {
	data, err := os.ReadFile(manyUsersLog(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd, stderr := startLogproc(t, dir, "scan", "-o", "r.json", "fifo")
	w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	waitUntil(t, "scan has counted all it read", func() bool { return pipeEmpty(w) && threadsAsleep(pid) })
	before := cpuTicks(pid)
	w.Close()
	waitUntil(t, "scan merges", func() bool { return cpuTicks(pid) >= before+5 })
	wantInterrupted(t, cmd, stderr, syscall.SIGINT, dir)
	if _, err := os.Stat(filepath.Join(dir, "r.json")); err == nil {
		t.Error("an interrupted scan wrote r.json")
	}
}

// TestSignalScanWriting: a signal while the results of a million users are
// written (their temporary file has begun to fill) ends the scan, and
// leaves neither the results nor the temporary file.
func TestSignalScanWriting(t *testing.T) {
	dir := t.TempDir()
	cmd, stderr := startLogproc(t, dir, "scan", "-o", "r.json", manyUsersLog(t))
	waitUntil(t, "scan writes its results", func() bool {
		tmp, _ := filepath.Glob(filepath.Join(dir, ".r.json.tmp-*"))
		if len(tmp) == 0 {
			return false
		}
		fi, err := os.Stat(tmp[0])
		return err == nil && fi.Size() > 0
	})
	wantInterrupted(t, cmd, stderr, syscall.SIGTERM, dir)
	if _, err := os.Stat(filepath.Join(dir, "r.json")); err == nil {
		t.Error("an interrupted scan wrote r.json")
	}
}
