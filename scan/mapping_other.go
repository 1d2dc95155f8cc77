//go:build !(linux || darwin)

package scan

import (
	"errors"
	"os"
)

// zeroCopy reports whether mapFile can hand out the mapping itself. Here it
// cannot, and every file is read through x/exp/mmap's ReaderAt.
const zeroCopy = false

func mapFile(*os.File, int64) ([]byte, error) {
	return nil, errors.New("zero-copy mapping is not supported on this system")
}

func unmapFile([]byte) error { return nil }
