package logline

import (
	"bytes"
	"fmt"
	"strconv"
	"testing"
	"time"
)

// formLines returns n lines of slog's shape, logfmt or JSON, each wrapped
// as the frame says: "" (none), "cri", "docker" or "stamped".
func formLines(n int, inner, frame string) []byte {
	var b bytes.Buffer
	at := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	for i := range n {
		at = at.Add(time.Duration(i%97) * time.Millisecond)
		ts := at.Format("2006-01-02T15:04:05.000Z")
		var line string
		if inner == "json" {
			line = fmt.Sprintf(`{"time":"%s","level":"INFO","msg":"user action","user":"user%d@example.com","action":"login","latency_ms":%d}`, ts, i%1000, i%300)
		} else {
			line = fmt.Sprintf(`time=%s level=INFO msg="user action" user=user%d@example.com action=login latency_ms=%d`, ts, i%1000, i%300)
		}
		wrapped := at.Add(time.Millisecond).Format(time.RFC3339Nano)
		switch frame {
		case "cri":
			fmt.Fprintf(&b, "%s stdout F %s\n", wrapped, line)
		case "docker":
			fmt.Fprintf(&b, `{"log":%s,"stream":"stdout","time":"%s"}`+"\n", strconv.Quote(line+"\n"), wrapped)
		case "stamped":
			fmt.Fprintf(&b, "%s %s\n", wrapped, line)
		default:
			b.WriteString(line + "\n")
		}
	}
	return b.Bytes()
}

// BenchmarkForms reads 10,000 lines of each inner format, bare and in each
// framing, the way scan's workers do (Next for a native range, NextAny
// otherwise), every field taken: a framing's cost per line is its ns/line
// over the bare format's (docs/performance.md).
func BenchmarkForms(b *testing.B) {
	const n = 10_000
	cfg := Config{ActionKey: "action", LatencyKey: "latency_ms", TimeKey: "time,ts"}
	bare := map[string]float64{} // ns/line of each inner format unwrapped, measured first
	for _, inner := range []string{"logfmt", "json"} {
		for _, frame := range []string{"", "cri", "docker", "stamped"} {
			name := inner
			if frame != "" {
				name = frame + "+" + inner
			}
			data := formLines(n, inner, frame)
			b.Run(name, func(b *testing.B) {
				p, err := NewParser(cfg)
				if err != nil {
					b.Fatal(err)
				}
				native := p.Detect(data)
				if native != (frame == "") {
					b.Fatalf("Detect says native %v for %s", native, name)
				}
				var rec Record
				b.SetBytes(int64(len(data)))
				b.ReportAllocs()
				for b.Loop() {
					events := 0
					for rest := data; len(rest) > 0; {
						var k Kind
						var m int
						if native {
							m, k = p.Next(rest, &rec)
						} else {
							m, k, _ = p.NextAny(rest, false, &rec)
						}
						if k == Event {
							events++
						}
						rest = rest[m:]
					}
					if events != n {
						b.Fatalf("%d events, want %d", events, n)
					}
				}
				perLine := float64(b.Elapsed().Nanoseconds()) / float64(b.N) / n
				b.ReportMetric(perLine, "ns/line")
				if frame == "" {
					bare[inner] = perLine
				} else if bare[inner] > 0 {
					b.ReportMetric(perLine/bare[inner], "x-bare")
				}
			})
		}
	}
}
