package files

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestOpenFIFOAbandoned: opening a FIFO nobody writes to returns once ctx
// ends, and a writer that comes later finds the abandoned open.
func TestOpenFIFOAbandoned(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		f, err := Open(ctx, fifo, os.O_RDONLY, 0)
		if f != nil {
			f.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("Open of a FIFO without a writer returned %v before ctx ended", err)
	case <-time.After(20 * time.Millisecond): // a negative check: nothing to wait for
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Open after cancel: %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Open did not return after ctx ended")
	}
	// The abandoned open is still waiting: a writer completes it, and
	// the background closes the reading end.
	w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
}

func TestWhere(t *testing.T) {
	dir := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(dir, "file"), nil, 0o644))
	must(os.Mkdir(filepath.Join(dir, "sub"), 0o755))
	must(os.Symlink("file", filepath.Join(dir, "link")))
	must(os.Symlink("link", filepath.Join(dir, "link2")))
	must(os.Symlink("../file", filepath.Join(dir, "sub", "up")))
	must(os.Symlink("sub", filepath.Join(dir, "sublink")))
	must(os.Symlink("missing", filepath.Join(dir, "dangling")))
	must(os.Symlink("loop", filepath.Join(dir, "loop")))
	must(syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o600))
	must(os.Symlink("fifo", filepath.Join(dir, "fifolink")))
	tests := []struct {
		path   string
		want   string
		direct bool
	}{
		{"file", "file", false},
		{"new", "new", false},
		{"link", "file", false},
		{"link2", "file", false},
		{"sublink/up", "file", false}, // ".." from the link's real directory
		{"dangling", "missing", false},
		{"fifo", "fifo", true},
		{"fifolink", "fifolink", true},
	}
	for _, tt := range tests {
		d, err := Where(filepath.Join(dir, tt.path))
		if err != nil {
			t.Errorf("Where(%s): %v", tt.path, err)
			continue
		}
		if want := filepath.Join(dir, tt.want); d.Path != want || d.Direct != tt.direct {
			t.Errorf("Where(%s) = %+v, want {%s %v}", tt.path, d, want, tt.direct)
		}
	}
	if _, err := Where(filepath.Join(dir, "loop")); !errors.Is(err, syscall.ELOOP) {
		t.Errorf("Where(loop): %v, want ELOOP", err)
	}
	if d, err := Where("/dev/stdout"); err != nil || !d.Direct || d.Path != "/dev/stdout" {
		t.Errorf("Where(/dev/stdout) = %+v, %v; want it written in place", d, err)
	}
}
