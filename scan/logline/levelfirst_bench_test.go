package logline

import "testing"

// One line of each level-first shape as its library writes it, with every
// field taken: the cost per line beside BenchmarkParseLogfmtAllFields.
var levelFirstBenchLines = []struct{ name, line string }{
	{"klog", `I1126 08:00:00.123456       1 file.go:12] "user action" user="jane.smith42@example.com" action="login" latency_ms=42`},
	{"hclog", `2026-11-26T08:00:00.123Z [INFO]  vault.core: user action: user=jane.smith42@example.com action=login latency_ms=42`},
	{"stdlog", `2026/11/26 08:00:00 INFO user action user=jane.smith42@example.com action=login latency_ms=42`},
	{"zerolog", `8:00AM INF user action action=login latency_ms=42 user=jane.smith42@example.com`},
	{"zap", "2026-11-26T08:00:00.123Z\tINFO\tpkg/file.go:12\tuser action\t{\"user\": \"jane.smith42@example.com\", \"action\": \"login\", \"latency_ms\": 42}"},
	{"logrus", `INFO[0000] user action                                   action=login latency_ms=42 user=jane.smith42@example.com`},
}

func BenchmarkParseLevelFirst(b *testing.B) {
	for _, bl := range levelFirstBenchLines {
		b.Run(bl.name, func(b *testing.B) {
			p := mustParser(b, allFields)
			line := []byte(bl.line)
			var rec Record
			if kind, _ := p.parseLevelFirst(line, &rec); kind != Event || len(rec.User) == 0 {
				b.Fatalf("parseLevelFirst(%q) = %s %+v", line, kindName(kind), rec)
			}
			b.SetBytes(int64(len(line)))
			b.ReportAllocs()
			for b.Loop() {
				p.scratch = p.scratch[:0]
				p.parseLevelFirst(line, &rec)
				sink += len(rec.User)
			}
		})
	}
}
