package bus

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/logproc/logproc/scan"
)

// TestFileBytes: each hands out exactly the bytes asked for, in pieces of
// at most pieceSize, in place or through a buffer, and a file that is
// shorter than asked (shrunk, truncated while mapped) is an error.
func TestFileBytes(t *testing.T) {
	data := bytes.Repeat([]byte("level=INFO user=ann msg=hello\n"), 3*pieceSize/30+7)
	path, m := mapTemp(t, data)
	for name, fb := range map[string]*fileBytes{"read": {r: bytes.NewReader(data)}, "mapped": {m: m}} {
		for _, r := range [][2]int64{{0, int64(len(data))}, {5, 1}, {pieceSize - 3, pieceSize + 10}, {7, 0}} {
			var got []byte
			err := fb.each(r[0], r[1], func(b []byte) {
				if len(b) > pieceSize {
					t.Errorf("%s: a piece of %d bytes", name, len(b))
				}
				got = append(got, b...)
			})
			if err != nil || !bytes.Equal(got, data[r[0]:r[0]+r[1]]) {
				t.Fatalf("%s: each(%d, %d): %d bytes, %v", name, r[0], r[1], len(got), err)
			}
		}
		if err := fb.each(int64(len(data))-10, 20, func([]byte) {}); err == nil || !strings.Contains(err.Error(), "shrank") {
			t.Fatalf("%s: past the end: %v", name, err)
		}
	}
	if err := os.Truncate(path, 100); err != nil {
		t.Fatal(err)
	}
	fb := fileBytes{m: m}
	if err := fb.each(2*pieceSize, 100, func(b []byte) { bytes.Count(b, []byte{'\n'}) }); err == nil || !strings.Contains(err.Error(), "shrank") {
		t.Fatalf("truncated while mapped: %v", err)
	}
}

// TestFileBytesWhole: whole hands out exactly the bytes asked for in one
// slice, in place or through a buffer, and a file that is shorter than
// asked (shrunk, truncated while mapped) is an error.
func TestFileBytesWhole(t *testing.T) {
	data := bytes.Repeat([]byte("level=INFO user=ann msg=hello\n"), 3*pieceSize/30+7)
	path, m := mapTemp(t, data)
	for name, fb := range map[string]*fileBytes{"read": {r: bytes.NewReader(data)}, "mapped": {m: m}} {
		// The longest range first, then shorter ones in its buffer.
		for _, r := range [][2]int64{{0, int64(len(data))}, {5, 1}, {pieceSize - 3, pieceSize + 10}, {7, 0}, {int64(len(data)) - 4, 4}} {
			calls := 0
			var got []byte
			err := fb.whole(r[0], r[1], func(b []byte) {
				calls++
				got = append(got, b...)
			})
			if err != nil || calls != 1 || !bytes.Equal(got, data[r[0]:r[0]+r[1]]) {
				t.Fatalf("%s: whole(%d, %d): %d calls, %d bytes, %v", name, r[0], r[1], calls, len(got), err)
			}
		}
		if err := fb.whole(int64(len(data))-10, 20, func([]byte) { t.Errorf("%s: past the end: used", name) }); err == nil || !strings.Contains(err.Error(), "shrank") {
			t.Fatalf("%s: past the end: %v", name, err)
		}
	}
	if err := os.Truncate(path, 100); err != nil {
		t.Fatal(err)
	}
	fb := fileBytes{m: m}
	if err := fb.whole(2*pieceSize, 100, func(b []byte) { bytes.Count(b, []byte{'\n'}) }); err == nil || !strings.Contains(err.Error(), "shrank") {
		t.Fatalf("truncated while mapped: %v", err)
	}
}

// TestBatchBytesShrank: a batch by value read past the file's end, the
// file having shrunk since it was surveyed, is an error, compressed or not:
// never the zeros of a short read published as lines.
func TestBatchBytesShrank(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.log")
	data := bytes.Repeat([]byte("level=INFO user=a\n"), 100)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, uncompressed := range []bool{true, false} {
		p := &filePublisher{path: path, f: f, fb: &fileBytes{r: f}, o: PublishOptions{Uncompressed: uncompressed}}
		r := scan.Range{Start: int64(len(data)) - 18, End: int64(len(data)) + 18}
		if _, _, _, err := p.batchBytes(r); err == nil || !strings.Contains(err.Error(), "shrank") {
			t.Errorf("uncompressed %v: batch past the end: %v; want the file shrank", uncompressed, err)
		}
		r = scan.Range{Start: 0, End: int64(len(data))}
		if _, _, lines, err := p.batchBytes(r); err != nil || lines != 100 {
			t.Errorf("uncompressed %v: whole file: %d lines, %v; want 100", uncompressed, lines, err)
		}
	}
}
