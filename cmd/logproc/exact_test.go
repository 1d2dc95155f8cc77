package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestScanManyActionsExact: 70,000 actions seen twice each are listed with
// 2 events each, and the results are the same bytes for 1 and 4 workers,
// and the same for a file, standard input and a .gz. Past 65,536 actions
// the cap was per worker: 100,000 actions seen twice came out as 68,927
// with 1 event, and differed with the workers and the way of reading.
func TestScanManyActionsExact(t *testing.T) {
	const actions = 70_000
	dir := t.TempDir()
	var log bytes.Buffer
	for round := range 2 {
		for i := range actions {
			a := (i*7919 + round*35_011) % actions // each round in its own order
			fmt.Fprintf(&log, "level=INFO user=u%d action=act%d\n", a%100, a)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "app.log"), log.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(log.Bytes())
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "app.log.gz"), gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	var first []byte
	for _, workers := range []string{"1", "4"} {
		out := filepath.Join(dir, "w"+workers+".json")
		if r := logproc(t, dir, nil, "scan", "-quiet", "-metrics", "actions", "-workers", workers, "-o", out, "app.log"); r.code != 0 {
			t.Fatalf("-workers %s: exit %d: %s", workers, r.code, r.stderr)
		}
		got, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = got
		} else if !bytes.Equal(got, first) {
			t.Errorf("-workers %s: results differ from -workers 1", workers)
		}
	}
	var res struct {
		Actions map[string]struct{ Events int64 } `json:"actions"`
	}
	if err := json.Unmarshal(first, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Actions) != actions {
		t.Errorf("%d actions listed, want %d", len(res.Actions), actions)
	}
	for name, a := range res.Actions {
		if a.Events != 2 || !strings.HasPrefix(name, "act") {
			t.Fatalf("action %q: %d events, want act... with 2", name, a.Events)
		}
	}

	want := withoutFormats(t, string(first))
	if r := logproc(t, dir, nil, "scan", "-quiet", "-metrics", "actions", "-o", "-", "app.log.gz"); r.code != 0 || withoutFormats(t, r.stdout) != want {
		t.Errorf("the .gz gives other results (exit %d: %s)", r.code, r.stderr)
	}
	cmd := exec.Command(binary, "scan", "-quiet", "-metrics", "actions", "-o", "-", "-")
	cmd.Dir, cmd.Env, cmd.Stdin = dir, []string{"PATH=" + os.Getenv("PATH")}, bytes.NewReader(log.Bytes())
	stdout, err := cmd.Output()
	if err != nil || withoutFormats(t, string(stdout)) != want {
		t.Errorf("standard input gives other results (%v)", err)
	}
}

// TestScanInvalidUTF8UsersDistinct: users whose names are distinct invalid
// UTF-8 stay distinct, and unique_users counts them all. They all became
// one "\ufffd".
func TestScanInvalidUTF8UsersDistinct(t *testing.T) {
	dir := t.TempDir()
	names := []string{"\xff", "\xfe", "a\xff", "a\xfe", "\xc3", "\xc3\xa9", "é", `\xff`, "a"}
	var log strings.Builder
	for i, name := range names {
		for range i + 1 {
			log.WriteString("level=INFO user=" + name + "\n")
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "app.log"), []byte(log.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	r := logproc(t, dir, nil, "scan", "-quiet", "-o", "-", "app.log")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var res struct {
		UniqueUsers int              `json:"unique_users"`
		UserActions map[string]int64 `json:"user_actions"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatal(err)
	}
	// "\xc3\xa9" is "é": the same user, twice named.
	distinct := len(names) - 1
	if res.UniqueUsers != distinct || len(res.UserActions) != distinct {
		t.Errorf("unique_users %d, %d names listed, want %d: %v", res.UniqueUsers, len(res.UserActions), distinct, res.UserActions)
	}
	if res.UserActions["é"] != 6+7 || res.UserActions[`\xff`] != 1 || res.UserActions[`\\xff`] != 8 {
		t.Errorf("counts %v, want é 13, \\xff 1 and \\\\xff 8", res.UserActions)
	}
}

// readOffset is where process pid's descriptor of path reads next, or -1.
func readOffset(pid int, path string) int64 {
	fds, _ := filepath.Glob(fmt.Sprintf("/proc/%d/fd/*", pid))
	for _, fd := range fds {
		if target, err := os.Readlink(fd); err != nil || target != path {
			continue
		}
		info, err := os.ReadFile(strings.Replace(fd, "/fd/", "/fdinfo/", 1))
		if err != nil {
			return -1
		}
		for _, line := range strings.Split(string(info), "\n") {
			if v, ok := strings.CutPrefix(line, "pos:"); ok {
				n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
				return n
			}
		}
	}
	return -1
}

// TestScanNoMmapTruncated: a file truncated while -no-mmap streams it is an
// error naming it, as it is when mapped. It was exit 0 with partial counts.
func TestScanNoMmapTruncated(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	line := []byte("level=INFO user=someone@example.com action=login latency_ms=12\n")
	if err := os.WriteFile(path, bytes.Repeat(line, 1_000_000), 0o644); err != nil {
		t.Fatal(err)
	}
	// A small memory budget keeps few buffers ahead of the workers, so
	// the file is read as it is counted.
	cmd, stderr := startLogproc(t, dir, "scan", "-no-mmap", "-max-memory", "32MiB", "-max-line", "1MiB", "-o", "r.json", "app.log")
	waitUntil(t, "scan reads the file", func() bool { return readOffset(cmd.Process.Pid, path) > 0 })
	if err := os.Truncate(path, int64(len(line))*10); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	msg := stderr.String()
	if code := cmd.ProcessState.ExitCode(); code == 0 || code == exitInterrupted {
		t.Fatalf("exit %d (%v) after the file was truncated, want an error; stderr %q", code, err, msg)
	}
	if !strings.Contains(msg, "app.log") || strings.Count(strings.TrimSpace(msg), "\n") != 0 || strings.Contains(msg, "nil pointer") {
		t.Errorf("stderr %q, want one line naming app.log", msg)
	}
	if _, err := os.Stat(filepath.Join(dir, "r.json")); err == nil {
		t.Error("a failed scan wrote r.json")
	}
}
