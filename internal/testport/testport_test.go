package testport

import (
	"net"
	"strconv"
	"testing"
)

// TestFree: the port is below the ephemeral range and can be listened on.
func TestFree(t *testing.T) {
	for range 20 {
		p := Free(t)
		if p < 10000 || p >= ephemeralLow() {
			t.Fatalf("port %d outside 10000-%d", p, ephemeralLow()-1)
		}
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			t.Fatalf("port %d: %v", p, err)
		}
		l.Close()
	}
}

// TestFreeOnce: a port is never handed out twice in a process, even once
// nothing listens on it (a killed server's, before its restart).
func TestFreeOnce(t *testing.T) {
	seen := map[int]bool{}
	for range 500 {
		p := Free(t)
		if seen[p] {
			t.Fatalf("port %d handed out twice", p)
		}
		seen[p] = true
	}
}

// TestBand: the bands cover 10000 up to the ephemeral range without
// overlapping, and a binary's band is the same each time.
func TestBand(t *testing.T) {
	high := 32768
	for _, name := range []string{"/tmp/go-build1/b001/bus.test", "logproc.test", "scan.test", "x"} {
		lo, hi := band(name, high)
		if lo < 10000 || hi > high || hi-lo != (high-10000)/bands || (lo-10000)%((high-10000)/bands) != 0 {
			t.Errorf("band(%q) = %d-%d", name, lo, hi)
		}
		if lo2, _ := band(name, high); lo2 != lo {
			t.Errorf("band(%q) moved: %d then %d", name, lo, lo2)
		}
	}
}
