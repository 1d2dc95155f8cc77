package logline

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"log"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	charm "github.com/charmbracelet/log"
	"github.com/hashicorp/go-hclog"
	"github.com/rs/zerolog"
	"github.com/sirupsen/logrus"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"k8s.io/klog/v2"
)

// Each test here logs records with a real library and checks what
// parseLevelFirst reads from its lines against what was logged.

// logged is one record as a test logs it, and what must be read back.
type logged struct {
	level   string // the level asked for, as the library names it; "" for none
	msg     string
	user    string
	action  string
	latency int // milliseconds; -1 logs none
}

// records mixes spaces, quotes, '=' and a message that looks like pairs.
var records = []logged{
	{"INFO", "request done", "alice", "login", 12},
	{"WARN", "slow request", "bob smith", "export", 1500},
	{"ERROR", `user=ghost after "timeout"`, "carol", "delete", 7},
	{"DEBUG", "quoting", `d"q\e`, "a=b", 0},
	{"INFO", "no latency", "erin", "view", -1},
}

// want is what a line must give.
type want struct {
	kind          Kind
	level         string // normalised by canonicalLevel
	user, action  string
	latency       int // ms, -1 none
	lo, hi        int64
	timeUnchecked bool // lo..hi is the window the time must lie in; both 0: no time
}

func wantOf(r logged, lo, hi int64) want {
	w := want{kind: Event, level: r.level, user: r.user, action: r.action, latency: r.latency, lo: lo, hi: hi}
	if r.level == "" {
		w.kind = NoLevel
	}
	return w
}

// canonicalLevel maps each library's level word to the name it stands for
// (the test's own table, not agg's).
func canonicalLevel(raw string) string {
	switch raw {
	case "TRC", "TRAC":
		return "TRACE"
	case "DBG", "DEBU":
		return "DEBUG"
	case "INF":
		return "INFO"
	case "WRN":
		return "WARN"
	case "ERR", "ERRO":
		return "ERROR"
	case "FTL", "FATA":
		return "FATAL"
	case "PNC", "PANI":
		return "PANIC"
	}
	return strings.ToUpper(raw) // zap's production levels
}

func newTestParser(t *testing.T) *Parser {
	t.Helper()
	p, err := NewParser(Config{ActionKey: "action", LatencyKey: "latency_ms", TimeKey: "time"})
	if err != nil {
		t.Fatal(err)
	}
	return &p
}

// checkLines parses each of out's lines and compares it with ws, line by
// line, and the shape with shape.
func checkLines(t *testing.T, out string, ws []want, shape Shape) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(ws) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(ws), out)
	}
	p := newTestParser(t)
	for i, line := range lines {
		line = string(appendWithoutANSI(nil, []byte(line)))
		var rec Record
		kind, sh := p.parseLevelFirst([]byte(line), &rec)
		w := ws[i]
		got := want{kind: kind, level: canonicalLevel(string(rec.Level)), user: string(rec.User),
			action: string(rec.Action), latency: -1}
		if rec.Has&HasLatency != 0 {
			got.latency = int(rec.Latency / 1e6)
		}
		if kind != w.kind || sh != shape || got.level != w.level || got.user != w.user ||
			got.action != w.action || got.latency != w.latency || rec.Has&(BadLatency|BadTime) != 0 {
			t.Errorf("line %q:\ngot  %v shape %d %+v has %b\nwant %+v shape %d", line, kind, sh, got, rec.Has, w, shape)
			continue
		}
		switch {
		case w.lo == 0 && w.hi == 0:
			if rec.Has&HasTime != 0 {
				t.Errorf("line %q: time %v, want none", line, time.Unix(0, rec.Time).UTC())
			}
		case rec.Has&HasTime == 0 || rec.Time < w.lo || rec.Time > w.hi:
			t.Errorf("line %q: time %v (has %b), want in %v .. %v", line, time.Unix(0, rec.Time).UTC(), rec.Has,
				time.Unix(0, w.lo).UTC(), time.Unix(0, w.hi).UTC())
		}
	}
}

// asLocalUTC returns the window [lo, hi] as a wall clock in the local zone
// read as UTC, as the shapes without a zone are read.
func asLocalUTC(lo, hi time.Time) (int64, int64) {
	_, off := lo.Zone()
	return lo.UnixNano() + int64(off)*1e9, hi.UnixNano() + int64(off)*1e9
}

var fixed = time.Date(2026, 11, 26, 8, 0, 5, 123456789, time.FixedZone("IST", 5*3600+1800))

func TestRealKlog(t *testing.T) {
	fs := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(fs)
	for _, kv := range [][2]string{{"logtostderr", "false"}, {"alsologtostderr", "false"}, {"stderrthreshold", "FATAL"}} {
		if err := fs.Set(kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	klog.SetOutput(&buf)
	defer klog.SetOutput(os.Stderr)
	var ws []want
	before := time.Now().Truncate(time.Microsecond)
	for _, r := range records {
		kv := []any{"user", r.user, "action", r.action}
		if r.latency >= 0 {
			kv = append(kv, "latency_ms", r.latency)
		}
		w := r
		switch r.level {
		case "INFO", "DEBUG":
			klog.InfoS(r.msg, kv...)
			w.level = "INFO"
		case "WARN":
			klog.Warningf("%s user=%q action=%s latency_ms=%d", r.msg, r.user, r.action, r.latency) // printf style
		case "ERROR":
			klog.ErrorS(errors.New("boom"), r.msg, kv...)
		}
		ws = append(ws, wantOf(w, 0, 0))
	}
	klog.Flush()
	lo, hi := asLocalUTC(before, time.Now())
	for i := range ws {
		ws[i].lo, ws[i].hi = lo, hi
	}
	// klog writes each line once per severity file at or below its own
	// (its output is one buffer here): keep the first of each.
	checkLines(t, dedupe(buf.String()), ws, ShapeKlog)
}

// dedupe drops a line equal to the one before it.
func dedupe(s string) string {
	var b strings.Builder
	prev := ""
	for line := range strings.SplitSeq(s, "\n") {
		if line != prev && line != "" {
			b.WriteString(line + "\n")
		}
		prev = line
	}
	return b.String()
}

func TestRealHclog(t *testing.T) {
	var buf bytes.Buffer
	named := hclog.New(&hclog.LoggerOptions{Name: "vault.core", Output: &buf, Level: hclog.Trace,
		TimeFn: func() time.Time { return fixed }})
	unnamed := hclog.New(&hclog.LoggerOptions{Output: &buf, Level: hclog.Trace, TimeFn: func() time.Time { return fixed }})
	at := fixed.Truncate(time.Millisecond).UnixNano()
	var ws []want
	for i, r := range records {
		l := named
		if i%2 == 1 {
			l = unnamed
		}
		kv := []any{"user", r.user, "action", r.action}
		if r.latency >= 0 {
			kv = append(kv, "latency_ms", r.latency)
		}
		l.Log(hclog.LevelFromString(r.level), r.msg, kv...)
		ws = append(ws, wantOf(r, at, at))
	}
	named.Trace("")
	ws = append(ws, want{kind: Event, level: "TRACE", latency: -1, lo: at, hi: at})
	checkLines(t, buf.String(), ws, ShapeHclog)
}

func TestRealStdlog(t *testing.T) {
	var buf bytes.Buffer
	flags, out, prefix := log.Flags(), log.Writer(), log.Prefix()
	defer func() { log.SetFlags(flags); log.SetOutput(out); log.SetPrefix(prefix) }()
	log.SetOutput(&buf)
	old := slog.SetLogLoggerLevel(slog.LevelDebug - 4)
	defer slog.SetLogLoggerLevel(old)
	levels := map[string]slog.Level{"DEBUG": slog.LevelDebug, "INFO": slog.LevelInfo, "WARN": slog.LevelWarn, "ERROR": slog.LevelError}
	var ws []want
	for _, flags := range []int{log.LstdFlags, log.LstdFlags | log.Lmicroseconds, log.LstdFlags | log.Lshortfile, log.LstdFlags | log.Lmsgprefix} {
		log.SetFlags(flags)
		log.SetPrefix("")
		if flags&log.Lmsgprefix != 0 {
			log.SetPrefix("app: ")
		}
		before := time.Now().Truncate(time.Second) // the log package truncates
		if flags&log.Lmicroseconds != 0 {
			before = time.Now().Truncate(time.Microsecond)
		}
		n := len(ws)
		for _, r := range records {
			kv := []any{"user", r.user, "action", r.action}
			if r.latency >= 0 {
				kv = append(kv, "latency_ms", r.latency)
			}
			slog.Log(context.Background(), levels[r.level], r.msg, kv...)
			ws = append(ws, wantOf(r, 0, 0))
		}
		slog.Log(context.Background(), slog.LevelInfo+2, "offset", "user", "frank")
		ws = append(ws, want{kind: Event, level: "INFO+2", user: "frank", latency: -1})
		slog.Log(context.Background(), slog.LevelDebug-4, "offset", "user", "gina")
		ws = append(ws, want{kind: Event, level: "DEBUG-4", user: "gina", latency: -1})
		log.Printf("plain message user=%s action=%s latency_ms=%d", "hank", "save", 3)
		ws = append(ws, want{kind: NoLevel, user: "hank", action: "save", latency: 3})
		log.Print(`user=ghost after "timeout"`)
		ws = append(ws, want{kind: NoLevel, latency: -1})
		lo, hi := asLocalUTC(before, time.Now())
		for i := n; i < len(ws); i++ {
			ws[i].lo, ws[i].hi = lo, hi
		}
	}
	checkLines(t, buf.String(), ws, ShapeStdlog)
}

func TestRealCharm(t *testing.T) {
	levels := map[string]charm.Level{"DEBUG": charm.DebugLevel, "INFO": charm.InfoLevel, "WARN": charm.WarnLevel, "ERROR": charm.ErrorLevel}
	at := fixed.Truncate(time.Second)
	wall := time.Date(at.Year(), at.Month(), at.Day(), at.Hour(), at.Minute(), at.Second(), 0, time.UTC).UnixNano()
	for _, tc := range []struct {
		name   string
		opts   charm.Options
		lo, hi int64
	}{
		{"no time", charm.Options{}, 0, 0},
		{"prefix", charm.Options{Prefix: "worker"}, 0, 0},
		{"default time", charm.Options{ReportTimestamp: true}, wall, wall},
		{"rfc3339 and caller", charm.Options{ReportTimestamp: true, TimeFormat: time.RFC3339, ReportCaller: true}, at.UnixNano(), at.UnixNano()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			tc.opts.Level = charm.DebugLevel
			tc.opts.TimeFunction = func(time.Time) time.Time { return fixed }
			l := charm.NewWithOptions(&buf, tc.opts)
			var ws []want
			for _, r := range records {
				kv := []any{"user", r.user, "action", r.action}
				if r.latency >= 0 {
					kv = append(kv, "latency_ms", r.latency)
				}
				l.Log(levels[r.level], r.msg, kv...)
				ws = append(ws, wantOf(r, tc.lo, tc.hi))
			}
			l.Log(charm.FatalLevel, "fatal", "user", "ivy")
			ws = append(ws, want{kind: Event, level: "FATAL", user: "ivy", latency: -1, lo: tc.lo, hi: tc.hi})
			shape := ShapeCharm
			if tc.name == "default time" {
				shape = ShapeNone // checked line by line below
			}
			if shape != ShapeNone {
				checkLines(t, buf.String(), ws, shape)
				return
			}
			// With slog's time format, INFO and WARN read as ShapeStdlog.
			lines := strings.SplitAfter(buf.String(), "\n")
			for i, line := range lines[:len(ws)] {
				sh := ShapeCharm
				if ws[i].level == "INFO" || ws[i].level == "WARN" {
					sh = ShapeStdlog
				}
				checkLines(t, line, ws[i:i+1], sh)
			}
		})
	}
}

func TestRealZerolog(t *testing.T) {
	levels := map[string]zerolog.Level{"DEBUG": zerolog.DebugLevel, "INFO": zerolog.InfoLevel, "WARN": zerolog.WarnLevel, "ERROR": zerolog.ErrorLevel}
	at := fixed.Truncate(time.Second).UnixNano()
	for _, tc := range []struct {
		name     string
		w        zerolog.ConsoleWriter
		lo, hi   int64
		withTime bool
		caller   bool
	}{
		{"kitchen", zerolog.ConsoleWriter{NoColor: true}, 0, 0, true, false},
		{"colour", zerolog.ConsoleWriter{}, 0, 0, true, false},
		{"no timestamp", zerolog.ConsoleWriter{NoColor: true}, 0, 0, false, false},
		{"rfc3339 and caller", zerolog.ConsoleWriter{NoColor: true, TimeFormat: time.RFC3339}, at, at, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			tc.w.Out = &buf
			l := zerolog.New(tc.w).Level(zerolog.TraceLevel)
			var ws []want
			for _, r := range records {
				e := l.WithLevel(levels[r.level]).Str("user", r.user).Str("action", r.action)
				if r.latency >= 0 {
					e = e.Int("latency_ms", r.latency)
				}
				if tc.withTime {
					e = e.Time(zerolog.TimestampFieldName, fixed)
				}
				if tc.caller {
					e = e.Caller()
				}
				e.Msg(r.msg)
				ws = append(ws, wantOf(r, tc.lo, tc.hi))
			}
			l.WithLevel(zerolog.FatalLevel).Str("user", "ivy").Msg("")
			ws = append(ws, want{kind: Event, level: "FATAL", user: "ivy", latency: -1})
			l.Log().Str("user", "jo").Msg("no level")
			ws = append(ws, want{kind: NoLevel, user: "jo", latency: -1})
			checkLines(t, buf.String(), ws, ShapeZerologConsole)
		})
	}
}

// fixedClock is a zapcore.Clock stopped at fixed.
type fixedClock struct{}

func (fixedClock) Now() time.Time                         { return fixed }
func (fixedClock) NewTicker(d time.Duration) *time.Ticker { return time.NewTicker(d) }

func TestRealZap(t *testing.T) {
	levels := map[string]zapcore.Level{"DEBUG": zapcore.DebugLevel, "INFO": zapcore.InfoLevel, "WARN": zapcore.WarnLevel, "ERROR": zapcore.ErrorLevel}
	at := fixed.Truncate(time.Millisecond).UnixNano()
	for _, tc := range []struct {
		name   string
		config func(*zapcore.EncoderConfig)
		opts   []zap.Option
		lo, hi int64
	}{
		{"development", func(*zapcore.EncoderConfig) {}, []zap.Option{zap.AddCaller()}, at, at},
		{"colour, no caller", func(c *zapcore.EncoderConfig) { c.EncodeLevel = zapcore.CapitalColorLevelEncoder }, nil, at, at},
		{"no time", func(c *zapcore.EncoderConfig) { c.TimeKey = "" }, []zap.Option{zap.AddCaller()}, 0, 0},
		{"production's encoder", func(c *zapcore.EncoderConfig) { *c = zap.NewProductionEncoderConfig() }, nil,
			fixed.UnixNano() - 1000, fixed.UnixNano() + 1000}, // float seconds hold about 0.24 µs
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			enc := zap.NewDevelopmentEncoderConfig()
			tc.config(&enc)
			core := zapcore.NewCore(zapcore.NewConsoleEncoder(enc), zapcore.AddSync(&buf), zapcore.DebugLevel)
			l := zap.New(core, append(tc.opts, zap.WithClock(fixedClock{}))...).Named("svc")
			var ws []want
			for _, r := range records {
				fs := []zap.Field{zap.String("user", r.user), zap.String("action", r.action)}
				if r.latency >= 0 {
					fs = append(fs, zap.Int("latency_ms", r.latency))
				}
				l.Log(levels[r.level], r.msg, fs...)
				ws = append(ws, wantOf(r, tc.lo, tc.hi))
			}
			l.DPanic("dpanic", zap.String("user", "kim"), zap.Object("nested", zapcore.ObjectMarshalerFunc(
				func(e zapcore.ObjectEncoder) error { e.AddString("user", "not me"); return nil })))
			ws = append(ws, want{kind: Event, level: "DPANIC", user: "kim", latency: -1, lo: tc.lo, hi: tc.hi})
			l.Info("no fields")
			ws = append(ws, want{kind: Event, level: "INFO", latency: -1, lo: tc.lo, hi: tc.hi})
			checkLines(t, buf.String(), ws, ShapeZapConsole)
		})
	}
}

func TestRealLogrus(t *testing.T) {
	levels := map[string]logrus.Level{"DEBUG": logrus.DebugLevel, "INFO": logrus.InfoLevel, "WARN": logrus.WarnLevel, "ERROR": logrus.ErrorLevel}
	at := fixed.Truncate(time.Second).UnixNano()
	for _, full := range []bool{false, true} {
		var buf bytes.Buffer
		l := logrus.New()
		l.Out = &buf
		l.Level = logrus.TraceLevel
		l.Formatter = &logrus.TextFormatter{ForceColors: true, FullTimestamp: full}
		lo, hi := int64(0), int64(0)
		if full {
			lo, hi = at, at
		}
		var ws []want
		for _, r := range records {
			f := logrus.Fields{"user": r.user, "action": r.action}
			if r.latency >= 0 {
				f["latency_ms"] = r.latency
			}
			l.WithFields(f).WithTime(fixed).Log(levels[r.level], r.msg)
			ws = append(ws, wantOf(r, lo, hi))
		}
		l.WithField("user", "lee").WithTime(fixed).Trace("")
		ws = append(ws, want{kind: Event, level: "TRACE", user: "lee", latency: -1, lo: lo, hi: hi})
		checkLines(t, buf.String(), ws, ShapeLogrusText)
	}
}
