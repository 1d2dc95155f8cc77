package logline

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
)

// TestEscapedWordMarks checks the word tests of the escaped read and of
// Docker's tail against a byte loop: each marks a word iff one of its bytes
// is in the set, and its first mark is the first such byte. Every byte
// value is tried at every place, among random bytes and among bytes that
// borrow (0x00) or carry.
func TestEscapedWordMarks(t *testing.T) {
	tests := []struct {
		name string
		mark func(uint64) uint64
		in   func(c byte) bool
	}{
		{"escEnd", escEnd, func(c byte) bool { return c < '#' || c == '\\' || c >= 0x80 }},
		{"belowPlus", belowPlus, func(c byte) bool { return c < '+' || c >= 0x80 }},
		{"escMsgStops", escMsgStops, func(c byte) bool { return c == '\\' || c == '"' || c == '\n' || c == '*' || c == 2 }},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var w [8]byte
	for _, tt := range tests {
		check := func() {
			x := binary.LittleEndian.Uint64(w[:])
			want := 8
			for i, c := range w {
				if tt.in(c) {
					want = i
					break
				}
			}
			m := tt.mark(x)
			if got := firstMarked(m); (m == 0) != (want == 8) || m != 0 && got != want {
				t.Fatalf("%s(% x) = %#x: first mark %d, want %d", tt.name, w, m, got, want)
			}
		}
		for pos := range 8 {
			for c := range 256 {
				for round := range 64 {
					for i := range w {
						switch round % 4 {
						case 0:
							w[i] = byte(rng.Uint32())
						case 1:
							w[i] = 'a' + byte(rng.IntN(26))
						case 2:
							w[i] = []byte{0, '\\', '"', 0x7f, 0x80, 0xff, '#', '+', 'Z'}[rng.IntN(9)]
						default:
							w[i] = byte(rng.IntN(0x100))
						}
					}
					w[pos] = byte(c)
					check()
				}
			}
		}
	}
}
