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
