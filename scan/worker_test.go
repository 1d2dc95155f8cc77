package scan

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/logproc/logproc/agg"
	"github.com/logproc/logproc/agg/aggtest"
	"github.com/logproc/logproc/scan/logline"
)

// newWorker returns a worker as Files makes it for the zero Config and no
// time filter.
func newWorker(window int) *worker {
	return &worker{native: true, levelAndUser: true, shard: agg.NewShard(), buf: make([]byte, window), bufSize: window,
		maxLine: DefaultMaxLine, longAt: DefaultMaxLine + 1, progress: new(Progress)}
}

// runs is how many times countWithoutAllocs counts its window: once
// before AllocsPerRun, its warm-up run, and its 100 runs.
const runs = 1 + 1 + 100

// countWithoutAllocs counts window with w runs times, fails if a count
// after the first allocates, and returns what was counted.
func countWithoutAllocs(t *testing.T, w *worker, window []byte) agg.Totals {
	t.Helper()
	var tally rangeTally
	w.countLines(window, 0, &tally)
	allocs := testing.AllocsPerRun(100, func() {
		if rest := w.countLines(window, 0, &tally); len(rest) != 0 {
			t.Fatalf("countLines left %q", rest)
		}
	})
	if allocs != 0 {
		t.Fatalf("countLines allocates %.1f times per window, want 0", allocs)
	}
	return agg.Merge(w.shard)
}

// TestCountLinesAllocatesNothing: once every user has been seen, counting
// a window of lines allocates nothing, whatever the lines hold.
func TestCountLinesAllocatesNothing(t *testing.T) {
	window := []byte(strings.Join([]string{
		`time=2026-11-26T08:00:00.123Z level=INFO msg="user action" user=jane.smith42@example.com action=login latency_ms=42`,
		`time=2026-11-26T08:00:00.124Z level=WARN msg="retry level=ERROR user=x" user="Jane Q. Public <jane@example.com>"`,
		`time=2026-11-26T08:00:00.125Z level=ERROR msg="cache refreshed" component=cache`,
		`{"time":"2026-11-26T08:00:00.126Z","level":"INFO","msg":"user action","user":"jane.smith42@example.com","latency_ms":42}`,
		`level=info user="esc\"aped"`,
		``,
		`not a log line`,
		"level=INFO user=crlf\r",
	}, "\n") + "\n")
	got := countWithoutAllocs(t, newWorker(DefaultBuffer), window)
	if got.Events() != runs*6 || got.Blank != runs || got.Malformed != runs {
		t.Fatalf("counted %d events, %d blank, %d malformed; want %d, %d, %d", got.Events(), got.Blank, got.Malformed, runs*6, runs, runs)
	}
}

// TestCountLinesAllMetricsAllocatesNothing: with every field taken, time
// windows and a time filter, counting a window of lines allocates nothing
// once its actions, users and windows have been seen.
func TestCountLinesAllMetricsAllocatesNothing(t *testing.T) {
	window := []byte(strings.Join([]string{
		`time=2026-11-26T08:00:00.123Z level=INFO msg="user action" user=jane.smith42@example.com action=login latency_ms=42`,
		`time=2026-11-26T08:00:01.500Z level=WARN msg="slow" user="Jane Q. <j@x>" action=search latency_ms=1.5s`,
		`time=2026-11-26T08:00:02.125Z level=ERROR msg="cache refreshed" component=cache latency_ms=7`,
		`{"ts":1795680003.25,"level":"info","msg":"user action","user":"u7","action":"login","latency_ms":3}`,
		`time=2026-11-26T09:30:00Z level=INFO user=late action=login`,
		`level=INFO user=untimed latency_ms=fast`,
		``,
		`not a log line`,
	}, "\n") + "\n")
	p, err := logline.NewParser(logline.Config{ActionKey: "action", LatencyKey: "latency_ms", TimeKey: "time,ts"})
	if err != nil {
		t.Fatal(err)
	}
	w := newWorker(DefaultBuffer)
	w.parser, w.levelAndUser = p, false
	w.shard.SetWindow(time.Second)
	w.filter = newTimeFilter(time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))
	got := countWithoutAllocs(t, w, window)
	if got.Events() != runs*4 || got.Filtered != runs*2 || got.Actions["login"].Events != runs*2 || got.Latency.Count() != runs*4 || got.BadLatency != 0 {
		t.Fatalf("counted %d events, %d filtered, %d logins, %d latencies; want %d, %d, %d, %d",
			got.Events(), got.Filtered, got.Actions["login"].Events, got.Latency.Count(), runs*4, runs*2, runs*2, runs*4)
	}
}

// TestCountLevelsAndUsers: the loop for the seed's counters counts every
// line as countLines' general loop does, tallies and line numbers of
// malformed lines included.
func TestCountLevelsAndUsers(t *testing.T) {
	lines := []string{
		`time=2026-11-26T08:00:00.123Z level=INFO msg="user action" user=jane.smith42@example.com action=login latency_ms=42`,
		`time=2026-11-26T08:00:00.124Z level=WARN msg="retry level=ERROR user=x" user="Jane Q. Public <jane@example.com>"`,
		`time=2026-11-26T08:00:00.125Z level=ERROR msg="cache refreshed" component=cache`,
		`time=2026-11-26T08:00:00.125Z level=DEBUG msg="slow user action" user=u1`,
		`time=2026-11-26T08:00:00.125Z level=error msg="user action failed" user=u2`,
		`time=2026-11-26T08:00:00.125Z level=NOTICE msg="user action failed" user=u2`,
		`time=2026-11-26T08:00:00.125Z level=WARNING msg=x user=u2`,
		`{"time":"2026-11-26T08:00:00.126Z","level":"INFO","msg":"user action","user":"jane.smith42@example.com","latency_ms":42}`,
		`level=info user="esc\"aped"`,
		``,
		`not a log line`,
		"level=INFO user=crlf\r",
		`level= user=nolevel`,
	}
	var window []byte
	for i := range 200 {
		window = append(window, lines[i*7%len(lines)]...)
		window = append(window, '\n')
	}
	count := func(levelAndUser bool) (agg.Totals, rangeTally) {
		w := newWorker(DefaultBuffer)
		w.levelAndUser = levelAndUser
		var tally rangeTally
		if rest := w.countLines(window, 0, &tally); len(rest) != 0 {
			t.Fatalf("countLines left %q", rest)
		}
		return agg.Merge(w.shard), tally
	}
	fast, fastTally := count(true)
	general, generalTally := count(false)
	if !aggtest.Equal(&fast, &general) || fastTally != generalTally {
		t.Fatalf("the seed's loop counted %+v, %+v\nthe general loop %+v, %+v", fast, fastTally, general, generalTally)
	}
	if fast.Malformed == 0 || fast.Events() == 0 || len(fast.Levels) < 5 {
		t.Fatalf("the window tests too little: %+v", fast)
	}
}

// TestTruncatedWhileMapped: a file cut short after it was mapped makes the
// scan fail with an error instead of a SIGBUS crash.
func TestTruncatedWhileMapped(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shrinking.log")
	data := bytes.Repeat([]byte("level=INFO user=someone@example.com msg=padding-padding-padding\n"), 100000)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	in, err := open(context.Background(), path, nil, false, ReadMmap)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	var tally rangeTally
	err = newWorker(DefaultBuffer).scan(context.Background(), in, Range{0, in.size}, &tally)
	in.Close()
	if err == nil || !strings.Contains(err.Error(), "changed while it was read") {
		t.Fatalf("scanning a truncated mapping: err = %v, want a clean error", err)
	}
}

func BenchmarkCountLines(b *testing.B) {
	for _, users := range []int{100, 10000} {
		var buf bytes.Buffer
		for i := 0; buf.Len() < DefaultBuffer-200; i++ {
			buf.WriteString(`time=2026-11-26T08:00:00.123Z level=INFO msg="user action" user=user`)
			buf.WriteString(strings.Repeat("x", i%7))
			buf.WriteString(string(rune('a' + i%users%26)))
			buf.WriteString(string(rune('a' + i%users/26%26)))
			buf.WriteString(string(rune('a' + i%users/676)))
			buf.WriteString("@example.com action=login latency_ms=42\n")
		}
		window := buf.Bytes()
		lines := bytes.Count(window, []byte("\n"))
		b.Run(fmt.Sprintf("users=%d", users), func(b *testing.B) {
			w := newWorker(DefaultBuffer)
			var tally rangeTally
			b.SetBytes(int64(len(window)))
			b.ReportAllocs()
			for b.Loop() {
				w.countLines(window, 0, &tally)
			}
			b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(b.N*lines), "ns/line")
			if tally.events != int64(b.N*lines) {
				b.Fatalf("counted %d events, want %d", tally.events, b.N*lines)
			}
		})
	}
}
