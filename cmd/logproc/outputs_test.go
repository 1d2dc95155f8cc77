package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// snapshot is what a directory holds: names, with the target of each link
// and the content of each regular file.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		switch {
		case e.Type()&os.ModeSymlink != 0:
			to, _ := os.Readlink(path)
			m[e.Name()] = "-> " + to
		case e.Type().IsRegular():
			b, _ := os.ReadFile(path)
			m[e.Name()] = string(b)
		default:
			m[e.Name()] = e.Type().String()
		}
	}
	return m
}

func sameSnapshot(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestOutputsSpareInputs: every way an output could land on an input or on
// another output is refused before any work, with exit 2 and one line
// naming the flag or variable, and the directory is left as it was. Each
// of the first three wrote over the log, or the truth over the log, and
// exited 0.
func TestOutputsSpareInputs(t *testing.T) {
	dir := t.TempDir()
	log := "level=INFO user=a\nlevel=WARN user=b\n"
	for name, data := range map[string]string{"app.log": log, "other.log": log, "creds": "secret\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	for link, to := range map[string]string{"link.log": "app.log", "sub/up.log": "../app.log", "dangling": "new.log"} {
		if err := os.Symlink(to, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		env  []string
		args []string
		want []string
	}{
		{"scan results over its input", nil, []string{"scan", "-o", "app.log", "app.log"}, []string{"-o", "app.log", "input"}},
		{"scan results through a link", nil, []string{"scan", "-o", "sub/up.log", "other.log", "app.log"}, []string{"-o", "sub/up.log", "input app.log"}},
		{"scan results over a globbed input", nil, []string{"scan", "-o", "other.log", "*.log"}, []string{"-o", "other.log"}},
		{"cpu profile over the input", nil, []string{"scan", "-cpuprofile", "app.log", "app.log"}, []string{"-cpuprofile", "app.log"}},
		{"memory profile over the input", nil, []string{"scan", "-memprofile", "link.log", "other.log", "app.log"}, []string{"-memprofile", "link.log"}},
		{"profiles on one file", nil, []string{"scan", "-o", "r.json", "-cpuprofile", "p", "-memprofile", "./p", "app.log"}, []string{"-cpuprofile", "-memprofile", "two outputs"}},
		{"results and profile", nil, []string{"scan", "-o", "r.json", "-cpuprofile", "sub/../r.json", "app.log"}, []string{"-o", "-cpuprofile"}},
		{"gen log and truth on a new file", nil, []string{"gen", "-n", "10", "-o", "x", "-truth", "x"}, []string{"-o", "-truth", `"x"`}},
		{"gen truth over the log", nil, []string{"gen", "-n", "10", "-o", "app.log", "-truth", "link.log"}, []string{"-o", "-truth"}},
		{"gen through a dangling link", nil, []string{"gen", "-n", "10", "-o", "dangling", "-truth", "new.log"}, []string{"-o", "-truth"}},
		{"gen profile over the log", []string{"LOG_PATH=app.log"}, []string{"gen", "-n", "10", "-cpuprofile", "app.log"}, []string{"-cpuprofile", "LOG_PATH"}},
		{"run results over the log", nil, []string{"run", "-log", "x.log", "-o", "x.log"}, []string{"-log", "-o"}},
		{"publish profile over the input", nil, []string{"publish", "-cpuprofile", "app.log", "app.log"}, []string{"-cpuprofile"}},
		{"report over the credentials", nil, []string{"report", "-creds", "creds", "-o", "creds"}, []string{"-o", "creds"}},
		{"consume profile over the credentials", nil, []string{"consume", "-tls-ca", "creds", "-memprofile", "creds"}, []string{"-memprofile", "creds"}},
		{"scan -o empty", nil, []string{"scan", "-o", "", "app.log"}, []string{"-o is empty"}},
		{"gen -o empty", nil, []string{"gen", "-n", "10", "-o", ""}, []string{"-o is empty"}},
		{"gen LOG_PATH empty", []string{"LOG_PATH="}, []string{"gen", "-n", "10"}, []string{"LOG_PATH is empty"}},
		{"scan LOG_PATH empty", []string{"LOG_PATH="}, []string{"scan"}, []string{"LOG_PATH is empty"}},
		{"run LOG_PATH empty", []string{"LOG_PATH="}, []string{"run"}, []string{"LOG_PATH is empty"}},
		{"scan an empty FILE", nil, []string{"scan", "-o", "-", ""}, []string{"empty FILE"}},
	}
	before := snapshot(t, dir)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := logproc(t, dir, tt.env, tt.args...)
			wantError(t, r, 2, tt.want...)
			if strings.Count(r.stderr, "\n") != 1 {
				t.Errorf("stderr is not one line: %q", r.stderr)
			}
			if after := snapshot(t, dir); !sameSnapshot(before, after) {
				t.Errorf("the directory changed:\n%v\nwas\n%v", after, before)
			}
		})
	}
}

// TestScanStdoutIsInput: results on standard output refused when standard
// output is the log itself (scan -o - app.log >> app.log), and when
// standard input is the results file.
func TestScanStdoutIsInput(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	log := "level=INFO user=a\n"
	if err := os.WriteFile(path, []byte(log), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command(binary, "scan", "-o", "-", "app.log")
	cmd.Dir, cmd.Env, cmd.Stdout = dir, []string{"PATH=" + os.Getenv("PATH")}, f
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	wantError(t, result{cmd.ProcessState.ExitCode(), "", stderr.String()}, 2, "-o", "input app.log")
	if got, _ := os.ReadFile(path); string(got) != log {
		t.Errorf("app.log holds %q, want it untouched", got)
	}

	in, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	cmd = exec.Command(binary, "scan", "-o", "app.log", "-")
	cmd.Dir, cmd.Env, cmd.Stdin = dir, []string{"PATH=" + os.Getenv("PATH")}, in
	stderr.Reset()
	cmd.Stderr = &stderr
	cmd.Run()
	wantError(t, result{cmd.ProcessState.ExitCode(), "", stderr.String()}, 2, "-o", "input -")
	if got, _ := os.ReadFile(path); string(got) != log {
		t.Errorf("app.log holds %q, want it untouched", got)
	}
}

// TestGenIntoSpecialFiles: gen -o writes into a FIFO, through a symbolic
// link and into /dev/stdout, and leaves each what it was. It renamed a
// file over the FIFO, whose reader then waited forever, and replaced the
// link with a file.
func TestGenIntoSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	args := []string{"gen", "-n", "20011", "-users", "30", "-quiet"}
	if r := logproc(t, dir, nil, append(args, "-o", "want.log")...); r.code != 0 {
		t.Fatalf("gen: exit %d: %s", r.code, r.stderr)
	}
	want, err := os.ReadFile(filepath.Join(dir, "want.log"))
	if err != nil || len(want) == 0 {
		t.Fatalf("gen wrote %d bytes: %v", len(want), err)
	}

	t.Run("FIFO", func(t *testing.T) {
		fifo := filepath.Join(dir, "fifo")
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Fatal(err)
		}
		// cat reads the FIFO as any reader would, and ends at its EOF.
		cat := exec.Command("cat", fifo)
		var got bytes.Buffer
		cat.Stdout = &got
		if err := cat.Start(); err != nil {
			t.Fatal(err)
		}
		r := logproc(t, dir, nil, append(args, "-o", "fifo")...)
		if err := cat.Wait(); err != nil {
			t.Fatalf("cat fifo: %v", err)
		}
		if r.code != 0 || !bytes.Equal(got.Bytes(), want) {
			t.Errorf("gen -o fifo: exit %d (%s), the reader got %d bytes, want %d", r.code, r.stderr, got.Len(), len(want))
		}
		if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
			t.Errorf("fifo is no longer a FIFO: %v, %v", fi.Mode(), err)
		}
	})

	t.Run("symlink", func(t *testing.T) {
		if err := os.Mkdir(filepath.Join(dir, "data"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "data", "app.log"), []byte("old\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("data/app.log", filepath.Join(dir, "current.log")); err != nil {
			t.Fatal(err)
		}
		if r := logproc(t, dir, nil, append(args, "-o", "current.log")...); r.code != 0 {
			t.Fatalf("gen -o current.log: exit %d: %s", r.code, r.stderr)
		}
		if to, err := os.Readlink(filepath.Join(dir, "current.log")); err != nil || to != "data/app.log" {
			t.Errorf("current.log is no longer the link: %q, %v", to, err)
		}
		if got, _ := os.ReadFile(filepath.Join(dir, "data", "app.log")); !bytes.Equal(got, want) {
			t.Errorf("the link's target holds %d bytes, want the log's %d", len(got), len(want))
		}
		if entries, _ := os.ReadDir(filepath.Join(dir, "data")); len(entries) != 1 {
			t.Errorf("data holds %d entries, want app.log alone", len(entries))
		}
	})

	t.Run("/dev/stdout", func(t *testing.T) {
		before, err := os.Lstat("/dev/stdout")
		if err != nil {
			t.Fatal(err)
		}
		r := logproc(t, dir, nil, append(args, "-o", "/dev/stdout")...)
		if r.code != 0 || r.stdout != string(want) {
			t.Errorf("gen -o /dev/stdout: exit %d (%s), %d bytes on stdout, want %d", r.code, r.stderr, len(r.stdout), len(want))
		}
		if after, err := os.Lstat("/dev/stdout"); err != nil || after.Mode() != before.Mode() {
			t.Errorf("/dev/stdout changed from %v to %v (%v)", before.Mode(), after.Mode(), err)
		}
	})
}
