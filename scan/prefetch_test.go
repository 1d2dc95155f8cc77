//go:build linux || darwin || freebsd

package scan

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"syscall"
	"testing"
)

// TestPrefetchPastTheMapping: the hot loop prefetches prefetchAhead bytes
// past the line it parses, so near the end of a mapping it prefetches
// bytes that cannot be read. A file of one page mapped as two gives such
// bytes for sure: reading the second page faults (checked first, or the
// test would prove nothing), and prefetching from the first page's last
// byte into it, or at it, must not.
func TestPrefetchPastTheMapping(t *testing.T) {
	page := os.Getpagesize()
	path := filepath.Join(t.TempDir(), "page.log")
	if err := os.WriteFile(path, make([]byte, page), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := syscall.Mmap(int(f.Fd()), 0, 2*page, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(b)

	if faulted(func() { sinkByte = b[page] }) == nil {
		t.Fatalf("reading the page past the end of a %d-byte file did not fault: the test would prove nothing", page)
	}
	for _, at := range []int{page - 1, page, 2*page - 1} {
		if err := faulted(func() { prefetchNTA(&b[at]) }); err != nil {
			t.Fatalf("prefetchNTA at byte %d of a %d-byte file faulted: %v", at, page, err)
		}
	}
}

var sinkByte byte

// faulted runs f with faults turned into panics, and returns the panic's
// value, or nil when f ran through.
func faulted(f func()) (err any) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() { err = recover() }()
	f()
	return nil
}
