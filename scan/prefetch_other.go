//go:build !amd64 || purego

package scan

// prefetchNTA does nothing on this architecture, or in the purego build
// that CI tests in place of the assembly; see prefetch.go.
func prefetchNTA(p *byte) {}
