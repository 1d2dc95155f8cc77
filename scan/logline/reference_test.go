package logline

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The reference parser implements the grammar of the package comment the
// obvious way: regular expressions and strconv for logfmt, a recursive
// descent and encoding/json for JSON. It allocates freely; it is the oracle
// the fast parser is tested and fuzzed against.

const (
	refKey    = `[^ ="]+`
	refQuoted = `"(?:[^"\\]|\\.)*"`
	refBare   = `(?:[^ "][^ ]*)?`
)

// refLogfmtPairAt matches the pair at the start of a string.
var refLogfmtPairAt = regexp.MustCompile(`(?s)^(` + refKey + `)(?:=(?:(` + refQuoted + `)|(` + refBare + `)))?`)

// refParse returns what Parse should return for line.
func refParse(line string) (level, user string, kind Kind) {
	line = strings.TrimSuffix(line, "\r")
	line = strings.Trim(line, " \t")
	if line == "" {
		return "", "", Blank
	}
	var ok bool
	if line[0] == '{' {
		level, user, ok = refJSON(line)
	} else {
		level, user, ok = refLogfmt(line)
	}
	if !ok || level == "" {
		return "", "", Malformed
	}
	return level, user, Event
}

func refLogfmt(line string) (level, user string, ok bool) {
	seen := map[string]bool{}
	rest := line
	for {
		m := refLogfmtPairAt.FindStringSubmatch(rest)
		if m == nil {
			return "", "", false
		}
		key, quoted, bare := m[1], m[2], m[3]
		if (key == "level" || key == "user") && !seen[key] {
			seen[key] = true
			value := bare
			if quoted != "" {
				if value, ok = refUnquoteGo(quoted[1 : len(quoted)-1]); !ok {
					return "", "", false
				}
			}
			if key == "level" {
				level = value
			} else {
				user = value
			}
		}
		rest = rest[len(m[0]):]
		if strings.HasSuffix(m[0], "=") && strings.HasPrefix(rest, `"`) {
			return "", "", false // an unterminated quoted value
		}
		if rest == "" || seen["level"] && seen["user"] {
			return level, user, true // the grammar is checked up to here only
		}
		if rest[0] != ' ' {
			return "", "", false
		}
		rest = strings.TrimLeft(rest, " ")
	}
}

// refUnquoteGo decodes each escape with strconv.UnquoteChar and keeps every
// other byte.
func refUnquoteGo(q string) (string, bool) {
	var b []byte
	for i := 0; i < len(q); {
		if q[i] != '\\' {
			b = append(b, q[i])
			i++
			continue
		}
		r, multibyte, tail, err := strconv.UnquoteChar(q[i:], '"')
		if err != nil {
			return "", false
		}
		if r < utf8.RuneSelf || !multibyte {
			b = append(b, byte(r))
		} else {
			b = utf8.AppendRune(b, r)
		}
		i = len(q) - len(tail)
	}
	return string(b), true
}

// refJSONParser is a recursive-descent parser of the lenient JSON grammar.
type refJSONParser struct {
	s string
	i int
}

func (r *refJSONParser) ws() {
	for r.i < len(r.s) && strings.IndexByte(" \t\n\r", r.s[r.i]) >= 0 {
		r.i++
	}
}

func (r *refJSONParser) eat(c byte) bool {
	r.ws()
	if r.i < len(r.s) && r.s[r.i] == c {
		r.i++
		return true
	}
	return false
}

// str reads a string and returns it with its quotes.
func (r *refJSONParser) str() (string, bool) {
	r.ws()
	if r.i >= len(r.s) || r.s[r.i] != '"' {
		return "", false
	}
	start := r.i
	for r.i++; r.i < len(r.s); r.i++ {
		switch r.s[r.i] {
		case '\\':
			r.i++
		case '"':
			r.i++
			return r.s[start:r.i], true
		}
	}
	return "", false
}

// value reads any value and returns its text.
func (r *refJSONParser) value() (string, bool) {
	r.ws()
	start := r.i
	switch {
	case r.i >= len(r.s):
		return "", false
	case r.s[r.i] == '"':
		return r.str()
	case r.s[r.i] == '{':
		r.i++
		if r.eat('}') {
			return r.s[start:r.i], true
		}
		for {
			if _, ok := r.str(); !ok || !r.eat(':') {
				return "", false
			}
			if _, ok := r.value(); !ok {
				return "", false
			}
			if r.eat('}') {
				return r.s[start:r.i], true
			}
			if !r.eat(',') {
				return "", false
			}
		}
	case r.s[r.i] == '[':
		r.i++
		if r.eat(']') {
			return r.s[start:r.i], true
		}
		for {
			if _, ok := r.value(); !ok {
				return "", false
			}
			if r.eat(']') {
				return r.s[start:r.i], true
			}
			if !r.eat(',') {
				return "", false
			}
		}
	}
	for r.i < len(r.s) && !strings.ContainsRune(" \t\n\r,:[]{}\"", rune(r.s[r.i])) {
		r.i++
	}
	return r.s[start:r.i], r.i > start
}

func refJSON(line string) (level, user string, ok bool) {
	r := &refJSONParser{s: line}
	if !r.eat('{') {
		return "", "", false
	}
	type member struct{ key, value string }
	var members []member
	if !r.eat('}') {
		for {
			key, ok := r.str()
			if !ok || !r.eat(':') {
				return "", "", false
			}
			value, ok := r.value()
			if !ok {
				return "", "", false
			}
			members = append(members, member{key, value})
			if r.eat('}') {
				break
			}
			if !r.eat(',') {
				return "", "", false
			}
		}
	}
	if r.ws(); r.i != len(r.s) {
		return "", "", false
	}
	seen := map[string]bool{}
	for _, m := range members {
		key, ok := refUnquoteJSON(m.key)
		if !ok {
			return "", "", false
		}
		if key != "level" && key != "user" || seen[key] {
			continue
		}
		seen[key] = true
		switch c := m.value[0]; {
		case c == '"':
			s, ok := refUnquoteJSON(m.value)
			if !ok {
				return "", "", false
			}
			if key == "level" {
				level = s
			} else {
				user = s
			}
		case key == "level":
			return "", "", false // not a string
		case c == '-' || '0' <= c && c <= '9':
			user = m.value
		}
	}
	return level, user, true
}

// refUnquoteJSON decodes a quoted JSON string with encoding/json, after
// escaping the raw control bytes the grammar keeps and encoding/json
// rejects, and rejecting the \' that encoding/json takes.
func refUnquoteJSON(q string) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\\' && i+1 < len(q):
			if q[i+1] == '\'' {
				return "", false
			}
			b.WriteString(q[i : i+2])
			i++
		case c < ' ':
			b.WriteString(`\u00`)
			b.WriteByte("0123456789abcdef"[c>>4])
			b.WriteByte("0123456789abcdef"[c&15])
		default:
			b.WriteByte(c)
		}
	}
	var s string
	if err := json.Unmarshal([]byte(b.String()), &s); err != nil {
		return "", false
	}
	return s, true
}
