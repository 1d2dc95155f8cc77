package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// plainBinary is logproc built without -race, whose shadow memory would
// swamp the peak RSS the memory tests measure, and peakrss, which runs it
// and reports that peak (testdata/peakrss says why a helper is needed).
var plainBinary = sync.OnceValues(func() ([2]string, error) {
	dir, err := os.MkdirTemp("", "logproc-plain-")
	if err != nil {
		return [2]string{}, err
	}
	paths := [2]string{filepath.Join(dir, "logproc"), filepath.Join(dir, "peakrss")}
	for i, pkg := range []string{".", "./testdata/peakrss"} {
		out, err := exec.Command("go", "build", "-o", paths[i], pkg).CombinedOutput()
		if err != nil {
			return [2]string{}, errors.New("building " + pkg + ": " + string(out))
		}
	}
	return paths, nil
})

// The budget the memory tests set, and what the child's peak RSS must stay
// under: the budget plus the runtime and the binary's own pages.
const (
	testMaxMemory = 64 << 20
	testMaxLine   = 4 << 20
	rssAllowance  = testMaxMemory + 32<<20
)

// runMeasured runs the plain binary with stdin fed from stdin (when not
// nil) and returns its result and peak RSS in bytes, from the kernel's
// rusage of the child after its Wait, through peakrss.
func runMeasured(t *testing.T, stdin io.Reader, args ...string) (result, int64) {
	t.Helper()
	bin, err := plainBinary()
	if err != nil {
		t.Fatal(err)
	}
	// An input that is read forever (the bug) fails the test, not hangs it.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rssFile := filepath.Join(t.TempDir(), "rss")
	cmd := exec.CommandContext(ctx, bin[1], append([]string{rssFile, bin[0]}, args...)...)
	cmd.Dir = t.TempDir()
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	cmd.Stdin = stdin
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("logproc %q still ran after 2 minutes", args)
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("running logproc: %v", err)
	}
	b, err := os.ReadFile(rssFile)
	if err != nil {
		t.Fatalf("peakrss wrote no peak: %v: %s", err, stderr.String())
	}
	rss, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		t.Fatalf("peakrss wrote %q: %v", b, err)
	}
	return result{cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()}, rss
}

func limitArgs(args ...string) []string {
	return append([]string{"scan", "-quiet", "-max-memory", "64MiB", "-max-line", "4MiB"}, args...)
}

func wantRSS(t *testing.T, rss int64) {
	t.Helper()
	t.Logf("peak RSS %d MiB", rss>>20)
	if rss > rssAllowance {
		t.Errorf("peak RSS %d MiB, want under %d MiB", rss>>20, rssAllowance>>20)
	}
}

// TestScanDevZero: endless NULs with no newline are binary data, refused
// after the first long line, not read forever (issue 12).
func TestScanDevZero(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		if runtime.GOOS == "linux" {
			t.Fatal(err) // every Linux has it: a skip here would hide a broken test machine
		}
		t.Skip("no /dev/zero here")
	}
	r, rss := runMeasured(t, nil, limitArgs("-o", "-", "/dev/zero")...)
	wantError(t, r, 1, "/dev/zero", "binary data", "4194304 bytes")
	wantRSS(t, rss)
}

// TestScanGzipBomb: 256 MiB of NULs in 256 KB of gzip, under a name
// without .gz, is recognised as gzip and refused as binary data within the
// budget; it grew past 5 GB once (issue 12).
func TestScanGzipBomb(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bomb")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	z, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	zeros := make([]byte, 1<<20)
	for range 256 {
		z.Write(zeros)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	r, rss := runMeasured(t, nil, limitArgs("-o", "-", path)...)
	wantError(t, r, 1, "bomb", "binary data")
	wantRSS(t, rss)
}

// TestScanLongLineFromPipe: a 256 MiB line on stdin is counted as one long
// line and skipped; the events around it are counted, the long line is
// located, and memory stays within the budget (a 1 GB line took 4.2 GB).
func TestScanLongLineFromPipe(t *testing.T) {
	pr, pw := io.Pipe()
	go func() {
		pw.Write([]byte("level=INFO user=ann\n"))
		chunk := bytes.Repeat([]byte("a"), 1<<20)
		for range 256 {
			if _, err := pw.Write(chunk); err != nil {
				return
			}
		}
		pw.Write([]byte("\nlevel=WARN user=bob\n"))
		pw.Close()
	}()
	r, rss := runMeasured(t, pr, limitArgs("-o", "-", "-")...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var res struct {
		Lines     int64            `json:"lines"`
		LongLines int64            `json:"long_lines"`
		Users     map[string]int64 `json:"user_actions"`
		At        []struct {
			File string `json:"file"`
			Line int64  `json:"line"`
		} `json:"malformed_examples"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatal(err)
	}
	if res.Lines != 3 || res.LongLines != 1 || res.Users["ann"] != 1 || res.Users["bob"] != 1 ||
		len(res.At) != 1 || res.At[0].File != "stdin" || res.At[0].Line != 2 {
		t.Errorf("got %+v; want 3 lines, 1 long at stdin:2, ann and bob once", res)
	}
	wantRSS(t, rss)
}

// TestScanWorkersCap: -workers 100000 is refused before any work, in one
// line; it once ran until the kernel killed it at 24 GB.
func TestScanWorkersCap(t *testing.T) {
	r := logproc(t, t.TempDir(), nil, "scan", "-workers", "100000", "-")
	wantError(t, r, 2, "-workers=100000", "at most 1024")
	r = logproc(t, t.TempDir(), []string{"LOGPROC_MAX_LINE=0x10"}, "scan", "-")
	wantError(t, r, 2, "LOGPROC_MAX_LINE", "0x10")
	r = logproc(t, t.TempDir(), nil, "scan", "-max-memory", "16MiB", "-")
	wantError(t, r, 2, "-max-memory=16MiB", "-max-line=64MiB")
}

// TestScanGzipTrailingGarbage: bytes after the last gzip member are
// ignored with one warning, as gzip -d does, and both members of a
// concatenation are counted.
func TestScanGzipTrailingGarbage(t *testing.T) {
	dir := t.TempDir()
	var data bytes.Buffer
	for _, line := range []string{"level=INFO user=ann\n", "level=WARN user=bob\n"} {
		z := gzip.NewWriter(&data)
		z.Write([]byte(line))
		z.Close()
	}
	data.WriteString("garbage\n")
	path := filepath.Join(dir, "two.log.gz")
	if err := os.WriteFile(path, data.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	r := logproc(t, dir, nil, "scan", "-o", "out.json", path)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if n := strings.Count(r.stderr, "trailing garbage ignored"); n != 1 {
		t.Errorf("stderr %q: want one warning of trailing garbage", r.stderr)
	}
	res := readResults(t, filepath.Join(dir, "out.json"))
	if res["lines"] != 2.0 {
		t.Errorf("%v lines, want 2", res["lines"])
	}
	empty := filepath.Join(dir, "empty.gz")
	os.WriteFile(empty, nil, 0o644)
	wantError(t, logproc(t, dir, nil, "scan", "-o", "out.json", empty), 1, "empty.gz", "empty file")
}
