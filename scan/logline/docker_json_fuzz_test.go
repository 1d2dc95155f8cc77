package logline

import (
	"bytes"
	"encoding/json"
	"testing"
)

// dockerJSONConfigs are the key sets the in-place JSON read is checked
// with: every field, the time alone, the defaults, and dotted keys whose
// parent objects the in-place read leaves to the copy.
var dockerJSONConfigs = []Config{
	{ActionKey: "action", LatencyKey: "latency_ms", TimeKey: "time,ts"},
	{TimeKey: "time"},
	{},
	{UserKey: "fields.user", ActionKey: "fields.action", LatencyKey: "latency_ms", TimeKey: "ts"},
}

// FuzzDockerJSONEscaped checks parseJSONEscaped, a JSON line read where it
// lies in Docker's log, against its twin, the log unescaped by
// appendJSONText and read by Next: wherever the in-place read takes the
// line it must end after the JSON string's closing quote and give Next's
// record. The log is given both as the string's content (any escapes, raw
// quotes and bytes) and raw, quoted as moby quotes it (encoding/json).
func FuzzDockerJSONEscaped(f *testing.F) {
	for _, s := range []string{
		`{"time":"2026-11-26T08:00:00.123Z","level":"INFO","msg":"user action","user":"u1@example.com","action":"login","latency_ms":42}`,
		`{"level":"INFO","user":"u1","latency_ms":4.5e+06,"time":1764144000}`,
		`{ "level" : "WARN" , "user":"u\"1", "action":"log\\in" }`,
		`{"level":"INFO","user":"a\nb","ts":"2026-11-26T08:00:00Z"}`,
		`{"level":"INFO","user":"caf\u00e9","action":"\u0041"}`,
		`{"level":"INFO","user":"café","msg":"\xff"}`,
		`{"level":"INFO","user":"u1","nested":{"a":[1,2,{"b":"c"}],"d":null},"action":"x"}`,
		`{"level":"INFO","fields":{"user":"u2","action":"buy"},"user":"u1"}`,
		`{"level":"INFO","user":123,"action":-4,"latency_ms":"12"}`,
		`{"level":"INFO","user":"u1"}  `,
		"{\"level\":\"INFO\",\t\"user\":\"u1\"}\r",
		`{"level":INFO,"user":"u1"}`,
		`{"level":"INFO","user":"u1"`,
		`{"level":"INFO","user":"u1"}{}`,
		`{"user":"u1","msg":"no level"}`,
		`{}`,
		`{"level":"INFO","user":"u1","time":"2026-11-26T08:00:00.123+0100"}`,
	} {
		f.Add([]byte(s + "\n"))
		quoted, _ := json.Marshal(s + "\n")
		f.Add(quoted[1 : len(quoted)-1]) // as moby writes it
	}
	const envelope = `","stream":"stdout","time":"2026-11-26T08:00:00.5Z"}` + "\n"
	f.Fuzz(func(t *testing.T, log []byte) {
		quoted, _ := json.Marshal(string(log)) // moby's quoting (invalid UTF-8 as U+FFFD)
		for _, cfg := range dockerJSONConfigs {
			escapedJSONTwin(t, cfg, []byte(`{"log":"`+string(log)+envelope))
			escapedJSONTwin(t, cfg, []byte(`{"log":`+string(quoted)+envelope[1:]))
		}
	})
}

// escapedJSONTwin reads the log of the json-file line b with
// parseJSONEscaped, as nextDockerJSON does, and, when that takes it,
// unescaped and read by Next: both must give the same record, and the
// in-place read must end after the log's closing quote.
func escapedJSONTwin(t *testing.T, cfg Config, b []byte) {
	t.Helper()
	esc, err := NewParser(cfg)
	if err != nil {
		t.Fatal(err)
	}
	nl := bytes.IndexByte(b, '\n')
	if nl <= 8 || b[8] != '{' { // nextDockerJSON's test: parseJSON reads a line that starts with '{'
		return
	}
	var a Record
	m, kind := esc.parseJSONEscaped(b[8:nl], &a)
	if m == 0 {
		return
	}
	log, end := appendJSONText(nil, b, 8)
	if kind != Event || end < 0 || 8+m != end+1 {
		t.Fatalf("%q: the in-place read ends at %d (%d), the JSON string at %d", b, 8+m, kind, end+1)
	}
	for _, v := range [][]byte{a.Level, a.User, a.Action} {
		if len(v) > 0 && !within(v, b) {
			t.Fatalf("%q: the in-place read's value %q is not in the line", b, v)
		}
	}
	twin, _ := NewParser(cfg)
	var c Record
	n, kindT := twin.Next(append(log, make([]byte, nextSlack)...), &c)
	if kindT != Event || n != len(log) {
		t.Fatalf("%q: the in-place read takes the log, Next on it unescaped steps %d of %d bytes (%d)", b, n, len(log), kindT)
	}
	sameRecord(t, b, &a, &c)
}

// TestNextDockerJSONInPlace checks that JSON lines in json-file are read
// where they lie, with each set of keys, so that FuzzDockerJSONEscaped
// compares something; that nextDocker then copies nothing and allocates
// nothing; and which logs are left to the copy.
func TestNextDockerJSONInPlace(t *testing.T) {
	data := formLines(200, "json", "docker")
	for _, cfg := range dockerJSONConfigs {
		p, _ := NewParser(cfg)
		var rec Record
		for rest := data; len(rest) > 0; {
			line, after, _ := bytes.Cut(rest, []byte{'\n'})
			if m, kind := p.parseJSONEscaped(line[8:], &rec); m == 0 || kind != Event {
				t.Fatalf("%+v: the in-place read leaves %q", cfg, line)
			}
			escapedJSONTwin(t, cfg, rest)
			if n, kind := p.nextDocker(rest, &rec); n != len(line)+1 || kind != Event || cap(p.frameBuf) != 0 || p.innerShape != ShapeJSON {
				t.Fatalf("%+v: nextDocker(%q) = %d, %d, buffer %d, shape %v", cfg, line, n, kind, cap(p.frameBuf), p.innerShape)
			}
			rest = after
		}
		allocs := testing.AllocsPerRun(10, func() {
			for rest := data; len(rest) > 0; {
				n, _ := p.nextDocker(rest, &rec)
				rest = rest[n:]
			}
		})
		if allocs != 0 {
			t.Fatalf("%+v: nextDocker allocates %v times on %d JSON lines", cfg, allocs, 200)
		}
	}
	// Each of these logs is left to the copy, and read there.
	for _, log := range []string{
		`{\"level\":\"INFO\",\"user\":\"u\\\"1\"}\n`,                   // an escaped quote inside a value
		`{\"level\":\"INFO\",\"user\":\"u1\",\"msg\":\"a\\nb\"}\n`,     // an escape in a value skipped
		`{\"level\":\"INFO\",\"user\":\"caf\u00e9\"}\n`,                // a \u escape
		`{\"level\":\"INFO\",\"user\":\"café\"}\n`,                     // a byte of 0x80 and more
		`{\"level\":\"INFO\",\t\"user\":\"u1\"}\n`,                     // escaped white space
		`{\"level\":\"INFO\",\"fields\":{\"user\":\"u2\"},\"ts\":1}\n`, // a parent of fields.user
	} {
		line := []byte(`{"log":"` + log + `","stream":"stdout","time":"2026-11-26T08:00:00.5Z"}` + "\n")
		for _, cfg := range dockerJSONConfigs[3:] {
			p, _ := NewParser(cfg)
			var rec Record
			if m, _ := p.parseJSONEscaped(line[8:len(line)-1], &rec); m != 0 {
				t.Errorf("the in-place read takes %q", line)
			}
			if n, kind := p.nextDocker(line, &rec); n != len(line) || kind != Event || p.innerShape != ShapeJSON {
				t.Errorf("nextDocker(%q) = %d, %d, shape %v", line, n, kind, p.innerShape)
			}
		}
	}
}
