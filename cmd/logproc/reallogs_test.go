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
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
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
var testLoggers = []string{"github.com/sirupsen/logrus", "go.uber.org/zap", "github.com/rs/zerolog"}

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
// results JSON against the records.
func TestScanRealLogs(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "logs", "notes.txt"), []byte("not a log line\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	recs := cliRecords(1200)
	levels := map[string]int64{}
	noUser := map[string]int64{}
	users := map[string]int64{}
	actions := map[string]map[string]int64{} // action → level → events
	var latencies []int64                    // milliseconds
	windows := map[int64]int64{}             // minute since the epoch → events
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
			level := f.levels[r.level]
			levels[level]++
			if r.user == "" {
				noUser[level]++
			} else {
				// The README: a backslash in a name is written doubled.
				users[strings.ReplaceAll(r.user, `\`, `\\`)]++
			}
			if r.action != "" {
				if actions[r.action] == nil {
					actions[r.action] = map[string]int64{}
				}
				actions[r.action][level]++
			}
			if r.hasLat {
				latencies = append(latencies, r.latency)
			}
			windows[r.at.Unix()/60]++
		}
	}

	r := logproc(t, dir, nil, "scan", "-window", "1m", "-o", "-", "logs/*.log", "access.gz")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var res struct {
		Lines       int64            `json:"lines"`
		Malformed   int64            `json:"malformed_lines"`
		Levels      map[string]int64 `json:"log_levels"`
		NoUser      map[string]int64 `json:"lines_without_user"`
		UniqueUsers int              `json:"unique_users"`
		Users       map[string]int64 `json:"user_actions"`
		Actions     map[string]struct {
			Events int64            `json:"events"`
			Levels map[string]int64 `json:"log_levels"`
		} `json:"actions"`
		Latency   map[string]float64 `json:"latency"`
		TimeRange struct {
			Events int64  `json:"events"`
			First  string `json:"first"`
			Last   string `json:"last"`
		} `json:"time_range"`
		Windows struct {
			Width  string `json:"width"`
			Counts []struct {
				Events int64  `json:"events"`
				Start  string `json:"start"`
			} `json:"counts"`
		} `json:"windows"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("stdout is not the results JSON: %v\n%.500s", err, r.stdout)
	}

	if res.Lines != int64(len(recs)) || res.Malformed != 0 {
		t.Errorf("%d lines, %d malformed; want %d and none (did the glob take notes.txt?)", res.Lines, res.Malformed, len(recs))
	}
	for _, c := range []struct {
		what      string
		got, want map[string]int64
	}{{"log_levels", res.Levels, levels}, {"lines_without_user", res.NoUser, noUser}, {"user_actions", res.Users, users}} {
		if !maps.Equal(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
	if res.UniqueUsers != len(users) {
		t.Errorf("unique_users = %d, want %d", res.UniqueUsers, len(users))
	}
	if len(res.Actions) != len(actions) {
		t.Errorf("%d actions, want %d", len(res.Actions), len(actions))
	}
	for name, want := range actions {
		got := res.Actions[name]
		var events int64
		for _, n := range want {
			events += n
		}
		if got.Events != events || !maps.Equal(got.Levels, want) {
			t.Errorf("action %q: %d events %v, want %d %v", name, got.Events, got.Levels, events, want)
		}
	}

	// Latencies are whole milliseconds, so count, min and max are exact
	// in the JSON's milliseconds; percentiles are within 1/256 of the
	// nearest-rank value, and the JSON rounds to the microsecond.
	slices.Sort(latencies)
	n := int64(len(latencies))
	if res.Latency["count"] != float64(n) || res.Latency["min_ms"] != float64(latencies[0]) || res.Latency["max_ms"] != float64(latencies[n-1]) {
		t.Errorf("latency count %v min %v max %v, want %d, %d, %d", res.Latency["count"], res.Latency["min_ms"], res.Latency["max_ms"], n, latencies[0], latencies[n-1])
	}
	for _, q := range []struct {
		key      string
		num, den int64
	}{{"p50_ms", 1, 2}, {"p90_ms", 9, 10}, {"p99_ms", 99, 100}, {"p999_ms", 999, 1000}} {
		exact := float64(latencies[max((q.num*n+q.den-1)/q.den, 1)-1])
		if got := res.Latency[q.key]; got < exact-exact/256-0.001 || got > exact+exact/256+0.001 {
			t.Errorf("latency %s = %v, want %v within 1/256", q.key, got, exact)
		}
	}

	// zap's float seconds put its times within 500 ns of the truth.
	first, last := recs[0].at, recs[0].at
	for _, r := range recs {
		if r.at.Before(first) {
			first = r.at
		}
		if r.at.After(last) {
			last = r.at
		}
	}
	for _, c := range []struct {
		what string
		got  string
		want time.Time
	}{{"first", res.TimeRange.First, first}, {"last", res.TimeRange.Last, last}} {
		got, err := time.Parse(time.RFC3339Nano, c.got)
		if d := got.Sub(c.want); err != nil || d <= -500 || d >= 500 {
			t.Errorf("time_range %s = %q, want %s", c.what, c.got, c.want.Format(time.RFC3339Nano))
		}
	}
	if res.TimeRange.Events != int64(len(recs)) {
		t.Errorf("time_range events = %d, want %d", res.TimeRange.Events, len(recs))
	}
	var gotWindows, wantWindows []string
	for _, w := range res.Windows.Counts {
		gotWindows = append(gotWindows, fmt.Sprintf("%s %d", w.Start, w.Events))
	}
	for m := first.Unix() / 60; m <= last.Unix()/60; m++ {
		wantWindows = append(wantWindows, fmt.Sprintf("%s %d", time.Unix(m*60, 0).UTC().Format(time.RFC3339Nano), windows[m]))
	}
	if res.Windows.Width != "1m0s" || !slices.Equal(gotWindows, wantWindows) {
		t.Errorf("windows of %s: %v, want windows of 1m0s: %v", res.Windows.Width, gotWindows, wantWindows)
	}
}
