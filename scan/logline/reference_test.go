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

// refRecord is what refParseWith takes from a line.
type refRecord struct {
	level, user, action string
	latency, time       int64
	has                 Has
}

// refParse returns what the zero Parser's Parse should return for line.
func refParse(line string) (level, user string, kind Kind) {
	r, kind := refParseWith(line, Config{})
	return r.level, r.user, kind
}

// refKeys maps each key name c takes to its field: "level", "user",
// "action", "latency" or "time".
func refKeys(c Config) map[string]string {
	keys := map[string]string{}
	for field, list := range map[string]string{
		"level": cmpOr(c.LevelKey, "level"), "user": cmpOr(c.UserKey, "user"),
		"action": c.ActionKey, "latency": c.LatencyKey, "time": c.TimeKey,
	} {
		if list != "" {
			for _, k := range strings.Split(list, ",") {
				keys[k] = field
			}
		}
	}
	return keys
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// refUnit is the latency unit of key: c's, else the key's suffix, else ms.
func refUnit(c Config, key string) int64 {
	if c.LatencyUnit != 0 {
		return c.LatencyUnit
	}
	for suffix, unit := range map[string]int64{"_ns": 1, "_us": 1e3, "_µs": 1e3, "_ms": 1e6, "_s": 1e9, "_sec": 1e9, "_seconds": 1e9} {
		if strings.HasSuffix(key, suffix) {
			return unit
		}
	}
	return 1e6
}

// refTake stores value as key's field, the way the package comment says;
// latencies and times are read by values_test.go's oracles.
func refTake(r *refRecord, c Config, key, field, value string) {
	switch field {
	case "level":
		r.level = value
	case "user":
		r.user = value
	case "action":
		r.action = value
	case "latency":
		if value == "" {
			return
		}
		if ns, ok := refParseLatency(value, refUnit(c, key)); ok {
			r.latency, r.has = ns, r.has|HasLatency
		} else {
			r.has |= BadLatency
		}
	case "time":
		if value == "" {
			return
		}
		if ns, ok := refTime(value); ok {
			r.time, r.has = ns, r.has|HasTime
		} else {
			r.has |= BadTime
		}
	}
}

// refTime is what ParseTime must return, from values_test.go's oracles
// for its two grammars.
func refTime(v string) (int64, bool) {
	if refEpochForm.MatchString(v) {
		return refEpoch(v)
	}
	return refParseTime(v)
}

// refWants is the set of fields c takes, by name.
func refWants(c Config) map[string]bool {
	w := map[string]bool{}
	for _, f := range refKeys(c) {
		w[f] = true
	}
	return w
}

// refParseWith returns what Parse should return for line with a Parser
// made from c.
func refParseWith(line string, c Config) (refRecord, Kind) {
	line = strings.TrimSuffix(line, "\r")
	line = strings.Trim(line, " \t")
	if line == "" {
		return refRecord{}, Blank
	}
	var r refRecord
	var ok bool
	switch {
	case line[0] == '{' && c.Format != Logfmt:
		r, ok = refJSON(line, c)
	case c.Format == JSON:
		ok = false
	default:
		r, ok = refLogfmt(line, c)
	}
	if !ok || r.level == "" {
		return refRecord{}, Malformed
	}
	return r, Event
}

func refLogfmt(line string, c Config) (r refRecord, ok bool) {
	keys, wants := refKeys(c), refWants(c)
	seen := map[string]bool{}
	rest := line
	for {
		m := refLogfmtPairAt.FindStringSubmatch(rest)
		if m == nil {
			return refRecord{}, false
		}
		key, quoted, bare := m[1], m[2], m[3]
		if field, taken := keys[key]; taken && !seen[field] {
			seen[field] = true
			value, ok := bare, true
			if quoted != "" {
				value, ok = refUnquoteGo(quoted[1 : len(quoted)-1])
			}
			switch {
			case ok:
				refTake(&r, c, key, field, value)
			case field == "latency":
				r.has |= BadLatency
			case field == "time":
				r.has |= BadTime
			default:
				return refRecord{}, false
			}
		}
		rest = rest[len(m[0]):]
		if strings.HasSuffix(m[0], "=") && strings.HasPrefix(rest, `"`) {
			return refRecord{}, false // an unterminated quoted value
		}
		if rest == "" || len(seen) == len(wants) {
			return r, true // the grammar is checked up to here only
		}
		if rest[0] != ' ' {
			return refRecord{}, false
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

func refJSON(line string, c Config) (rec refRecord, ok bool) {
	r := &refJSONParser{s: line}
	if !r.eat('{') {
		return refRecord{}, false
	}
	type member struct{ key, value string }
	var members []member
	if !r.eat('}') {
		for {
			key, ok := r.str()
			if !ok || !r.eat(':') {
				return refRecord{}, false
			}
			value, ok := r.value()
			if !ok {
				return refRecord{}, false
			}
			members = append(members, member{key, value})
			if r.eat('}') {
				break
			}
			if !r.eat(',') {
				return refRecord{}, false
			}
		}
	}
	if r.ws(); r.i != len(r.s) {
		return refRecord{}, false
	}
	keys := refKeys(c)
	seen := map[string]bool{}
	for _, m := range members {
		key, ok := refUnquoteJSON(m.key)
		if !ok {
			return refRecord{}, false
		}
		field, taken := keys[key]
		if !taken || seen[field] {
			continue
		}
		seen[field] = true
		switch v := m.value[0]; {
		case v == '"':
			s, ok := refUnquoteJSON(m.value)
			if !ok {
				return refRecord{}, false
			}
			refTake(&rec, c, key, field, s)
		case field == "level":
			return refRecord{}, false // not a string
		case v == '-' || '0' <= v && v <= '9':
			refTake(&rec, c, key, field, m.value)
		}
	}
	return rec, true
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
