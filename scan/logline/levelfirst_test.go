package logline

import (
	"bytes"
	"fmt"
	"testing"
	"time"
	"unsafe"
)

type levelFirstTest struct {
	line         string
	kind         Kind
	shape        Shape
	level        string
	user, action string
	latency      int64 // ns; -1 none
	time         string
	has          Has // of BadLatency and BadTime
}

// now for the tests' klog lines: 2026-11-26T12:00:00Z.
var testNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

var levelFirstTests = []levelFirstTest{
	// klog: the letter's name, the year from now, a quoted or raw message.
	{line: `I1126 08:00:00.123456       1 file.go:12] "msg" user="x" action="y" latency_ms=12`, kind: Event, shape: ShapeKlog,
		level: "INFO", user: "x", action: "y", latency: 12e6, time: "2026-11-26T08:00:00.123456Z"},
	{line: `W1126 08:00:00.000001 7 a.go:1] "user=fake action=fake" user="real"`, kind: Event, shape: ShapeKlog,
		level: "WARN", user: "real", latency: -1, time: "2026-11-26T08:00:00.000001Z"},
	{line: `E1126 08:00:00.000000 7 a.go:1] raw printf user=ghost after "timeout"`, kind: Event, shape: ShapeKlog,
		level: "ERROR", latency: -1, time: "2026-11-26T08:00:00Z"},
	{line: `F1126 08:00:00.000000 7 a.go:1]`, kind: Event, shape: ShapeKlog, level: "FATAL", latency: -1, time: "2026-11-26T08:00:00Z"},
	{line: `I1127 11:59:59.000000 7 a.go:1] tomorrow, within a day`, kind: Event, shape: ShapeKlog, level: "INFO", latency: -1, time: "2026-11-27T11:59:59Z"},
	{line: `I1127 12:00:01.000000 7 a.go:1] over a day ahead: last year`, kind: Event, shape: ShapeKlog, level: "INFO", latency: -1, time: "2025-11-27T12:00:01Z"},
	{line: `I1231 23:59:59.999999 7 a.go:1] December`, kind: Event, shape: ShapeKlog, level: "INFO", latency: -1, time: "2025-12-31T23:59:59.999999Z"},
	{line: `I0229 08:00:00.000000 7 a.go:1] no 29 February in 2026 or 2025`, kind: Event, shape: ShapeKlog, level: "INFO", latency: -1, has: BadTime},
	{line: `I1126 08:00:00.123456 x file.go:12] no thread`, kind: Malformed},
	{line: `I1126 08:00:00 1 f.go:1] no micros`, kind: Malformed},
	{line: `I1126 08:00:00.000000 0000]`, kind: Malformed}, // found by FuzzParseLevelFirst: it panicked
	{line: `I1126 08:00:00.000000 7 f.go:1]x`, kind: Malformed},
	{line: `I1126 08:00:00.000000 7 ] no file`, kind: Malformed},
	{line: `W1126 08:00:00.000000 7 f]`, kind: Event, shape: ShapeKlog, level: "WARN", latency: -1, time: "2026-11-26T08:00:00Z"},
	{line: "I1126 08:00:00.000000     ", kind: Malformed}, // untrimmed, unlike ParseAny's lines
	{line: `I1126 08:00:00.123456 1 file go:12] a space in the file`, kind: Malformed},

	// hclog: offsets with and without a colon.
	{line: `2026-11-26T08:00:00.123Z [INFO]  vault.core: msg: user=x action="a b" latency_ms=12`, kind: Event, shape: ShapeHclog,
		level: "INFO", user: "x", action: "a b", latency: 12e6, time: "2026-11-26T08:00:00.123Z"},
	{line: `2026-11-26T09:00:00.123+0100 [ERROR] msg: user="q\"\e"`, kind: Event, shape: ShapeHclog,
		level: "ERROR", user: `q"\e`, latency: -1, time: "2026-11-26T08:00:00.123Z"},
	{line: `2026-11-26T03:00:00.000-05:00 [TRACE] t`, kind: Event, shape: ShapeHclog, level: "TRACE", latency: -1, time: "2026-11-26T08:00:00Z"},
	{line: `2026-11-26T08:00:00.123Z [NOTE]  msg`, kind: Malformed},
	{line: `2026-13-26T08:00:00.123Z [WARN]  bad month user=x`, kind: Event, shape: ShapeHclog, level: "WARN", user: "x", latency: -1, has: BadTime},

	// The log package and slog's default logger.
	{line: `2026/11/26 08:00:00 INFO msg user=x action=y latency_ms=1.5`, kind: Event, shape: ShapeStdlog,
		level: "INFO", user: "x", action: "y", latency: 1.5e6, time: "2026-11-26T08:00:00Z"},
	{line: `2026/11/26 08:00:00.123456 ERROR+4 m user="a b"`, kind: Event, shape: ShapeStdlog,
		level: "ERROR+4", user: "a b", latency: -1, time: "2026-11-26T08:00:00.123456Z"},
	{line: `2026/11/26 08:00:00 DEBUG-4`, kind: Event, shape: ShapeStdlog, level: "DEBUG-4", latency: -1, time: "2026-11-26T08:00:00Z"},
	{line: `2026/11/26 08:00:00 app: ERROR m user=x`, kind: Event, shape: ShapeStdlog, level: "ERROR", user: "x", latency: -1, time: "2026-11-26T08:00:00Z"},
	{line: `2026/11/26 08:00:00 note: not a level user=x`, kind: NoLevel, shape: ShapeStdlog, user: "x", latency: -1, time: "2026-11-26T08:00:00Z"},
	{line: `8:00AM WARN charm with time.Kitchen user=x`, kind: Event, shape: ShapeCharm, level: "WARN", user: "x", latency: -1},
	{line: `2026/11/26 08:00:00 main.go:12: WARN m user=x`, kind: Event, shape: ShapeStdlog, level: "WARN", user: "x", latency: -1, time: "2026-11-26T08:00:00Z"},
	{line: `2026/11/26 08:00:00 no level user=x latency_ms=NaN`, kind: NoLevel, shape: ShapeStdlog, user: "x", latency: -1, time: "2026-11-26T08:00:00Z", has: BadLatency},
	{line: `2026/11/26 08:00:00 INFO user="g\"host" latency_ms=1 after "t" user=real action=y`, kind: Event, shape: ShapeStdlog, level: "INFO", user: "real", action: "y", latency: -1, time: "2026-11-26T08:00:00Z"},
	{line: `2026/11/26 08:00:00 INFOS is a word user=x`, kind: NoLevel, shape: ShapeStdlog, user: "x", latency: -1, time: "2026-11-26T08:00:00Z"},
	{line: `2026/11/26 08:00:00`, kind: NoLevel, shape: ShapeStdlog, latency: -1, time: "2026-11-26T08:00:00Z"},
	{line: `2026/11/26 08:00:00 level=ERROR user=x`, kind: NoLevel, shape: ShapeStdlog, user: "x", latency: -1, time: "2026-11-26T08:00:00Z"},
	{line: `2026/02/30 08:00:00 INFO impossible date`, kind: Malformed},
	{line: `2026/11/26 08:00:00x INFO`, kind: Malformed},

	// charm.
	{line: `INFO msg user=x`, kind: Event, shape: ShapeCharm, level: "INFO", user: "x", latency: -1},
	{line: `ERRO prefix: msg user="a b"`, kind: Event, shape: ShapeCharm, level: "ERRO", user: "a b", latency: -1},
	{line: `2026/11/26 08:00:00 FATA <main.go:3> msg user=x`, kind: Event, shape: ShapeCharm, level: "FATA", user: "x", latency: -1, time: "2026-11-26T08:00:00Z"},
	{line: `2026-11-26T08:00:00Z DEBU msg user=x`, kind: Event, shape: ShapeCharm, level: "DEBU", user: "x", latency: -1, time: "2026-11-26T08:00:00Z"},
	{line: `WARN`, kind: Event, shape: ShapeCharm, level: "WARN", latency: -1},

	// zerolog's ConsoleWriter.
	{line: `8:00AM INF msg user=x action=y latency_ms=12`, kind: Event, shape: ShapeZerologConsole, level: "INF", user: "x", action: "y", latency: 12e6},
	{line: `12:59PM WRN main.go:7 > msg user="a b"`, kind: Event, shape: ShapeZerologConsole, level: "WRN", user: "a b", latency: -1},
	{line: `<nil> ERR user=x`, kind: Event, shape: ShapeZerologConsole, level: "ERR", user: "x", latency: -1},
	{line: `2026-11-26T08:00:00Z PNC msg`, kind: Event, shape: ShapeZerologConsole, level: "PNC", latency: -1, time: "2026-11-26T08:00:00Z"},
	{line: `2026-11-26T08:00:00Z INF the line's time, not a pair's time=garbage`, kind: Event, shape: ShapeZerologConsole, level: "INF", latency: -1, time: "2026-11-26T08:00:00Z"},
	{line: `8:00AM ??? no level user=x`, kind: NoLevel, shape: ShapeZerologConsole, user: "x", latency: -1},
	{line: `TRC msg user=x`, kind: Event, shape: ShapeZerologConsole, level: "TRC", user: "x", latency: -1},
	{line: `15:04:05 DBG clock only user=x`, kind: Event, shape: ShapeZerologConsole, level: "DBG", user: "x", latency: -1},
	{line: `8:00AM XYZ msg`, kind: Malformed},

	// zap's development console encoder.
	{line: "2026-11-26T08:00:00.000Z\tINFO\tpkg/file.go:12\tmsg\t{\"user\": \"x\", \"latency_ms\": 12}", kind: Event, shape: ShapeZapConsole,
		level: "INFO", user: "x", latency: 12e6, time: "2026-11-26T08:00:00Z"},
	{line: "2026-11-26T09:00:00.000+0100\tDPANIC\tname\tmsg {not json}", kind: Event, shape: ShapeZapConsole, level: "DPANIC", latency: -1, time: "2026-11-26T08:00:00Z"},
	{line: "2026-11-26T08:00:00.000Z\tWARN\tm\t{\"user\": \"x\", \"action\": }", kind: Event, shape: ShapeZapConsole, level: "WARN", latency: -1, time: "2026-11-26T08:00:00Z"},
	{line: "ERROR\tmsg\t{\"user\":\"x\",\"level\":\"INFO\"}", kind: Event, shape: ShapeZapConsole, level: "ERROR", user: "x", latency: -1},
	{line: "2026-11-26T08:00:00.000Z\tNOTICE\tmsg", kind: Malformed},
	{line: "2026-11-26T08:00:00.000Z\tINFO\tm\t{\"time\":\"garbage\",\"user\":\"x\"}", kind: Event, shape: ShapeZapConsole, level: "INFO", user: "x", latency: -1, time: "2026-11-26T08:00:00Z"},

	// zap's production config with the console encoder: float seconds.
	{line: "1.7956799771230001e+09\tinfo\tm\t{\"user\":\"x\"}", kind: Event, shape: ShapeZapConsole, level: "info", user: "x", latency: -1, time: "2026-11-26T07:59:37.1230001Z"},
	{line: "1.795679977e+09\twarn\tm", kind: Event, shape: ShapeZapConsole, level: "warn", latency: -1, time: "2026-11-26T07:59:37Z"},
	{line: "1.7e+09\tdpanic\tm", kind: Event, shape: ShapeZapConsole, level: "dpanic", latency: -1, time: "2023-11-14T22:13:20Z"},
	{line: "1.7956799771230001e+999\terror\tm", kind: Event, shape: ShapeZapConsole, level: "error", latency: -1, has: BadTime},
	{line: "1.5e-03\terror\tm", kind: Event, shape: ShapeZapConsole, level: "error", latency: -1, has: BadTime},
	{line: "info\tm", kind: Event, shape: ShapeZapConsole, level: "info", latency: -1},
	{line: "information\tm", kind: Malformed},
	{line: "time=2026-11-26T08:00:00Z level=INFO", kind: Malformed},

	// logrus with colours, stripped.
	{line: `INFO[0000] msg                                           action=y latency_ms=2500 user=x`, kind: Event, shape: ShapeLogrusText,
		level: "INFO", user: "x", action: "y", latency: 2.5e9},
	{line: `ERRO[2026-11-26T08:00:00Z] full user="a b"`, kind: Event, shape: ShapeLogrusText, level: "ERRO", user: "a b", latency: -1, time: "2026-11-26T08:00:00Z"},
	{line: `WARN[Nov 26 08:00] custom format user=x`, kind: Event, shape: ShapeLogrusText, level: "WARN", user: "x", latency: -1},
	{line: `PANI[0001]`, kind: Event, shape: ShapeLogrusText, level: "PANI", latency: -1},
	{line: `INFO[0000`, kind: Malformed},

	// Not a level-first line: the dispatcher tries the next reader.
	{line: `level=INFO user=x`, kind: Malformed},
	{line: `{"level":"INFO"}`, kind: Malformed},
	{line: `12345`, kind: Malformed},
	{line: `2026-11-26T08:00:00Z`, kind: Malformed},
	{line: `2026-11-26T08:00:00Z something else`, kind: Malformed},
	{line: `Information is not a level`, kind: Malformed},
	{line: `goroutine 1 [running]:`, kind: Malformed},
	{line: `???`, kind: NoLevel, shape: ShapeZerologConsole, latency: -1},
}

func TestParseLevelFirst(t *testing.T) {
	for _, tt := range levelFirstTests {
		p := newTestParser(t)
		p.now = testNow
		var rec Record
		kind, shape := p.parseLevelFirst([]byte(tt.line), &rec)
		lat := int64(-1)
		if rec.Has&HasLatency != 0 {
			lat = rec.Latency
		}
		tm := ""
		if rec.Has&HasTime != 0 {
			tm = time.Unix(0, rec.Time).UTC().Format(time.RFC3339Nano)
		}
		if tt.kind == Malformed {
			tt.latency = -1
		}
		if kind != tt.kind || shape != tt.shape || string(rec.Level) != tt.level || string(rec.User) != tt.user ||
			string(rec.Action) != tt.action || lat != tt.latency || tm != tt.time || rec.Has&(BadLatency|BadTime) != tt.has {
			t.Errorf("%q:\ngot  %s shape %d level %q user %q action %q latency %d time %q has %b\nwant %s shape %d level %q user %q action %q latency %d time %q has %b",
				tt.line, kindName(kind), shape, rec.Level, rec.User, rec.Action, lat, tm, rec.Has,
				kindName(tt.kind), tt.shape, tt.level, tt.user, tt.action, tt.latency, tt.time, tt.has)
		}
	}
}

func kindName(k Kind) string {
	switch k {
	case NoLevel:
		return "NoLevel"
	case Continuation:
		return "Continuation"
	}
	return k.name()
}

// TestParseLevelFirstKeys: only the fields the Parser takes are filled,
// under the keys it is given.
func TestParseLevelFirstKeys(t *testing.T) {
	var zero Parser // level and user only
	var rec Record
	line := []byte(`2026/11/26 08:00:00 INFO m user=x action=y latency_ms=3`)
	if kind, _ := zero.parseLevelFirst(line, &rec); kind != Event || string(rec.User) != "x" || rec.Action != nil || rec.Has != 0 {
		t.Errorf("zero Parser: %s %+v, want the user alone", kindName(kind), rec)
	}
	p, err := NewParser(Config{UserKey: "uid,user", ActionKey: "op", LatencyKey: "took", TimeKey: "ts"})
	if err != nil {
		t.Fatal(err)
	}
	line = []byte("2026-11-26T08:00:00.000Z\tINFO\tm\t{\"user\":\"no\",\"uid\":\"yes\",\"op\":\"o\",\"took\":\"1.5s\",\"action\":\"no\"}")
	if kind, _ := p.parseLevelFirst(line, &rec); kind != Event || string(rec.User) != "no" || string(rec.Action) != "o" ||
		rec.Latency != 1.5e9 || rec.Has != HasLatency|HasTime {
		t.Errorf("configured keys: %s %+v", kindName(kind), rec)
	}
}

// TestPairsStart checks the search for the pairs that end a message
// against refPairsStart on lines made to mislead it.
func TestPairsStart(t *testing.T) {
	for _, tt := range []struct{ s, pairs string }{
		{`msg user=x`, `user=x`},
		{`user=ghost after "timeout"`, ``},
		{`user=ghost after "timeout" user=real`, `user=real`},
		{`a="b c" d=e`, `a="b c" d=e`},
		{`say a="b c=d" e`, ``},
		{`a="b c=d e=f"`, `a="b c=d e=f"`},
		{`x a="unclosed b=c`, `b=c`},
		{`x a="q"b c=d`, `c=d`},
		{`x =y a=b`, `a=b`},
		{`x a=b  c=d`, `a=b  c=d`},
		{`x a="\"" b=c`, `a="\"" b=c`},
		{`x a="\\" b=c`, `a="\\" b=c`},
		{`a=1 a=1 a=1 a=1 "`, ``},
		{`message ends with a=`, `a=`},
	} {
		var p Parser
		var rec Record
		s := []byte(tt.s)
		got := string(s[p.pairsFrom(s, 0, &rec, 0, false):])
		if ref := string(s[refPairsStart(s):]); got != tt.pairs || ref != tt.pairs {
			t.Errorf("%q: pairs %q, reference %q, want %q", tt.s, got, ref, tt.pairs)
		}
	}
}

// refPairsStart is pairsFrom done the slow way: try every word.
func refPairsStart(s []byte) int {
	for c := 0; c < len(s); c++ {
		if (c == 0 || s[c-1] == ' ') && s[c] != ' ' && refAllPairs(s[c:]) {
			return c
		}
	}
	return len(s)
}

// refAllPairs says whether s is pairs to its end, one character at a time.
func refAllPairs(s []byte) bool {
	i := 0
	for i < len(s) {
		k := i
		for i < len(s) && s[i] != '=' && s[i] != ' ' && s[i] != '"' {
			i++
		}
		if i == k || i == len(s) || s[i] != '=' {
			return false
		}
		i++
		if i < len(s) && s[i] == '"' {
			i++
			for i < len(s) && s[i] != '"' {
				if s[i] == '\\' {
					i++
				}
				i++
			}
			if i >= len(s) {
				return false
			}
			i++
			if i < len(s) && s[i] != ' ' {
				return false
			}
		} else {
			for i < len(s) && s[i] != ' ' {
				i++
			}
		}
		for i < len(s) && s[i] == ' ' {
			i++
		}
	}
	return true
}

func TestParseLevelFirstAllocs(t *testing.T) {
	p := newTestParser(t)
	p.now = testNow
	for _, tt := range levelFirstTests {
		line := []byte(tt.line)
		var rec Record
		// AllocsPerRun runs the function once before it counts: that run
		// grows the Parser's buffers.
		if n := testing.AllocsPerRun(100, func() {
			p.scratch = p.scratch[:0]
			p.parseLevelFirst(line, &rec)
		}); n != 0 {
			t.Errorf("%q: %.0f allocations, want 0", tt.line, n)
		}
	}
	line := []byte(`2026/11/26 08:00:00 INFO a=1 a=1 a="\"x" a=1 y user="q\e" a=1 z user=x`)
	if n := testing.AllocsPerRun(100, func() {
		var rec Record
		p.scratch = p.scratch[:0]
		p.parseLevelFirst(line, &rec)
	}); n != 0 {
		t.Errorf("misleading pairs: %.0f allocations, want 0", n)
	}
}

func FuzzParseLevelFirst(f *testing.F) {
	for _, tt := range levelFirstTests {
		f.Add([]byte(tt.line))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		// ParseAny passes a line trimmed, but parseLevelFirst must stay
		// in bounds on any non-empty line.
		if len(line) == 0 || bytes.IndexByte(line, '\n') >= 0 {
			return
		}
		orig := bytes.Clone(line)
		p, err := NewParser(Config{ActionKey: "action", LatencyKey: "latency_ms", TimeKey: "time"})
		if err != nil {
			t.Fatal(err)
		}
		p.now = testNow
		var rec Record
		kind, shape := p.parseLevelFirst(line, &rec)
		if !bytes.Equal(line, orig) {
			t.Fatalf("parseLevelFirst changed its input %q to %q", orig, line)
		}
		switch kind {
		case Event:
			if len(rec.Level) == 0 {
				t.Fatalf("%q: Event with no level", line)
			}
		case NoLevel:
			if len(rec.Level) != 0 {
				t.Fatalf("%q: NoLevel with level %q", line, rec.Level)
			}
		case Malformed:
			if shape != ShapeNone || !isZero(rec) {
				t.Fatalf("%q: Malformed with shape %d and record %+v", line, shape, rec)
			}
		default:
			t.Fatalf("%q: kind %d", line, kind)
		}
		if kind != Malformed && (shape < ShapeKlog || shape > ShapeLogrusText) {
			t.Fatalf("%q: shape %d", line, shape)
		}
		for _, v := range [][]byte{rec.Level, rec.User, rec.Action} {
			if len(v) > 0 && !within(v, line) && !within(v, p.scratch) &&
				!within(v, levelInfo) && !within(v, levelWarn) && !within(v, levelError) && !within(v, levelFatal) {
				t.Fatalf("%q: value %q is neither in the line nor in the Parser", line, v)
			}
		}
		var tmp Record
		if start := p.pairsFrom(line, 0, &tmp, 0, false); start != refPairsStart(line) {
			t.Fatalf("%q: pairs from %d, reference says %d", line, start, refPairsStart(line))
		}
	})
}

func isZero(rec Record) bool {
	return rec.Level == nil && rec.User == nil && rec.Action == nil && rec.Latency == 0 && rec.Time == 0 && rec.Has == 0
}

// within says whether sub lies in whole's memory.
func within(sub, whole []byte) bool {
	if len(whole) == 0 {
		return false
	}
	s, w := uintptr(unsafe.Pointer(unsafe.SliceData(sub))), uintptr(unsafe.Pointer(unsafe.SliceData(whole)))
	return s >= w && s+uintptr(len(sub)) <= w+uintptr(len(whole))
}

// TestKlogYearWithinAMinute reads, with one Parser, lines of the minute in
// which now plus a day falls: the seconds before it are this year's, those
// after last year's, though the minute is remembered between lines.
func TestKlogYearWithinAMinute(t *testing.T) {
	p := newTestParser(t)
	p.now = time.Date(2026, 11, 26, 12, 0, 30, 0, time.UTC)
	for _, tt := range []struct {
		clock string
		year  int
	}{
		{"1127 12:00:29.000001", 2026},
		{"1127 12:00:31.000000", 2025},
		{"1127 12:00:30.999999", 2026}, // 30.999999 is within a day: the test is on whole seconds
		{"1126 08:00:00.000000", 2026},
		{"1127 12:00:59.000000", 2025},
		{"1127 12:00:00.000000", 2026},
		{"0229 12:00:00.000000", 0}, // neither 2026 nor 2025 has one
		{"1127 12:00:60.000000", 0},
	} {
		var rec Record
		kind, _ := p.parseLevelFirst([]byte("I"+tt.clock+" 1 f.go:1] m"), &rec)
		got := ""
		if rec.Has&HasTime != 0 {
			got = time.Unix(0, rec.Time).UTC().Format(time.RFC3339Nano)
		}
		want := ""
		if tt.year != 0 {
			w, err := time.Parse("2006 0102 15:04:05.000000", fmt.Sprint(tt.year, " ", tt.clock))
			if err != nil {
				t.Fatal(err)
			}
			want = w.Format(time.RFC3339Nano)
		}
		if kind != Event || got != want || (want == "") != (rec.Has&BadTime != 0) {
			t.Errorf("%s: %s time %q has %b, want %q", tt.clock, kindName(kind), got, rec.Has, want)
		}
	}
}
