package gen

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// replace puts the finished log tmp at path, atomically. Over an existing
// regular file it swaps the two names (renameat2 RENAME_EXCHANGE) and then
// removes the old log, now under tmp's name. A plain rename over a file
// makes ext4 (auto_da_alloc) start writing back the whole new log inside
// the rename, in gen's time; dd overwriting a file pays no such thing.
// Anything else, or a kernel or file system without the exchange, gets
// os.Rename.
func replace(tmp, path string) error {
	if fi, err := os.Lstat(path); err != nil || !fi.Mode().IsRegular() {
		return os.Rename(tmp, path)
	}
	if err := unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, path, unix.RENAME_EXCHANGE); err != nil {
		return os.Rename(tmp, path)
	}
	// path changed between the Lstat and the exchange: swap back rather
	// than remove what is not a log.
	if fi, err := os.Lstat(tmp); err != nil || !fi.Mode().IsRegular() {
		if err := unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, path, unix.RENAME_EXCHANGE); err != nil {
			return fmt.Errorf("%s: put back after a swap: %w", path, err)
		}
		return os.Rename(tmp, path)
	}
	if err := os.Remove(tmp); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("the log is written, but the one it replaced, now %s, was not removed: %w", tmp, err)
	}
	return nil
}

// dropCache asks the kernel to let go of the cached pages of the regular
// file at path, which the log about to be written will replace. Written
// beside the old log, the new one would otherwise hold the page cache
// twice over until the swap: at 6 GB on a 24 GB machine reclaim then cost
// gen 9 s of system time where dd, whose O_TRUNC frees the pages first,
// paid 2 (docs/performance.md). The old file is untouched on disk.
func dropCache(path string) {
	if fi, err := os.Lstat(path); err != nil || !fi.Mode().IsRegular() {
		return
	}
	f, err := os.Open(path)
	if err != nil {
		return // nothing to drop that we may read
	}
	defer f.Close()
	_ = unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED) // a hint: failing, it changes nothing
}
