package logline

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzAppendJSONText checks the word-at-a-time unescaper against
// encoding/json on the same quoted string: the same text, the same end, the
// same refusals. appendJSONText is lenient where JSON is strict about raw
// control bytes in a string, so the fuzzer's inputs go without them.
func FuzzAppendJSONText(f *testing.F) {
	for _, s := range []string{
		`"plain"`, `""`, `"a\"b"`, `"time=2026-11-26T08:00:00Z level=INFO msg=\"user action\" user=u1\n"`,
		`"{\"level\":\"info\",\"msg\":\"x\\\\y\"}\n"`, `"caf\u00e9 \ud83d\ude00 \ud800"`, "\"\xff\xfe ok\"",
		`"tab\there\/slash\b\f\r"`, `"unterminated`, `"bad \x escape"`, `"` + strings.Repeat(`é\"`, 40) + `"`,
		"\"ctl\x01\"",
		// A JSON line in json-file, its \" at every place of a block, one
		// last in a block, and one after an escaped backslash.
		`"{\"time\":\"2026-11-26T08:00:00.123Z\",\"level\":\"INFO\",\"msg\":\"user action\",\"user\":\"user123@example.com\",\"action\":\"login\",\"latency_ms\":123}\n","stream":"stdout"}`,
		`"` + strings.Repeat(`abcdefghijklmno\"`, 4) + `"`, `"` + strings.Repeat(`ab\"`, 20) + `\\\"` + strings.Repeat(`\"c`, 20) + `"`,
	} {
		f.Add(s, "prefix")
	}
	f.Fuzz(func(t *testing.T, quoted, prefix string) {
		if !strings.HasPrefix(quoted, `"`) {
			return
		}
		// Raw control bytes are taken as they are, where JSON wants them escaped.
		b := []byte(quoted)[:0:0]
		for i := 0; i < len(quoted); i++ {
			if quoted[i] >= 0x20 {
				b = append(b, quoted[i])
			}
		}
		quoted = string(b)
		end := closingOf(quoted)
		var want string
		err := error(nil)
		if end >= 0 {
			err = json.Unmarshal([]byte(quoted[:end+1]), &want)
		}
		got, gotEnd := appendJSONText([]byte(prefix), []byte(quoted), 1)
		if end < 0 || err != nil {
			if gotEnd >= 0 {
				t.Fatalf("%q: end %d, want a refusal (encoding/json: %v)", quoted, gotEnd, err)
			}
			return
		}
		if gotEnd != end || string(got) != prefix+want {
			t.Fatalf("%q: got %q end %d, want %q end %d", quoted, got, gotEnd, prefix+want, end)
		}
	})
}

// closingOf returns the index of the quote that closes the string opened at
// quoted[0], or -1.
func closingOf(quoted string) int {
	for j := 1; j < len(quoted); j++ {
		switch quoted[j] {
		case '\\':
			j++
		case '"':
			return j
		}
	}
	return -1
}

func TestAppendJSONTextAllocs(t *testing.T) {
	line := []byte(`{"log":"time=2026-11-26T08:00:00Z level=INFO msg=\"user action\" user=u1 caf\u00e9\n","stream":"stdout","time":"2026-11-26T08:00:00.1Z"}`)
	buf := make([]byte, 0, 512)
	if n := testing.AllocsPerRun(100, func() { buf, _ = appendJSONText(buf[:0], line, len(`{"log":"`)) }); n != 0 {
		t.Fatalf("appendJSONText allocates %v times a line with room in dst", n)
	}
}
