package logline

import (
	"bytes"
	"context"
	"log/slog"
	"strconv"
	"testing"
	"time"
)

// sink keeps the compiler from dropping the work benchmarked.
var sink int

func benchmarkLine(b *testing.B, c Config, line string) {
	p := mustParser(b, c)
	in := []byte(line)
	var rec Record
	if kind := p.Parse(in, &rec); kind != Event {
		b.Fatalf("Parse(%q) = %s", line, kind.name())
	}
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		p.Parse(in, &rec)
		sink += len(rec.User)
	}
}

func BenchmarkParseLogfmt(b *testing.B) { benchmarkLine(b, Config{}, typicalLogfmt) }
func BenchmarkParseJSON(b *testing.B)   { benchmarkLine(b, Config{}, typicalJSON) }

// The same lines with every field taken: the cost of the metrics beyond
// the seed's in the parser.
func BenchmarkParseLogfmtAllFields(b *testing.B) { benchmarkLine(b, allFields, typicalLogfmt) }
func BenchmarkParseJSONAllFields(b *testing.B)   { benchmarkLine(b, allFields, typicalJSON) }

func BenchmarkParseLogfmtEscapedUser(b *testing.B) {
	benchmarkLine(b, Config{}, `time=2026-11-26T08:00:00.123Z level=WARN msg="quota \"exceeded\"" user="Jane Q. Public <jane\u0040example.com>"`)
}

// slogBlock returns size bytes or more of lines as slog writes them with the
// handler newHandler makes: a mix of levels, messages and users (one in 50
// quoted, one in 20 with no user).
func slogBlock(size int, newHandler func(*bytes.Buffer) slog.Handler) []byte {
	var buf bytes.Buffer
	h := newHandler(&buf)
	start := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	levels := []slog.Level{slog.LevelInfo, slog.LevelInfo, slog.LevelInfo, slog.LevelDebug, slog.LevelWarn, slog.LevelError}
	msgs := []string{"user action", "request served", "cache miss", "retry level=ERROR user=x"}
	actions := []string{"login", "logout", "view", "purchase", "search"}
	for i := 0; buf.Len() < size; i++ {
		r := slog.NewRecord(start.Add(time.Duration(i)*time.Millisecond), levels[i%len(levels)], msgs[i%len(msgs)], 0)
		switch {
		case i%20 == 0:
		case i%50 == 1:
			r.AddAttrs(slog.String("user", "User "+strconv.Itoa(i%1000)+" <u@example.com>"))
		default:
			r.AddAttrs(slog.String("user", "user"+strconv.Itoa(i%10007)+"@example.com"))
		}
		r.AddAttrs(slog.String("action", actions[i%len(actions)]), slog.Int("latency_ms", i%500))
		if err := h.Handle(context.Background(), r); err != nil {
			panic(err)
		}
	}
	return buf.Bytes()
}

func benchmarkBlock(b *testing.B, newHandler func(*bytes.Buffer) slog.Handler) {
	block := slogBlock(64<<20, newHandler)
	var p Parser
	lines, events := 0, 0
	for rest := block; len(rest) > 0; lines++ {
		end := bytes.IndexByte(rest, '\n')
		if _, kind := parse(&p, rest[:end]); kind == Event {
			events++
		}
		rest = rest[end+1:]
	}
	if events != lines {
		b.Fatalf("%d of %d lines are events", events, lines)
	}
	b.SetBytes(int64(len(block)))
	b.ReportAllocs()
	var rec Record
	for b.Loop() {
		for rest := block; len(rest) > 0; {
			end := bytes.IndexByte(rest, '\n')
			p.Parse(rest[:end], &rec)
			sink += len(rec.User)
			rest = rest[end+1:]
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(lines), "ns/line")
	b.ReportMetric(float64(lines), "lines/op")
}

func BenchmarkParseBlock(b *testing.B) {
	b.Run("logfmt", func(b *testing.B) { benchmarkBlock(b, newTextHandler) })
	b.Run("json", func(b *testing.B) { benchmarkBlock(b, newJSONHandler) })
}
