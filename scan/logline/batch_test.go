package logline

import (
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// otlpLine marshals logs as the collector's file exporter writes a line:
// plog.JSONMarshaler, the exporter's own encoder.
func otlpLine(t testing.TB, logs plog.Logs) []byte {
	b, err := (&plog.JSONMarshaler{}).MarshalLogs(logs)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseEnvelopeOTLP(t *testing.T) {
	t1 := time.Date(2026, 11, 26, 8, 0, 0, 123456789, time.UTC)
	t2 := t1.Add(time.Second)
	t3 := t1.Add(2 * time.Second)
	inner := time.Date(2026, 11, 26, 7, 59, 0, 5e6, time.UTC)
	ms := int64(time.Millisecond)

	logs := plog.NewLogs()
	rl := logs.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "checkout")
	rl.Resource().Attributes().PutStr("user", "not a record's") // a resource attribute is no record's user
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName("github.com/logproc/app")
	var want []envRecord

	// severityText and attributes of every value type.
	lr := sl.LogRecords().AppendEmpty()
	lr.SetTimestamp(pcommon.NewTimestampFromTime(t1))
	lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(t2))
	lr.SetSeverityText("Warning")
	lr.SetSeverityNumber(plog.SeverityNumberWarn)
	lr.Body().SetStr("payment slow")
	lr.Attributes().PutStr("user", "ann \"quoted\"")
	lr.Attributes().PutStr("action", "pay")
	lr.Attributes().PutInt("latency_ms", 12)
	want = append(want, envRecord{Event, "Warning", `ann "quoted"`, "pay", 12 * ms, t1.UnixNano(), HasLatency | HasTime})

	// severityNumber alone; an int user; a double latency; only the observed time.
	lr = sl.LogRecords().AppendEmpty()
	lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(t2))
	lr.SetSeverityNumber(plog.SeverityNumberError3)
	lr.Body().SetStr("card declined")
	lr.Attributes().PutInt("user", 42)
	lr.Attributes().PutDouble("latency_ms", 1.5)
	want = append(want, envRecord{Event, "ERROR", "42", "", 1500000, t2.UnixNano(), HasLatency | HasTime})

	// A second scope and a second resource.
	sl = rl.ScopeLogs().AppendEmpty()
	// No severity, no time: the body, a slog line, gives them all.
	lr = sl.LogRecords().AppendEmpty()
	lr.Body().SetStr(slogLineAt(false, inner, slog.LevelDebug, "cache", slog.String("user", "bob"), slog.Int("latency_ms", 7)))
	want = append(want, envRecord{Event, "DEBUG", "bob", "", 7 * ms, inner.UnixNano(), HasLatency | HasTime})

	rl = logs.ResourceLogs().AppendEmpty()
	sl = rl.ScopeLogs().AppendEmpty()
	// No severity anywhere: no level.
	lr = sl.LogRecords().AppendEmpty()
	lr.SetTimestamp(pcommon.NewTimestampFromTime(t3))
	lr.Body().SetStr("free text")
	want = append(want, envRecord{NoLevel, "", "", "", 0, t3.UnixNano(), HasTime})

	// The record's time and attributes win over the body's.
	lr = sl.LogRecords().AppendEmpty()
	lr.SetTimestamp(pcommon.NewTimestampFromTime(t3))
	lr.Body().SetStr(slogLineAt(true, inner, slog.LevelInfo, "x", slog.String("user", "bob"), slog.String("action", "view"), slog.Int("latency_ms", 3)))
	lr.Attributes().PutStr("user", "carol")
	want = append(want, envRecord{Event, "INFO", "carol", "view", 3 * ms, t3.UnixNano(), HasLatency | HasTime})

	// A body that is not a string, and an attribute that is neither a
	// string nor a number.
	lr = sl.LogRecords().AppendEmpty()
	lr.SetSeverityNumber(plog.SeverityNumberFatal4)
	lr.Body().SetEmptyMap().PutStr("user", "dave")
	lr.Attributes().PutBool("user", true)
	lr.Attributes().PutStr("user", "erin")
	want = append(want, envRecord{Event, "FATAL", "erin", "", 0, 0, 0})

	// An unreadable latency attribute is counted as such.
	lr = sl.LogRecords().AppendEmpty()
	lr.SetSeverityNumber(plog.SeverityNumberTrace)
	lr.Attributes().PutDouble("latency_ms", -1)
	want = append(want, envRecord{Event, "TRACE", "", "", 0, 0, BadLatency})

	line := otlpLine(t, logs)
	checkEnvelope(t, envParser(t), line, ShapeOTLP, want)
}

// The proto3 JSON mapping also allows 64-bit integers as numbers and enums
// by name, which other OTLP writers use.
func TestParseEnvelopeOTLPProtoJSONForms(t *testing.T) {
	line := []byte(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[` +
		`{"timeUnixNano":1732608000000000001,"severityNumber":"SEVERITY_NUMBER_WARN2","attributes":[{"value":{"intValue":5},"key":"latency_ms"}]},` +
		`{"timeUnixNano":"0","observedTimeUnixNano":"1732608000000000002","severityNumber":"SEVERITY_NUMBER_INFO","severityText":""},` +
		`{"severityNumber":25,"body":{"stringValue":"level=warn user=x"}},` +
		`{"severityNumber":"SEVERITY_NUMBER_UNSPECIFIED"}` +
		`]}]}]}`)
	checkEnvelope(t, envParser(t), line, ShapeOTLP, []envRecord{
		{Event, "WARN", "", "", 5 * int64(time.Millisecond), 1732608000000000001, HasLatency | HasTime},
		{Event, "INFO", "", "", 0, 1732608000000000002, HasTime},
		{Event, "warn", "x", "", 0, 0, 0},
		{NoLevel, "", "", "", 0, 0, 0},
	})
}

func TestParseEnvelopeOTLPEmpty(t *testing.T) {
	logs := plog.NewLogs()
	logs.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty()
	for _, line := range [][]byte{otlpLine(t, logs), []byte(`{"resourceLogs":null}`)} {
		p := envParser(t)
		var rec Record
		if kind, shape := p.parseEnvelope(line, &rec); kind != Blank || shape != ShapeOTLP || p.More() {
			t.Errorf("parseEnvelope(%s) = %s, shape %d, More %v; want Blank, ShapeOTLP, nothing queued", line, kind.name(), shape, p.More())
		}
	}
}

// A batch cut short is one Malformed line: none of its records count.
func TestParseEnvelopeTruncatedBatch(t *testing.T) {
	logs := plog.NewLogs()
	sl := logs.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty()
	for range 3 {
		sl.LogRecords().AppendEmpty().SetSeverityText("INFO")
	}
	line := otlpLine(t, logs)
	for n := 1; n < len(line); n++ {
		p := envParser(t)
		var rec Record
		if kind, _ := p.parseEnvelope(line[:n], &rec); kind != Malformed || p.More() {
			t.Fatalf("parseEnvelope(%s) = %s, More %v; want Malformed and nothing queued", line[:n], kind.name(), p.More())
		}
	}
}

// cloudWatchPayload is a subscription payload as AWS documents it, in its
// order ("Log group-level subscription filters", CloudWatch Logs User Guide).
type cloudWatchPayload struct {
	MessageType         string          `json:"messageType"`
	Owner               string          `json:"owner"`
	LogGroup            string          `json:"logGroup"`
	LogStream           string          `json:"logStream"`
	SubscriptionFilters []string        `json:"subscriptionFilters"`
	LogEvents           []cloudWatchLog `json:"logEvents"`
}

type cloudWatchLog struct {
	ID        string `json:"id"`
	Timestamp int64  `json:"timestamp"`
	Message   string `json:"message"`
}

func cloudWatchLine(t testing.TB, messageType string, events ...cloudWatchLog) []byte {
	b, err := json.Marshal(cloudWatchPayload{messageType, "123456789012", "/aws/lambda/checkout",
		"2026/11/26/[$LATEST]0123456789abcdef", []string{"to-firehose"}, events})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseEnvelopeCloudWatch(t *testing.T) {
	logged := time.Date(2026, 11, 26, 8, 0, 0, 250e6, time.UTC)
	const stamp = 1732608000123 // ms
	ms := int64(time.Millisecond)
	line := cloudWatchLine(t, "DATA_MESSAGE",
		cloudWatchLog{"1", stamp, slogLineAt(true, logged, slog.LevelInfo, "paid <&>", slog.String("user", "ann"), slog.String("action", "pay"), slog.Float64("latency_ms", 1.5e6))},
		cloudWatchLog{"2", stamp + 1, "START RequestId: 8f5a Version: $LATEST"},
		cloudWatchLog{"3", stamp + 2, slogLineAt(false, time.Time{}, slog.LevelError, "failed", slog.String("user", "bob")) + "\n"},
	)
	checkEnvelope(t, envParser(t), line, ShapeCloudWatch, []envRecord{
		{Event, "INFO", "ann", "pay", 1500000 * ms, logged.UnixNano(), HasLatency | HasTime},
		{NoLevel, "", "", "", 0, (stamp + 1) * ms, HasTime},
		{Event, "ERROR", "bob", "", 0, (stamp + 2) * ms, HasTime},
	})
}

func TestParseEnvelopeCloudWatchControl(t *testing.T) {
	for _, line := range [][]byte{
		cloudWatchLine(t, "CONTROL_MESSAGE", cloudWatchLog{"", 1732608000123, "CWL CONTROL MESSAGE: Checking health of destination Firehose."}),
		cloudWatchLine(t, "DATA_MESSAGE"),
	} {
		p := envParser(t)
		var rec Record
		if kind, shape := p.parseEnvelope(line, &rec); kind != Blank || shape != ShapeCloudWatch || p.More() {
			t.Errorf("parseEnvelope(%s) = %s, shape %d, More %v; want Blank, ShapeCloudWatch, nothing queued", line, kind.name(), shape, p.More())
		}
	}
}
