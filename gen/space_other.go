//go:build !(linux || darwin || freebsd)

package gen

import "errors"

// freeSpace cannot tell here; the write finds out.
func freeSpace(string) (int64, error) { return 0, errors.ErrUnsupported }
