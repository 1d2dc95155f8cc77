package logline

// JSON
//
//	line   = object ws
//	object = "{" ws [ member *(ws "," ws member) ] ws "}"
//	member = string ws ":" ws value
//	value  = string / object / array / scalar
//	array  = "[" ws [ value *(ws "," ws value) ] ws "]"
//	string = DQUOTE *(any byte except DQUOTE and "\" / "\" any byte) DQUOTE
//	scalar = 1*(any byte except ws, ",", ":", "[", "]", "{", "}", DQUOTE)
//	ws     = *(SP / HTAB / LF / CR)
//
// This is JSON's structure with the leaves left unchecked: skipped strings
// are not unescaped and scalars are not checked to be numbers, true, false
// or null. So every line encoding/json accepts as an object is accepted, and
// some it rejects are too.
//
// Only the top-level members are looked at, and the members of a top-level
// object whose key is the first segment of a dotted key taken: "fields.user"
// takes a literal top-level member "fields.user" (ECS writes "log.level"
// so), else the member "user" of a top-level object "fields" (apex/log
// nests every field so). Such objects are read after the top level, so that
// the literal member wins wherever it is. Their keys, and the string
// values taken, are decoded as encoding/json decodes a string: the
// escapes \" \\ \/ \b \f \n \r \t and \uXXXX, where a surrogate pair makes one
// rune and a lone surrogate becomes U+FFFD, and each byte of invalid UTF-8
// becomes U+FFFD. Any other escape in them makes the line Malformed; a raw
// control byte is kept (encoding/json would reject the line). The level must
// be a string, or the line is Malformed. The user and the action may be a
// string, or a scalar starting with '-' or a digit (a numeric ID), taken as
// its raw text; the latency and the time a string or such a number; null,
// true, false, objects and arrays give the field no value.

//go:generate go test -run ^TestJSONEscapedGenerated$ -update-escaped

import (
	"bytes"
	"encoding/binary"
	"unicode/utf16"
	"unicode/utf8"
)

// parseJSON parses a line that starts with '{'. s is trimmed.
//
// parseJSONEscaped, generated from it with esc true (json_escaped.go),
// reads the line where it lies inside a JSON string (Docker's log).
func (p *Parser) parseJSON(s []byte, rec *Record) Kind {
	const esc, ql = false, 1 // true, 2 (a quote is \") in parseJSONEscaped
	*rec = Record{}
	var found uint8
	p.nested = p.nested[:0]
	i := skipJSONSpace(s, 1)
	if i < len(s) && s[i] == '}' {
		i++
	} else {
		for {
			if esc {
				if i+1 >= len(s) || s[i] != '\\' || s[i+1] != '"' {
					return Malformed
				}
			} else if i >= len(s) || s[i] != '"' {
				return Malformed
			}
			end, plain := jsonStringEnd(s, i+ql)
			if end < 0 {
				return Malformed
			}
			kn, ok := p.matchJSONKey(s[i+ql:end], plain, found)
			if !ok {
				return Malformed
			}
			keyStart := i + ql
			i = skipJSONSpace(s, end+ql)
			if i >= len(s) || s[i] != ':' {
				return Malformed
			}
			i = skipJSONSpace(s, i+1)
			if i >= len(s) {
				return Malformed
			}
			if kn == nil {
				if p.dotted && s[i] == '{' && plain {
					if !esc {
						p.queueNested(s, keyStart, end, i)
					} else if p.isParent(s[keyStart:end]) {
						return Malformed // takeNested reads unescaped JSON only
					}
				}
				i, ok = p.skipJSONValue(s, i)
			} else {
				found |= 1 << kn.field
				i, ok = p.takeJSON(rec, kn, s, i)
			}
			if !ok {
				return Malformed
			}
			i = skipJSONSpace(s, i)
			if i < len(s) && s[i] == ',' {
				i = skipJSONSpace(s, i+1)
				continue
			}
			if i < len(s) && s[i] == '}' {
				i++
				break
			}
			return Malformed
		}
	}
	if esc {
		// The line ends at \n", the JSON string's end.
		if i = skipJSONSpace(s, i); !escLineEnd(s, i) {
			return Malformed
		}
		i += len(`\n"`)
	} else if skipJSONSpace(s, i) != len(s) {
		return Malformed
	}
	if len(p.nested) > 0 && !p.takeNested(rec, s, found) {
		return Malformed
	}
	if len(rec.Level) == 0 {
		p.noLevelOK = found&(1<<fieldLevel) == 0 // no level key, not an empty one
		return Malformed
	}
	return Event
}

// matchJSONKey returns the key taken that the raw (still escaped) key names,
// or nil. ok is false when the key holds an invalid escape.
func (p *Parser) matchJSONKey(raw []byte, plain bool, found uint8) (kn *keyName, ok bool) {
	key := raw
	if !plain {
		start := len(p.scratch)
		p.scratch, ok = appendUnquotedJSON(p.scratch, raw)
		key = p.scratch[start:]
		p.scratch = p.scratch[:start] // key is read before anything is appended again
		if !ok {
			return nil, false
		}
	}
	return p.keyOf(key, 0, len(key), wordAt(key, 0), found), true
}

// takeJSON reads the value at s[i] as the field kn names and returns the
// index after it. The level must be a string. The user and the action may
// be a string or a number, taken as its text; the latency and the time a
// number or a string. Any other value (null, true, false, an object or an
// array) is skipped and gives the field no value.
func (p *Parser) takeJSON(rec *Record, kn *keyName, s []byte, i int) (int, bool) {
	const esc, ql = false, 1 // true, 2 (a quote is \") in takeJSONEscaped
	switch c := s[i]; {
	case c == '"' && !esc, c == '\\' && esc:
		value, end, ok := p.jsonString(s, i)
		if ok {
			p.takeValue(rec, kn, value)
		}
		return end, ok
	case kn.field == fieldLevel:
		return 0, false // the level is not a string
	case c == '-' || '0' <= c && c <= '9':
		end, ok := p.skipJSONValue(s, i)
		if ok {
			p.takeValue(rec, kn, s[i:end])
		}
		return end, ok
	}
	return p.skipJSONValue(s, i)
}

// jsonString decodes the JSON string starting at s[i] (a '"') and returns its
// value and the index after it.
func (p *Parser) jsonString(s []byte, i int) ([]byte, int, bool) {
	const esc, ql = false, 1 // true, 2 (a quote is \") in jsonStringEscaped
	if esc && (i+1 >= len(s) || s[i+1] != '"') {
		return nil, 0, false
	}
	end, plain := jsonStringEnd(s, i+ql)
	if end < 0 {
		return nil, 0, false
	}
	raw := s[i+ql : end]
	if plain || esc {
		return raw, end + ql, true
	}
	return p.jsonStringSlow(raw, end)
}

func (p *Parser) jsonStringSlow(raw []byte, end int) ([]byte, int, bool) {
	if bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
		return raw, end + 1, true
	}
	start := len(p.scratch)
	var ok bool
	p.scratch, ok = appendUnquotedJSON(p.scratch, raw)
	return p.scratch[start:len(p.scratch):len(p.scratch)], end + 1, ok
}

// jsonStringEnd returns the index of the DQUOTE that ends the JSON string
// whose content starts at s[i], or -1, and whether the content is plain:
// ASCII with no backslash, so that it is its own value. It reads a word at a
// time, as parseLogfmt does: JSON strings are mostly short keys, and one pass
// answers both questions.
//
// In jsonStringEndEscaped the string ends at \" and end is its backslash;
// any other backslash, a raw quote or a byte of 0x80 or more gives -1.
func jsonStringEnd(s []byte, i int) (end int, plain bool) {
	const esc = false // true in jsonStringEndEscaped
	for ; i+8 <= len(s); i += 8 {
		w := binary.LittleEndian.Uint64(s[i : i+8])
		if m := byteMask(w, '"') | byteMask(w, '\\') | w&highBits; m != 0 {
			i += firstMarked(m)
			break
		}
	}
	for i < len(s) && s[i] != '"' && s[i] != '\\' && s[i] < utf8.RuneSelf {
		i++
	}
	if esc {
		if i+1 < len(s) && s[i] == '\\' && s[i+1] == '"' {
			return i, true
		}
		return -1, false
	}
	if i < len(s) && s[i] == '"' {
		return i, true
	}
	return closingQuote(s, i), false
}

// skipJSONSpace returns the index of the first byte at or after s[i] that is
// not JSON white space.
func skipJSONSpace(s []byte, i int) int {
	if i < len(s) && s[i] > ' ' {
		return i
	}
	return skipJSONSpaceSlow(s, i)
}

func skipJSONSpaceSlow(s []byte, i int) int {
	for i < len(s) {
		switch s[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// skipJSONValue returns the index after the value that starts at s[i], which
// is not white space. It checks the value's structure only (see the grammar
// in the package comment). The open objects and arrays are kept in p.nest,
// so nesting depth costs no stack and, once nest has grown, no allocation.
func (p *Parser) skipJSONValue(s []byte, i int) (int, bool) {
	const esc, ql, quote = false, 1, '"' // true, 2, '\\' (a quote is \") in skipJSONValueEscaped
	nest := p.nest[:0]
	for {
		// At the start of a value.
		if i >= len(s) {
			return 0, false
		}
		switch c := s[i]; c {
		case quote:
			if esc && (i+1 >= len(s) || s[i+1] != '"') {
				return 0, false
			}
			end, _ := jsonStringEnd(s, i+ql)
			if end < 0 {
				return 0, false
			}
			i = end + ql
		case '{', '[':
			i = skipJSONSpace(s, i+1)
			if i < len(s) && s[i] == closing(c) {
				i++
				break
			}
			nest = append(nest, c)
			p.nest = nest // keep what the stack grew to
			if c == '{' {
				var ok bool
				if i, ok = skipJSONKey(s, i); !ok {
					return 0, false
				}
			}
			continue
		default:
			start := i
			for i < len(s) && !endsScalar(s[i]) {
				i++
			}
			if i == start {
				return 0, false
			}
		}
		// After a value: close what ends here, then go on after a ','.
		for {
			if len(nest) == 0 {
				return i, true
			}
			i = skipJSONSpace(s, i)
			if i >= len(s) {
				return 0, false
			}
			open := nest[len(nest)-1]
			if s[i] == closing(open) {
				nest = nest[:len(nest)-1]
				i++
				continue
			}
			if s[i] != ',' {
				return 0, false
			}
			i = skipJSONSpace(s, i+1)
			if open == '{' {
				var ok bool
				if i, ok = skipJSONKey(s, i); !ok {
					return 0, false
				}
			}
			break
		}
	}
}

// closing returns the byte that closes the object or array opened by c.
func closing(c byte) byte {
	if c == '{' {
		return '}'
	}
	return ']'
}

// skipJSONKey skips `string ws ":" ws` from s[i] and returns the index of the
// value that follows.
func skipJSONKey(s []byte, i int) (int, bool) {
	const esc, ql = false, 1 // true, 2 (a quote is \") in skipJSONKeyEscaped
	if esc {
		if i+1 >= len(s) || s[i] != '\\' || s[i+1] != '"' {
			return 0, false
		}
	} else if i >= len(s) || s[i] != '"' {
		return 0, false
	}
	end, _ := jsonStringEnd(s, i+ql)
	if end < 0 {
		return 0, false
	}
	i = skipJSONSpace(s, end+ql)
	if i >= len(s) || s[i] != ':' {
		return 0, false
	}
	return skipJSONSpace(s, i+1), true
}

// endsScalar reports whether c cannot be part of a JSON scalar.
//
// In endsScalarEscaped a backslash ends it too (a string's \" or an
// escape), and so does a byte of 0x80 or more, which the unescaping of
// Docker's log may turn into U+FFFD: the in-place read gives up on both.
func endsScalar(c byte) bool {
	const esc = false // true in endsScalarEscaped
	if esc && (c == '\\' || c >= utf8.RuneSelf) {
		return true
	}
	switch c {
	case ' ', '\t', '\n', '\r', ',', ':', '[', ']', '{', '}', '"':
		return true
	}
	return false
}

// appendUnquotedJSON appends to dst the content of the JSON string raw,
// given without its quotes, decoded as encoding/json decodes it.
func appendUnquotedJSON(dst, raw []byte) ([]byte, bool) {
	for i := 0; i < len(raw); {
		c := raw[i]
		if c == '\\' {
			if i+1 >= len(raw) {
				return dst, false
			}
			switch e := raw[i+1]; e {
			case '"', '\\', '/':
				dst = append(dst, e)
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
			case 'u':
				r, ok := parseHex(raw[i+2:], 4)
				if !ok {
					return dst, false
				}
				i += 6
				if utf16.IsSurrogate(r) {
					low := rune(-1)
					if i+1 < len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
						if l, ok := parseHex(raw[i+2:], 4); ok {
							low = l
						}
					}
					if pair := utf16.DecodeRune(r, low); pair != utf8.RuneError {
						r = pair
						i += 6
					} else {
						r = utf8.RuneError
					}
				}
				dst = utf8.AppendRune(dst, r)
				continue
			default:
				return dst, false
			}
			i += 2
			continue
		}
		if c < utf8.RuneSelf {
			dst = append(dst, c)
			i++
			continue
		}
		r, size := utf8.DecodeRune(raw[i:])
		dst = utf8.AppendRune(dst, r) // U+FFFD for each invalid byte
		i += size
	}
	return dst, true
}

// queueNested queues the object at s[value] for takeNested when its key,
// s[start:end], is the first segment of a dotted key taken.
func (p *Parser) queueNested(s []byte, start, end, value int) {
	if p.isParent(s[start:end]) {
		p.nested = append(p.nested, start, end, value)
	}
}

// isParent reports whether key, a top-level key not taken, is the first
// segment of a dotted key taken.
func (p *Parser) isParent(key []byte) bool {
	for k := range p.keys[:p.nkeys] {
		name := p.keys[k].name
		if len(name) > len(key) && name[len(key)] == '.' && name[:len(key)] == string(key) {
			return true
		}
	}
	return false
}

// takeNested reads the members of the objects queued in p.nested (the key's
// start and end and the object's index, by three) under their dotted names,
// for the fields not in found. It reports false when a member's key holds an
// invalid escape or a level is not a string.
func (p *Parser) takeNested(rec *Record, s []byte, found uint8) bool {
	for k := 0; k+2 < len(p.nested); k += 3 {
		parent := s[p.nested[k]:p.nested[k+1]]
		i, empty, ok := openAt(s, p.nested[k+2], '{')
		for more := ok && !empty; more; {
			var key []byte
			var v int
			if key, v, ok = memberAt(s, i); !ok {
				return false
			}
			p.dotKey = append(append(p.dotKey[:0], parent...), '.')
			if p.dotKey, ok = appendUnquotedJSON(p.dotKey, key); !ok {
				return false
			}
			name := p.dotKey
			if kn := p.keyOf(name, 0, len(name), wordAt(name, 0), found); kn != nil {
				found |= 1 << kn.field
				i, ok = p.takeJSON(rec, kn, s, v)
			} else {
				i, ok = p.skipJSONValue(s, v)
			}
			if !ok {
				return false
			}
			if i, more, ok = nextItem(s, i, '}'); !ok {
				return false
			}
		}
		if !ok {
			return false
		}
	}
	return true
}
