package gen

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestWriteFileOverAnother: a rerun over an existing log replaces it whole,
// leaves no temporary file, and leaves the old file's bytes to whoever
// still holds it (a hard link here, an open reader in life) rather than
// writing over them.
func TestWriteFileOverAnother(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	held := filepath.Join(dir, "held.log")
	if err := os.WriteFile(path, []byte("the old log\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(path, held); err != nil {
		t.Fatal(err)
	}
	o := Options{Records: batchLines + 1, Users: 100, Workers: 2}
	rep, err := WriteFile(context.Background(), path, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	checkReport(t, o, rep, data)
	if old, err := os.ReadFile(held); err != nil || string(old) != "the old log\n" {
		t.Errorf("the old log's other name reads %q, %v; want it untouched", old, err)
	}
	if names := dirEntries(t, dir); !slices.Equal(names, []string{"app.log", "held.log"}) {
		t.Errorf("directory holds %q, want app.log and held.log", names)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("stat: %v, %v; want mode 0644", fi.Mode(), err)
	}
}

// TestWriteFileOverDirectory: a directory at path is refused, and stays
// with what it holds.
func TestWriteFileOverDirectory(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	if err := os.MkdirAll(filepath.Join(path, "inner"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteFile(context.Background(), path, Options{Records: 10, Users: 3, Workers: 1}, nil); err == nil {
		t.Fatal("WriteFile over a directory succeeded")
	}
	if fi, err := os.Stat(filepath.Join(path, "inner")); err != nil || !fi.IsDir() {
		t.Errorf("the directory's content: %v, %v; want it kept", fi, err)
	}
	if names := dirEntries(t, dir); !slices.Equal(names, []string{"app.log"}) {
		t.Errorf("directory holds %q, want only app.log", names)
	}
}

// TestReplaceNew: with nothing at path, replace is a rename.
func TestReplaceNew(t *testing.T) {
	dir := t.TempDir()
	tmp, path := filepath.Join(dir, "tmp"), filepath.Join(dir, "app.log")
	if err := os.WriteFile(tmp, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := replace(tmp, path); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(path); err != nil || string(data) != "new" {
		t.Errorf("path holds %q, %v; want new", data, err)
	}
	if names := dirEntries(t, dir); !slices.Equal(names, []string{"app.log"}) {
		t.Errorf("directory holds %q, want only app.log", names)
	}
}
