//go:build !purego

package scan

// prefetchNTA hints that the 128 bytes at p will be read once, soon (see
// prefetch.go). A prefetch never faults, so p may be near the end of a
// mapping.
//
//go:noescape
func prefetchNTA(p *byte)
