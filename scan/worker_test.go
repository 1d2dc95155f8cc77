package scan

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/logproc/logproc/agg"
)

func newWorker(window int) *worker {
	return &worker{shard: agg.NewShard(), buf: make([]byte, window), progress: new(Progress)}
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
	w := newWorker(DefaultWindow)
	var tally rangeTally
	w.countLines(window, &tally)
	allocs := testing.AllocsPerRun(100, func() {
		if rest := w.countLines(window, &tally); len(rest) != 0 {
			t.Fatalf("countLines left %q", rest)
		}
	})
	if allocs != 0 {
		t.Fatalf("countLines allocates %.1f times per window, want 0", allocs)
	}
	got := agg.Merge(w.shard)
	// One call before AllocsPerRun, and AllocsPerRun's own warm-up run.
	const runs = 1 + 1 + 100
	if got.Events() != runs*6 || got.Blank != runs || got.Malformed != runs {
		t.Fatalf("counted %d events, %d blank, %d malformed; want %d, %d, %d", got.Events(), got.Blank, got.Malformed, runs*6, runs, runs)
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
	in, err := open(path, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	var tally rangeTally
	err = newWorker(DefaultWindow).scan(context.Background(), in, Range{0, in.size}, &tally)
	in.Close()
	if err == nil || !strings.Contains(err.Error(), "changed while it was read") {
		t.Fatalf("scanning a truncated mapping: err = %v, want a clean error", err)
	}
}

func BenchmarkCountLines(b *testing.B) {
	for _, users := range []int{100, 10000} {
		var buf bytes.Buffer
		for i := 0; buf.Len() < DefaultWindow-200; i++ {
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
			w := newWorker(DefaultWindow)
			var tally rangeTally
			b.SetBytes(int64(len(window)))
			b.ReportAllocs()
			for b.Loop() {
				w.countLines(window, &tally)
			}
			b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(b.N*lines), "ns/line")
			if tally.events != int64(b.N*lines) {
				b.Fatalf("counted %d events, want %d", tally.events, b.N*lines)
			}
		})
	}
}
