//go:build !amd64

package scan

// prefetchNTA does nothing on this architecture; see prefetch.go.
func prefetchNTA(p *byte) {}
