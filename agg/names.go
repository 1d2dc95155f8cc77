package agg

import (
	"bytes"
	"unicode/utf8"
)

// User and action names are written as they appear in the log when they
// are valid UTF-8 and hold no backslash. Otherwise each byte that is not
// part of valid UTF-8 is written as \xHH (two lower-case hex digits) and
// each backslash as \\, so that distinct raw names stay distinct: the
// escaped form of a name always holds a backslash, a name kept as it is
// never does, and the escape can be undone.

// needsEscape reports whether name must be escaped to be written.
func needsEscape(name []byte) bool {
	return bytes.IndexByte(name, '\\') >= 0 || !utf8.Valid(name)
}

// AppendName appends name to dst as Totals holds it: escaped when
// needsEscape says so, else unchanged.
func AppendName(dst, name []byte) []byte {
	if !needsEscape(name) {
		return append(dst, name...)
	}
	const hex = "0123456789abcdef"
	for i := 0; i < len(name); {
		r, size := utf8.DecodeRune(name[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, '\\', 'x', hex[name[i]>>4], hex[name[i]&15])
		case r == '\\':
			dst = append(dst, '\\', '\\')
		default:
			dst = append(dst, name[i:i+size]...)
		}
		i += size
	}
	return dst
}
