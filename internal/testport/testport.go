// Package testport hands tests TCP ports for servers they start and restart.
package testport

import (
	"hash/fnv"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Free returns a port on 127.0.0.1 that nothing listens on, below the
// kernel's ephemeral range: a port from 127.0.0.1:0 is an ephemeral one,
// which another test's outgoing connection may take between its release
// and the server's bind, or after a test kills the server to restart it.
// A port is handed out once per process, so that parallel tests never
// share one (a killed server's port stays its own for its restart), and
// each test binary draws from its own band of the range, so that two
// packages' tests running at once rarely meet.
func Free(t testing.TB) int {
	t.Helper()
	lo, hi := band(os.Args[0], ephemeralLow())
	mu.Lock()
	defer mu.Unlock()
	for range 200 {
		port := lo + rand.IntN(hi-lo)
		if given[port] {
			continue
		}
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err == nil {
			l.Close()
			given[port] = true
			return port
		}
	}
	t.Fatalf("no free port in %d-%d after 200 tries", lo, hi-1)
	return 0
}

var (
	mu    sync.Mutex
	given = map[int]bool{} // the ports Free has handed out
)

// bands is how many parts of 10000 up to the ephemeral range the test
// binaries share out by their names.
const bands = 4

// band returns the part [lo, hi) of 10000 up to high that the test binary
// named by path draws its ports from.
func band(path string, high int) (lo, hi int) {
	h := fnv.New32a()
	h.Write([]byte(filepath.Base(path)))
	width := (high - 10000) / bands
	lo = 10000 + int(h.Sum32()%bands)*width
	return lo, lo + width
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
