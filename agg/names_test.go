package agg

import (
	"bytes"
	"strconv"
	"testing"
	"unicode/utf8"
)

// unescapeName undoes AppendName's escape the way a reader of the results
// would, independently of AppendName: \\ is a backslash, \xHH a byte.
func unescapeName(s string) ([]byte, bool) {
	if !bytes.Contains([]byte(s), []byte{'\\'}) {
		return []byte(s), true
	}
	var b []byte
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b = append(b, s[i])
			continue
		}
		switch {
		case i+1 < len(s) && s[i+1] == '\\':
			b = append(b, '\\')
			i++
		case i+3 < len(s) && s[i+1] == 'x':
			v, err := strconv.ParseUint(s[i+2:i+4], 16, 8)
			if err != nil {
				return nil, false
			}
			b = append(b, byte(v))
			i += 3
		default:
			return nil, false
		}
	}
	return b, true
}

func TestAppendName(t *testing.T) {
	for _, c := range []struct{ raw, want string }{
		{"ann", "ann"},
		{"é", "é"},
		{"", ""},
		{"a\xffb", `a\xffb`},
		{`a\xffb`, `a\\xffb`},
		{`DOMAIN\ann`, `DOMAIN\\ann`},
		{"\xe2\x82", `\xe2\x82`}, // a cut rune: each byte on its own
		{"\x00", "\x00"},         // valid UTF-8; JSON escapes it itself
	} {
		if got := string(AppendName(nil, []byte(c.raw))); got != c.want {
			t.Errorf("AppendName(%q) = %q, want %q", c.raw, got, c.want)
		}
	}
}

// FuzzAppendName: the escape is valid UTF-8 and undone by a reader, so
// distinct raw names never share a key.
func FuzzAppendName(f *testing.F) {
	for _, s := range []string{"ann", "a\xffb", `a\xffb`, `\\`, "\xc3", "é\\"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		name := AppendName(nil, raw)
		if !utf8.Valid(name) {
			t.Fatalf("AppendName(%q) = %q, not valid UTF-8", raw, name)
		}
		back, ok := unescapeName(string(name))
		if !ok || !bytes.Equal(back, raw) {
			t.Fatalf("AppendName(%q) = %q, which reads back as %q", raw, name, back)
		}
	})
}

func TestAppendNameAllocs(t *testing.T) {
	buf := make([]byte, 0, 64)
	raw := []byte("a\xffb\\c")
	if n := testing.AllocsPerRun(100, func() { buf = AppendName(buf[:0], raw) }); n != 0 {
		t.Errorf("AppendName allocates %v times", n)
	}
}
