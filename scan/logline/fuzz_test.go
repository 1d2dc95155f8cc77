package logline

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

func FuzzParse(f *testing.F) {
	for _, tt := range parseTests {
		f.Add([]byte(tt.line))
	}
	for _, line := range allocLines {
		f.Add([]byte(line))
	}
	for _, user := range slogUsers[:8] {
		f.Add(slogLine(newTextHandler, slog.LevelInfo, user))
		f.Add(slogLine(newJSONHandler, slog.LevelInfo, user))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		// A fresh Parser per input: a saved failure must not depend on
		// what the inputs before it left in the Parser's caches.
		var p Parser
		orig := bytes.Clone(line)
		rec, kind := parse(&p, line)
		if !bytes.Equal(line, orig) {
			t.Fatalf("Parse changed its input %q to %q", orig, line)
		}
		level, user, wantKind := refParse(string(line))
		if kind != wantKind || string(rec.Level) != level || string(rec.User) != user {
			t.Fatalf("Parse(%q) = (level %q, user %q, %s); reference says (level %q, user %q, %s)",
				line, rec.Level, rec.User, kind.name(), level, user, wantKind.name())
		}
		if kind == Event && len(rec.Level) == 0 {
			t.Fatalf("Parse(%q) = Event with an empty level", line)
		}
		if level, user, wantKind, ok := jsonOracle(line); ok {
			if kind != wantKind || string(rec.Level) != level || string(rec.User) != user {
				t.Fatalf("Parse(%q) = (level %q, user %q, %s); encoding/json says (level %q, user %q, %s)",
					line, rec.Level, rec.User, kind.name(), level, user, wantKind.name())
			}
		}
	})
}

// jsonOracle says what Parse must return for a line encoding/json accepts as
// an object. ok is false for any other line.
func jsonOracle(line []byte) (level, user string, kind Kind, ok bool) {
	trimmed := bytes.TrimLeft(line, " \t")
	if len(trimmed) == 0 || trimmed[0] != '{' || !json.Valid(trimmed) {
		return "", "", 0, false
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	if _, err := dec.Token(); err != nil { // '{'
		panic(err)
	}
	var levelRaw, userRaw json.RawMessage
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			panic(err)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			panic(err)
		}
		switch key := tok.(string); {
		case key == "level" && levelRaw == nil:
			levelRaw = raw
		case key == "user" && userRaw == nil:
			userRaw = raw
		}
	}
	if len(userRaw) > 0 {
		switch c := userRaw[0]; {
		case c == '"':
			if err := json.Unmarshal(userRaw, &user); err != nil {
				panic(err)
			}
		case c == '-' || '0' <= c && c <= '9':
			user = string(userRaw)
		}
	}
	if len(levelRaw) == 0 || levelRaw[0] != '"' {
		return "", "", Malformed, true
	}
	if err := json.Unmarshal(levelRaw, &level); err != nil {
		panic(err)
	}
	if level == "" {
		return "", "", Malformed, true
	}
	return level, user, Event, true
}

func FuzzSlogRoundTrip(f *testing.F) {
	for i, user := range slogUsers {
		f.Add(user, int(slogLevels[i%len(slogLevels)]))
	}
	f.Add(strings.Repeat(`\"`, 100), 1<<40)
	f.Add("level=INFO user=x", -1<<62)
	f.Fuzz(func(t *testing.T, user string, level int) {
		var p Parser // fresh per input, as in FuzzParse
		checkSlogRoundTrip(t, &p, slog.Level(level), user)
	})
}
