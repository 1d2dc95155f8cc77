package logline

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// FuzzNextDocker checks nextDocker, the json-file fast path, against the
// general path it stands in for (nextPiece on the line cut at its '\n'):
// wherever it takes a line it must step exactly over that line and give the
// record, kind and form the general path gives.
func FuzzNextDocker(f *testing.F) {
	for _, s := range []string{
		`{"log":"time=2026-11-26T08:00:00.123Z level=INFO msg=\"user action\" user=u1@example.com action=login latency_ms=42\n","stream":"stdout","time":"2026-11-26T08:00:00.124Z"}` + "\n",
		`{"log":"{\"time\":\"2026-11-26T08:00:00.123Z\",\"level\":\"INFO\",\"msg\":\"user action\",\"user\":\"u1\",\"action\":\"login\",\"latency_ms\":7}\n","stream":"stderr","time":"2026-11-26T08:00:00.124Z"}` + "\n",
		`{"log":"level=INFO user=a\n","stream":"stdout","time":"2026-11-26T08:00:00.5Z"}` + "\n",
		`{"log":"level=INFO user=a\n","stream":"stdout","time":"2026-11-26T08:00:00.5Z"}` + "\r\n",
		`{"log":"level=INFO user=a"b\n","stream":"stdout","time":"2026-11-26T08:00:00.5Z"}` + "\n",
		`{"log":"level=INFO user=a` + "\n" + `","stream":"stdout","time":"2026-11-26T08:00:00.5Z"}` + "\n",
		`{"log":"level=INFO user=a\nlevel=WARN user=b\n","stream":"stdout","time":"2026-11-26T08:00:00.5Z"}` + "\n",
		`{"log":"level=INFO user=a\\n","stream":"stdout","time":"2026-11-26T08:00:00.5Z"}` + "\n",
		`{"log":"level=INFO user=\u00e9 msg=\"caf\u00e9\"\n","stream":"stdout","time":"2026-11-26T08:00:00.5Z"}` + "\n",
		`{"log":"level=INFO user=a\n","stream":"stdout","time":"not a time"}` + "\n",
		`{"log":"lev\tel=INFO user=a\n","stream":"stdout","time":"2026-11-26T08:00:00.5Z"}` + "\n",
		`{"log":"I1126 08:00:00.123456 1 main.go:12] \"user action\" user=\"a\"\n","stream":"stdout","time":"2026-11-26T08:00:00.5Z"}` + "\n",
		`{"log":"time=2026-11-26T08:00:00.123Z level=INFO msg=\"user action\" user=u1@example.com action=login latency_ms=42\n","stream":"stdout","time":"2026-11-26` + "\n" + `T08:00:00.5Z"}` + "\n",
		`{"log":"level=INFO user=a\n","stream":"stdout","attrs":{"k":"v"},"time":"2026-11-26T08:00:00.5Z"}` + "\n",
		`{"log":"{\"level\":\"INFO\",\"user\":\"u\\\"1\",\"n\":{\"a\":[1,{\"b\":\"c\"}]},\"latency_ms\":1.5e+06}\n","stream":"stdout","time":"2026-11-26T08:00:00.5Z"}` + "\n",
		`{"log":"{\"level\":\"INFO\",\"user\":\"u1\"` + "\n" + `}\n","stream":"stdout","time":"2026-11-26T08:00:00.5Z"}` + "\n",
		`{"log":"{\"level\":\"INFO\",\"user\":\"u1\"} \n","stream":"stderr","time":"2026-11-26T08:00:00.5Z"}` + "\n",
		`{"log":"{\"level\":\"INFO\",\"user\":\"u1\",\"time\":\"bad\"}\n","stream":"stdout","time":"2026-11-26T08:00:00.5Z"}` + "\n",
	} {
		f.Add([]byte(s))
	}
	cfg := Config{ActionKey: "action", LatencyKey: "latency_ms", TimeKey: "time,ts"}
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, err := NewParser(cfg)
		if err != nil {
			t.Fatal(err)
		}
		var a Record
		n, kind := fast.nextDocker(data, &a)
		if n == 0 {
			return
		}
		nl := bytes.IndexByte(data, '\n')
		if nl < 0 || n != nl+1 {
			t.Fatalf("%q: nextDocker stepped %d bytes, the line has %d", data, n, nl+1)
		}
		// nextPiece, the path NextAny took before, and parseDocker, which
		// reads the log through parseInner and never through Next.
		general, _ := NewParser(cfg)
		var c Record
		kindG, formG, ok := general.nextPiece(data[:nl], data[:n], &c)
		if !ok || kind != kindG || MakeForm(ShapeDocker, fast.innerShape) != formG {
			t.Fatalf("%q: nextDocker says %d %v, nextPiece %d %v %v", data, kind, MakeForm(ShapeDocker, fast.innerShape), kindG, formG, ok)
		}
		sameRecord(t, data, &a, &c)
		inner, _ := NewParser(cfg)
		if kindI, ok := inner.parseDocker(data[:nl], &c); !ok || kindI != kind || inner.innerShape != fast.innerShape {
			t.Fatalf("%q: nextDocker says %d %v, parseDocker %d %v %v", data, kind, fast.innerShape, kindI, inner.innerShape, ok)
		}
		sameRecord(t, data, &a, &c)
	})
}

// FuzzNextEscaped checks nextEscaped, slog's line read where it
// lies in Docker's log, against its slow twin, the log unescaped and read by
// Next, on a log given as the JSON string's content (any escapes, raw quotes
// and bytes) and on a log given raw, quoted as moby quotes it; each with
// every field taken, with the time alone and with no time.
func FuzzNextEscaped(f *testing.F) {
	for _, s := range []string{
		`time=2026-11-26T08:00:00.123Z level=INFO msg=\"user action\" user=u1@example.com action=login latency_ms=42\n`,
		`time=2026-11-26T08:00:00.123Z level=INFO msg=\"user action\" user=u1@example.com action=login latency_ms=42 k=v\n`,
		`time=2026-11-26T08:00:00.123Z level=INFO msg=\"user action\" user=u1@example.com\n`,
		`time=2026-11-26T08:00:00.123Z level=INFO msg=\"user action\" user=u1@ex\"ample.com action=login latency_ms=42\n`,
		`time=2026-11-26T08:00:00.123Z level=INFO msg=\"user action\" user=u1@ex"ample.com action=login latency_ms=42\n`,
		`time=2026-11-26T08:00:00.123Z level=INFO msg=\"user action\" user=u1\\ action=login latency_ms=42\n`,
		`time=2026-11-26T08:00:00.123Z level=IN\tFO msg=\"user action\" user=u1 action=login latency_ms=42\n`,
		`time=2026-11-26T08:00:00.123Z level=INFO msg=\"user \\\"action\" user=u1 action=login latency_ms=42\n`,
		`time=2026-11-26T08:00:00.123Z level=INFO msg=\"user action\" user=u1 action=log\u0069n latency_ms=42\n`,
		`time=2026-11-26T08:00:00.123Z level=INFO msg=\"user action\" user=u1 action=login latency_ms=42\r\n`,
		`time=2026-11-26T08:00:00.123Z level=INFO msg=\"user action\" user=u1 action=login latency_ms=42\nx\n`,
		`time=2026-11-26T08:00:00.123Z level=INFO msg=\"user action\" user=\xff\xfe action=login latency_ms=42\n`,
		"time=2026-11-26T08:00:00.123Z level=INFO msg=\\\"a\\\" user=u\xc3\xa9 action=\xe9 latency_ms=42\\n",
		`time=2026-11-26T08:00:00.1\"3Z level=INFO msg=\"user action\" user=u1 action=login latency_ms=42\n`,
		`time=2026-11-26T08:00:00.123Z level=INFO msg=\"user action\" user=u1 action=login latency_ms=4\n2\n`,
	} {
		f.Add([]byte(s))
	}
	cfgs := []Config{
		{ActionKey: "action", LatencyKey: "latency_ms", TimeKey: "time,ts"},
		{TimeKey: "time"},
		{},
	}
	const envelope = `","stream":"stdout","time":"2026-11-26T08:00:00.5Z"}` + "\n"
	f.Fuzz(func(t *testing.T, log []byte) {
		quoted, _ := json.Marshal(string(log)) // moby's quoting (invalid UTF-8 as U+FFFD)
		for _, cfg := range cfgs {
			escapedTwin(t, cfg, []byte(`{"log":"`+string(log)+envelope))
			escapedTwin(t, cfg, []byte(`{"log":`+string(quoted)+envelope[1:]))
		}
	})
}

// escapedTwin reads the log of the json-file line b with nextEscaped
// and, when that takes it, unescaped and read by Next: both must give the
// same record, and the escaped read must end after the log's closing quote.
func escapedTwin(t *testing.T, cfg Config, b []byte) {
	t.Helper()
	esc, err := NewParser(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var a Record
	m, kind := esc.nextEscaped(b[8:], &a)
	if m == 0 {
		return
	}
	log, end := appendJSONText(nil, b, 8)
	if kind != Event || end < 0 || 8+m != end+1 {
		t.Fatalf("%q: the escaped read ends at %d (%d), the JSON string at %d", b, 8+m, kind, end+1)
	}
	twin, _ := NewParser(cfg)
	var c Record
	n, kindT := twin.Next(append(log, make([]byte, nextSlack)...), &c)
	if kindT != Event || n != len(log) {
		t.Fatalf("%q: the escaped read takes the log, Next on it unescaped steps %d of %d bytes (%d)", b, n, len(log), kindT)
	}
	sameRecord(t, b, &a, &c)
}

// TestNextEscapedTakes checks that slog's lines in json-file are read by
// nextEscaped, with each set of fields, so that FuzzNextEscaped
// compares something, and that nextDocker takes them that way.
func TestNextEscapedTakes(t *testing.T) {
	data := formLines(200, "logfmt", "docker")
	for _, cfg := range []Config{{ActionKey: "action", LatencyKey: "latency_ms", TimeKey: "time,ts"}, {TimeKey: "time"}, {}} {
		p, _ := NewParser(cfg)
		var rec Record
		for rest := data; len(rest) > 0; {
			line, after, _ := bytes.Cut(rest, []byte{'\n'})
			if m, _ := p.nextEscaped(rest[8:], &rec); m == 0 {
				t.Fatalf("%+v: the escaped read leaves %q", cfg, line)
			}
			escapedTwin(t, cfg, rest)
			// nextDocker's buffer stays empty: the log was not copied.
			if n, kind := p.nextDocker(rest, &rec); n != len(line)+1 || kind != Event || cap(p.frameBuf) != 0 {
				t.Fatalf("%+v: nextDocker(%q) = %d, %d, buffer %d", cfg, line, n, kind, cap(p.frameBuf))
			}
			rest = after
		}
	}
}

// TestNextDockerTakes checks that the fast path is the one slog's lines in
// json-file take, so that FuzzNextDocker compares something.
func TestNextDockerTakes(t *testing.T) {
	for _, inner := range []string{"logfmt", "json"} {
		data := formLines(50, inner, "docker")
		p, _ := NewParser(Config{ActionKey: "action", LatencyKey: "latency_ms", TimeKey: "time,ts"})
		var rec Record
		for rest := data; len(rest) > 0; {
			n, kind := p.nextDocker(rest, &rec)
			if n == 0 || kind != Event {
				line, _, _ := bytes.Cut(rest, []byte{'\n'})
				t.Fatalf("nextDocker leaves %q (%d, %d)", line, n, kind)
			}
			rest = rest[n:]
		}
	}
}

func sameRecord(t *testing.T, line []byte, a, c *Record) {
	t.Helper()
	if string(a.Level) != string(c.Level) || string(a.User) != string(c.User) || string(a.Action) != string(c.Action) ||
		a.Latency != c.Latency || a.Time != c.Time || exactHas(a) != exactHas(c) {
		t.Fatalf("%q: the fast path reads %+v, the general one %+v", line, *a, *c)
	}
}

// TestNextDockerBuffer checks that nextDocker's buffer grows with the
// line, not with the rest of the input it is handed (a mapped file), and
// that a log longer than its window is left to the general path.
func TestNextDockerBuffer(t *testing.T) {
	data := formLines(20_000, "logfmt", "docker")
	p, _ := NewParser(Config{ActionKey: "action", LatencyKey: "latency_ms", TimeKey: "time,ts"})
	var rec Record
	if n, kind := p.nextDocker(data, &rec); n == 0 || kind != Event {
		t.Fatalf("nextDocker(%q) = %d, %d", data[:100], n, kind)
	}
	if c := cap(p.frameBuf); c > 2*dockerWindow {
		t.Fatalf("nextDocker's buffer holds %d bytes for a line of %d (input %d)", c, bytes.IndexByte(data, '\n')+1, len(data))
	}
	long := []byte(`{"log":"level=INFO user=a msg=` + strings.Repeat("x", dockerWindow) + `\n","stream":"stdout","time":"2026-11-26T08:00:00.5Z"}` + "\n")
	if n, _ := p.nextDocker(long, &rec); n != 0 {
		t.Fatalf("nextDocker took a line of %d bytes, past its window", len(long))
	}
	if n, kind, _ := p.NextAny(long, false, &rec); n != len(long) || kind != Event || string(rec.User) != "a" {
		t.Fatalf("NextAny on a long line: %d of %d bytes, kind %d, %+v", n, len(long), kind, rec)
	}
}

// TestNextAnyFramedAllocs checks that NextAny reads framed lines, each
// fast path's, with no allocation once its buffers have grown.
func TestNextAnyFramedAllocs(t *testing.T) {
	for _, inner := range []string{"logfmt", "json"} {
		for _, frame := range []string{"cri", "docker", "stamped"} {
			data := formLines(200, inner, frame)
			p, _ := NewParser(Config{ActionKey: "action", LatencyKey: "latency_ms", TimeKey: "time,ts"})
			var rec Record
			events := 0
			read := func() {
				events = 0
				for b := data; len(b) > 0; {
					n, kind, _ := p.NextAny(b, false, &rec)
					if kind == Event {
						events++
					}
					b = b[n:]
				}
			}
			if n := testing.AllocsPerRun(10, read); n != 0 || events != 200 {
				t.Errorf("%s+%s: %v allocations per pass, %d events of 200", frame, inner, n, events)
			}
		}
	}
}

// TestMobyTail checks mobyTail, the word read of json-file's tail after
// the log, on moby's tails (a time of 20 to 30 bytes, either stream) and
// on others, and dockerTail against its slow twin, the '\n' searched for,
// on each: with the line's own time and with none, so the wrapper's time is
// read.
func TestMobyTail(t *testing.T) {
	const pad = "                                                                " // the next line
	tests := []struct {
		tail string
		want int // mobyTail: the time's length, 0 for dockerTailSlow, -1 for not moby's
	}{
		{`,"stream":"stdout","time":"2026-11-26T08:00:00Z"}` + "\n", 20},
		{`,"stream":"stdout","time":"2026-11-26T08:00:00.5Z"}` + "\n", 22},
		{`,"stream":"stderr","time":"2026-11-26T08:00:00.123Z"}` + "\n", 24},
		{`,"stream":"stdout","time":"2026-11-26T08:00:00.123456789Z"}` + "\n", 30},
		{`,"stream":"stdout","time":"2026-11-26T08:00:00.123456789+01:00"}` + "\n", 0},
		{`,"stream":"stdout","time":"2026-11-26 08:00:00.123Z"}` + "\n", 0},
		{`,"stream":"stdout","time":"2026-11-26T08:00:00.123Z"}` + "\r\n", 0},
		{`,"stream":"stdout","time":"2026-11-26T08:00:00.123Z" }` + "\n", 0},
		{`,"stream":"stdout","time":"2026-11-` + "\n" + `26T08:00:00.123Z"}` + "\n", 0},
		{`,"stream":"stdout","time":"2026-11-26T08:00:00.1` + "\n" + `"}` + "\n", 0},
		{`,"stream":"stdout","time":"2026-11-26T08:00` + "\xc3\xa9" + `:00.123Z"}` + "\n", 0},
		{`,"stream":"stdout","time":"2026"}` + "\n", 0},
		{`,"stream":"stdin","time":"2026-11-26T08:00:00.123Z"}` + "\n", -1},
		{`,"attrs":{"k":"v"},"stream":"stdout","time":"2026-11-26T08:00:00.123Z"}` + "\n", -1},
		{`,"stream":"stdout","Time":"2026-11-26T08:00:00.123Z"}` + "\n", -1},
	}
	for _, tt := range tests {
		b := []byte(`{"log":"x\n"` + tt.tail + pad)
		at := len(`{"log":"x\n"`)
		if got := mobyTail((*[dockerTailView]byte)(b[at:])); got != tt.want {
			t.Errorf("mobyTail(%q) = %d, want %d", tt.tail, got, tt.want)
		}
		for _, cfg := range []Config{{TimeKey: "time"}, {}} {
			p, _ := NewParser(cfg)
			q, _ := NewParser(cfg)
			for _, has := range []Has{HasTime, 0} {
				a, c := Record{Has: has}, Record{Has: has}
				n, m := p.dockerTail(b, at, &a), q.dockerTailSlow(b, at, &c)
				if n != m || a.Time != c.Time || exactHas(&a) != exactHas(&c) {
					t.Errorf("%+v, Has %d: dockerTail(%q) = %d %d %d, dockerTailSlow %d %d %d", cfg, has, tt.tail, n, a.Time, a.Has, m, c.Time, c.Has)
				}
				if tt.want > 0 && has == 0 && cfg.TimeKey != "" && (n == 0 || a.Has&HasTime == 0) {
					t.Errorf("%q: the wrapper's time was not read: %d, %+v", tt.tail, n, a)
				}
			}
		}
	}
}
