package logline

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"time"
)

// FuzzParseTime checks ParseTime against its oracles on any input: time.Parse
// (RFC3339Nano) outside the epoch grammar, both ways (a string one accepts
// the other accepts with the same instant, unless it lies outside int64
// nanoseconds), and exact arithmetic on epoch numbers.
func FuzzParseTime(f *testing.F) {
	for _, tt := range parseTimeTests {
		f.Add([]byte(tt.in))
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		f.Add([]byte(randomRFC3339(r)))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		orig := bytes.Clone(b)
		checkParseTime(t, string(b))
		if !bytes.Equal(b, orig) {
			t.Fatalf("ParseTime changed its input %q to %q", orig, b)
		}
	})
}

// FuzzParseLatency checks ParseLatency against time.ParseDuration on
// anything that is not a bare number, and against exact arithmetic on bare
// numbers, in each of the units a key or flag can give.
func FuzzParseLatency(f *testing.F) {
	for _, tt := range parseLatencyTests {
		f.Add([]byte(tt.in), uint8(2))
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 20 {
		f.Add([]byte(randomDuration(r)), uint8(r.IntN(4)))
		f.Add([]byte(time.Duration(r.Int64()>>r.IntN(64)).String()), uint8(0))
	}
	f.Fuzz(func(t *testing.T, b []byte, unitIndex uint8) {
		orig := bytes.Clone(b)
		checkParseLatency(t, string(b), latencyUnits[int(unitIndex)%len(latencyUnits)])
		if !bytes.Equal(b, orig) {
			t.Fatalf("ParseLatency changed its input %q to %q", orig, b)
		}
	})
}
