package logline

import (
	"bytes"
	"log/slog"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// envelopeSamples returns one line of each envelope, with escapes, colours
// and every value form, for the allocation test and the fuzz corpus.
func envelopeSamples(t testing.TB) [][]byte {
	at := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	inner := slogLineAt(false, at, slog.LevelInfo, "a \"quoted\" msg", slog.String("user", "ann é"), slog.Int("latency_ms", 9))
	logs := plog.NewLogs()
	sl := logs.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty()
	for i := range 4 {
		lr := sl.LogRecords().AppendEmpty()
		lr.SetTimestamp(pcommon.NewTimestampFromTime(at.Add(time.Duration(i))))
		lr.SetSeverityNumber(plog.SeverityNumber(1 + 5*i))
		lr.Body().SetStr(inner)
		lr.Attributes().PutStr("user", "u\u00e9\"")
		lr.Attributes().PutDouble("latency_ms", 2.5)
	}
	return [][]byte{
		journalctlJSON(1732608000654321, []journalField{{"PRIORITY", "6"}, {"MESSAGE", inner}}, 1),
		journalctlJSON(1732608000654321, []journalField{{"PRIORITY", "3"}, {"MESSAGE", "\x1b[31mlevel=error\x1b[0m user=x"}}, 2),
		otlpLine(t, logs),
		cloudWatchLine(t, "DATA_MESSAGE",
			cloudWatchLog{"1", 1732608000123, slogLineAt(true, at, slog.LevelWarn, "m\n", slog.String("user", "b\u00e9"))},
			cloudWatchLog{"2", 1732608000124, inner}),
	}
}

// Reading an envelope allocates nothing once the Parser's buffers have grown.
func TestParseEnvelopeAllocs(t *testing.T) {
	p := envParser(t)
	var rec Record
	for _, line := range envelopeSamples(t) {
		n := 0
		read := func() {
			n = 0
			if kind, _ := p.parseEnvelope(line, &rec); kind != Event {
				t.Fatalf("parseEnvelope(%s) = %s, want Event", line, kind.name())
			}
			for p.More() {
				p.NextEvent(&rec)
				n++
			}
		}
		read() // warm-up: the buffers grow
		if allocs := testing.AllocsPerRun(100, read); allocs != 0 {
			t.Errorf("parseEnvelope and %d NextEvent of %s: %v allocations, want 0", n, line, allocs)
		}
	}
}

func FuzzParseEnvelope(f *testing.F) {
	for _, line := range envelopeSamples(f) {
		f.Add(line)
	}
	f.Add([]byte(`{"MESSAGE":[104,105],"PRIORITY":["6","7"],"_PID":"1"}`))
	f.Add([]byte(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"severityNumber":"SEVERITY_NUMBER_WARN2","attributes":[{"value":{"intValue":5},"key":"latency_ms"}]}]}]}]}`))
	f.Add([]byte(`{"messageType":"CONTROL_MESSAGE","logEvents":null}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		orig := bytes.Clone(line)
		p := envParser(t)
		var rec Record
		kind, shape := p.parseEnvelope(line, &rec)
		if !bytes.Equal(line, orig) {
			t.Fatalf("parseEnvelope changed its input %q to %q", orig, line)
		}
		switch kind {
		case Malformed:
			if shape != ShapeNone || p.More() || !reflectZero(rec) {
				t.Fatalf("parseEnvelope(%q) = Malformed with shape %d, More %v, %v", line, shape, p.More(), envRecordOf(&rec, kind))
			}
			return
		case Blank:
			if p.More() || !reflectZero(rec) {
				t.Fatalf("parseEnvelope(%q) = Blank with More %v, %v", line, p.More(), envRecordOf(&rec, kind))
			}
			return
		}
		checkEnvelopeRecord(t, line, kind, &rec)
		// Each record is an object of its own: no more of them than '{'.
		for n := bytes.Count(line, []byte("{")); p.More(); n-- {
			if n == 0 {
				t.Fatalf("parseEnvelope(%q): more records than objects", line)
			}
			checkEnvelopeRecord(t, line, p.NextEvent(&rec), &rec)
		}
	})
}

func checkEnvelopeRecord(t *testing.T, line []byte, kind Kind, rec *Record) {
	t.Helper()
	switch {
	case kind == Event && len(rec.Level) == 0,
		kind == NoLevel && len(rec.Level) != 0,
		kind != Event && kind != NoLevel,
		rec.Has&HasLatency != 0 && rec.Latency < 0:
		t.Fatalf("a record of %q: %v", line, envRecordOf(rec, kind))
	}
}
