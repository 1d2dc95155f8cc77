package logline

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzParseJSONNested compares Parse with dotted keys against encoding/json
// on the valid objects without backslashes (FuzzParse checks unescaping) and
// without repeated keys (where "the first counts" is ours alone).
func FuzzParseJSONNested(f *testing.F) {
	for _, line := range []string{
		`{"fields":{"user":"nested"},"fields.user":"literal","level":"info"}`,
		`{"fields":{"action":"login","latency_ms":42,"user":"ann"},"level":"info","timestamp":"2026-11-26T08:00:00.123456789Z","message":"m"}`,
		`{"log":{"logger":"app","level":"warn"},"user":7}`,
		`{"log.level":"info","user":null,"fields":{"user":"x"}}`,
		`{"log":{"level":1},"level":"x"}`,
		`{"fields":[],"log":"s","level":""}`,
	} {
		f.Add([]byte(line))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		want, ok := nestedOracle(line)
		if !ok {
			return
		}
		p := nestedParser(t)
		var rec Record
		kind := p.Parse(line, &rec)
		got := envRecord{kind: kind, level: string(rec.Level), user: string(rec.User)}
		if got != want {
			t.Fatalf("Parse(%s) with dotted keys:\ngot  %v\nencoding/json says %v", line, got, want)
		}
	})
}

// nestedOracle says what nestedParser's Parse returns for the level and the
// user of line, read with encoding/json.
func nestedOracle(line []byte) (envRecord, bool) {
	trimmed := bytes.Trim(line, " \t\r")
	if len(trimmed) == 0 || trimmed[0] != '{' || bytes.IndexByte(line, '\\') >= 0 || !json.Valid(trimmed) {
		return envRecord{}, false
	}
	top, ok := orderedMembers(trimmed)
	if !ok {
		return envRecord{}, false
	}
	level, levelFound := firstOf(top, "level", "log.level")
	user, userFound := firstOf(top, "user", "fields.user")
	if !levelFound {
		if level, levelFound, ok = nestedMember(top, "log", "level"); !ok {
			return envRecord{}, false
		}
	}
	if !userFound {
		if user, _, ok = nestedMember(top, "fields", "user"); !ok {
			return envRecord{}, false
		}
	}
	malformed := envRecord{kind: Malformed}
	if levelFound && (len(level) == 0 || level[0] != '"') {
		return malformed, true // the level is not a string
	}
	if !levelFound {
		return malformed, true
	}
	var lv string
	if err := json.Unmarshal(level, &lv); err != nil || lv == "" {
		return malformed, true
	}
	rec := envRecord{kind: Event, level: lv}
	switch {
	case len(user) > 0 && user[0] == '"':
		if err := json.Unmarshal(user, &rec.user); err != nil {
			panic(err)
		}
	case len(user) > 0 && (user[0] == '-' || '0' <= user[0] && user[0] <= '9'):
		rec.user = string(user)
	}
	return rec, true
}

type member struct {
	key   string
	value json.RawMessage
}

// orderedMembers returns the members of the object obj in order, or false
// when a key is repeated.
func orderedMembers(obj []byte) ([]member, bool) {
	dec := json.NewDecoder(bytes.NewReader(obj))
	if _, err := dec.Token(); err != nil {
		return nil, false
	}
	var ms []member
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, false
		}
		key := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, false
		}
		if seen[key] {
			return nil, false
		}
		seen[key] = true
		ms = append(ms, member{key, v})
	}
	return ms, true
}

// firstOf returns the value of the first member named one of keys.
func firstOf(ms []member, keys ...string) (json.RawMessage, bool) {
	for _, m := range ms {
		for _, k := range keys {
			if m.key == k {
				return m.value, true
			}
		}
	}
	return nil, false
}

// nestedMember returns the member name of the top-level object parent;
// comparable is false when that object repeats a key.
func nestedMember(top []member, parent, name string) (value json.RawMessage, found, comparable bool) {
	obj, ok := firstOf(top, parent)
	if !ok || len(obj) == 0 || obj[0] != '{' {
		return nil, false, true
	}
	ms, ok := orderedMembers(obj)
	if !ok {
		return nil, false, false
	}
	value, found = firstOf(ms, name)
	return value, found, true
}
