package logline

import (
	"bytes"
	"testing"
)

// FuzzNextAny reads a buffer of lines the way scan's general loop does,
// with a fresh Parser per input, and checks what holds whatever the bytes:
// no panic; each step ends at a '\n' (or the end, at EOF) and moves on;
// the kind agrees with the record; every line is counted once, framed
// pieces included; a record is open after a line just where OpenRecords
// says; and a line that is no framing's piece reads the same through
// NextAny as through ParseAny.
func FuzzNextAny(f *testing.F) {
	for _, s := range []string{
		"time=2026-11-26T08:00:00.123Z level=INFO msg=\"user action\" user=a action=login latency_ms=42\n",
		"2026-11-26T08:00:00.123456789Z stdout F {\"level\":\"INFO\",\"user\":\"a\"}\n",
		"2026-11-26T08:00:00.1Z stderr P level=WARN user=b act\n2026-11-26T08:00:00.2Z stdout F level=INFO user=c\n2026-11-26T08:00:00.3Z stderr F ion=y\n",
		"{\"log\":\"level=INFO user=a\\n\",\"stream\":\"stdout\",\"time\":\"2026-11-26T08:00:00.5Z\"}\n{\"log\":\"level=ERROR \",\"stream\":\"stderr\",\"time\":\"2026-11-26T08:00:00.6Z\"}\n",
		"2026-11-26T08:00:00.038000000Z level=INFO user=a\n",
		"I1126 08:00:00.123456       1 main.go:12] \"user action\" user=\"a\"\n",
		"2026-11-26T08:00:00.123Z [INFO]  app: user action: user=a latency_ms=1.5e+03\n",
		"panic: boom\n\ngoroutine 1 [running]:\nmain.main()\n\t/src/main.go:12 +0x1d\n",
		"2026/11/26 08:00:00 user action user=bob\n",
		"{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"severityNumber\":9,\"body\":{\"stringValue\":\"x\"}},{\"severityText\":\"WARN\"}]}]}]}\n",
		"\x1b[36mINFO\x1b[0m[0000] user action  \x1b[36muser\x1b[0m=a\n",
		"no newline at the end 2026-11-26T08:00:00Z stdout P x",
		"2026-11-26T08:00:00.1Z stdout P level=INFO user=a msg=\"x\nlevel=INFO user=b\n2026-11-26T08:00:00.2Z stdout F y\"\n",
		"{\"log\":\"level=INFO user=a \",\"stream\":\"stdout\",\"time\":\"2026-11-26T08:00:00.5Z\"}\n\n{\"log\":\"b\\n\",\"stream\":\"stdout\",\"time\":\"2026-11-26T08:00:00.6Z\"}\n",
		"2026-11-26T08:00:00.1Z stderr P level=INFO user=a msg=\"x\n2026-11-26T08:00:00.15Z level=INFO user=s\n2026-11-26T08:00:00.2Z stderr F y\"\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var p Parser
		var rec Record
		lines, records := 0, 0
		for b := data; len(b) > 0; {
			n, kind, _ := p.NextAny(b, true, &rec)
			if n <= 0 || n > len(b) || n < len(b) && b[n-1] != '\n' {
				t.Fatalf("NextAny(%q) stepped %d bytes", b, n)
			}
			checkKind(t, b[:n], kind, &rec)
			lines++
			if kind == Event || kind == NoLevel {
				records++
			}
			for p.More() {
				checkKind(t, b[:n], p.NextEvent(&rec), &rec)
			}
			for {
				kind, _, ok := p.Closed(&rec)
				if !ok {
					break
				}
				checkKind(t, b[:n], kind, &rec)
			}
			b = b[n:]
			// A record is open where OpenRecords, which decides where
			// scan may cut, says one is: so no cut splits one, and none
			// needs a record another range holds.
			if read := data[:len(data)-len(b)]; read[len(read)-1] == '\n' && p.anyOpen != OpenRecordsWhole(read) {
				t.Fatalf("after %q: a record open %v, OpenRecordsWhole says %v", read, p.anyOpen, !p.anyOpen)
			}
		}
		for {
			kind, _, ok := p.Flush(&rec)
			if !ok {
				break
			}
			checkKind(t, nil, kind, &rec)
		}
		if want := bytes.Count(data, []byte{'\n'}); len(data) > 0 && data[len(data)-1] != '\n' {
			want++
			if lines != want {
				t.Fatalf("%d steps over %d lines", lines, want)
			}
		} else if lines != want {
			t.Fatalf("%d steps over %d lines", lines, want)
		}

		// One line alone: NextAny and ParseAny agree, for a line that is
		// not a framed piece (which NextAny keeps for its record's end).
		line, _, _ := bytes.Cut(data, []byte{'\n'})
		var q, r Parser
		var a, c Record
		_, kindAny, formAny := q.NextAny(append(bytes.Clone(line), '\n'), false, &a)
		kindParse, formParse := r.ParseAny(line, &c)
		if kindAny != Partial && (kindAny != kindParse || formAny != formParse) {
			t.Fatalf("%q: NextAny says %d %v, ParseAny %d %v", line, kindAny, formAny, kindParse, formParse)
		}
	})
}

func checkKind(t *testing.T, line []byte, kind Kind, rec *Record) {
	t.Helper()
	switch kind {
	case Event:
		if len(rec.Level) == 0 {
			t.Fatalf("%q: an Event with no level", line)
		}
	case NoLevel:
		if len(rec.Level) != 0 {
			t.Fatalf("%q: NoLevel with level %q", line, rec.Level)
		}
	case Blank, Malformed, Continuation, Partial:
		if rec.Level != nil || rec.User != nil || rec.Has != 0 {
			t.Fatalf("%q: kind %d with a record %+v", line, kind, rec)
		}
	default:
		t.Fatalf("%q: unknown kind %d", line, kind)
	}
}
