package gen

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// BenchmarkRenderBatch measures one core rendering one batch into a reused
// buffer: the generator's speed without the disk.
func BenchmarkRenderBatch(b *testing.B) {
	for _, f := range []Format{Logfmt, JSON} {
		b.Run(f.String(), func(b *testing.B) {
			g := newGenerator(Options{Records: 1 << 30, Users: 100_000, Workers: 1, Seed: 1, Format: f})
			tl := newTally(100_000)
			buf := g.renderBatch(nil, 0, tl)
			b.SetBytes(int64(len(buf)))
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				buf = g.renderBatch(buf[:0], int64(i%1000), tl)
			}
			b.ReportMetric(float64(b.N)*batchLines/b.Elapsed().Seconds(), "lines/s")
		})
	}
}

// BenchmarkWrite writes a million lines to a file in the test's temporary
// directory, which goes to the page cache rather than the disk.
func BenchmarkWrite(b *testing.B) {
	const records = 1 << 20
	for _, f := range []Format{Logfmt, JSON} {
		for _, workers := range []int{1, 2, 4} {
			b.Run(fmt.Sprintf("%v/workers=%d", f, workers), func(b *testing.B) {
				file, err := os.Create(filepath.Join(b.TempDir(), "log"))
				if err != nil {
					b.Fatal(err)
				}
				defer file.Close()
				o := Options{Records: records, Users: 100_000, Workers: workers, Seed: 1, Format: f}
				b.ReportAllocs()
				var rep Report
				for b.Loop() {
					if rep, err = Write(context.Background(), file, o, nil); err != nil {
						b.Fatal(err)
					}
				}
				if rep.Lines != records {
					b.Fatalf("wrote %d lines, want %d", rep.Lines, records)
				}
				b.SetBytes(rep.Bytes)
				b.ReportMetric(float64(b.N)*records/b.Elapsed().Seconds(), "lines/s")
			})
		}
	}
}

// BenchmarkAppendUint backs appendUint's claim over strconv for the
// latencies of a line.
func BenchmarkAppendUint(b *testing.B) {
	g := newGenerator(Options{Records: batchLines, Users: 1, Workers: 1})
	var latencies []uint64
	for _, table := range g.actionLatency {
		for _, l := range table {
			latencies = append(latencies, uint64(l))
		}
	}
	buf := make([]byte, 0, 8*len(latencies))
	for _, bench := range []struct {
		name   string
		append func([]byte, uint64) []byte
	}{
		{"appendUint", appendUint},
		{"strconv", func(b []byte, n uint64) []byte { return strconv.AppendUint(b, n, 10) }},
	} {
		b.Run(bench.name, func(b *testing.B) {
			for b.Loop() {
				buf = buf[:0]
				for _, n := range latencies {
					buf = bench.append(buf, n)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(latencies)), "ns/number")
		})
	}
}
