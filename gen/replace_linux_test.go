package gen

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// residentPages is how many pages of the file at path are in the page
// cache (mincore).
func residentPages(t *testing.T, path string) (resident, pages int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	m, err := unix.Mmap(int(f.Fd()), 0, int(fi.Size()), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(m)
	vec := make([]byte, (len(m)+os.Getpagesize()-1)/os.Getpagesize())
	if _, _, errno := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(&m[0])), uintptr(len(m)), uintptr(unsafe.Pointer(&vec[0]))); errno != 0 {
		t.Fatal(errno)
	}
	for _, v := range vec {
		resident += int(v & 1)
	}
	return resident, len(vec)
}

// TestDropCache: the pages of the log about to be replaced leave the page
// cache, and its bytes stay as they were; a path that is not a regular
// file is left alone.
func TestDropCache(t *testing.T) {
	dir := t.TempDir()
	var fs unix.Statfs_t
	if err := unix.Statfs(dir, &fs); err != nil {
		t.Fatal(err)
	}
	if fs.Type == unix.TMPFS_MAGIC {
		t.Skip("the temporary directory is on tmpfs, whose pages are the file: none can be dropped")
	}
	path := filepath.Join(dir, "old.log")
	data := bytes.Repeat([]byte("level=INFO user=someone msg=padding-padding-padding\n"), 20000) // 1 MB
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); err != nil { // clean pages: dirty ones are written back first
		t.Fatal(err)
	}
	f.Close()
	if _, err := os.ReadFile(path); err != nil { // in the cache
		t.Fatal(err)
	}
	before, pages := residentPages(t, path)
	if before == 0 {
		t.Fatalf("none of the %d pages of a file just read is cached", pages)
	}
	dropCache(path)
	after, _ := residentPages(t, path)
	if after > pages/10 {
		t.Errorf("%d of %d pages still cached after dropCache (%d before), want none", after, pages, before)
	}
	if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, data) {
		t.Errorf("the old log reads %d bytes, %v; want its %d bytes untouched", len(got), err, len(data))
	}
	dropCache(dir) // a directory: nothing to do, and no panic
	dropCache(filepath.Join(dir, "missing.log"))
}
