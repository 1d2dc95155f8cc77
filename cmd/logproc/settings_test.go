package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
)

// fileLines returns the lines of dir/name.
func fileLines(t *testing.T, dir, name string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Count(b, []byte("\n"))
}

// TestDecimalSettings: 010 is ten, in a variable and in a flag; hex and
// digit separators are refused, naming the variable or flag and the value.
// Go's parsers, which the settings used, read 010 as eight.
func TestDecimalSettings(t *testing.T) {
	dir := t.TempDir()
	if r := logproc(t, dir, []string{"AMOUNT_LOG_RECORDS=010"}, "gen", "-o", "env.log", "-quiet"); r.code != 0 {
		t.Fatalf("AMOUNT_LOG_RECORDS=010: exit %d: %s", r.code, r.stderr)
	}
	if n := fileLines(t, dir, "env.log"); n != 10 {
		t.Errorf("AMOUNT_LOG_RECORDS=010 wrote %d lines, want 10", n)
	}
	if r := logproc(t, dir, nil, "gen", "-n", "010", "-users", "07", "-o", "flag.log", "-quiet"); r.code != 0 {
		t.Fatalf("-n 010: exit %d: %s", r.code, r.stderr)
	}
	if n := fileLines(t, dir, "flag.log"); n != 10 {
		t.Errorf("-n 010 wrote %d lines, want 10", n)
	}
	tests := []struct {
		env  string
		args []string
		want []string
	}{
		{"AMOUNT_LOG_RECORDS=0x10", []string{"gen"}, []string{"AMOUNT_LOG_RECORDS", `"0x10"`, "decimal"}},
		{"AMOUNT_USERS_POOL=1_000", []string{"gen"}, []string{"AMOUNT_USERS_POOL", `"1_000"`, "decimal"}},
		{"LOGPROC_SEED=0b1", []string{"gen"}, []string{"LOGPROC_SEED", `"0b1"`, "decimal"}},
		{"CONCURRENT_LOG_READER_TASK=0o7", []string{"scan"}, []string{"CONCURRENT_LOG_READER_TASK", `"0o7"`}},
		{"LOGPROC_REPLICAS=0x1", []string{"report"}, []string{"LOGPROC_REPLICAS", `"0x1"`}},
		{"", []string{"gen", "-n", "0x10"}, []string{"-n", `"0x10"`, "decimal"}},
		{"", []string{"gen", "-seed", "1_000"}, []string{"-seed", `"1_000"`, "decimal"}},
		{"", []string{"scan", "-workers", "0x2"}, []string{"-workers", `"0x2"`}},
		{"", []string{"scan", "-top", "1e3"}, []string{"-top", `"1e3"`}},
		{"", []string{"publish", "-batch-size", "1_000_000"}, []string{"-batch-size", `"1_000_000"`}},
	}
	for _, tt := range tests {
		t.Run(tt.env+strings.Join(tt.args, " "), func(t *testing.T) {
			dir := t.TempDir()
			var env []string
			if tt.env != "" {
				env = []string{tt.env}
			}
			r := logproc(t, dir, env, tt.args...)
			wantError(t, r, 2, tt.want...)
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("a refused run left %v", entries)
			}
		})
	}
}

// TestDotenvSays: a .env that supplies settings says which, once, on
// stderr; an error in one of them names .env, not a variable the user
// never set.
func TestDotenvSays(t *testing.T) {
	dir := t.TempDir()
	env := "LOG_PATH=fromdotenv.log\nAMOUNT_LOG_RECORDS=5\nAMOUNT_USERS_POOL=3\n"
	if err := os.WriteFile(filepath.Join(dir, ".env"), []byte(env), 0o644); err != nil {
		t.Fatal(err)
	}
	r := logproc(t, dir, []string{"AMOUNT_LOG_RECORDS=7"}, "gen")
	if r.code != 0 {
		t.Fatalf("gen: exit %d: %s", r.code, r.stderr)
	}
	const notice = "logproc: settings from ./.env: AMOUNT_USERS_POOL, LOG_PATH\n"
	if strings.Count(r.stderr, "settings from") != 1 || !strings.HasPrefix(r.stderr, notice) {
		t.Errorf("stderr %q, want it to start with %q, once", r.stderr, notice)
	}
	if n := fileLines(t, dir, "fromdotenv.log"); n != 7 {
		t.Errorf("wrote %d lines, want the environment's 7", n)
	}
	if r := logproc(t, dir, nil, "gen", "-quiet"); r.code != 0 || r.stderr != "" {
		t.Errorf("gen -quiet: exit %d, stderr %q; want nothing on stderr", r.code, r.stderr)
	}

	for _, tt := range []struct {
		env  string
		args []string
		want []string
	}{
		{"AMOUNT_LOG_RECORDS=0x10\n", []string{"gen"}, []string{"AMOUNT_LOG_RECORDS from ./.env", `"0x10"`}},
		{"AMOUNT_LOG_RECORDS=0\n", []string{"gen"}, []string{"AMOUNT_LOG_RECORDS from ./.env=0"}},
		{"LOG_PATH=\n", []string{"gen", "-n", "1"}, []string{"LOG_PATH from ./.env is empty"}},
		{"LOG_PATH=/nonexistent/dir/app.log\n", []string{"gen"}, []string{"LOG_PATH from ./.env", "/nonexistent/dir"}},
		{"LOGPROC_FORMAT=xml\n", []string{"gen"}, []string{"LOGPROC_FORMAT from ./.env", "xml"}},
		{"LOG_PATH=app.log\n", []string{"scan", "-cpuprofile", "app.log"}, []string{"-cpuprofile", "input app.log"}},
	} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, ".env"), []byte(tt.env), 0o644); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, "app.log"), []byte("level=INFO\n"), 0o644)
		r := logproc(t, dir, nil, tt.args...)
		wantError(t, r, 2, tt.want...)
		if !strings.HasPrefix(r.stderr, "logproc: settings from ./.env: ") {
			t.Errorf("%s: stderr %q does not say what .env set", tt.env, r.stderr)
		}
	}
}

// TestUnreadableDotenv: a .env that cannot be read (here a directory: the
// tests run as root, whom chmod 000 does not stop) does not stop -h, and
// stops a command with one line naming it.
func TestUnreadableDotenv(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, ".env"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"-h"}, {"gen", "-h"}, {"scan", "--help"}, {"report", "-h"}} {
		r := logproc(t, dir, nil, args...)
		if r.code != 0 || !strings.Contains(r.stdout, "Usage") {
			t.Errorf("%v with .env a directory: exit %d, stdout %q, stderr %q", args, r.code, r.stdout, r.stderr)
		}
	}
	wantError(t, logproc(t, dir, nil, "gen", "-n", "1"), 2, "./.env", "directory")
	// A bad variable does not stop -h either.
	r := logproc(t, t.TempDir(), []string{"AMOUNT_LOG_RECORDS=lots"}, "gen", "-h")
	if r.code != 0 || !strings.Contains(r.stdout, "Usage") {
		t.Errorf("gen -h with AMOUNT_LOG_RECORDS=lots: exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestGenRefusesFullDisk: a log that cannot fit on its file system is
// refused before a byte is written, and one that fits is not. It mounts a
// 1 MiB tmpfs, which needs root; skipped only when not root or when the
// kernel refuses the mount (a container without CAP_SYS_ADMIN).
func TestGenRefusesFullDisk(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("CI") != "" {
			t.Fatal("CI runs as root, and must run this test")
		}
		t.Skip("not root: cannot mount a tmpfs")
	}
	dir := t.TempDir()
	small := filepath.Join(dir, "small")
	if err := os.Mkdir(small, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", small, "tmpfs", 0, "size=1m"); err != nil {
		if errors.Is(err, syscall.EPERM) {
			t.Skipf("mount tmpfs: %v", err)
		}
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Unmount(small, 0) })

	r := logproc(t, dir, nil, "gen", "-n", "100000", "-o", "small/app.log")
	wantError(t, r, 1, "small/app.log", "needs up to", "free")
	if entries, _ := os.ReadDir(small); len(entries) != 0 {
		t.Errorf("a refused gen left %v", entries)
	}
	// About 125 KB: fits.
	if r := logproc(t, dir, nil, "gen", "-n", "1000", "-o", "small/app.log", "-quiet"); r.code != 0 {
		t.Errorf("gen of 1,000 lines into 1 MiB: exit %d: %s", r.code, r.stderr)
	}
}

// TestEnvExampleShowsDefaults reads .env.example, which says it shows the
// defaults: each variable it sets must equal its env-default in Config, so
// that copying it to .env changes nothing, and each Config variable must
// be there, set or commented out.
func TestEnvExampleShowsDefaults(t *testing.T) {
	b, err := os.ReadFile("../../.env.example")
	if err != nil {
		t.Fatal(err)
	}
	set := map[string]string{}
	mentioned := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		commented := strings.HasPrefix(line, "# ")
		name, value, ok := strings.Cut(strings.TrimPrefix(line, "# "), "=")
		if !ok || strings.ContainsAny(name, " :") || name != strings.ToUpper(name) {
			continue
		}
		mentioned[name] = true
		if !commented {
			set[name] = value
		}
	}
	typ := reflect.TypeOf(Config{})
	for i := range typ.NumField() {
		f := typ.Field(i)
		name := f.Tag.Get("env")
		if name == "" {
			continue
		}
		if !mentioned[name] {
			t.Errorf(".env.example does not mention %s", name)
			continue
		}
		def, hasDefault := f.Tag.Lookup("env-default")
		if v, ok := set[name]; ok && (!hasDefault || v != def) {
			t.Errorf(".env.example sets %s=%s, its default is %q", name, v, def)
		}
	}
}
