package bus

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/minio/highwayhash"
	"github.com/zeebo/xxh3"

	"github.com/logproc/logproc/scan"
)

// wantRefSum is the sum of data at offset off of its file, computed in
// one place from the libraries: HighwayHash-256 (refKey) of the xxh3-128
// (seeded "logproc4", each in 32 bytes, zero-padded) of each piece of data
// cut at the file's multiples of 256 KiB, then of data's length, 8 bytes
// little-endian.
func wantRefSum(off int64, data []byte) string {
	const leaf = 256 << 10
	var root []byte
	for a := off; a < off+int64(len(data)); {
		b := min(off+int64(len(data)), (a/leaf+1)*leaf)
		s := xxh3.Hash128Seed(data[a-off:b-off], 0x6c6f6770726f6334).Bytes()
		root = append(append(root, s[:]...), make([]byte, 16)...)
		a = b
	}
	root = binary.LittleEndian.AppendUint64(root, uint64(len(data)))
	s := highwayhash.Sum(root, []byte("logproc: a batch sent by ref v3."))
	return "hhx256:" + hex.EncodeToString(s[:])
}

// TestLeafSums: the leaves summed with 1 to 3 goroutines, read through a
// buffer or in place in the mapping, give each batch the sum and the
// newlines the library's sum and bytes.Count give, for batches on the
// leaves' grid and off it, within one leaf, and ending at the file's end
// (its last leaf short); with no table too, and as a consumer sums them
// while it counts them, in windows of its default size and of an odd one.
func TestLeafSums(t *testing.T) {
	data := []byte(strings.Repeat("level=INFO user=a msg=x\n", 60000)) // 1.4 MB: 6 leaves, the last short
	data = append(data, "no newline"...)
	path, m := mapTemp(t, data)
	const l = 256 << 10
	n := int64(len(data))
	ranges := [][2]int64{{0, n}, {0, l}, {l, 3 * l}, {5, n}, {7, 11}, {l - 1, l + 1}, {2*l + 3, n - 4}, {5 * l, n}, {n - 1, n}}
	for _, fb := range []*fileBytes{{r: bytes.NewReader(data)}, {m: m}, {r: m}} {
		for _, workers := range []int{1, 2, 3} {
			tab, err := sumLeaves(context.Background(), fb, n, workers)
			if err != nil {
				t.Fatal(err)
			}
			for _, tb := range []*leafTable{tab, {}} {
				ps, err := newPieceSummer(fb, true)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range ranges {
					sum, lines, err := tb.batchSum(ps, r[0], r[1])
					want := wantRefSum(r[0], data[r[0]:r[1]])
					if err != nil || sum != want || lines != int64(bytes.Count(data[r[0]:r[1]], []byte{'\n'})) {
						t.Errorf("mapped %v, %d workers, %d leaves: [%d, %d): sum %s, %d lines, %v; want %s", fb.m != nil, workers, len(tb.sums), r[0], r[1], sum, lines, err, want)
					}
					bt := batch{Ref: path, Offset: r[0], Length: r[1] - r[0], Sum: want}
					for _, mode := range []scan.ReadMode{scan.ReadMmap, scan.ReadPread} {
						for _, window := range []int{0, 4093} {
							o := scan.Options{Workers: 1, Read: mode, Buffer: window, PartOfFile: true}
							if _, reason, err := countRefIn(context.Background(), m, &bt, o); reason != "" || err != nil {
								t.Errorf("[%d, %d), read %s, window %d: countRefIn %q, %v", r[0], r[1], mode, window, reason, err)
							}
						}
					}
				}
			}
		}
	}
	// A file shorter than asked: an error naming where it ends.
	if _, err := sumLeaves(context.Background(), &fileBytes{r: bytes.NewReader(data)}, n+1, 2); err == nil || !strings.Contains(err.Error(), "shrank") {
		t.Errorf("a file that shrank: %v", err)
	}
}

// TestOlderManifestRefused: a job's manifest of version 6 named its file
// by another hash (HighwayHash leaves), so the same bytes would be taken for new ones and
// counted twice: publish and report refuse the job in one line.
func TestOlderManifestRefused(t *testing.T) {
	ts := startTestServer(t)
	b := ts.connectTo(t, "old", "old", "old")
	ctx := context.Background()
	val := []byte(`{"v":6,"file":"a.log","from":0,"to":10,"hash":"00","grid":4194304,"batches":1,"first_line":1,"complete":true,"cut":"records"}`)
	if _, err := b.kv.Create(ctx, filePrefix+"abababababababababababab", val); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "a.log")
	if err := os.WriteFile(path, []byte("level=INFO user=a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Publish(ctx, b, []string{path}, PublishOptions{})
	if err == nil || !strings.Contains(err.Error(), "manifest version 6; this logproc reads version 7") || strings.Contains(err.Error(), "\n") {
		t.Errorf("publish: %v, want refused in one line", err)
	}
	_, err = Report(ctx, b)
	if err == nil || !strings.Contains(err.Error(), "manifest version 6; this logproc reads version 7") || strings.Contains(err.Error(), "\n") {
		t.Errorf("report: %v, want refused in one line", err)
	}
}

// mapTemp writes data to a file in t's temporary directory and maps it,
// unmapped when the test ends.
func mapTemp(t *testing.T, data []byte) (string, *scan.Mapping) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "f.log")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := scan.Map(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return path, m
}

// TestRangeSummerCountsItsBytes: a range's bytes written in any pieces sum
// as wantRefSum sums them, an empty range too; fewer or more bytes than
// the range holds are an error, not a sum.
func TestRangeSummerCountsItsBytes(t *testing.T) {
	data := []byte(strings.Repeat("0123456789abcdef", 50000)) // 800 KB
	const off = 256<<10 - 3
	for _, piece := range []int{1 << 20, 4096, 7, 256 << 10} {
		s, err := newRangeSummer(off, off+int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		for b := data; len(b) > 0; b = b[min(piece, len(b)):] {
			s.write(b[:min(piece, len(b))])
		}
		if got, err := s.sum(); got != wantRefSum(off, data) || err != nil {
			t.Errorf("pieces of %d: %s, %v; want %s", piece, got, err, wantRefSum(off, data))
		}
	}
	s, _ := newRangeSummer(9, 9)
	if got, err := s.sum(); got != wantRefSum(9, nil) || err != nil {
		t.Errorf("empty range: %s, %v; want %s", got, err, wantRefSum(9, nil))
	}
	s, _ = newRangeSummer(0, 10)
	s.write(data[:9])
	if _, err := s.sum(); err == nil || !strings.Contains(err.Error(), "9 bytes summed of the 10") {
		t.Errorf("a byte short: %v", err)
	}
	s, _ = newRangeSummer(0, 10)
	s.write(data[:11])
	if _, err := s.sum(); err == nil || !strings.Contains(err.Error(), "more: true") {
		t.Errorf("a byte over: %v", err)
	}
}
