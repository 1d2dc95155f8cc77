package bus

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/logproc/logproc/gen"
	"github.com/logproc/logproc/out"
	"github.com/logproc/logproc/scan"
)

// benchRecord is the record of one 4 MiB batch of a generated log (10,000
// users, every metric, 1-second windows): what a consumer writes per
// batch by default.
func benchRecord(b *testing.B) record {
	path := genFile(b, b.TempDir(), "rec.log", gen.Options{Records: 40_000, Users: 10000, Seed: 9})
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	if len(data) > 4<<20 {
		data = data[:bytes.LastIndexByte(data[:4<<20], '\n')+1]
	}
	o := scanAll(scan.Options{Workers: 1, PartOfFile: true})
	res, err := scan.Bytes(context.Background(), path, data, o)
	if err != nil {
		b.Fatal(err)
	}
	bt := batch{ID: batchID("0123456789abcdef01234567", 3), File: path, Offset: 1 << 22, Line: 30001, Run: 1, Index: 0}
	return record{Batch: bt, Result: resultOf(&res, &bt), Sections: out.AllSections()}
}

// BenchmarkRecord is the CPU and bytes of one batch's record: written by a
// consumer (marshal) and read by report (unmarshal).
func BenchmarkRecord(b *testing.B) {
	rec := benchRecord(b)
	val, err := rec.marshal()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := rec.marshal(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(val)), "bytes/record")
	})
	b.Run("unmarshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := unmarshalRecord(val); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(val)), "bytes/record")
	})
}
