//go:build !purego

package logline

// jsonUnescape unescapes the start of a JSON string's content, src, into
// dst, 16 bytes at a time and the one-letter escapes as it meets them. It
// stops at '"', at a byte of 0x80 or more, at an escape of more than one
// letter, or where fewer than 16 bytes of src are left, and returns how
// many bytes it read and wrote; it may write up to 15 bytes past written.
// len(dst) >= len(src). SSE2, which every amd64 has: the unescape was
// most of a Docker line's cost (docs/performance.md).
//
//go:noescape
func jsonUnescape(dst, src []byte) (read, written int)
