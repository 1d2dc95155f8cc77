package main

// Issue 11's numbers: latencies as float64, in every form the libraries
// write them (slog's TextHandler and logrus's %v write 1.234567e+06 and
// 2.5e+06), and NaN, Inf and negative latencies, which count as
// unreadable. The files are scanned by TestScanFormats with the others.

import (
	"bytes"
	"context"
	"log/slog"
	"math"
	"time"

	kitlog "github.com/go-kit/log"
	kitlevel "github.com/go-kit/log/level"
	"github.com/hashicorp/go-hclog"
	"github.com/sirupsen/logrus"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// floatLatencies are the milliseconds logged, in turn, for records with a
// latency; badLatencies are mixed in where the format can write them.
var (
	floatLatencies = []float64{1234567, 2.5e6, 1.5e6, 0.25, 12.5, 3, 2.5e-05, 987654.321, 42}
	badLatencies   = []float64{math.NaN(), math.Inf(1), math.Inf(-1), -3}
)

// floatKV is r's fields with the i-th record's float latency, and the
// truth of r; every seventh latency is a bad one when bad is true, else
// only the negative one is (JSON has no NaN or Inf).
func floatKV(r cliRecord, i int, bad bool, levels [5]string, at time.Time) ([]any, truthRecord) {
	r.hasLat = r.hasLat || i%3 == 0 || i%7 == 0
	kv := (&cliRecord{user: r.user, numeric: r.numeric, action: r.action}).kv()
	tr := r.as(levels, at, true, 0)
	if !r.hasLat {
		return kv, tr
	}
	lat := floatLatencies[i%len(floatLatencies)]
	switch {
	case i%7 == 0 && bad:
		lat = badLatencies[i/7%len(badLatencies)]
	case i%7 == 0:
		lat = -3
	}
	tr.latency, tr.badLat = lat, !(lat >= 0) || math.IsInf(lat, 0)
	return append(kv, "latency_ms", lat), tr
}

// writeSlogFloat writes slog's TextHandler, or its JSONHandler.
func writeSlogFloat(w *bytes.Buffer, recs []cliRecord, json bool) *truth {
	var h slog.Handler = slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug - 4})
	if json {
		h = slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug - 4})
	}
	levels := [...]slog.Level{slog.LevelDebug - 4, slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError}
	tr := newTruth()
	for i, r := range recs {
		kv, rec := floatKV(r, i, !json, [5]string{"DEBUG-4", "DEBUG", "INFO", "WARN", "ERROR"}, r.at)
		sr := slog.NewRecord(r.at, levels[r.level], "user action", 0)
		sr.Add(kv...)
		h.Handle(context.Background(), sr)
		tr.add(rec)
	}
	return tr
}

// writeLogrusFloat writes logrus's TextFormatter, which prints floats
// with %v.
func writeLogrusFloat(w *bytes.Buffer, recs []cliRecord) *truth {
	levels := [...]logrus.Level{logrus.TraceLevel, logrus.DebugLevel, logrus.InfoLevel, logrus.WarnLevel, logrus.ErrorLevel}
	l := logrus.New()
	l.SetOutput(w)
	l.SetFormatter(&logrus.TextFormatter{DisableColors: true, FullTimestamp: true, TimestampFormat: time.RFC3339Nano})
	l.SetLevel(logrus.TraceLevel)
	tr := newTruth()
	for i, r := range recs {
		kv, rec := floatKV(r, i, true, [5]string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR"}, r.at)
		fields := logrus.Fields{}
		for j := 0; j < len(kv); j += 2 {
			fields[kv[j].(string)] = kv[j+1]
		}
		l.WithTime(r.at).WithFields(fields).Log(levels[r.level], "user action")
		tr.add(rec)
	}
	return tr
}

// writeHclogFloat writes hclog's text.
func writeHclogFloat(w *bytes.Buffer, recs []cliRecord) *truth {
	recs = rawBackslash(recs)
	levels := [...]hclog.Level{hclog.Trace, hclog.Debug, hclog.Info, hclog.Warn, hclog.Error}
	var now time.Time
	l := hclog.New(&hclog.LoggerOptions{Name: "app", Output: w, Level: hclog.Trace, TimeFn: func() time.Time { return now }})
	tr := newTruth()
	for i, r := range recs {
		now = r.at
		kv, rec := floatKV(r, i, true, [5]string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR"}, r.at.Truncate(time.Millisecond))
		l.Log(levels[r.level], "user action", kv...)
		tr.add(rec)
	}
	return tr
}

// writeGoKitFloat writes go-kit's logfmt.
func writeGoKitFloat(w *bytes.Buffer, recs []cliRecord) *truth {
	var now time.Time
	l := kitlog.With(kitlog.NewLogfmtLogger(w), "ts", kitlog.TimestampFormat(func() time.Time { return now }, time.RFC3339Nano))
	levels := [...]func(kitlog.Logger) kitlog.Logger{kitlevel.Debug, kitlevel.Debug, kitlevel.Info, kitlevel.Warn, kitlevel.Error}
	tr := newTruth()
	for i, r := range recs {
		now = r.at
		kv, rec := floatKV(r, i, true, [5]string{"DEBUG", "DEBUG", "INFO", "WARN", "ERROR"}, r.at)
		levels[r.level](l).Log(append([]any{"msg", "user action"}, kv...)...)
		tr.add(rec)
	}
	return tr
}

// writeZapFloat writes zap's production JSON.
func writeZapFloat(w *bytes.Buffer, recs []cliRecord) *truth {
	zl := [...]zapcore.Level{zapcore.DebugLevel, zapcore.DebugLevel, zapcore.InfoLevel, zapcore.WarnLevel, zapcore.ErrorLevel}
	var now time.Time
	core := zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(w), zapcore.DebugLevel)
	l := zap.New(core, zap.WithClock(cliClock{&now})).Sugar()
	tr := newTruth()
	for i, r := range recs {
		now = r.at
		kv, rec := floatKV(r, i, false, [5]string{"DEBUG", "DEBUG", "INFO", "WARN", "ERROR"}, r.at)
		l.Logw(zl[r.level], "user action", kv...)
		tr.add(rec)
	}
	return tr
}
