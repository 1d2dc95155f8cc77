//go:build linux || darwin

package scan

import (
	"os"
	"syscall"
)

// zeroCopy reports whether mapFile can hand out the mapping itself.
const zeroCopy = true

// mapFile maps f read-only and returns the mapping as a slice, so workers
// parse the page cache in place instead of copying it through ReadAt.
func mapFile(f *os.File, size int64) ([]byte, error) {
	data, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, err
	}
	// Each worker reads its ranges front to back; say so, so the kernel
	// reads ahead further. Advice only: its failure changes nothing.
	_ = syscall.Madvise(data, syscall.MADV_SEQUENTIAL)
	return data, nil
}

func unmapFile(data []byte) error { return syscall.Munmap(data) }
