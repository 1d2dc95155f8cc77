package scan

import (
	"bytes"
	"strings"
	"testing"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		name  string
		input string
		n     int
	}{
		{"empty", "", 4},
		{"one line", "a=1\n", 4},
		{"no trailing newline", "a=1\nb=2\nc=3", 3},
		{"more parts than bytes", "a\nb\n", 100},
		{"one huge line", strings.Repeat("x", 100000) + "\n", 8},
		{"one huge line without newline", strings.Repeat("x", 100000), 8},
		{"huge line in the middle", "a\n" + strings.Repeat("x", 50000) + "\nb\nc\n", 4},
		{"only newlines", strings.Repeat("\n", 1000), 7},
		{"one part", strings.Repeat("level=INFO\n", 1000), 1},
		{"many lines", strings.Repeat("level=INFO user=u\n", 10000), 16},
		{"n zero", "a\nb\n", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := []byte(tt.input)
			ranges, err := Split(bytes.NewReader(data), int64(len(data)), tt.n)
			if err != nil {
				t.Fatal(err)
			}
			checkRanges(t, data, ranges, max(tt.n, 1))
		})
	}
}

// checkRanges asserts the splitter's contract: contiguous, covering, no
// empty range, every range but the last ending on '\n', at most n ranges.
func checkRanges(t *testing.T, data []byte, ranges []Range, n int) {
	t.Helper()
	if len(data) == 0 {
		if len(ranges) != 0 {
			t.Fatalf("empty input: got %d ranges, want 0", len(ranges))
		}
		return
	}
	if len(ranges) == 0 || len(ranges) > n {
		t.Fatalf("got %d ranges, want 1..%d", len(ranges), n)
	}
	if ranges[0].Start != 0 || ranges[len(ranges)-1].End != int64(len(data)) {
		t.Fatalf("ranges %v do not cover [0,%d)", ranges, len(data))
	}
	for i, r := range ranges {
		if r.Len() <= 0 {
			t.Fatalf("range %d %v is empty", i, r)
		}
		if i > 0 && r.Start != ranges[i-1].End {
			t.Fatalf("range %d %v does not start where range %d %v ends", i, r, i-1, ranges[i-1])
		}
		if i < len(ranges)-1 && data[r.End-1] != '\n' {
			t.Fatalf("range %d %v ends inside a line", i, r)
		}
	}
}

func TestSplitBalances(t *testing.T) {
	data := bytes.Repeat([]byte("time=2026-11-26T08:00:00.123Z level=INFO user=u\n"), 100000)
	ranges, err := Split(bytes.NewReader(data), int64(len(data)), 8)
	if err != nil {
		t.Fatal(err)
	}
	if len(ranges) != 8 {
		t.Fatalf("got %d ranges, want 8", len(ranges))
	}
	want := int64(len(data) / 8)
	for i, r := range ranges {
		if d := r.Len() - want; d > 64 || d < -64 {
			t.Errorf("range %d has %d bytes, want about %d", i, r.Len(), want)
		}
	}
}

func FuzzSplit(f *testing.F) {
	f.Add([]byte("a\nb\nc"), 3)
	f.Add([]byte("\n\n\n"), 2)
	f.Add([]byte("xxxxxxxx"), 5)
	f.Fuzz(func(t *testing.T, data []byte, n int) {
		n = n%64 + 1
		if n < 1 {
			n += 64
		}
		ranges, err := Split(bytes.NewReader(data), int64(len(data)), n)
		if err != nil {
			t.Fatal(err)
		}
		checkRanges(t, data, ranges, n)
	})
}

func BenchmarkSplit(b *testing.B) {
	data := bytes.Repeat([]byte("time=2026-11-26T08:00:00.123Z level=INFO msg=\"user action\" user=u\n"), 1<<20)
	r := bytes.NewReader(data)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Split(r, int64(len(data)), 64); err != nil {
			b.Fatal(err)
		}
	}
}
