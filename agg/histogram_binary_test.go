package agg

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"
)

// TestHistogramBinaryRoundTrip: what DecodeBinary reads back is Equal to
// the histogram the values were added to, and its JSON is the same bytes.
func TestHistogramBinaryRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	cases := map[string][]int64{
		"empty":     nil,
		"zero":      {0},
		"exact":     {1, 2, 255, 255},
		"extremes":  {0, math.MaxInt64, math.MaxInt64},
		"one value": {1_500_000},
	}
	many := make([]int64, 5000)
	for i := range many {
		many[i] = rng.Int64N(1 << uint(rng.IntN(62)+1))
	}
	cases["random"] = many
	for name, values := range cases {
		var h Histogram
		for _, v := range values {
			h.Add(v)
		}
		enc := AppendBinary([]byte("head"), &h)
		if string(enc[:4]) != "head" {
			t.Fatalf("%s: AppendBinary overwrote dst", name)
		}
		var got Histogram
		got.Add(7) // replaced, not added to
		rest, err := DecodeBinary(append(enc[4:], "tail"...), &got)
		if err != nil || string(rest) != "tail" {
			t.Fatalf("%s: DecodeBinary: rest %q, %v", name, rest, err)
		}
		if !got.Equal(&h) {
			t.Errorf("%s: decoded histogram differs", name)
		}
		a, _ := h.MarshalJSON()
		b, _ := got.MarshalJSON()
		if !bytes.Equal(a, b) {
			t.Errorf("%s: JSON after the round trip\n%s\nwant\n%s", name, b, a)
		}
	}
}

// TestHistogramBinaryRefuses: every cut of a good form, and forms that
// contradict themselves, are errors that leave h as it was.
func TestHistogramBinaryRefuses(t *testing.T) {
	var h Histogram
	for _, v := range []int64{3, 300, 300, 70_000} {
		h.Add(v)
	}
	good := AppendBinary(nil, &h)
	for n := range len(good) {
		var g Histogram
		g.Add(5)
		if _, err := DecodeBinary(good[:n], &g); err == nil {
			t.Errorf("cut to %d of %d bytes: no error", n, len(good))
		}
		if g.Count() != 1 || g.Max() != 5 {
			t.Errorf("cut to %d bytes: h changed on error", n)
		}
	}
	u := func(xs ...uint64) []byte {
		var b []byte
		for _, x := range xs {
			b = binary.AppendUvarint(b, x)
		}
		return b
	}
	bad := map[string][]byte{
		"counts do not add up":  u(3, 1, 1, 0, 2, 1, 1, 1),
		"min outside":           u(1, 2, 1, 0, 1, 1, 1, 1),
		"max outside":           u(1, 1, 9, 0, 1, 1, 1, 1),
		"sum outside":           u(1, 1, 1, 0, 5, 1, 1, 1),
		"zero count":            u(1, 1, 1, 0, 1, 2, 1, 0, 0, 1),
		"index out of range":    u(1, 1, 1, 0, 1, 1, histBuckets, 1),
		"no buckets":            u(1, 1, 1, 0, 1, 0),
		"count above 2^63":      u(1<<63, 1, 1, 0, 1, 1, 1, 1),
		"more buckets than fit": u(1, 1, 1, 0, 1, 9, 1, 1),
	}
	for name, b := range bad {
		var g Histogram
		if _, err := DecodeBinary(b, &g); err == nil {
			t.Errorf("%s: no error", name)
		} else if g.Count() != 0 {
			t.Errorf("%s: h changed on error", name)
		}
	}
}

// FuzzHistogramBinary: whatever DecodeBinary accepts, the JSON reader
// (an independent check of consistency) accepts too, and it reads back
// what it writes (varints written longer than need be are read as well).
func FuzzHistogramBinary(f *testing.F) {
	var h Histogram
	for _, v := range []int64{0, 3, 300, 300, 70_000, math.MaxInt64} {
		h.Add(v)
		f.Add(AppendBinary(nil, &h))
	}
	f.Add([]byte{1, 1, 1, 0, 1, 1, 1, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		var g Histogram
		rest, err := DecodeBinary(b, &g)
		if err != nil {
			return
		}
		if len(rest) > len(b) {
			t.Fatalf("%d bytes left of %d", len(rest), len(b))
		}
		var again Histogram
		if _, err := DecodeBinary(AppendBinary(nil, &g), &again); err != nil || !again.Equal(&g) {
			t.Fatalf("read %x, written back it reads otherwise: %v", b[:len(b)-len(rest)], err)
		}
		js, err := g.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var back Histogram
		if err := back.UnmarshalJSON(js); err != nil {
			t.Fatalf("binary accepted what JSON refuses: %v", err)
		}
		if !back.Equal(&g) {
			t.Fatal("JSON round trip differs")
		}
	})
}
