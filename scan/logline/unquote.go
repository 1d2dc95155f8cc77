package logline

import (
	"bytes"
	"unicode/utf8"
)

// unquoteGo returns the content of a Go-quoted string, given without its
// quotes: v itself when it holds no backslash, else its unquoted form in
// p.scratch.
func (p *Parser) unquoteGo(v []byte) ([]byte, bool) {
	if bytes.IndexByte(v, '\\') < 0 {
		return v, true
	}
	start := len(p.scratch)
	var ok bool
	p.scratch, ok = appendUnquotedGo(p.scratch, v)
	return p.scratch[start:len(p.scratch):len(p.scratch)], ok
}

// appendUnquotedGo appends to dst the content of the Go-quoted string v,
// decoding the escapes strconv.UnquoteChar accepts between double quotes and
// copying every other byte as it is.
func appendUnquotedGo(dst, v []byte) ([]byte, bool) {
	for len(v) > 0 {
		b := bytes.IndexByte(v, '\\')
		if b < 0 {
			return append(dst, v...), true
		}
		dst = append(dst, v[:b]...)
		v = v[b:]
		if len(v) < 2 {
			return dst, false
		}
		n := 2 // bytes taken by the escape
		switch c := v[1]; c {
		case 'a':
			dst = append(dst, '\a')
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'v':
			dst = append(dst, '\v')
		case '\\', '"':
			dst = append(dst, c)
		case 'x', 'u', 'U':
			digits := 2
			if c == 'u' {
				digits = 4
			} else if c == 'U' {
				digits = 8
			}
			r, ok := parseHex(v[2:], digits)
			if !ok {
				return dst, false
			}
			n += digits
			if c == 'x' {
				dst = append(dst, byte(r))
				break
			}
			if !utf8.ValidRune(r) {
				return dst, false
			}
			dst = utf8.AppendRune(dst, r)
		case '0', '1', '2', '3', '4', '5', '6', '7':
			if len(v) < 4 {
				return dst, false
			}
			r := rune(0)
			for _, d := range v[1:4] {
				if d < '0' || d > '7' {
					return dst, false
				}
				r = r<<3 | rune(d-'0')
			}
			if r > 0377 {
				return dst, false
			}
			dst = append(dst, byte(r))
			n = 4
		default:
			return dst, false
		}
		v = v[n:]
	}
	return dst, true
}

// parseHex reads exactly n hex digits from the start of s.
func parseHex(s []byte, n int) (rune, bool) {
	if len(s) < n {
		return 0, false
	}
	var r rune
	for _, c := range s[:n] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}
