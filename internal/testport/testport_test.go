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
