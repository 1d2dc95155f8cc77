//go:build !purego

package logline

import "golang.org/x/sys/cpu"

// hasAVX2 lets jsonUnescape take 32 bytes at a time. A variable, so that
// tests run the SSE2 loop too.
var hasAVX2 = cpu.X86.HasAVX2

// jsonUnescape unescapes the start of a JSON string's content, src, into
// dst, 16 bytes at a time (32 with AVX2) and the one-letter escapes as it meets them. It
// stops at '"', at a byte of 0x80 or more, at an escape of more than one
// letter, or where fewer than 16 bytes of src are left, and returns how
// many bytes it read and wrote; it may write up to 31 bytes past written.
// len(dst) >= len(src). SSE2, which every amd64 has: the unescape was
// most of a Docker line's cost (docs/performance.md).
//
//go:noescape
func jsonUnescape(dst, src []byte) (read, written int)
