package gen

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestWriteFileThroughSymlink: the link stays a link and its target gets
// the log; a dangling link creates its target. No temporary file is left
// beside the link or the target.
func TestWriteFileThroughSymlink(t *testing.T) {
	dir := t.TempDir()
	targets := filepath.Join(dir, "targets")
	if err := os.Mkdir(targets, 0o755); err != nil {
		t.Fatal(err)
	}
	o := Options{Records: 3000, Users: 10, Workers: 2}
	want, data := write(t, o)
	for _, tt := range []struct{ link, target string }{
		{"link.log", "existing.log"},
		{"dangling.log", "new.log"},
	} {
		target := filepath.Join(targets, tt.target)
		if tt.target == "existing.log" {
			if err := os.WriteFile(target, []byte("old\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		link := filepath.Join(dir, tt.link)
		if err := os.Symlink(filepath.Join("targets", tt.target), link); err != nil {
			t.Fatal(err)
		}
		rep, err := WriteFile(context.Background(), link, o, nil)
		if err != nil {
			t.Fatalf("%s: %v", tt.link, err)
		}
		if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Errorf("%s is no longer a symbolic link: %v, %v", tt.link, fi.Mode(), err)
		}
		got, err := os.ReadFile(target)
		if err != nil || !bytes.Equal(got, data) || rep.Bytes != want.Bytes {
			t.Errorf("%s: the target holds %d bytes (%v), want the %d of the log", tt.link, len(got), err, len(data))
		}
	}
	if names := dirEntries(t, targets); len(names) != 2 {
		t.Errorf("targets holds %q, want existing.log and new.log", names)
	}
}

// TestWriteFileToFIFO: a FIFO gets the log streamed into it, stays a FIFO,
// and an open that waits for a reader ends with the context.
func TestWriteFileToFIFO(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	o := Options{Records: 40000, Users: 10, Workers: 3}
	want, data := write(t, o)
	read := make(chan []byte, 1)
	go func() {
		f, err := os.Open(fifo)
		if err != nil {
			read <- nil
			return
		}
		b, _ := io.ReadAll(f)
		f.Close()
		read <- b
	}()
	rep, err := WriteFile(context.Background(), fifo, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := <-read; !bytes.Equal(got, data) || rep.Bytes != want.Bytes {
		t.Errorf("the reader got %d bytes, want the %d of the log", len(got), len(data))
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("fifo is no longer a FIFO: %v, %v", fi.Mode(), err)
	}

	// No reader: cancelling ends the wait.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	began := time.Now()
	if _, err := WriteFile(ctx, fifo, o, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WriteFile to a FIFO without a reader: %v, want the context's end", err)
	}
	if took := time.Since(began); took > 5*time.Second {
		t.Errorf("WriteFile took %v to give up", took)
	}
	if names := dirEntries(t, dir); len(names) != 1 {
		t.Errorf("directory holds %q, want only the FIFO", names)
	}
}
