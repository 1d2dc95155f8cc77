package logline

// newlineIn64 returns the index of the first '\n' in b, or 64 when there
// is none: four SSE2 compares and no branch, where the rest of a line
// after its user, 27 to 37 bytes, ended in bytes.IndexByte's first round of
// 32 bytes or its second about as often, a mispredicted branch.
//
//go:noescape
func newlineIn64(b *[64]byte) int
