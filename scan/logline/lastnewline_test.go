package logline

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestLastNewline checks lastNewline against bytes.LastIndexByte on every
// length up to 40 with the '\n' at every place, next to bytes that a
// borrowing mask would take for it (0x0B, 0x8A, 0x00, 0xFF), and on random
// bytes.
func TestLastNewline(t *testing.T) {
	for _, fill := range []byte{'x', 0x0B, 0x8A, 0x00, 0xFF, 0x09} {
		for n := 0; n <= 40; n++ {
			for at := -1; at < n; at++ {
				b := bytes.Repeat([]byte{fill}, n)
				if at >= 0 {
					b[at] = '\n'
				}
				if got, want := lastNewline(b), bytes.LastIndexByte(b, '\n'); got != want {
					t.Fatalf("lastNewline(%q) = %d, want %d", b, got, want)
				}
			}
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20_000 {
		b := make([]byte, r.IntN(70))
		for i := range b {
			b[i] = []byte{'\n', 0x0B, 0x8A, 0x00, 'a', 0xFF}[r.IntN(6)]
		}
		if got, want := lastNewline(b), bytes.LastIndexByte(b, '\n'); got != want {
			t.Fatalf("lastNewline(%q) = %d, want %d", b, got, want)
		}
	}
}
