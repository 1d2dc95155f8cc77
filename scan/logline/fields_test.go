package logline

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/logproc/logproc/internal/record"
)

// allFields takes every field, with the keys logproc's defaults give and
// zap's "ts" as a second time key.
var allFields = Config{ActionKey: "action", LatencyKey: "latency_ms", TimeKey: "time,ts"}

type fieldTest struct {
	line    string
	c       Config
	kind    Kind
	want    refRecord // level, user, action, latency, time, has
	comment string
}

func ms(n float64) int64 { return int64(n * 1e6) }

func at(s string) int64 {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UnixNano()
}

var fieldTests = []fieldTest{
	{typicalLogfmt, allFields, Event,
		refRecord{"INFO", "jane.smith42@example.com", "login", ms(42), at("2026-11-26T08:00:00.123Z"), HasLatency | HasTime},
		"slog's line, through the fast path and on after the user"},
	{typicalJSON, allFields, Event,
		refRecord{"INFO", "jane.smith42@example.com", "login", ms(42), at("2026-11-26T08:00:00.123Z"), HasLatency | HasTime},
		"slog's JSON line"},
	{`time=2026-11-26T08:00:00.110Z level=INFO msg="cache refreshed" component=cache latency_ms=18`, allFields, Event,
		refRecord{"INFO", "", "", ms(18), at("2026-11-26T08:00:00.110Z"), HasLatency | HasTime},
		"a line with no user reads to the end"},
	{`{"level":"info","ts":1732608000.123,"caller":"svc/main.go:42","msg":"user action","user":"u7","action":"search","latency_ms":1.5}`, allFields, Event,
		refRecord{"info", "u7", "search", ms(1.5), 1732608000123000000, HasLatency | HasTime},
		"zap: epoch seconds under ts, a fractional latency"},
	{`time="2026-11-26T09:00:00+01:00" level=info msg="user action" action=login latency_ms=12 user=bob`, allFields, Event,
		refRecord{"info", "bob", "login", ms(12), at("2026-11-26T08:00:00Z"), HasLatency | HasTime},
		"logrus: a quoted time with an offset, the user last"},
	{`level=INFO latency_ms=1.5s`, allFields, Event,
		refRecord{"INFO", "", "", 1.5e9, 0, HasLatency},
		"a duration carries its own unit"},
	{`level=INFO latency_ms=fast time=yesterday`, allFields, Event,
		refRecord{"INFO", "", "", 0, 0, BadLatency | BadTime},
		"values that are no latency or time are marked, not Malformed"},
	{`level=INFO latency_ms= time=""`, allFields, Event,
		refRecord{"INFO", "", "", 0, 0, 0},
		"empty values are no values"},
	{`level=INFO user=a action="log\"in"`, allFields, Event,
		refRecord{"INFO", "a", `log"in`, 0, 0, 0},
		"a quoted action is unquoted"},
	{`level=INFO user=a action="bad \q"`, allFields, Malformed, refRecord{}, "a bad escape in the action"},
	{`level=INFO user=a latency_ms="bad \q"`, allFields, Event,
		refRecord{"INFO", "a", "", 0, 0, BadLatency},
		"a bad escape in the latency only spoils the latency"},
	{`level=INFO user=a action="unterminated`, allFields, Malformed, refRecord{},
		"with the action taken, the parser reads past the user"},
	{`level=INFO user=a action="unterminated`, Config{}, Event, refRecord{level: "INFO", user: "a"},
		"without it, parsing stops after the user"},
	{`ts=1732608000 time=2026-11-26T08:00:00Z level=WARN`, allFields, Event,
		refRecord{level: "WARN", time: 1732608000e9, has: HasTime},
		"the first time key on the line counts"},
	{`{"level":"INFO","latency_ms":null,"time":{"a":1},"action":7}`, allFields, Event,
		refRecord{level: "INFO", action: "7"},
		"JSON: null and objects give no value; a numeric action is its text"},
	{`{"level":"INFO","latency_ms":"250µs","time":"2026-11-26T08:00:00.5Z"}`, allFields, Event,
		refRecord{level: "INFO", latency: 250e3, time: at("2026-11-26T08:00:00.5Z"), has: HasLatency | HasTime},
		"JSON: a duration and a time as strings"},
	{`level=INFO latency=0.25`, Config{LatencyKey: "latency", LatencyUnit: 1e9}, Event,
		refRecord{level: "INFO", latency: 250e6, has: HasLatency},
		"an explicit unit"},
	{`level=INFO elapsed_us=250`, Config{LatencyKey: "elapsed_us"}, Event,
		refRecord{level: "INFO", latency: 250e3, has: HasLatency},
		"the unit from the key's suffix"},
	{typicalLogfmt, Config{ActionKey: "action"}, Event,
		refRecord{level: "INFO", user: "jane.smith42@example.com", action: "login"},
		"the action alone, through nextSlogTail"},
	{typicalLogfmt, Config{LatencyKey: "latency_ms"}, Event,
		refRecord{level: "INFO", user: "jane.smith42@example.com", latency: ms(42), has: HasLatency},
		"the latency alone, through nextSlogTail"},
	{typicalLogfmt, Config{LatencyKey: "latency_ms", LatencyUnit: 1e3}, Event,
		refRecord{level: "INFO", user: "jane.smith42@example.com", latency: 42e3, has: HasLatency},
		"another unit: not nextSlogTail's milliseconds"},
	{`time=2026-11-26T08:00:00.123Z level=INFO msg=a user=u action=x latency_ms="5"`, Config{ActionKey: "action"}, Event,
		refRecord{level: "INFO", user: "u", action: "x"},
		"the latency not taken: its quotes do not matter"},
	{`time=2026-11-26T08:00:00.123Z level=INFO msg=a user=u action=x latency_ms=12345678901`, allFields, Event,
		refRecord{"INFO", "u", "x", 12345678901e6, at("2026-11-26T08:00:00.123Z"), HasLatency | HasTime},
		"more digits than nextSlogTail reads inline"},
	{`time=2026-11-26T08:00:00.123Z level=INFO msg=a user=u action=x latency_ms=42abc extra=1`, allFields, Event,
		refRecord{"INFO", "u", "x", 0, at("2026-11-26T08:00:00.123Z"), BadLatency | HasTime},
		"a latency that starts with digits and is none"},
	{`{"level":"INFO"}`, Config{Format: Logfmt}, Malformed, refRecord{}, "forced logfmt does not read JSON"},
	{`level=INFO`, Config{Format: JSON}, Malformed, refRecord{}, "forced JSON does not read logfmt"},
	{`{"level":"INFO"}`, Config{Format: JSON}, Event, refRecord{level: "INFO"}, "forced JSON reads JSON"},
}

func recordOf(r Record) refRecord {
	return refRecord{string(r.Level), string(r.User), string(r.Action), r.Latency, r.Time, exactHas(&r)}
}

// exactHas is r.Has without WholeMillis when Millis holds the latency in
// whole milliseconds exactly, and without KnownLevel when Slot names the
// level exactly, so that a record compares equal to one from a parser that
// does not set them; a wrong Millis or Slot keeps its bit, and the
// comparison fails.
func exactHas(r *Record) Has {
	has := r.Has
	if has&(WholeMillis|HasLatency) == WholeMillis|HasLatency && int64(r.Millis)*1e6 == r.Latency {
		has &^= WholeMillis
	}
	if has&KnownLevel != 0 && int(r.Slot) < len(record.LevelNames) && record.LevelNames[r.Slot] == string(r.Level) {
		has &^= KnownLevel
	}
	return has
}

func TestParseFields(t *testing.T) {
	for _, tt := range fieldTests {
		p := mustParser(t, tt.c)
		rec, kind := parse(&p, []byte(tt.line))
		if got := recordOf(rec); kind != tt.kind || got != tt.want {
			t.Errorf("%s: Parse(%q) = %+v, %s; want %+v, %s", tt.comment, tt.line, got, kind.name(), tt.want, tt.kind.name())
		}
		if ref, kind := refParseWith(tt.line, tt.c); kind != tt.kind || ref != tt.want {
			t.Errorf("%s: refParseWith(%q) = %+v, %s; want %+v, %s", tt.comment, tt.line, ref, kind.name(), tt.want, tt.kind.name())
		}
	}
}

// TestParseFieldsAllocs: taking every field allocates nothing either.
func TestParseFieldsAllocs(t *testing.T) {
	p := mustParser(t, allFields)
	for _, tt := range fieldTests {
		b := []byte(tt.line)
		if n := testing.AllocsPerRun(100, func() { parse(&p, b) }); n != 0 {
			t.Errorf("Parse(%q) allocated %v times per call", tt.line, n)
		}
	}
}

// FuzzParseFields compares Parse with the reference parser, taking every
// field, on both the parse table's lines and the fields table's.
func FuzzParseFields(f *testing.F) {
	for _, tt := range fieldTests {
		f.Add([]byte(tt.line))
	}
	for _, tt := range parseTests {
		f.Add([]byte(tt.line))
	}
	// Every field, and each of the fields nextSlogTail reads alone, which
	// takes its fast path too.
	configs := []Config{allFields, {ActionKey: "action"}, {LatencyKey: "latency_ms", TimeKey: "time"}, {TimeKey: "ts,time"}}
	f.Fuzz(func(t *testing.T, line []byte) {
		orig := bytes.Clone(line)
		for _, c := range configs {
			// A fresh Parser per input, as in FuzzParse.
			p := mustParser(t, c)
			rec, kind := parse(&p, line)
			if !bytes.Equal(line, orig) {
				t.Fatalf("Parse changed its input %q to %q", orig, line)
			}
			want, wantKind := refParseWith(string(line), c)
			if got := recordOf(rec); kind != wantKind || got != want {
				t.Fatalf("%+v: Parse(%q) = %s; reference says %s", c, line, describe(got, kind), describe(want, wantKind))
			}
		}
	})
}

func describe(r refRecord, k Kind) string {
	return fmt.Sprintf("%+v %s", r, k.name())
}

// TestMinuteCache: times read through the minute cache, in and out of the
// remembered minute, with every fraction length and broken tails, equal
// what ParseTime reads alone.
func TestMinuteCache(t *testing.T) {
	p := mustParser(t, allFields)
	r := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	tails := []string{"60Z", "5Z", "05.Z", "05.1234567890Z", "05,1Z", "05z", "05.12a4Z", "5.1Z", "05+01:00", "05.5+01:00",
		"0/.123Z", "/9.123Z", "59.12/Z", "59.:23Z", "5:.123Z", "59.1234", "69.123Z", "09.9\x009Z", "59.999Z", "00.000Z"}
	for i := range 20000 {
		t0 := base.Add(time.Duration(r.Int64N(int64(3 * time.Minute))))
		var v string
		switch i % 4 {
		case 0:
			v = t0.Format(time.RFC3339Nano)
		case 1:
			v = t0.Format("2006-01-02T15:04:05.000Z07:00")
		case 2:
			v = t0.Format("2006-01-02T15:04:05Z07:00")
		default:
			v = t0.Format("2006-01-02T15:04:") + tails[r.IntN(len(tails))]
		}
		ns, ok := ParseTime([]byte(v))
		// readMillis, slog's fixed form, may decline; it must not differ.
		if got, hit := p.minute.readMillis([]byte(v)); hit && (!ok || got != ns) {
			t.Fatalf("%q: readMillis gave %d, ParseTime says %d, %v", v, got, ns, ok)
		}
		var rec Record
		p.takeTime(&rec, []byte(v))
		if got := rec.Has&HasTime != 0; got != ok || ok && rec.Time != ns || !ok && rec.Has&BadTime == 0 {
			t.Fatalf("%q: took %d (has %b), ParseTime says %d, %v", v, rec.Time, rec.Has, ns, ok)
		}
	}
	// The last minutes of int64's range: a cached minute must not wrap.
	for _, v := range []string{"2262-04-11T23:47:00Z", "2262-04-11T23:47:16Z", "2262-04-11T23:47:17Z", "2262-04-11T23:47:59Z"} {
		var rec Record
		p.takeTime(&rec, []byte(v))
		ns, ok := ParseTime([]byte(v))
		if rec.Has&HasTime != 0 != ok || ok && rec.Time != ns {
			t.Errorf("%q: took %d (has %b), ParseTime says %d, %v", v, rec.Time, rec.Has, ns, ok)
		}
	}
}

// TestSecondCacheWords: times whose first two words differ from the
// cached minute's only where OR-ing one word into the other would hide it
// (byte 0 of each, '0' where the cached time has '2', whose bits '0' lacks)
// are not read as the cached second.
func TestSecondCacheWords(t *testing.T) {
	for _, c := range [][2]string{
		{"2026-11-26T08:00:05.000Z", "0026-11-06T08:00:05.001Z"},
		{"2026-11-26T28:00:05.000Z", "0026-11-26T08:00:05.001Z"},
		{"2026-11-26T08:00:05.000Z", "2026-11-26T08:00:05.001Z"},
	} {
		p := mustParser(t, allFields)
		ns, ok := ParseTime([]byte(c[0]))
		if !ok {
			// A minute ParseTime refuses is not remembered; take one it reads.
			c[0] = "2026-11-26T08:00:05.000Z"
			ns, _ = ParseTime([]byte(c[0]))
		}
		p.minute.remember([]byte(c[0]), ns)
		if _, hit := p.minute.readMillis([]byte(c[0])); !hit {
			t.Fatalf("%q: not read in its own minute", c[0])
		}
		want, ok := ParseTime([]byte(c[1]))
		if got, hit := p.minute.readMillis([]byte(c[1])); hit && (!ok || got != want) {
			t.Errorf("after %q: %q read as %d, ParseTime says %d, %v", c[0], c[1], got, want, ok)
		}
	}
}

// TestSecondCache: slog's times in the order logs hold them, a few
// milliseconds apart, with jumps to the same second of another minute,
// hour or day and back, and broken milliseconds within a cached second:
// readMillis, which keeps the last second, equals ParseTime alone.
func TestSecondCache(t *testing.T) {
	p := mustParser(t, allFields)
	r := rand.New(rand.NewPCG(3, 4))
	base := time.Date(2026, 11, 26, 8, 0, 5, 0, time.UTC)
	t0 := base
	jumps := []time.Duration{time.Minute, -time.Minute, time.Hour, 24 * time.Hour, -25 * time.Hour}
	broken := []string{"12aZ", "1/3Z", "123z", "12:Z", "\x0023Z", "999Z", "000Z", "1230",
		"1:3Z", "\xb023Z", "12\xb9Z", "12\x7fZ", "123Y", "123\xdaZ", "\xba23Z", "\xcf00Z"}
	read := func(v string) {
		t.Helper()
		ns, ok := ParseTime([]byte(v))
		got, hit := p.minute.readMillis([]byte(v))
		if hit && (!ok || got != ns) {
			t.Fatalf("%q: readMillis gave %d, ParseTime says %d, %v", v, got, ns, ok)
		}
		if !hit && ok {
			// As takeSlogTime does: ParseTime reads it, the minute is
			// remembered.
			p.minute.remember([]byte(v), ns)
		}
	}
	hits := 0
	for range 20000 {
		switch r.IntN(50) {
		case 0:
			t0 = t0.Add(jumps[r.IntN(len(jumps))])
		case 1:
			read(t0.Format("2006-01-02T15:04:05.") + broken[r.IntN(len(broken))])
			continue
		case 2:
			// NULs where the second is, right after a new minute, when
			// the cache holds no second.
			t0 = t0.Add(time.Minute)
			read(t0.Format("2006-01-02T15:04:05.000Z"))
			t0 = t0.Add(time.Minute)
			read(t0.Format("2006-01-02T15:04:05.000Z"))
			read(t0.Format("2006-01-02T15:04") + "\x00\x00\x00\x00123Z")
			continue
		default:
			t0 = t0.Add(time.Duration(r.IntN(4)) * time.Millisecond)
		}
		v := t0.Format("2006-01-02T15:04:05.000Z")
		if _, hit := p.minute.readMillis([]byte(v)); hit {
			hits++
		}
		read(v)
	}
	if hits < 15000 {
		t.Errorf("the cache took %d of 20000 times; the test no longer exercises it", hits)
	}
}
