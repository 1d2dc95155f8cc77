//go:build !amd64 || purego

package logline

// jsonUnescape is the assembly's twin, on other architectures and in the
// purego build that CI tests: a byte at a time, stopping where it does.
func jsonUnescape(dst, src []byte) (read, written int) {
	n := min(len(src), len(dst))
	for read+16 <= n {
		switch c := src[read]; {
		case c == '"' || c >= 0x80:
			return read, written
		case c == '\\':
			if read+1 >= n || jsonEscapes[src[read+1]] == 0 {
				return read, written
			}
			dst[written] = jsonEscapes[src[read+1]]
			read += 2
		default:
			dst[written] = c
			read++
		}
		written++
	}
	return read, written
}
