package logline

import (
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// benchmarkEnvelope reads line and its queued records per op, reporting the
// records read so that the cost per record compares with the inner line's
// (BenchmarkParseLogfmtAllFields).
func benchmarkEnvelope(b *testing.B, line []byte, records int) {
	p := envParser(b)
	var rec Record
	read := func() int {
		n := 0
		if kind, _ := p.parseEnvelope(line, &rec); kind == Event || kind == NoLevel {
			n++
		}
		for p.More() {
			p.NextEvent(&rec)
			n++
		}
		sink += len(rec.User)
		return n
	}
	if n := read(); n != records {
		b.Fatalf("read %d records of %s, want %d", n, line, records)
	}
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		read()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*records), "ns/record")
}

func BenchmarkEnvelopeJournald(b *testing.B) {
	benchmarkEnvelope(b, journalctlJSON(1732608000654321, []journalField{
		{"PRIORITY", "6"}, {"SYSLOG_IDENTIFIER", "app"}, {"_SYSTEMD_UNIT", "app.service"}, {"_PID", "812"},
		{"MESSAGE", typicalLogfmt}}, 0), 1)
}

func BenchmarkEnvelopeCloudWatch(b *testing.B) {
	events := make([]cloudWatchLog, 10)
	for i := range events {
		events[i] = cloudWatchLog{"3725", 1732608000123 + int64(i), typicalJSON}
	}
	benchmarkEnvelope(b, cloudWatchLine(b, "DATA_MESSAGE", events...), len(events))
}

func BenchmarkEnvelopeOTLP(b *testing.B) {
	logs := plog.NewLogs()
	rl := logs.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "checkout")
	sl := rl.ScopeLogs().AppendEmpty()
	at := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	for i := range 10 {
		lr := sl.LogRecords().AppendEmpty()
		lr.SetTimestamp(pcommon.NewTimestampFromTime(at.Add(time.Duration(i))))
		lr.SetSeverityNumber(plog.SeverityNumberInfo)
		lr.SetSeverityText("INFO")
		lr.Body().SetStr("user action")
		lr.Attributes().PutStr("user", "jane.smith42@example.com")
		lr.Attributes().PutStr("action", "login")
		lr.Attributes().PutInt("latency_ms", 42)
	}
	benchmarkEnvelope(b, otlpLine(b, logs), 10)
}

// A plain JSON line costs parseEnvelope one key before it goes to parseJSON.
func BenchmarkEnvelopeRejectsPlainJSON(b *testing.B) {
	p := envParser(b)
	line := []byte(typicalJSON)
	var rec Record
	b.ReportAllocs()
	for b.Loop() {
		if kind, _ := p.parseEnvelope(line, &rec); kind != Malformed {
			b.Fatal(kind.name())
		}
	}
}
