package scan_test

// Golden tests on real loggers' output. One fixed list of records is logged
// through log/slog (TextHandler, JSONHandler), logrus (TextFormatter,
// JSONFormatter), zap (its production JSON encoder) and zerolog, each
// record at its own injected time, and scan must count exactly what was
// logged. The expected counts come from the records, never from a scan,
// and no line is typed by hand: a library's quirks (logrus's "warning",
// zap's float seconds, zerolog's "message") are what is tested.
//
// The fields are named alike in every library (user, action, latency_ms)
// so that one scan reads a mix of them, as a user's services would write
// them; what each file needs from a user is its Config below, and the
// README's "Input formats" shows a line of each. go test -v -run RealLogs
// prints the first line of every file: the README's samples come from it.

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"os"
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

	"github.com/logproc/logproc/agg"
	"github.com/logproc/logproc/scan"
	"github.com/logproc/logproc/scan/logline"
)

// severity is a record's level, which each library names its own way.
type severity int

const (
	sevTrace severity = iota
	sevDebug
	sevInfo
	sevWarn
	sevError
	// sevCritical is the level above error that does not stop the
	// program: slog's ERROR+4, logrus's fatal through Entry.Log, zap's
	// dpanic (which panics only in development), zerolog's fatal through
	// WithLevel.
	sevCritical
)

// record is one event: what a test logs, and so the truth it expects back.
type record struct {
	at       time.Time // UTC, whole milliseconds: slog writes no finer
	level    severity
	msg      string
	user     string // "" for none
	numeric  bool   // the user is logged as a number (a user ID), user is its text
	action   string // "" for none
	latency  int64  // milliseconds, when hasLatency
	hasLat   bool
	withReq  bool // a nested "req" group holding a "user" of its own, which must not count
	reqUser  string
	reqRoute string
}

// realStart is the time of the first record; the others follow 0 to 150
// ms apart, over about four minutes. It is not on a window's edge.
var realStart = time.Date(2026, 11, 26, 7, 59, 37, 123e6, time.UTC)

// realRecords returns n deterministic records. Users include names that
// logfmt must quote and escape and a numeric user ID; some records have no
// user, no action or no latency; every 397th is a few seconds late, as
// lines from concurrent goroutines are.
func realRecords(n int) []record {
	rng := rand.New(rand.NewPCG(2026, 11))
	users := []string{"Jane Q. <j@x>", "Zoë Ångström", "用户", `quote"and\backslash`, "tab\there", "a=b"}
	for i := range 40 {
		users = append(users, fmt.Sprintf("user%02d@example.com", i))
	}
	actions := []string{"login", "logout", "view item", "checkout", "search", "ändern"}
	msgs := []string{
		"user action",
		`retry level=ERROR user=ghost@example.com after "timeout"`,
		`{"level":"ERROR","user":"ghost@example.com"}`,
	}
	recs := make([]record, 0, n)
	// The first record shows every field: it is the README's sample.
	recs = append(recs, record{at: realStart, level: sevInfo, msg: "user action", user: "Jane Q. <j@x>", action: "view item", latency: 42, hasLat: true})
	at := realStart
	for i := 1; i < n; i++ {
		at = at.Add(time.Duration(rng.IntN(151)) * time.Millisecond)
		r := record{at: at, msg: msgs[0]}
		if i%397 == 0 {
			r.at = at.Add(-2500 * time.Millisecond)
		}
		switch p := rng.IntN(100); {
		case p < 3:
			r.level = sevTrace
		case p < 10:
			r.level = sevDebug
		case p < 70:
			r.level = sevInfo
		case p < 85:
			r.level = sevWarn
		case p < 98:
			r.level = sevError
		default:
			r.level = sevCritical
		}
		if rng.IntN(100) < 3 {
			r.msg = msgs[1+rng.IntN(2)]
		}
		switch p := rng.IntN(100); {
		case p < 8: // no user
		case p < 11:
			r.user, r.numeric = strconv.Itoa(4242+rng.IntN(3)), true
		default: // a few heavy users, a long tail
			f := rng.Float64()
			r.user = users[int(f*f*float64(len(users)))]
		}
		if rng.IntN(100) < 80 {
			r.action = actions[rng.IntN(len(actions))]
		}
		if r.action != "" && rng.IntN(100) < 85 || r.action == "" && rng.IntN(100) < 25 {
			r.hasLat = true
			switch p := rng.IntN(100); {
			case p < 1:
				r.latency = 0
			case p < 70:
				r.latency = 1 + rng.Int64N(50)
			case p < 95:
				r.latency = 50 + rng.Int64N(450)
			default:
				r.latency = 500 + rng.Int64N(4500)
			}
		}
		if rng.IntN(100) < 10 {
			r.withReq, r.reqUser, r.reqRoute = true, "nested@example.com", "/items/"+strconv.Itoa(rng.IntN(100))
		}
		recs = append(recs, r)
	}
	return recs
}

// userValue is the user as the record logs it: a string, or a number.
func (r *record) userValue() any {
	if r.numeric {
		n, _ := strconv.ParseInt(r.user, 10, 64)
		return n
	}
	return r.user
}

// realFormat is one library's output: how to write it, how the level names
// it writes are normalised, and the keys a user gives to read it.
type realFormat struct {
	file  string
	write func(w io.Writer, recs []record) error
	// levels are the names agg reports for each severity, from the names
	// the library writes (slog's DEBUG-4, logrus's "warning", …).
	levels [sevCritical + 1]string
	// keys are what the file needs. Every file takes user, action and
	// latency_ms; only the time key differs, zap's being "ts". logproc's
	// defaults (-time-key time,ts) cover them all.
	keys logline.Config
	// timeTolerance is how far a time read back may be from the record's
	// (exclusive); 0 means exact. zap writes float64 seconds since the
	// epoch, which in 2026 step by 2^-22 s (238 ns): 07:59:37.123 comes out
	// as 1795679977.1230001, 100 ns late. So zap's times are compared to
	// the microsecond, within 500 ns. No record is that close to a window's
	// edge (times are whole milliseconds, and a whole second is exact in
	// float64), so windows are still compared exactly.
	timeTolerance int64
}

func keysWithTime(key string) logline.Config {
	return logline.Config{ActionKey: "action", LatencyKey: "latency_ms", TimeKey: key}
}

var realFormats = []realFormat{
	{
		file:   "slog-text.log",
		write:  func(w io.Writer, recs []record) error { return writeSlog(slog.NewTextHandler(w, nil), recs) },
		levels: [...]string{"DEBUG-4", "DEBUG", "INFO", "WARN", "ERROR", "ERROR+4"},
		keys:   keysWithTime("time"),
	},
	{
		file:   "slog-json.log",
		write:  func(w io.Writer, recs []record) error { return writeSlog(slog.NewJSONHandler(w, nil), recs) },
		levels: [...]string{"DEBUG-4", "DEBUG", "INFO", "WARN", "ERROR", "ERROR+4"},
		keys:   keysWithTime("time"),
	},
	{
		file: "logrus-text.log",
		write: writeLogrus(&logrus.TextFormatter{
			DisableColors: true, FullTimestamp: true, TimestampFormat: time.RFC3339Nano,
		}),
		levels: [...]string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"},
		keys:   keysWithTime("time"),
	},
	{
		file:   "logrus-json.log",
		write:  writeLogrus(&logrus.JSONFormatter{TimestampFormat: time.RFC3339Nano}),
		levels: [...]string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"},
		keys:   keysWithTime("time"),
	},
	{
		file:          "zap.log",
		write:         writeZap,
		levels:        [...]string{"DEBUG", "DEBUG", "INFO", "WARN", "ERROR", "DPANIC"}, // zap has no trace level
		keys:          keysWithTime("ts"),
		timeTolerance: 500,
	},
	{
		file:   "zerolog.log",
		write:  writeZerolog,
		levels: [...]string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"},
		keys:   keysWithTime("time"),
	},
}

// writeSlog hands each record to h with its own time, as slog.Logger
// would (which would stamp time.Now).
func writeSlog(h slog.Handler, recs []record) error {
	levels := [...]slog.Level{slog.LevelDebug - 4, slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError, slog.LevelError + 4}
	for _, r := range recs {
		rec := slog.NewRecord(r.at, levels[r.level], r.msg, 0)
		if r.withReq { // before the user, so that JSON's nested "user" comes first
			rec.AddAttrs(slog.Group("req", slog.String("route", r.reqRoute), slog.String("user", r.reqUser)))
		}
		if r.user != "" {
			rec.AddAttrs(slog.Any("user", r.userValue()))
		}
		if r.action != "" {
			rec.AddAttrs(slog.String("action", r.action))
		}
		if r.hasLat {
			rec.AddAttrs(slog.Int64("latency_ms", r.latency))
		}
		if err := h.Handle(context.Background(), rec); err != nil {
			return err
		}
	}
	return nil
}

// writeLogrus logs through a logrus.Logger with f, each entry WithTime.
// The level above error is written by Entry.Log(FatalLevel), which logs
// "fatal" without exiting (Entry.Fatal would exit).
func writeLogrus(f logrus.Formatter) func(io.Writer, []record) error {
	return func(w io.Writer, recs []record) error {
		levels := [...]logrus.Level{logrus.TraceLevel, logrus.DebugLevel, logrus.InfoLevel, logrus.WarnLevel, logrus.ErrorLevel, logrus.FatalLevel}
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
			if r.withReq {
				fields["req"] = map[string]string{"route": r.reqRoute, "user": r.reqUser}
			}
			log.WithTime(r.at).WithFields(fields).Log(levels[r.level], r.msg)
		}
		return nil
	}
}

// clockAt is a zapcore.Clock that reads the time the test sets.
type clockAt struct{ now *time.Time }

func (c clockAt) Now() time.Time                         { return *c.now }
func (c clockAt) NewTicker(d time.Duration) *time.Ticker { return time.NewTicker(d) }

// writeZap logs through a logger made as zap.NewProduction makes one
// (production encoder config, caller, stack traces from error up) but
// without sampling, which would drop lines, and with a clock set to each
// record's time.
func writeZap(w io.Writer, recs []record) error {
	levels := [...]zapcore.Level{zapcore.DebugLevel, zapcore.DebugLevel, zapcore.InfoLevel, zapcore.WarnLevel, zapcore.ErrorLevel, zapcore.DPanicLevel}
	var now time.Time
	core := zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(w), zapcore.DebugLevel)
	log := zap.New(core, zap.AddCaller(), zap.AddStacktrace(zapcore.ErrorLevel), zap.WithClock(clockAt{&now}))
	for _, r := range recs {
		now = r.at
		var fields []zap.Field
		if r.withReq {
			fields = append(fields, zap.Dict("req", zap.String("route", r.reqRoute), zap.String("user", r.reqUser)))
		}
		if r.numeric {
			fields = append(fields, zap.Any("user", r.userValue()))
		} else if r.user != "" {
			fields = append(fields, zap.String("user", r.user))
		}
		if r.action != "" {
			fields = append(fields, zap.String("action", r.action))
		}
		if r.hasLat {
			fields = append(fields, zap.Int64("latency_ms", r.latency))
		}
		log.Log(levels[r.level], r.msg, fields...)
	}
	return log.Sync()
}

// writeZerolog logs with a timestamp hook, the usual zerolog setup.
// zerolog formats and stamps times through package variables only
// (TimeFieldFormat, TimestampFunc), so they are set here and restored: the
// default format, RFC 3339 in whole seconds, would drop the milliseconds.
// The level above error is written by WithLevel(FatalLevel), which does not
// exit.
func writeZerolog(w io.Writer, recs []record) error {
	levels := [...]zerolog.Level{zerolog.TraceLevel, zerolog.DebugLevel, zerolog.InfoLevel, zerolog.WarnLevel, zerolog.ErrorLevel, zerolog.FatalLevel}
	var now time.Time
	format, stamp := zerolog.TimeFieldFormat, zerolog.TimestampFunc
	zerolog.TimeFieldFormat, zerolog.TimestampFunc = time.RFC3339Nano, func() time.Time { return now }
	defer func() { zerolog.TimeFieldFormat, zerolog.TimestampFunc = format, stamp }()
	log := zerolog.New(w).Level(zerolog.TraceLevel).With().Timestamp().Logger()
	for _, r := range recs {
		now = r.at
		e := log.WithLevel(levels[r.level])
		if r.withReq {
			e = e.Dict("req", zerolog.Dict().Str("route", r.reqRoute).Str("user", r.reqUser))
		}
		if r.numeric {
			e = e.Interface("user", r.userValue())
		} else if r.user != "" {
			e = e.Str("user", r.user)
		}
		if r.action != "" {
			e = e.Str("action", r.action)
		}
		if r.hasLat {
			e = e.Int64("latency_ms", r.latency)
		}
		e.Msg(r.msg)
	}
	return nil
}

// writeRealLog writes recs through f into dir and returns the file's path.
func writeRealLog(t *testing.T, dir string, f realFormat, recs []record) string {
	t.Helper()
	path := filepath.Join(dir, f.file)
	file, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(file)
	err = f.write(w, recs)
	if err == nil {
		err = w.Flush()
	}
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("%s: %v", f.file, err)
	}
	return path
}

// truth is what scan must find in a file of records: counts as agg.Totals
// holds them, latencies and times as the lists logged.
type truth struct {
	levels, noUser, users map[string]int64
	actions               map[string]*actionTruth
	latencies             []int64 // nanoseconds, of every event that had one
	times                 []int64 // Unix nanoseconds
	timeTolerance         int64
}

type actionTruth struct {
	events    int64
	levels    map[string]int64
	latencies []int64
}

func newTruth() *truth {
	return &truth{levels: map[string]int64{}, noUser: map[string]int64{}, users: map[string]int64{}, actions: map[string]*actionTruth{}}
}

// add counts recs as written in format f.
func (w *truth) add(f realFormat, recs []record) {
	for _, r := range recs {
		level := f.levels[r.level]
		w.levels[level]++
		if r.user == "" {
			w.noUser[level]++
		} else {
			// The README: a backslash in a name is written doubled.
			w.users[strings.ReplaceAll(r.user, `\`, `\\`)]++
		}
		if r.action != "" {
			a := w.actions[r.action]
			if a == nil {
				a = &actionTruth{levels: map[string]int64{}}
				w.actions[r.action] = a
			}
			a.events++
			a.levels[level]++
			if r.hasLat {
				a.latencies = append(a.latencies, r.latency*1e6)
			}
		}
		if r.hasLat {
			w.latencies = append(w.latencies, r.latency*1e6)
		}
		w.times = append(w.times, r.at.UnixNano())
	}
	w.timeTolerance = max(w.timeTolerance, f.timeTolerance)
}

// check fails the test for every count of got that differs from w. Events
// are windowed by width.
func (w *truth) check(t *testing.T, what string, got *agg.Totals, width time.Duration) {
	t.Helper()
	sameCounts(t, what+": levels", got.Levels, w.levels)
	sameCounts(t, what+": lines without user", got.NoUser, w.noUser)
	sameCounts(t, what+": users", got.Users, w.users)
	if got.Malformed != 0 || got.Blank != 0 || got.BadLatency != 0 || got.BadTime != 0 || got.Filtered != 0 {
		t.Errorf("%s: %d malformed, %d blank, %d unreadable latencies, %d unreadable times, %d filtered; want none",
			what, got.Malformed, got.Blank, got.BadLatency, got.BadTime, got.Filtered)
	}
	for _, name := range slices.Sorted(maps.Keys(w.actions)) {
		a, ga := w.actions[name], got.Actions[name]
		if ga == nil {
			t.Errorf("%s: no action %q, want %d events", what, name, a.events)
			continue
		}
		if ga.Events != a.events {
			t.Errorf("%s: action %q has %d events, want %d", what, name, ga.Events, a.events)
		}
		sameCounts(t, fmt.Sprintf("%s: action %q levels", what, name), ga.Levels, a.levels)
		sameHistogram(t, fmt.Sprintf("%s: action %q latency", what, name), &ga.Latency, a.latencies)
	}
	for name := range got.Actions {
		if w.actions[name] == nil {
			t.Errorf("%s: action %q, which was never logged", what, name)
		}
	}
	sameHistogram(t, what+": latency", &got.Latency, w.latencies)

	first, last := slices.Min(w.times), slices.Max(w.times)
	if got.Timed != int64(len(w.times)) || !closeTime(got.First, first, w.timeTolerance) || !closeTime(got.Last, last, w.timeTolerance) {
		t.Errorf("%s: %d timed events from %s to %s, want %d from %s to %s (within %d ns)", what,
			got.Timed, fmtNano(got.First), fmtNano(got.Last), len(w.times), fmtNano(first), fmtNano(last), w.timeTolerance)
	}
	windows := map[int64]int64{}
	for _, ns := range w.times {
		windows[ns/int64(width)]++ // times after 1970: division is floor
	}
	lo, hi := slices.Min(slices.Collect(maps.Keys(windows))), slices.Max(slices.Collect(maps.Keys(windows)))
	counts := make([]int64, hi-lo+1)
	for k, n := range windows {
		counts[k-lo] = n
	}
	if got.Windows.Width != width || got.Windows.First != lo || !slices.Equal(got.Windows.Counts, counts) {
		t.Errorf("%s: windows of %v from %d: %v; want windows of %v from %d: %v",
			what, got.Windows.Width, got.Windows.First, got.Windows.Counts, width, lo, counts)
	}
}

func sameCounts(t *testing.T, what string, got, want map[string]int64) {
	t.Helper()
	if maps.Equal(got, want) {
		return
	}
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if got[k] != want[k] {
			t.Errorf("%s: %q = %d, want %d", what, k, got[k], want[k])
		}
	}
	for _, k := range slices.Sorted(maps.Keys(got)) {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: %q = %d, want none", what, k, got[k])
		}
	}
}

// realQuantiles are the percentiles checked, as fractions num/den.
var realQuantiles = []struct{ num, den int64 }{{1, 2}, {9, 10}, {99, 100}, {999, 1000}}

// sameHistogram checks h against the latencies it was given: count, min
// and max exactly, the percentiles within 1/256 (plus 1 ns) of the exact
// nearest-rank value, which is agg.Histogram's promise.
func sameHistogram(t *testing.T, what string, h *agg.Histogram, latencies []int64) {
	t.Helper()
	n := int64(len(latencies))
	if h.Count() != n {
		t.Errorf("%s: %d latencies, want %d", what, h.Count(), n)
		return
	}
	if n == 0 {
		return
	}
	sorted := slices.Sorted(slices.Values(latencies))
	if h.Min() != sorted[0] || h.Max() != sorted[n-1] {
		t.Errorf("%s: min %d max %d ns, want %d and %d", what, h.Min(), h.Max(), sorted[0], sorted[n-1])
	}
	for _, q := range realQuantiles {
		rank := max((q.num*n+q.den-1)/q.den, 1) // ceil(q·n), 1-based
		exact := sorted[rank-1]
		got := h.Quantile(float64(q.num) / float64(q.den))
		if diff := got - exact; diff*256 > exact+256 || -diff*256 > exact+256 {
			t.Errorf("%s: quantile %d/%d = %d ns, want %d within 1/256", what, q.num, q.den, got, exact)
		}
	}
}

// closeTime reports whether got is want, or within tolerance ns of it.
func closeTime(got, want, tolerance int64) bool {
	d := got - want
	return d == 0 || -tolerance < d && d < tolerance
}

func fmtNano(ns int64) string { return time.Unix(0, ns).UTC().Format(time.RFC3339Nano) }

const realRecordCount = 3000

// TestRealLogs: each library's file, scanned alone with the keys it needs,
// counts exactly the records logged into it.
func TestRealLogs(t *testing.T) {
	recs := realRecords(realRecordCount)
	dir := t.TempDir()
	for _, f := range realFormats {
		t.Run(f.file, func(t *testing.T) {
			path := writeRealLog(t, dir, f, recs)
			logFirstLine(t, path)
			o := scan.Options{Workers: 2, Parse: f.keys, TimeWindow: time.Minute}
			res, err := scan.Files(context.Background(), []string{path}, o, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.Totals.Malformed > 0 {
				t.Errorf("malformed lines, first at %v", res.MalformedAt)
			}
			want := newTruth()
			want.add(f, recs)
			want.check(t, f.file, &res.Totals, time.Minute)
		})
	}
}

// TestRealLogsMixed: every library's file in one scan, one of them
// gzipped, with the keys that cover them all (logproc's defaults), counts
// the sum of what was logged into each.
func TestRealLogsMixed(t *testing.T) {
	recs := realRecords(realRecordCount)
	dir := t.TempDir()
	want := newTruth()
	var paths []string
	for i, f := range realFormats {
		// Each file gets its own part of the records, so that a count
		// taken from the wrong file would show.
		part := recs[i*len(recs)/len(realFormats) : (i+1)*len(recs)/len(realFormats)]
		path := writeRealLog(t, dir, f, part)
		if f.file == "logrus-json.log" {
			path = gzipFile(t, path)
		}
		paths = append(paths, path)
		want.add(f, part)
	}
	o := scan.Options{Workers: 3, Parse: keysWithTime("time,ts"), TimeWindow: time.Minute}
	res, err := scan.Files(context.Background(), paths, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Totals.Malformed > 0 {
		t.Errorf("malformed lines, first at %v", res.MalformedAt)
	}
	want.check(t, "mixed", &res.Totals, time.Minute)
}

// logFirstLine shows a file's first line with go test -v.
func logFirstLine(t *testing.T, path string) {
	t.Helper()
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	sc := bufio.NewScanner(file)
	sc.Buffer(nil, 1<<20)
	if sc.Scan() {
		t.Logf("%s", sc.Bytes())
	}
}
