package bus

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/logproc/logproc/gen"
	"github.com/logproc/logproc/scan"
)

// BenchmarkDecodeCount decodes and counts the same 16 MiB batches of a
// log, in one goroutine, as a consumer's worker does inline: whole
// (one S2 block each, decoded, then counted by scan.Bytes) and in pieces
// of each size (each decoded, then counted by scan.Pieces at once); the
// decode-only rows decode and count nothing. The file is BUS_DIR's bus-BUS_RECORDS.log when there, else 64 MiB of gen's.
//
//	BUS_DIR=$PWD/bench/data BUS_RECORDS=5000000 go test -run '^$' -bench DecodeCount ./bus/
func BenchmarkDecodeCount(b *testing.B) {
	path := filepath.Join(os.Getenv("BUS_DIR"), "bus-"+os.Getenv("BUS_RECORDS")+".log")
	if _, err := os.Stat(path); err != nil || os.Getenv("BUS_DIR") == "" {
		path = genFile(b, b.TempDir(), "a.log", gen.Options{Records: 520_000, Users: 10000, Seed: 1})
	}
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	raw := make([]byte, 64<<20)
	n, err := io.ReadFull(f, raw)
	f.Close()
	if err != nil && err != io.ErrUnexpectedEOF {
		b.Fatal(err)
	}
	raw = raw[:bytes.LastIndexByte(raw[:n], '\n')+1]
	batches, err := cut(bytes.NewReader(raw), 0, int64(len(raw)), DefaultBatchSize)
	if err != nil {
		b.Fatal(err)
	}
	o := scanAll(scan.Options{Workers: 1, PartOfFile: true, ListUsers: true})
	o.TimeWindow = 0
	ctx := context.Background()
	for _, c := range []struct {
		size  int
		count bool
	}{{0, true}, {256 << 10, true}, {512 << 10, true}, {1 << 20, true}, {2 << 20, true}, {0, false}, {1 << 20, false}} {
		size := c.size
		name := "whole"
		if size > 0 {
			name = "pieces-" + strconv.Itoa(size>>10) + "KiB"
		}
		if !c.count {
			name = "decode-only-" + name
		}
		var e batchEncoder
		msgs := make([][]byte, len(batches))
		for i, r := range batches {
			var encoding string
			if msgs[i], encoding, _, err = e.encode(memBytes(raw), r.Start, r.Len(), size); err != nil || (size > 0) != (encoding == encodingS2Pieces) {
				b.Fatalf("%s: encoding %q, %v", name, encoding, err)
			}
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			var d batchDecoder
			p, err := scan.NewPieces(o)
			if err != nil {
				b.Fatal(err)
			}
			var lines int64
			for b.Loop() {
				lines = 0
				for _, m := range msgs {
					var res scan.Result
					if size == 0 {
						data, err := d.decode(encodingS2, m)
						if err != nil {
							b.Fatal(err)
						}
						if !c.count {
							lines += int64(countLines(data))
							continue
						}
						if res, err = scan.Bytes(ctx, "a.log", data, o); err != nil {
							b.Fatal(err)
						}
					} else {
						r, err := openPieces(m)
						if err != nil {
							b.Fatal(err)
						}
						p.Start("a.log")
						for {
							piece, err := r.next(&d)
							if err == errNoPiece {
								break
							} else if err != nil {
								b.Fatal(err)
							}
							if !c.count {
								lines += int64(countLines(piece))
								continue
							}
							if err := p.Add(ctx, piece); err != nil {
								b.Fatal(err)
							}
						}
						if !c.count {
							continue
						}
						if res, err = p.Result(ctx); err != nil {
							b.Fatal(err)
						}
					}
					lines += res.Totals.Lines()
				}
			}
			if want := int64(countLines(raw)); lines != want {
				b.Fatalf("%d lines counted, want %d", lines, want)
			}
		})
	}
}
