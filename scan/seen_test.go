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

// TestSeenHandsEveryByteOnce: in place, through pread windows and through
// windows of the mapping's reader, with windows shorter and longer than
// the lines (longLog's lines run to ten times maxLine, the last has no
// '\n'), Seen is handed the bytes of the range counted, each once and in
// order, and the counts are the ones counted without it.
func TestSeenHandsEveryByteOnce(t *testing.T) {
	const maxLine = 100
	data, users, long := longLog(maxLine)
	_, in := openPread(t, data)
	for _, how := range []string{"pread", "in place", "reader"} {
		in := *in
		switch how {
		case "in place":
			in.file = nil
		case "reader":
			in.file, in.mapped = nil, nil
		}
		for _, window := range []int{16, 64, 101, 4096} {
			for _, r := range []Range{{0, in.size}, {int64(bytes.IndexByte(data, '\n') + 1), in.size}} {
				var got []byte
				w := &worker{levelAndUser: true, shard: agg.NewShard(), bufSize: window, maxLine: maxLine, longAt: maxLine + 1,
					progress: new(Progress), seen: func(b []byte) { got = append(got, b...) }}
				var tally rangeTally
				if err := w.scan(context.Background(), &in, r, &tally); err != nil {
					t.Fatalf("%s, window %d: %v", how, window, err)
				}
				if !bytes.Equal(got, data[r.Start:r.End]) {
					t.Errorf("%s, window %d, range %v: Seen had %d bytes, not the range's %d (first difference at %d)", how, window, r, len(got), r.Len(), firstDiff(got, data[r.Start:r.End]))
				}
				totals := agg.Merge(w.shard)
				wantLines := int64(len(users) + len(long))
				if r.Start > 0 {
					wantLines-- // the first line, u0's
				}
				if tally.lines != wantLines || totals.LongLines != int64(len(long)) {
					t.Errorf("%s, window %d, range %v: %d lines, %d long; want %d, %d", how, window, r, tally.lines, totals.LongLines, wantLines, len(long))
				}
			}
		}
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestSeenOverRanges: a section of a file long enough for several ranges
// of one worker, read in place and with pread, hands Seen its bytes in
// file order; Seen with two workers, or on a stream, is refused.
func TestSeenOverRanges(t *testing.T) {
	var b strings.Builder
	for i := 0; b.Len() < 20<<20; i++ {
		fmt.Fprintf(&b, "time=2026-12-04T05:00:00Z level=INFO user=u%d msg=%q\n", i%977, strings.Repeat("y", i%300))
	}
	data := []byte(b.String())
	path := filepath.Join(t.TempDir(), "big.log")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if rangesPerFile(int64(len(data)), 1) < 2 {
		t.Fatalf("%d bytes make one range: the test needs several", len(data))
	}
	m, err := Map(path)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	off := int64(bytes.IndexByte(data, '\n') + 1)
	for _, mode := range []ReadMode{ReadMmap, ReadPread} {
		var got []byte
		o := Options{Workers: 1, Read: mode, Seen: func(b []byte) { got = append(got, b...) }}
		res, err := m.Section(context.Background(), "part", off, int64(len(data))-off-7, o)
		if err != nil {
			t.Fatal(err)
		}
		if want := data[off : len(data)-7]; !bytes.Equal(got, want) {
			t.Errorf("read %s: Seen had %d bytes, not the section's %d (first difference at %d)", mode, len(got), len(want), firstDiff(got, want))
		}
		if res.Bytes != int64(len(data))-off-7 {
			t.Errorf("read %s: %d bytes counted", mode, res.Bytes)
		}
	}
	seen := func([]byte) {}
	if _, err := m.Section(context.Background(), "part", 0, int64(len(data)), Options{Workers: 2, Seen: seen}); err == nil || !strings.Contains(err.Error(), "1 worker; got 2") {
		t.Errorf("Seen with 2 workers: %v", err)
	}
	if _, err := Files(context.Background(), []string{"-"}, Options{Workers: 1, Stdin: strings.NewReader("level=INFO\n"), Seen: seen}, nil); err == nil || !strings.Contains(err.Error(), "mapped files only") {
		t.Errorf("Seen on stdin: %v", err)
	}
}
