package main

// The user's story of issue 4, through the binary: logproc scan
// 'logs/*.log' access.gz over files that slog, logrus, zap and zerolog
// wrote gives the right counts, percentiles and windows with no flag but
// -window. The writers are a lean copy of scan/reallogs_test.go's, which
// tests each format alone and in more depth: test files cannot be shared
// across packages, and a shared package would import the loggers outside
// _test.go files.

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/sirupsen/logrus"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// testLoggers are the modules only tests may import.
var testLoggers = []string{"github.com/sirupsen/logrus", "go.uber.org/zap", "github.com/rs/zerolog",
	"github.com/aws/aws-lambda-go", "go.opentelemetry.io/collector/pdata",
	"k8s.io/klog", "github.com/go-logr/logr", "github.com/hashicorp/go-hclog", "github.com/charmbracelet/log",
	"github.com/go-kit/log", "gopkg.in/inconshreveable/log15.v2", "github.com/apex/log",
	"github.com/blendle/zapdriver", "go.elastic.co/ecszap"}

// TestBinaryLinksNoTestLoggers: the loggers that write the tests' input
// are not linked into logproc.
func TestBinaryLinksNoTestLoggers(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for pkg := range strings.Lines(string(out)) {
		for _, mod := range testLoggers {
			if strings.HasPrefix(pkg, mod) {
				t.Errorf("logproc links %s, which only tests may import", strings.TrimSpace(pkg))
			}
		}
	}
}

// cliRecord is one event logged, and so the truth. level is 0 to 4: trace,
// debug, info, warn, error.
type cliRecord struct {
	at      time.Time // UTC, whole milliseconds
	level   int
	user    string // "" for none
	numeric bool   // the user is logged as a number
	action  string
	latency int64 // milliseconds, when hasLat
	hasLat  bool
}

func (r *cliRecord) userValue() any {
	if r.numeric {
		n, _ := strconv.ParseInt(r.user, 10, 64)
		return n
	}
	return r.user
}

// truth is the record as logged by a library that reports levels trace
// to error as levels says.
func (r *cliRecord) truth(levels [5]string) truthRecord {
	return truthRecord{level: levels[r.level], user: r.user, action: r.action,
		latency: float64(r.latency), hasLat: r.hasLat, at: r.at, hasTime: true}
}

func cliRecords(n int) []cliRecord {
	rng := rand.New(rand.NewPCG(4, 26))
	users := []string{"Jane Q. <j@x>", "Zoë Ångström", `quote"and\backslash`, "ann@example.com", "bob@example.com", "carol@example.com"}
	actions := []string{"login", "view item", "checkout"}
	recs := make([]cliRecord, n)
	at := time.Date(2026, 11, 26, 7, 59, 51, 7e6, time.UTC)
	for i := range recs {
		at = at.Add(time.Duration(rng.IntN(400)) * time.Millisecond)
		r := cliRecord{at: at, level: []int{0, 1, 2, 2, 2, 2, 3, 4}[rng.IntN(8)]}
		switch p := rng.IntN(20); {
		case p == 0: // no user
		case p == 1:
			r.user, r.numeric = "4242", true
		default:
			r.user = users[rng.IntN(len(users))]
		}
		if rng.IntN(5) > 0 {
			r.action = actions[rng.IntN(len(actions))]
		}
		if r.hasLat = rng.IntN(4) > 0; r.hasLat {
			r.latency = rng.Int64N(30) + rng.Int64N(2)*rng.Int64N(3000)
		}
		recs[i] = r
	}
	return recs
}

// cliFormat writes records as one library does; levels are the names
// logproc reports for trace to error.
type cliFormat struct {
	file   string
	levels [5]string
	write  func(io.Writer, []cliRecord)
}

var cliFormats = []cliFormat{
	{"logs/slog-text.log", [5]string{"DEBUG-4", "DEBUG", "INFO", "WARN", "ERROR"}, func(w io.Writer, recs []cliRecord) {
		writeSlogCLI(slog.NewTextHandler(w, nil), recs)
	}},
	{"logs/slog-json.log", [5]string{"DEBUG-4", "DEBUG", "INFO", "WARN", "ERROR"}, func(w io.Writer, recs []cliRecord) {
		writeSlogCLI(slog.NewJSONHandler(w, nil), recs)
	}},
	{"logs/logrus-text.log", [5]string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR"}, func(w io.Writer, recs []cliRecord) {
		writeLogrusCLI(w, &logrus.TextFormatter{DisableColors: true, FullTimestamp: true, TimestampFormat: time.RFC3339Nano}, recs)
	}},
	{"logs/zap.log", [5]string{"DEBUG", "DEBUG", "INFO", "WARN", "ERROR"}, writeZapCLI},
	{"logs/zerolog.log", [5]string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR"}, writeZerologCLI},
	// Gzipped when written: an access log kept compressed.
	{"access.gz", [5]string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR"}, func(w io.Writer, recs []cliRecord) {
		writeLogrusCLI(w, &logrus.JSONFormatter{TimestampFormat: time.RFC3339Nano}, recs)
	}},
}

func writeSlogCLI(h slog.Handler, recs []cliRecord) {
	levels := [...]slog.Level{slog.LevelDebug - 4, slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError}
	for _, r := range recs {
		rec := slog.NewRecord(r.at, levels[r.level], "user action", 0)
		if r.user != "" {
			rec.AddAttrs(slog.Any("user", r.userValue()))
		}
		if r.action != "" {
			rec.AddAttrs(slog.String("action", r.action))
		}
		if r.hasLat {
			rec.AddAttrs(slog.Int64("latency_ms", r.latency))
		}
		h.Handle(context.Background(), rec)
	}
}

func writeLogrusCLI(w io.Writer, f logrus.Formatter, recs []cliRecord) {
	levels := [...]logrus.Level{logrus.TraceLevel, logrus.DebugLevel, logrus.InfoLevel, logrus.WarnLevel, logrus.ErrorLevel}
	log := logrus.New()
	log.SetOutput(w)
	log.SetFormatter(f)
	log.SetLevel(logrus.TraceLevel)
	for _, r := range recs {
		fields := logrus.Fields{}
		if r.user != "" {
			fields["user"] = r.userValue()
		}
		if r.action != "" {
			fields["action"] = r.action
		}
		if r.hasLat {
			fields["latency_ms"] = r.latency
		}
		log.WithTime(r.at).WithFields(fields).Log(levels[r.level], "user action")
	}
}

type cliClock struct{ now *time.Time }

func (c cliClock) Now() time.Time                         { return *c.now }
func (c cliClock) NewTicker(d time.Duration) *time.Ticker { return time.NewTicker(d) }

// writeZapCLI: zap.NewProduction's logger without sampling, which drops
// lines. zap has no trace level: trace is logged at debug.
func writeZapCLI(w io.Writer, recs []cliRecord) {
	levels := [...]zapcore.Level{zapcore.DebugLevel, zapcore.DebugLevel, zapcore.InfoLevel, zapcore.WarnLevel, zapcore.ErrorLevel}
	var now time.Time
	core := zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(w), zapcore.DebugLevel)
	log := zap.New(core, zap.AddCaller(), zap.AddStacktrace(zapcore.ErrorLevel), zap.WithClock(cliClock{&now}))
	for _, r := range recs {
		now = r.at
		var fields []zap.Field
		if r.user != "" {
			fields = append(fields, zap.Any("user", r.userValue()))
		}
		if r.action != "" {
			fields = append(fields, zap.String("action", r.action))
		}
		if r.hasLat {
			fields = append(fields, zap.Int64("latency_ms", r.latency))
		}
		log.Log(levels[r.level], "user action", fields...)
	}
}

// writeZerologCLI sets and restores zerolog's package-level time format
// and clock, its only way to set them.
func writeZerologCLI(w io.Writer, recs []cliRecord) {
	levels := [...]zerolog.Level{zerolog.TraceLevel, zerolog.DebugLevel, zerolog.InfoLevel, zerolog.WarnLevel, zerolog.ErrorLevel}
	var now time.Time
	format, stamp := zerolog.TimeFieldFormat, zerolog.TimestampFunc
	zerolog.TimeFieldFormat, zerolog.TimestampFunc = time.RFC3339Nano, func() time.Time { return now }
	defer func() { zerolog.TimeFieldFormat, zerolog.TimestampFunc = format, stamp }()
	log := zerolog.New(w).Level(zerolog.TraceLevel).With().Timestamp().Logger()
	for _, r := range recs {
		now = r.at
		e := log.WithLevel(levels[r.level])
		if r.user != "" {
			e = e.Interface("user", r.userValue())
		}
		if r.action != "" {
			e = e.Str("action", r.action)
		}
		if r.hasLat {
			e = e.Int64("latency_ms", r.latency)
		}
		e.Msg("user action")
	}
}

// TestScanRealLogs writes a part of the records through each library into
// logs/*.log and access.gz (with a logs/notes.txt the glob must not take),
// runs logproc scan -window 1m -o - 'logs/*.log' access.gz, and checks the
// results JSON against the records. It names no files for "formats": a
// glob's paths are not the paths as given.
func TestScanRealLogs(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "logs", "notes.txt"), []byte("not a log line\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	recs := cliRecords(1200)
	want := newTruth()
	for i, f := range cliFormats {
		part := recs[i*len(recs)/len(cliFormats) : (i+1)*len(recs)/len(cliFormats)]
		var buf bytes.Buffer
		f.write(&buf, part)
		data := buf.Bytes()
		if strings.HasSuffix(f.file, ".gz") {
			var z bytes.Buffer
			zw := gzip.NewWriter(&z)
			zw.Write(data)
			if err := zw.Close(); err != nil {
				t.Fatal(err)
			}
			data = z.Bytes()
		}
		if err := os.WriteFile(filepath.Join(dir, f.file), data, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, r := range part {
			want.add(r.truth(f.levels))
		}
	}

	r := logproc(t, dir, nil, "scan", "-window", "1m", "-o", "-", "logs/*.log", "access.gz")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	// The glob must not take notes.txt: it would be a malformed line.
	checkResults(t, "scan 'logs/*.log' access.gz", r.stdout, want.withWindow())
}
