package logline

import (
	"bytes"
	"testing"
	"time"

	"github.com/apex/log"
	apexjson "github.com/apex/log/handlers/json"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// nestedParser takes the contract's keys with the nested names where a
// library always nests them.
func nestedParser(t testing.TB) *Parser {
	p, err := NewParser(Config{
		LevelKey:   "level,log.level",
		UserKey:    "user,fields.user",
		ActionKey:  "action,fields.action",
		LatencyKey: "latency_ms,fields.latency_ms",
		TimeKey:    "time,timestamp,@timestamp",
	})
	if err != nil {
		t.Fatal(err)
	}
	return &p
}

func parseRecord(p *Parser, line []byte) envRecord {
	var rec Record
	kind := p.Parse(line, &rec)
	return envRecordOf(&rec, kind)
}

// apexLines logs with apex/log's JSON handler, which nests every field
// under "fields", at the time at.
func apexLines(t *testing.T, at time.Time, write func(*log.Logger)) [][]byte {
	var buf bytes.Buffer
	saved := log.Now
	log.Now = func() time.Time { return at }
	defer func() { log.Now = saved }()
	write(&log.Logger{Handler: apexjson.New(&buf), Level: log.DebugLevel})
	return bytes.Split(bytes.TrimSuffix(buf.Bytes(), []byte("\n")), []byte("\n"))
}

func TestParseJSONNestedApex(t *testing.T) {
	at := time.Date(2026, 11, 26, 8, 0, 0, 123456789, time.UTC)
	ms := int64(time.Millisecond)
	lines := apexLines(t, at, func(l *log.Logger) {
		l.WithFields(log.Fields{"user": "ann", "action": "login", "latency_ms": 42}).Info("signed in")
		l.WithFields(log.Fields{"user": "bob \"b\"", "latency_ms": 1.5e6}).Warn("slow")
		l.WithField("action", "purge").Error("no user")
		l.Debug("no fields")
	})
	want := []envRecord{
		{Event, "info", "ann", "login", 42 * ms, at.UnixNano(), HasLatency | HasTime},
		{Event, "warn", `bob "b"`, "", 1500000 * ms, at.UnixNano(), HasLatency | HasTime},
		{Event, "error", "", "purge", 0, at.UnixNano(), HasTime},
		{Event, "debug", "", "", 0, at.UnixNano(), HasTime},
	}
	if len(lines) != len(want) {
		t.Fatalf("apex/log wrote %d lines, want %d:\n%s", len(lines), len(want), bytes.Join(lines, []byte("\n")))
	}
	p := nestedParser(t)
	for i, line := range lines {
		if got := parseRecord(p, line); got != want[i] {
			t.Errorf("Parse(%s)\ngot  %v\nwant %v", line, got, want[i])
		}
	}
	// Without the dotted keys, the nested fields are not read.
	var plain Parser
	if got := parseRecord(&plain, lines[0]); got.user != "" || got.level != "info" {
		t.Errorf("the zero Parser read %s as %v, want level info and no user", lines[0], got)
	}
}

// ECS loggers (ecszap, ecslogrus) write "log.level" as one literal key;
// here zap's JSON encoder with ecszap's key names writes it.
func TestParseJSONNestedECSLiteral(t *testing.T) {
	at := time.Date(2026, 11, 26, 8, 0, 0, 5e6, time.UTC)
	var buf bytes.Buffer
	cfg := zapcore.EncoderConfig{
		MessageKey: "message", LevelKey: "log.level", TimeKey: "@timestamp", NameKey: "log.logger",
		EncodeLevel: zapcore.LowercaseLevelEncoder, EncodeTime: zapcore.ISO8601TimeEncoder,
		EncodeDuration: zapcore.NanosDurationEncoder,
	}
	logger := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(cfg), zapcore.AddSync(&buf), zapcore.DebugLevel))
	if ce := logger.Check(zapcore.WarnLevel, "slow"); ce != nil {
		ce.Time = at
		ce.Write(zap.String("user", "ann"), zap.String("action", "pay"), zap.Float64("latency_ms", 7))
	}
	line := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	want := envRecord{Event, "warn", "ann", "pay", 7 * int64(time.Millisecond), at.UnixNano(), HasLatency | HasTime}
	if got := parseRecord(nestedParser(t), line); got != want {
		t.Errorf("Parse(%s)\ngot  %v\nwant %v", line, got, want)
	}
}

func TestParseJSONNested(t *testing.T) {
	for _, tt := range []struct {
		line string
		want envRecord
	}{
		// A literal dotted member wins over the nested one, wherever it is.
		{`{"fields":{"user":"nested"},"fields.user":"literal","level":"info"}`, envRecord{kind: Event, level: "info", user: "literal"}},
		{`{"fields.user":"literal","fields":{"user":"nested"},"level":"info"}`, envRecord{kind: Event, level: "info", user: "literal"}},
		// So does a top-level alternative.
		{`{"fields":{"user":"nested"},"user":"top","level":"info"}`, envRecord{kind: Event, level: "info", user: "top"}},
		// ECS's nested form of "log.level".
		{`{"log":{"logger":"app","level":"warn"},"user":"x"}`, envRecord{kind: Event, level: "warn", user: "x"}},
		{`{"log":{"level":"warn"},"log.level":"error"}`, envRecord{kind: Event, level: "error"}},
		{`{"log":{"level":1}}`, envRecord{kind: Malformed}},
		{`{"log":{}, "level":"info"}`, envRecord{kind: Event, level: "info"}},
		// Docker's "log" is a string, not an object.
		{`{"log":"level=info user=x\n","stream":"stdout"}`, envRecord{kind: Malformed}},
		{`{"fields":"user","level":"info"}`, envRecord{kind: Event, level: "info"}},
		{`{"fields":[{"user":"x"}],"level":"info"}`, envRecord{kind: Event, level: "info"}},
		// Escaped member keys are decoded; an invalid escape is Malformed as at the top level.
		{`{"fields":{"us\u0065r":"x"},"level":"info"}`, envRecord{kind: Event, level: "info", user: "x"}},
		{`{"fields":{"us\qer":"x"},"level":"info"}`, envRecord{kind: Malformed}},
		// Only one level down: "fields.user" is not read two levels deep.
		{`{"fields":{"fields":{"user":"x"}},"level":"info"}`, envRecord{kind: Event, level: "info"}},
		// Another top-level object is skipped as before.
		{`{"other":{"user":"x"},"level":"info"}`, envRecord{kind: Event, level: "info"}},
		{`{"fields":{"user":"x"},"level":"info"} trailing`, envRecord{kind: Malformed}},
	} {
		if got := parseRecord(nestedParser(t), []byte(tt.line)); got != tt.want {
			t.Errorf("Parse(%s)\ngot  %v\nwant %v", tt.line, got, tt.want)
		}
	}
}

func TestParseJSONNestedAllocs(t *testing.T) {
	p := nestedParser(t)
	line := []byte(`{"fields":{"action":"login","latency_ms":42,"us\u0065r":"ann \u00e9"},"level":"info","timestamp":"2026-11-26T08:00:00.123456789Z","message":"m"}`)
	var rec Record
	p.Parse(line, &rec)
	if allocs := testing.AllocsPerRun(100, func() { p.Parse(line, &rec) }); allocs != 0 {
		t.Errorf("Parse(%s): %v allocations, want 0", line, allocs)
	}
	if string(rec.User) != "ann é" {
		t.Errorf("Parse(%s): user %q, want %q", line, rec.User, "ann é")
	}
}
