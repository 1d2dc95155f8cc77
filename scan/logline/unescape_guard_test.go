//go:build linux

package logline

import (
	"strings"
	"syscall"
	"testing"
)

// TestJSONUnescapeGuard puts src at the end of a page whose next page
// faults, as the last line of a mapped file is: jsonUnescape reads ahead
// of a block to unescape its quotes, and must not read past src.
func TestJSONUnescapeGuard(t *testing.T) {
	page := syscall.Getpagesize()
	mem, err := syscall.Mmap(-1, 0, 2*page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatalf("mmap: %v", err)
	}
	defer syscall.Munmap(mem)
	if err := syscall.Mprotect(mem[page:], syscall.PROT_NONE); err != nil {
		t.Fatalf("mprotect: %v", err)
	}
	dst := make([]byte, 200)
	for n := 16; n <= 80; n++ {
		log := strings.Repeat(`a\"`, n)[:n]
		src := mem[page-n : page]
		copy(src, log)
		jsonUnescape(dst, src) // a read past src faults
	}
}
