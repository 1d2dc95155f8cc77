package logline

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestOpenRecords: a cut after these lines is safe exactly when no
// stream's last line is a piece whose record goes on.
func TestOpenRecords(t *testing.T) {
	const (
		outF = "2026-11-26T08:00:00.1Z stdout F level=INFO user=a\n"
		outP = "2026-11-26T08:00:00.2Z stdout P level=INFO us\n"
		errF = "2026-11-26T08:00:00.3Z stderr F level=WARN user=b\n"
		errP = "2026-11-26T08:00:00.4Z stderr P level=WARN us\n"
		dokF = `{"log":"level=INFO user=a\n","stream":"stdout","time":"2026-11-26T08:00:00.5Z"}` + "\n"
		dokP = `{"log":"level=INFO us","stream":"stdout","time":"2026-11-26T08:00:00.6Z"}` + "\n"
		slog = "time=2026-11-26T08:00:00.7Z level=INFO msg=x user=a\n"
	)
	for _, c := range []struct {
		name, lines string
		open        bool
	}{
		{"no lines", "", false},
		{"one whole line", "x\n" + outF, false},
		{"a piece last", "x\n" + outP, true},
		{"a piece, then the other stream", "x\n" + outP + errF, true},
		{"each stream whole", "x\n" + outP + errF + outF, false},
		{"the other stream's piece", "x\n" + outF + errP, true},
		{"docker piece", "x\n" + dokP, true},
		{"docker whole", "x\n" + dokP + dokF, false},
		{"not framed last", "x\n" + outP + slog, false},
		{"the first line is not looked at", outP, false},
	} {
		if got := OpenRecords([]byte(c.lines)); got != c.open {
			t.Errorf("%s: OpenRecords = %v, want %v", c.name, got, c.open)
		}
	}
}

// TestRFC3339Shape: the word test agrees with a byte loop on every
// position, including bytes just outside the digits and separators.
func TestRFC3339Shape(t *testing.T) {
	ref := func(v []byte) bool {
		const shape = "dddd-dd-ddTdd:dd:dd"
		if len(v) < len(shape)+1 {
			return false
		}
		for i, c := range []byte(shape) {
			if c == 'd' && !isDigit(v[i]) || c != 'd' && v[i] != c {
				return false
			}
		}
		return true
	}
	base := []byte("2026-11-26T08:00:00.123456789Z")
	r := rand.New(rand.NewPCG(1, 2))
	for range 200_000 {
		v := append([]byte(nil), base[:20+r.IntN(len(base)-19)]...)
		for range 1 + r.IntN(2) {
			v[r.IntN(19)] = byte(r.IntN(256))
		}
		if got, want := rfc3339Shape(v), ref(v); got != want {
			t.Fatalf("rfc3339Shape(%q) = %v, want %v", v, got, want)
		}
	}
	for _, s := range []string{"2026-11-26T08:00:00Z", "9999-99-99T99:99:99+", "2026-11-26T08:00:00"} {
		if got, want := rfc3339Shape([]byte(s)), ref([]byte(s)); got != want {
			t.Errorf("rfc3339Shape(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestStampShape: stampShape, which remembers the last minute it passed,
// says what rfc3339Shape says of every prefix, in a run of one parser where
// prefixes share their minute, change it, break it, and start with NUL
// bytes like the cache's zero value.
func TestStampShape(t *testing.T) {
	var p Parser
	r := rand.New(rand.NewPCG(3, 4))
	base := []byte("2026-11-26T08:00:00.123456789Z stdout F x=1")
	for i := range 100_000 {
		var v [stampMax + 8 - 3]byte
		copy(v[:], base)
		switch r.IntN(4) {
		case 0: // the same minute, other seconds
			v[17], v[18] = byte('0'+r.IntN(6)), byte('0'+r.IntN(10))
		case 1: // a byte broken anywhere in the shape
			v[r.IntN(19)] = byte(r.IntN(256))
		case 2: // NUL bytes where the date goes
			clear(v[:16])
			v[16], v[17], v[18] = ':', '1', '2'
		case 3: // another minute
			v[15] = byte('0' + r.IntN(10))
		}
		if got, want := p.stampShape(&v), rfc3339Shape(v[:]); got != want {
			t.Fatalf("line %d: stampShape(%q) = %v, want %v", i, v, got, want)
		}
	}
}

// TestParseForm: every name ParseForm takes names the form it makes, and
// what is not a form is refused with the names it takes.
func TestParseForm(t *testing.T) {
	for _, name := range append(FormatNames(), "cri+json", "docker+logfmt", "stamped+klog") {
		f, err := ParseForm(name)
		if err != nil || f.String() != name {
			t.Errorf("ParseForm(%q) = %v (%q), %v", name, f, f.String(), err)
		}
	}
	if f, err := ParseForm("auto"); f != 0 || err != nil {
		t.Errorf("ParseForm(auto) = %v, %v", f, err)
	}
	for _, bad := range []string{"xml", "cri+cri", "json+cri", "+json", "cri+"} {
		if _, err := ParseForm(bad); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("ParseForm(%q): %v, want an error naming it", bad, err)
		}
	}
}

// TestForcedForm: a Config's Form reads every line as that form only.
func TestForcedForm(t *testing.T) {
	klog := `I1126 08:00:00.123456       1 main.go:12] "user action" user="a"`
	for _, c := range []struct {
		form, line string
		want       Kind
	}{
		{"klog", klog, Event},
		{"hclog", klog, Malformed},
		{"cri+logfmt", "2026-11-26T08:00:00.1Z stdout F level=INFO user=a", Event},
		{"cri+json", "2026-11-26T08:00:00.1Z stdout F level=INFO user=a", Malformed},
		{"logfmt", `{"level":"INFO","user":"a"}`, Malformed},
	} {
		f, err := ParseForm(c.form)
		if err != nil {
			t.Fatal(err)
		}
		p, err := NewParser(Config{Form: f})
		if err != nil {
			t.Fatal(err)
		}
		var rec Record
		if kind, _ := p.ParseAny([]byte(c.line), &rec); kind != c.want {
			t.Errorf("-input-format %s on %q: kind %d, want %d", c.form, c.line, kind, c.want)
		}
	}
}

// TestDetect: a range is native only when every line sampled is plain
// logfmt or JSON.
func TestDetect(t *testing.T) {
	slogLines := strings.Repeat("time=2026-11-26T08:00:00.123Z level=INFO msg=x user=a\n", 40)
	cri := strings.Repeat("2026-11-26T08:00:00.1Z stdout F level=INFO user=a\n", 40)
	for _, c := range []struct {
		name, data string
		native     bool
	}{
		{"slog", slogLines, true},
		{"cri", cri, false},
		{"slog then cri", slogLines + cri, false},
		{"cri then slog", cri + slogLines, false},
		{"empty", "", true},
	} {
		var p Parser
		if native := p.Detect([]byte(c.data)); native != c.native {
			t.Errorf("%s: Detect native = %v, want %v", c.name, native, c.native)
		}
	}
}

// TestZuluSeconds: the word test agrees with a byte loop on the seconds,
// fraction and zone of times of every length (but a time with no fraction,
// which zuluSeconds leaves to stampRead), with bytes broken anywhere
// after the minute.
func TestZuluSeconds(t *testing.T) {
	ref := func(s []byte) bool { // s: what follows the minute's colon
		if len(s) < 3 || s[0] < '0' || s[0] > '5' || !isDigit(s[1]) || s[len(s)-1] != 'Z' {
			return false
		}
		if len(s) == 3 {
			return false // no fraction: left to stampRead
		}
		frac := s[2 : len(s)-1]
		if len(frac) < 2 || len(frac) > 10 || frac[0] != '.' {
			return false
		}
		for _, c := range frac[1:] {
			if !isDigit(c) {
				return false
			}
		}
		return true
	}
	r := rand.New(rand.NewPCG(5, 6))
	alphabet := []byte("0123456789.Z5/:9Z\x00\xff")
	for range 300_000 {
		var v [timedView]byte
		copy(v[:], "2026-11-26T08:00:")
		sp := len("2006-01-02T15:04:05Z") + r.IntN(stampMax-19)
		for i := 17; i < sp; i++ {
			v[i] = byte('0' + r.IntN(10))
		}
		v[19], v[sp-1] = '.', 'Z'
		if sp == 20 {
			v[19] = 'Z'
		}
		for range r.IntN(3) {
			v[17+r.IntN(sp-17)] = alphabet[r.IntN(len(alphabet))]
		}
		v[sp] = ' '
		if !isDigit(v[17]) || !isDigit(v[18]) {
			continue // the caller has tested them
		}
		if got, want := zuluSeconds(&v, sp), ref(v[17:sp]); got != want {
			t.Fatalf("zuluSeconds(%q) = %v, want %v", v[:sp], got, want)
		}
	}
}

// TestStampedRun: in a run of one parser, where time prefixes share their
// minute and then break it (seconds of 60, a bad fraction, another zone, a
// month that does not exist, the years where ParseTime's range ends),
// every line reads through NextAny as a fresh parser's ParseAny reads it.
func TestStampedRun(t *testing.T) {
	prefixes := []string{
		"2026-11-26T08:00:00.001Z", "2026-11-26T08:00:00.01Z", "2026-11-26T08:00:01Z",
		"2026-11-26T08:00:59.123456789Z", "2026-11-26T08:00:60Z", "2026-11-26T08:00:05.1x3Z",
		"2026-11-26T08:00:05.Z", "2026-11-26T08:00:05.1234567890Z", "2026-11-26T08:00:05.5+01:00",
		"2026-11-26T08:00:05,5Z", "2026-11-26T08:00:07.25Z",
		"2026-13-26T08:00:00.001Z", "2026-13-26T08:00:00.002Z", "2026-02-29T08:00:00Z", "2028-02-29T08:00:00Z",
		"2262-04-11T23:47:16.854Z", "2262-04-11T23:47:16.999Z", "2262-04-11T23:47:17Z",
		"1677-09-21T00:12:43.146Z", "1677-09-21T00:12:44Z", "1677-09-21T00:12:43Z",
		"2026-11-26T08:01:00.5Z", "2026-11-26T08:01:00.5Z stdout F",
	}
	inners := []string{
		`time=2026-11-26T08:00:00.123Z level=INFO msg="user action" user=a action=login latency_ms=12`,
		`level=WARN msg=x user=b`,
		`{"level":"INFO","msg":"x","user":"c"}`,
	}
	var b []byte
	for _, pre := range prefixes { // in order, then mixed
		b = append(b, pre+" "+inners[0]+"\n"...)
	}
	for i := range 400 {
		b = append(b, prefixes[(i*7)%len(prefixes)]+" "+inners[i%len(inners)]+"\n"...)
		if i%5 == 0 {
			b = append(b, prefixes[i%len(prefixes)]+" "+inners[(i/5)%len(inners)]+"\n"...)
		}
	}
	cfg := Config{ActionKey: "action", LatencyKey: "latency_ms", TimeKey: "time,ts"}
	p, err := NewParser(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var rec Record
	for rest := b; len(rest) > 0; {
		n, kind, form := p.NextAny(rest, true, &rec)
		line := rest[:n-1]
		q, _ := NewParser(cfg)
		var want Record
		wantKind, wantForm := q.ParseAny(line, &want)
		if kind != wantKind || form != wantForm || recordOf(rec) != recordOf(want) {
			t.Fatalf("%q: NextAny says %d %v %+v, ParseAny %d %v %+v", line, kind, form, rec, wantKind, wantForm, want)
		}
		rest = rest[n:]
	}
}

// TestNextTimedTakes checks that the fast path is the one CRI lines and
// time-prefixed lines of slog take, and that a prefix's time is told by
// its minute's cache after the first line (stampReads), so that
// FuzzNextAny and TestStampedRun compare something.
func TestNextTimedTakes(t *testing.T) {
	for _, frame := range []string{"cri", "stamped"} {
		for _, inner := range []string{"logfmt", "json"} {
			data := formLines(50, inner, frame)
			p, _ := NewParser(Config{ActionKey: "action", LatencyKey: "latency_ms", TimeKey: "time,ts"})
			var rec Record
			for rest := data; len(rest) > 0; {
				n, kind, form := p.nextTimed(rest, &rec)
				if n == 0 || kind != Event || form.Frame().String() != frame {
					line, _, _ := bytes.Cut(rest, []byte{'\n'})
					t.Fatalf("nextTimed leaves %q (%d, %d, %v)", line, n, kind, form)
				}
				if prefix, _, _ := bytes.Cut(rest, []byte{' '}); frame == "stamped" && !p.stampReads &&
					bytes.IndexByte(prefix, '.') >= 0 { // a time with no fraction is read (zuluSeconds)
					t.Fatalf("%s+%s: %q read, and stampReads is false", frame, inner, prefix)
				}
				rest = rest[n:]
			}
		}
	}
}
