//go:build !amd64 || purego

package logline

import "bytes"

// newlineIn64 returns the index of the first '\n' in b, or 64 when there
// is none: the assembly's twin, on other architectures and in the purego
// build that CI tests.
func newlineIn64(b *[64]byte) int {
	if i := bytes.IndexByte(b[:], '\n'); i >= 0 {
		return i
	}
	return 64
}
