package logline

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"
)

// envRecord is what a test expects of one record of an envelope.
type envRecord struct {
	kind                Kind
	level, user, action string
	latency, time       int64 // nanoseconds; valid when has says so
	has                 Has
}

func (r envRecord) String() string {
	return fmt.Sprintf("{%s level %q user %q action %q latency %d time %d has %04b}",
		r.kind.name(), r.level, r.user, r.action, r.latency, r.time, r.has)
}

func envRecordOf(rec *Record, kind Kind) envRecord {
	r := envRecord{kind: kind, level: string(rec.Level), user: string(rec.User), action: string(rec.Action), has: exactHas(rec)}
	if rec.Has&HasLatency != 0 {
		r.latency = rec.Latency
	}
	if rec.Has&HasTime != 0 {
		r.time = rec.Time
	}
	return r
}

// readEnvelope parses line and every record it queues.
func readEnvelope(p *Parser, line []byte) (Kind, Shape, []envRecord) {
	var rec Record
	kind, shape := p.parseEnvelope(line, &rec)
	if kind != Event && kind != NoLevel {
		return kind, shape, nil
	}
	recs := []envRecord{envRecordOf(&rec, kind)}
	for p.More() {
		k := p.NextEvent(&rec)
		recs = append(recs, envRecordOf(&rec, k))
	}
	return kind, shape, recs
}

// envParser takes every field, under the keys the contract reads by default.
func envParser(t testing.TB) *Parser {
	p, err := NewParser(Config{ActionKey: "action", LatencyKey: "latency_ms", TimeKey: "time,ts,timestamp"})
	if err != nil {
		t.Fatal(err)
	}
	return &p
}

func checkEnvelope(t *testing.T, p *Parser, line []byte, shape Shape, want []envRecord) {
	t.Helper()
	_, gotShape, got := readEnvelope(p, line)
	if gotShape != shape || len(got) != len(want) {
		t.Fatalf("line %s:\ngot shape %d, %d records %v\nwant shape %d, %d records %v", line, gotShape, len(got), got, shape, len(want), want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %s\nrecord %d: got  %v\n           want %v", line, i, got[i], want[i])
		}
	}
}

// slogLineAt writes one record with slog's handler h (text or JSON) at t,
// or without a time when t is zero, and returns it without its '\n'.
func slogLineAt(json bool, t time.Time, level slog.Level, msg string, attrs ...slog.Attr) string {
	var buf bytes.Buffer
	var h slog.Handler
	opts := &slog.HandlerOptions{Level: slog.LevelDebug}
	if json {
		h = slog.NewJSONHandler(&buf, opts)
	} else {
		h = slog.NewTextHandler(&buf, opts)
	}
	r := slog.NewRecord(t, level, msg, 0)
	r.AddAttrs(attrs...)
	if err := h.Handle(context.Background(), r); err != nil {
		panic(err)
	}
	return string(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

// Lines that are not envelopes are left to plain JSON, whatever they hold.
func TestParseEnvelopeNotAnEnvelope(t *testing.T) {
	at := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	for _, line := range []string{
		slogLineAt(true, at, slog.LevelInfo, "hi", slog.String("user", "ann")),
		`{"level":"info","message":"MESSAGE","user":"ann"}`,
		`{"message":"level=info user=ann","PRIORITY":"6"}`,
		`{"MESSAGE":"level=info user=ann"}`, // journal-like, but no journal field says so
		`{"MESSAGE":"level=info","PRIORITY":"6"`,
		`{"__CURSOR":"s=1","MESSAGE":"x"} trailing`,
		`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"x"}}]}]}`,
		`{"resourceLogs":[{"scopeLogs":[{"logRecords":["not an object"]}]}]}`,
		`{"messageType":"DATA_MESSAGE","logGroup":"g"}`,
		`{"logEvents":[{"message":"level=info"}]}`,
		`{"messageType":"DATA_MESSAGE","logEvents":[{"message":"level=info"}`,
		`{"\u0072esourceLogs":[]}`,
		`{}`,
		`{`,
	} {
		p := envParser(t)
		var rec Record
		kind, shape := p.parseEnvelope([]byte(line), &rec)
		if kind != Malformed || shape != ShapeNone || p.More() || !reflectZero(rec) {
			t.Errorf("parseEnvelope(%s) = %s, shape %d, More %v, %v; want Malformed, ShapeNone, nothing",
				line, kind.name(), shape, p.More(), envRecordOf(&rec, kind))
		}
	}
}

func reflectZero(rec Record) bool {
	return rec.Level == nil && rec.User == nil && rec.Action == nil && rec.Latency == 0 && rec.Time == 0 && rec.Has == 0
}

// A batch's queued records are dropped by the next envelope line, which may
// be a line of another shape.
func TestParseEnvelopeDropsQueue(t *testing.T) {
	p := envParser(t)
	batch := []byte(`{"messageType":"DATA_MESSAGE","logEvents":[{"timestamp":1,"message":"level=info user=a"},{"timestamp":2,"message":"level=info user=b"}]}`)
	var rec Record
	if kind, _ := p.parseEnvelope(batch, &rec); kind != Event || !p.More() {
		t.Fatalf("first record: %s, More %v; want Event with one more queued", kind.name(), p.More())
	}
	if kind, _ := p.parseEnvelope([]byte(`{"level":"info"}`), &rec); kind != Malformed || p.More() {
		t.Fatalf("after a plain JSON line: %s, More %v; want Malformed and nothing queued", kind.name(), p.More())
	}
	if kind := p.NextEvent(&rec); kind != Blank || !reflectZero(rec) {
		t.Fatalf("NextEvent with nothing queued = %s %v, want Blank and a zero record", kind.name(), envRecordOf(&rec, kind))
	}
}

func TestStripANSI(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"\x1b[36mINFO\x1b[0m x", "INFO x"},
		{"\x1b[1;31mERRO\x1b[0m", "ERRO"},
		{"a\x1b", "a"},
		{"a\x1b[", "a"},
		{"a\x1bb", "ab"},
		{"\x1b[38;5;208mz", "z"},
	} {
		if got := string(stripANSI([]byte(tt.in))); got != tt.want {
			t.Errorf("stripANSI(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
