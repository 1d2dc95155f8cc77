// Package testport hands tests TCP ports for servers they start and restart.
package testport

import (
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
)

// Free returns a port on 127.0.0.1 that nothing listens on, below the
// kernel's ephemeral range: a port from 127.0.0.1:0 is an ephemeral one,
// which another test's outgoing connection may take between its release
// and the server's bind, or after a test kills the server to restart it.
func Free(t testing.TB) int {
	t.Helper()
	low := ephemeralLow()
	for range 200 {
		port := 10000 + rand.IntN(low-10000)
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err == nil {
			l.Close()
			return port
		}
	}
	t.Fatalf("no free port in 10000-%d after 200 tries", low-1)
	return 0
}

// ephemeralLow is the first port of the kernel's ephemeral range, 32768
// where it cannot be read (Linux's default; other systems' are higher).
func ephemeralLow() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 32768
	}
	f := strings.Fields(string(b))
	if len(f) != 2 {
		return 32768
	}
	n, err := strconv.Atoi(f[0])
	if err != nil || n <= 11000 {
		return 32768
	}
	return n
}
