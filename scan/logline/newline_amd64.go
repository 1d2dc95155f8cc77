//go:build !purego

package logline

// newlineIn64 returns the index of the first '\n' in b, or 64 when there
// is none: four SSE2 compares and no branch, where bytes.IndexByte's
// rounds of 32 bytes ended on a mispredicted branch for gen's lines.
//
//go:noescape
func newlineIn64(b *[64]byte) int
