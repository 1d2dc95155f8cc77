package main

// Writers of issue 11's formats through the real libraries. Each logs
// cliRecords as its library does and returns the truth of what it wrote:
// levels as logproc will name them, each record's time at the precision
// the library writes it (injected through the library's clock where it has
// one, else read off the real clock around the call), and the lines each
// record's bytes hold after its first.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	alog "github.com/apex/log"
	ajson "github.com/apex/log/handlers/json"
	"github.com/blendle/zapdriver"
	charm "github.com/charmbracelet/log"
	kitlog "github.com/go-kit/log"
	kitlevel "github.com/go-kit/log/level"
	"github.com/hashicorp/go-hclog"
	"github.com/rs/zerolog"
	"github.com/sirupsen/logrus"
	"go.elastic.co/ecszap"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	log15 "gopkg.in/inconshreveable/log15.v2"
	"k8s.io/klog/v2"
	"k8s.io/klog/v2/textlogger"
)

// kv is the record's fields as key-value pairs, in the names logproc
// reads by default.
func (r *cliRecord) kv() []any {
	var kv []any
	if r.user != "" {
		kv = append(kv, "user", r.userValue())
	}
	if r.action != "" {
		kv = append(kv, "action", r.action)
	}
	if r.hasLat {
		kv = append(kv, "latency_ms", r.latency)
	}
	return kv
}

// as is the truth of r written at level (trace to error as levels names
// them), at the time at when hasTime, followed by cont more lines.
func (r *cliRecord) as(levels [5]string, at time.Time, hasTime bool, cont int) truthRecord {
	tr := r.truth(levels)
	tr.at, tr.hasTime, tr.cont = at, hasTime, cont
	return tr
}

// lineCount is the number of lines in b, the last one unterminated or not.
func lineCount(b []byte) int {
	n := bytes.Count(b, []byte("\n"))
	if len(b) > 0 && b[len(b)-1] != '\n' {
		n++
	}
	return n
}

// clocked calls write, which logs one record at the real clock into a
// scratch buffer, until the second did not turn during the call, and
// appends what it wrote to w. It returns that second, as the record's
// truth: the library must have written a time within the call.
func clocked(w *bytes.Buffer, write func(io.Writer)) time.Time {
	var scratch bytes.Buffer
	for {
		scratch.Reset()
		before := time.Now()
		write(&scratch)
		after := time.Now()
		if s := before.Truncate(time.Second); s.Equal(after.Truncate(time.Second)) {
			w.Write(scratch.Bytes())
			return s
		}
	}
}

// wallUTC is the wall clock of t read as UTC: what a format without a
// zone says.
func wallUTC(t time.Time) time.Time {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	return time.Date(y, mo, d, h, mi, s, t.Nanosecond(), time.UTC)
}

// inThisYear moves recs to the current UTC year, for klog, which writes
// no year: they start an hour ago, or at the year's start if that is later.
func inThisYear(recs []cliRecord) []cliRecord {
	now := time.Now().UTC()
	start := now.Add(-time.Hour).Truncate(time.Millisecond)
	if year := time.Date(now.Year(), 1, 1, 0, 0, 0, 0, time.UTC); start.Before(year) {
		start = year
	}
	out := make([]cliRecord, len(recs))
	for i, r := range recs {
		r.at = start.Add(r.at.Sub(recs[0].at))
		out[i] = r
	}
	return out
}

// writeKlog writes klog's text: info and error records through its
// textlogger (klog's own header and key-value format, at an injected
// time), and warnings through klog's global Warning, which has no
// key-value form and no clock but the real one.
func writeKlog(w *bytes.Buffer, recs []cliRecord) *truth {
	levels := [5]string{"INFO", "INFO", "INFO", "WARN", "ERROR"}
	tr := newTruth()
	klog.LogToStderr(false)
	defer func() { klog.SetOutput(io.Discard); klog.LogToStderr(true) }()
	for _, r := range inThisYear(recs) {
		if r.level == 3 {
			var one bytes.Buffer
			klog.SetOutput(&one)
			before := time.Now()
			klog.Warning("user action")
			klog.Flush()
			after := time.Now()
			// klog writes a warning to the INFO and the WARNING log, one
			// writer here: a log on stderr, as klog writes by default, has
			// it once.
			first, _, _ := bytes.Cut(one.Bytes(), []byte("\n"))
			w.Write(append(first, '\n'))
			tr.add(truthRecord{level: "WARN", at: klogTime(one.Bytes(), before, after), hasTime: true})
			continue
		}
		l := textlogger.NewLogger(textlogger.NewConfig(textlogger.Output(w), textlogger.FixedTime(r.at)))
		if r.level == 4 {
			l.Error(nil, "user action", r.kv()...)
		} else {
			l.Info("user action", r.kv()...)
		}
		tr.add(r.as(levels, r.at.Truncate(time.Microsecond), true, 0))
	}
	return tr
}

// klogTime is the time in the header klog wrote for a call between before
// and after: its microseconds are known only from the header, which must
// agree with the clock. The wall clock is read as UTC, as a zone-less
// format says.
func klogTime(line []byte, before, after time.Time) time.Time {
	before, after = before.Local().Truncate(time.Microsecond), after.Local()
	at, err := time.ParseInLocation("0102 15:04:05.000000", string(line[1:min(len(line), 21)]), time.Local)
	if err == nil {
		at = at.AddDate(before.Year(), 0, 0)
	}
	if err != nil || at.Before(before) || at.After(after) {
		panic(fmt.Sprintf("klog wrote %q between %s and %s", line, before, after))
	}
	return wallUTC(at)
}

// rawBackslash returns recs with every user's backslash followed by '_',
// for hclog's and charm's text, which write a backslash as it is: there
// `\b` is also how a backspace is written, and no reader could tell a
// user "a\bc" from "a<BS>c". `\_` begins no escape in any of them.
func rawBackslash(recs []cliRecord) []cliRecord {
	out := slices.Clone(recs)
	for i := range out {
		out[i].user = strings.ReplaceAll(out[i].user, `\`, `\_`)
	}
	return out
}

// writeHclog writes hclog's text or, with JSON, its JSON lines.
func writeHclog(w *bytes.Buffer, recs []cliRecord, json bool) *truth {
	if !json {
		recs = rawBackslash(recs)
	}
	levels := [...]hclog.Level{hclog.Trace, hclog.Debug, hclog.Info, hclog.Warn, hclog.Error}
	var now time.Time
	l := hclog.New(&hclog.LoggerOptions{Name: "app", Output: w, Level: hclog.Trace, JSONFormat: json,
		TimeFn: func() time.Time { return now }})
	tr := newTruth()
	for _, r := range recs {
		now = r.at
		l.Log(levels[r.level], "user action", r.kv()...)
		tr.add(r.as([5]string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR"}, r.at.Truncate(time.Millisecond), true, 0))
	}
	return tr
}

// writeSlogDefault logs through slog's default logger, which writes with
// the log package: log.SetOutput is how a program points it at a file.
// The log package has no clock but the real one, in UTC with LUTC.
func writeSlogDefault(w *bytes.Buffer, recs []cliRecord) *truth {
	levels := [...]slog.Level{slog.LevelDebug - 4, slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError}
	flags, prev := log.Flags(), slog.SetLogLoggerLevel(slog.LevelDebug-4)
	log.SetFlags(log.LstdFlags | log.LUTC)
	defer func() { log.SetOutput(io.Discard); log.SetFlags(flags); slog.SetLogLoggerLevel(prev) }()
	tr := newTruth()
	for _, r := range recs {
		at := clocked(w, func(out io.Writer) {
			log.SetOutput(out)
			slog.Default().Log(context.Background(), levels[r.level], "user action", r.kv()...)
		})
		tr.add(r.as([5]string{"DEBUG-4", "DEBUG", "INFO", "WARN", "ERROR"}, at, true, 0))
	}
	return tr
}

// writeStdLog writes the log package's lines, which have no level, with
// the fields in the message as a program would print them.
func writeStdLog(w *bytes.Buffer, recs []cliRecord) *truth {
	tr := newTruth()
	for _, r := range recs {
		var msg strings.Builder
		msg.WriteString("user action")
		kv := r.kv()
		for i := 0; i < len(kv); i += 2 {
			msg.WriteString(" " + kv[i].(string) + "=" + logfmtValue(kv[i+1]))
		}
		at := clocked(w, func(out io.Writer) {
			log.New(out, "", log.LstdFlags|log.LUTC).Print(msg.String())
		})
		rec := r.as([5]string{}, at, true, 0)
		rec.level = ""
		tr.add(rec)
	}
	return tr
}

// logfmtValue quotes v as slog's TextHandler does, when it must.
func logfmtValue(v any) string {
	s := fmt.Sprint(v)
	if s == "" || strings.ContainsFunc(s, func(r rune) bool {
		return r == '=' || r == '"' || r == '\\' || unicode.IsSpace(r) || !unicode.IsPrint(r)
	}) {
		return strconv.Quote(s)
	}
	return s
}

// writeCharm writes charmbracelet/log's text with timestamps; a file is
// not a terminal, so it has no colour. charm has no trace level.
func writeCharm(w *bytes.Buffer, recs []cliRecord) *truth {
	recs = rawBackslash(recs)
	levels := [...]charm.Level{charm.DebugLevel, charm.DebugLevel, charm.InfoLevel, charm.WarnLevel, charm.ErrorLevel}
	var now time.Time
	l := charm.NewWithOptions(w, charm.Options{ReportTimestamp: true, Level: charm.DebugLevel,
		TimeFunction: func(time.Time) time.Time { return now }})
	tr := newTruth()
	for _, r := range recs {
		now = r.at
		l.Log(levels[r.level], "user action", r.kv()...)
		tr.add(r.as([5]string{"DEBUG", "DEBUG", "INFO", "WARN", "ERROR"}, r.at.Truncate(time.Second), true, 0))
	}
	return tr
}

// writeZerologConsole writes zerolog's ConsoleWriter. Its default time
// format, time.Kitchen, has no date: no record then has a time.
func writeZerologConsole(w *bytes.Buffer, recs []cliRecord, noColor bool, timeFormat string) *truth {
	levels := [...]zerolog.Level{zerolog.TraceLevel, zerolog.DebugLevel, zerolog.InfoLevel, zerolog.WarnLevel, zerolog.ErrorLevel}
	var now time.Time
	format, stamp := zerolog.TimeFieldFormat, zerolog.TimestampFunc
	zerolog.TimeFieldFormat, zerolog.TimestampFunc = time.RFC3339Nano, func() time.Time { return now }
	defer func() { zerolog.TimeFieldFormat, zerolog.TimestampFunc = format, stamp }()
	l := zerolog.New(zerolog.ConsoleWriter{Out: w, NoColor: noColor, TimeFormat: timeFormat}).Level(zerolog.TraceLevel).With().Timestamp().Logger()
	tr := newTruth()
	for _, r := range recs {
		now = r.at
		l.WithLevel(levels[r.level]).Fields(r.kv()).Msg("user action")
		tr.add(r.as([5]string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR"}, r.at.Truncate(time.Second), timeFormat != "", 0))
	}
	return tr
}

// writeZapConsole writes zap's development logger: the console encoder,
// and a raw stack trace after every warning and error.
func writeZapConsole(w *bytes.Buffer, recs []cliRecord) *truth {
	levels := [...]zapcore.Level{zapcore.DebugLevel, zapcore.DebugLevel, zapcore.InfoLevel, zapcore.WarnLevel, zapcore.ErrorLevel}
	var now time.Time
	var one bytes.Buffer
	core := zapcore.NewCore(zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig()), zapcore.AddSync(&one), zapcore.DebugLevel)
	l := zap.New(core, zap.Development(), zap.AddCaller(), zap.AddStacktrace(zapcore.WarnLevel), zap.WithClock(cliClock{&now}))
	tr := newTruth()
	for _, r := range recs {
		now = r.at
		one.Reset()
		l.Sugar().Logw(levels[r.level], "user action", r.kv()...)
		w.Write(one.Bytes())
		tr.add(r.as([5]string{"DEBUG", "DEBUG", "INFO", "WARN", "ERROR"}, r.at.Truncate(time.Millisecond), true, lineCount(one.Bytes())-1))
	}
	return tr
}

// writeLogrusColor writes logrus's TextFormatter with ANSI colours. Without
// FullTimestamp it writes seconds since the program started, not a time:
// those records are logged at the real clock, as a program's are.
func writeLogrusColor(w *bytes.Buffer, recs []cliRecord, full bool) *truth {
	levels := [...]logrus.Level{logrus.TraceLevel, logrus.DebugLevel, logrus.InfoLevel, logrus.WarnLevel, logrus.ErrorLevel}
	l := logrus.New()
	l.SetOutput(w)
	l.SetFormatter(&logrus.TextFormatter{ForceColors: true, FullTimestamp: full})
	l.SetLevel(logrus.TraceLevel)
	tr := newTruth()
	for _, r := range recs {
		fields := logrus.Fields{}
		kv := r.kv()
		for i := 0; i < len(kv); i += 2 {
			fields[kv[i].(string)] = kv[i+1]
		}
		e := l.WithFields(fields)
		if full {
			e = e.WithTime(r.at)
		}
		e.Log(levels[r.level], "user action")
		tr.add(r.as([5]string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR"}, r.at.Truncate(time.Second), full, 0))
	}
	return tr
}

// writeGoKit writes go-kit's logfmt or JSON with its level package and a
// "ts" timestamp. go-kit has no trace level.
func writeGoKit(w *bytes.Buffer, recs []cliRecord, json bool) *truth {
	var now time.Time
	l := kitlog.NewLogfmtLogger(w)
	if json {
		l = kitlog.NewJSONLogger(w)
	}
	l = kitlog.With(l, "ts", kitlog.TimestampFormat(func() time.Time { return now }, time.RFC3339Nano))
	levels := [...]func(kitlog.Logger) kitlog.Logger{kitlevel.Debug, kitlevel.Debug, kitlevel.Info, kitlevel.Warn, kitlevel.Error}
	tr := newTruth()
	for _, r := range recs {
		now = r.at
		levels[r.level](l).Log(append([]any{"msg", "user action"}, r.kv()...)...)
		tr.add(r.as([5]string{"DEBUG", "DEBUG", "INFO", "WARN", "ERROR"}, r.at, true, 0))
	}
	return tr
}

// writeLog15 writes log15's logfmt. Its logger stamps the real clock; a
// handler in front of its StreamHandler sets the record's time instead.
// Trace records are logged as crit, to have one of each of its levels.
func writeLog15(w *bytes.Buffer, recs []cliRecord) *truth {
	var now time.Time
	stream := log15.StreamHandler(w, log15.LogfmtFormat())
	l := log15.New()
	l.SetHandler(log15.FuncHandler(func(rec *log15.Record) error {
		rec.Time = now
		return stream.Log(rec)
	}))
	levels := [...]func(string, ...any){l.Crit, l.Debug, l.Info, l.Warn, l.Error}
	tr := newTruth()
	for _, r := range recs {
		now = r.at
		levels[r.level]("user action", r.kv()...)
		tr.add(r.as([5]string{"CRITICAL", "DEBUG", "INFO", "WARN", "ERROR"}, r.at.Truncate(time.Second), true, 0))
	}
	return tr
}

// writeApex writes apex/log's JSON handler, which nests the fields under
// "fields". apex has no trace level, and its clock is a package variable.
func writeApex(w *bytes.Buffer, recs []cliRecord) *truth {
	var now time.Time
	prev := alog.Now
	alog.Now = func() time.Time { return now }
	defer func() { alog.Now = prev }()
	l := &alog.Logger{Handler: ajson.New(w), Level: alog.DebugLevel}
	tr := newTruth()
	for _, r := range recs {
		now = r.at
		fields := alog.Fields{}
		kv := r.kv()
		for i := 0; i < len(kv); i += 2 {
			fields[kv[i].(string)] = kv[i+1]
		}
		e := l.WithFields(fields)
		[...]func(string){e.Debug, e.Debug, e.Info, e.Warn, e.Error}[r.level]("user action")
		tr.add(r.as([5]string{"DEBUG", "DEBUG", "INFO", "WARN", "ERROR"}, r.at, true, 0))
	}
	return tr
}

// writeZapJSON writes zap's JSON through another library's encoder
// config (zapdriver's GCP one, ecszap's ECS one). Trace records are
// logged at DPanic, which does not panic in production.
func writeZapJSON(w *bytes.Buffer, recs []cliRecord, core func(io.Writer) zapcore.Core, levels [5]string) *truth {
	zl := [...]zapcore.Level{zapcore.DPanicLevel, zapcore.DebugLevel, zapcore.InfoLevel, zapcore.WarnLevel, zapcore.ErrorLevel}
	var now time.Time
	l := zap.New(core(w), zap.AddCaller(), zap.WithClock(cliClock{&now}))
	tr := newTruth()
	for _, r := range recs {
		now = r.at
		l.Sugar().Logw(zl[r.level], "user action", r.kv()...)
		tr.add(r.as(levels, r.at, true, 0))
	}
	return tr
}

func zapdriverCore(w io.Writer) zapcore.Core {
	return zapcore.NewCore(zapcore.NewJSONEncoder(zapdriver.NewProductionEncoderConfig()), zapcore.AddSync(w), zapcore.DebugLevel)
}

func ecszapCore(w io.Writer) zapcore.Core {
	return ecszap.NewCore(ecszap.NewDefaultEncoderConfig(), zapcore.AddSync(w), zapcore.DebugLevel)
}
