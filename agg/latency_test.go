package agg

import (
	"encoding/binary"
	stdjson "encoding/json"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	json "github.com/goccy/go-json"
)

var testQuantiles = []float64{0.5, 0.9, 0.99, 0.999, 1}

// exactQuantile is the oracle: the nearest-rank quantile of sorted values,
// with the rank computed as Quantile documents.
// Sum is the exact sum of the values recorded, as the high and low 64 bits
// of a 128-bit unsigned integer: what Mean divides, checked exactly.
func (h *Histogram) Sum() (hi, lo uint64) { return h.sumHi, h.sumLo }

func exactQuantile(sorted []int64, q float64) int64 {
	rank := int64(math.Ceil(q * float64(len(sorted))))
	rank = min(max(rank, 1), int64(len(sorted)))
	return sorted[rank-1]
}

func histogramOf(values []int64) *Histogram {
	var h Histogram
	for _, v := range values {
		h.Add(v)
	}
	return &h
}

// checkHistogram compares h with the values it was built from: the exact
// statistics exactly, the quantiles within the documented 1/256.
func checkHistogram(t *testing.T, h *Histogram, values []int64, qs []float64) {
	t.Helper()
	sorted := make([]int64, len(values))
	sum := new(big.Int)
	for i, v := range values {
		sorted[i] = max(v, 0)
		sum.Add(sum, big.NewInt(sorted[i]))
	}
	slices.Sort(sorted)
	if h.Count() != int64(len(values)) {
		t.Fatalf("Count = %d, want %d", h.Count(), len(values))
	}
	if got := uint128(h.Sum()); got.Cmp(sum) != 0 {
		t.Fatalf("Sum = %s, want %s", got, sum)
	}
	if len(values) == 0 {
		if h.Min() != 0 || h.Max() != 0 || h.Mean() != 0 || h.Quantile(0.5) != 0 {
			t.Fatalf("empty: Min, Max, Mean, Quantile = %d, %d, %g, %d; want zeros",
				h.Min(), h.Max(), h.Mean(), h.Quantile(0.5))
		}
		return
	}
	if h.Min() != sorted[0] || h.Max() != sorted[len(sorted)-1] {
		t.Fatalf("Min, Max = %d, %d; want %d, %d", h.Min(), h.Max(), sorted[0], sorted[len(sorted)-1])
	}
	mean, _ := new(big.Float).Quo(new(big.Float).SetInt(sum), big.NewFloat(float64(len(values)))).Float64()
	if math.Abs(h.Mean()-mean) > mean*1e-12 {
		t.Fatalf("Mean = %g, want %g", h.Mean(), mean)
	}
	prev := int64(math.MinInt64)
	for _, q := range qs {
		got, want := h.Quantile(q), exactQuantile(sorted, q)
		// Integer division is exact enough: the bound is w/2 ≤ lo/256 and
		// lo/256 = (128+sub)·w/256 is a whole number whenever w > 1.
		if diff := max(got-want, want-got); diff > want/256 {
			t.Fatalf("Quantile(%g) = %d, exact %d: off by %d, more than %d", q, got, want, diff, want/256)
		}
		if got < prev {
			t.Fatalf("Quantile(%g) = %d is below the previous quantile %d", q, got, prev)
		}
		prev = got
	}
	if h.Quantile(1) != h.Max() {
		t.Fatalf("Quantile(1) = %d, want Max %d", h.Quantile(1), h.Max())
	}
}

func logNormal(r *rand.Rand, n int, median, sigma float64) []int64 {
	vs := make([]int64, n)
	for i := range vs {
		vs[i] = int64(median * math.Exp(sigma*r.NormFloat64()))
	}
	return vs
}

func TestBucketIndex(t *testing.T) {
	tests := []struct {
		v    uint64
		want int
	}{
		{0, 0}, {1, 1}, {127, 127}, // exact
		{128, 128}, {255, 255}, // still 1 ns wide
		{256, 256}, {257, 256}, {258, 257}, {511, 383}, // 2 ns wide
		{512, 384}, {515, 384}, {516, 385}, // 4 ns wide
		{1 << 62, 56 * 128}, {math.MaxInt64, histBuckets - 1}, // the last octave
	}
	for _, tt := range tests {
		if got := bucketIndex(tt.v); got != tt.want {
			t.Errorf("bucketIndex(%d) = %d, want %d", tt.v, got, tt.want)
		}
	}
}

// TestBucketBounds: the buckets tile [0, MaxInt64] with no gap or overlap,
// and each bucket's middle is within 1/256 of both its ends, hence of every
// value in it.
func TestBucketBounds(t *testing.T) {
	next := uint64(0)
	for i := range histBuckets {
		lo, hi := bucketBounds(i)
		if lo != next || hi < lo {
			t.Fatalf("bucket %d is [%d, %d], want it to start at %d", i, lo, hi, next)
		}
		if bucketIndex(lo) != i || bucketIndex(hi) != i {
			t.Fatalf("bucket %d is [%d, %d] but those map to %d and %d", i, lo, hi, bucketIndex(lo), bucketIndex(hi))
		}
		mid := bucketMiddle(i)
		if mid < lo || mid > hi || (mid-lo)*256 > lo || (hi-mid)*256 > hi {
			t.Fatalf("bucket %d [%d, %d]: middle %d is more than 1/256 from an end", i, lo, hi, mid)
		}
		if i < 256 && lo != hi {
			t.Fatalf("bucket %d is [%d, %d], want exact buckets below 256", i, lo, hi)
		}
		next = hi + 1
	}
	if next-1 != math.MaxInt64 {
		t.Fatalf("buckets end at %d, want MaxInt64", next-1)
	}
}

func TestQuantileAccuracy(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	dists := map[string][]int64{}
	for _, median := range []float64{10e3, 300e3, 20e6, 2e9} {
		for _, sigma := range []float64{0.5, 1, 1.5} {
			name := "lognormal/median=" + strconv.FormatFloat(median, 'g', -1, 64) + "/sigma=" + strconv.FormatFloat(sigma, 'g', -1, 64)
			dists[name] = logNormal(r, 100_000, median, sigma)
		}
	}
	uniform := make([]int64, 100_000)
	for i := range uniform {
		uniform[i] = r.Int64N(1e9)
	}
	dists["uniform"] = uniform
	dists["constant"] = slices.Repeat([]int64{12_345_678}, 1000)
	outliers := logNormal(r, 100_000, 1e6, 0.3)
	for i := range 100 {
		outliers[r.IntN(len(outliers))] = 10e9 + int64(i)
	}
	outliers[r.IntN(len(outliers))] = math.MaxInt64
	outliers[r.IntN(len(outliers))] = 0
	dists["outliers"] = outliers
	small := make([]int64, 10_000)
	for i := range small {
		small[i] = r.Int64N(128)
	}
	dists["small"] = small
	// Bucket edges, where rounding to the middle is most off.
	var edges []int64
	for i := 256; i < histBuckets; i += 37 {
		lo, hi := bucketBounds(i)
		edges = append(edges, int64(lo), int64(hi))
	}
	dists["bucket-edges"] = edges

	for name, values := range dists {
		t.Run(name, func(t *testing.T) {
			checkHistogram(t, histogramOf(values), values, testQuantiles)
		})
	}
}

// TestSmallValuesExact: below 256 every quantile is the exact one, not just
// one within the bound.
func TestSmallValuesExact(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	values := make([]int64, 777)
	for i := range values {
		values[i] = r.Int64N(256)
	}
	h := histogramOf(values)
	slices.Sort(values)
	for q := 0.0; q <= 1; q += 0.001 {
		if got, want := h.Quantile(q), exactQuantile(values, q); got != want {
			t.Fatalf("Quantile(%g) = %d, want exactly %d", q, got, want)
		}
	}
}

func TestHistogramEdgeCases(t *testing.T) {
	tests := []struct {
		name   string
		values []int64
	}{
		{"empty", nil},
		{"one value", []int64{1_234_567}},
		{"zero", []int64{0}},
		{"negatives are zero", []int64{-1, -5, math.MinInt64, 300}},
		{"MaxInt64 thrice: sum needs 128 bits", []int64{math.MaxInt64, math.MaxInt64, math.MaxInt64}},
		{"both ends", []int64{0, math.MaxInt64}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := histogramOf(tt.values)
			checkHistogram(t, h, tt.values, []float64{0, 0.001, 0.5, 0.75, 0.999, 1})
		})
	}

	var h Histogram
	h.Add(1_234_567)
	for _, q := range []float64{-1, 0, 0.5, 1, 2, math.NaN(), math.Inf(1)} {
		if got := h.Quantile(q); got != 1_234_567 {
			t.Errorf("one value: Quantile(%g) = %d, want the value", q, got)
		}
	}
	h.Add(-7)
	if h.Min() != 0 || h.Quantile(0) != 0 {
		t.Errorf("after Add(-7): Min = %d, Quantile(0) = %d; want 0, 0", h.Min(), h.Quantile(0))
	}

	var m Histogram
	for range 3 {
		m.Add(math.MaxInt64)
	}
	if hi, lo := m.Sum(); hi != 1 || lo != math.MaxUint64-2-(1<<63) {
		t.Errorf("3·MaxInt64: Sum = %d:%d, want 1:%d", hi, lo, uint64(math.MaxUint64-2-(1<<63)))
	}
	if m.Mean() != float64(math.MaxInt64) {
		t.Errorf("3·MaxInt64: Mean = %g, want %g", m.Mean(), float64(math.MaxInt64))
	}
}

// TestQuantileRanks checks the nearest-rank rule on a histogram small
// enough to reason about: ten values, 1..10 µs.
func TestQuantileRanks(t *testing.T) {
	var h Histogram
	for i := int64(1); i <= 10; i++ {
		h.Add(i * 1000)
	}
	tests := []struct {
		q    float64
		want int64 // the exact value; Quantile may be off by want/256
	}{
		{0, 1000}, {0.1, 1000}, {0.11, 2000}, {0.5, 5000}, {0.51, 6000}, {0.9, 9000}, {0.91, 10000}, {1, 10000},
	}
	for _, tt := range tests {
		got := h.Quantile(tt.q)
		if d := max(got-tt.want, tt.want-got); d > tt.want/256 {
			t.Errorf("Quantile(%g) = %d, want %d ± %d", tt.q, got, tt.want, tt.want/256)
		}
	}
}

func TestAddN(t *testing.T) {
	var a, b Histogram
	for _, vn := range [][2]int64{{5, 3}, {1 << 40, 1000}, {-3, 2}, {777_777, 1}, {9, 0}} {
		a.AddN(vn[0], vn[1])
		for range vn[1] {
			b.Add(vn[0])
		}
	}
	if !a.Equal(&b) {
		t.Fatalf("AddN(v, n) differs from n × Add(v)")
	}
	var empty Histogram
	empty.AddN(42, 0)
	if !empty.Equal(&Histogram{}) || empty.Max() != 0 {
		t.Fatalf("AddN(42, 0) changed an empty histogram")
	}
	// A count that would overflow 64 bits in the sum.
	var c Histogram
	c.AddN(math.MaxInt64, math.MaxInt64)
	want := new(big.Int).Mul(big.NewInt(math.MaxInt64), big.NewInt(math.MaxInt64))
	if got := uint128(c.Sum()); got.Cmp(want) != 0 {
		t.Fatalf("AddN(MaxInt64, MaxInt64): Sum = %s, want %s", got, want)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("AddN with a negative count did not panic")
		}
	}()
	a.AddN(1, -1)
}

// TestMergeEqualsWhole: random data split into k random parts, one
// histogram per part, merged in random order, equals the histogram of the
// whole.
func TestMergeEqualsWhole(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	values := logNormal(r, 50_000, 1e6, 1.5)
	values = append(values, 0, 3, -9, math.MaxInt64)
	r.Shuffle(len(values), func(i, j int) { values[i], values[j] = values[j], values[i] })
	whole := histogramOf(values)
	for _, k := range []int{1, 2, 3, 7, 16, 100} {
		// Start from an empty histogram, and from one of the parts, which
		// already has rows, a min and a max.
		for _, fromPart := range []bool{false, true} {
			parts := make([]Histogram, k)
			for _, v := range values {
				parts[r.IntN(k)].Add(v)
			}
			order := r.Perm(k)
			got := new(Histogram)
			if fromPart {
				got, order = &parts[order[0]], order[1:]
			}
			for _, i := range order {
				got.Merge(&parts[i])
			}
			if !got.Equal(whole) {
				t.Fatalf("k=%d, from a part %v: merged histogram differs from the whole", k, fromPart)
			}
			for q := 0.0; q <= 1; q += 0.0005 {
				if got.Quantile(q) != whole.Quantile(q) {
					t.Fatalf("k=%d: merged Quantile(%g) = %d, whole %d", k, q, got.Quantile(q), whole.Quantile(q))
				}
			}
		}
	}
}

func TestMergeEdgeCases(t *testing.T) {
	var empty, h Histogram
	h.Add(500)
	h.Add(70_000)
	before := histogramOf([]int64{500, 70_000})

	h.Merge(&empty)
	if !h.Equal(before) {
		t.Fatal("merging an empty histogram changed h")
	}
	var e Histogram
	e.Merge(&h)
	if !e.Equal(&h) || e.Min() != 500 {
		t.Fatalf("merging into an empty histogram: Min = %d, want 500, and equal", e.Min())
	}
	h.Merge(&h)
	if !h.Equal(histogramOf([]int64{500, 70_000, 500, 70_000})) {
		t.Fatal("h.Merge(h) does not double h")
	}
	if !e.Equal(before) {
		t.Fatal("Merge changed its argument")
	}
}

// TestEqual: Equal tells apart histograms that differ in any one respect,
// so the merge tests above could fail.
func TestEqual(t *testing.T) {
	base := []int64{5, 1000, 1_000_000}
	tests := []struct {
		name   string
		values []int64
	}{
		{"one more value", []int64{5, 1000, 1_000_000, 1000}},
		{"a value in another bucket", []int64{5, 1000, 2_000_000}},
		{"same buckets, other max", []int64{5, 1000, 1_000_001}},
		{"same buckets, other sum", []int64{5, 1001, 1_000_000}},
		{"a value fewer", []int64{5, 1000}},
		{"empty", nil},
	}
	a := histogramOf(base)
	if !a.Equal(histogramOf(base)) {
		t.Fatal("a histogram differs from a copy of itself")
	}
	for _, tt := range tests {
		if b := histogramOf(tt.values); a.Equal(b) || b.Equal(a) {
			t.Errorf("%s: Equal reports true", tt.name)
		}
	}
	// Same count, sum, min and max, but counts in other buckets.
	x, y := histogramOf([]int64{1000, 2000, 2000, 3000}), histogramOf([]int64{1000, 1500, 2500, 3000})
	if x.Count() != y.Count() || x.Min() != y.Min() || x.Max() != y.Max() || x.Mean() != y.Mean() {
		t.Fatal("the test's two histograms differ in more than their buckets")
	}
	if x.Equal(y) {
		t.Error("buckets differ: Equal reports true")
	}
	// A row allocated but empty (an empty Merge source has none, but
	// Equal must not depend on that) equals no row.
	var withRow Histogram
	withRow.newRow(20)
	if !withRow.Equal(&Histogram{}) {
		t.Error("an empty row differs from no row")
	}
}

func TestHistogramAllocatesNothing(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	values := logNormal(r, 1000, 1e6, 1)
	h := histogramOf(values)
	other := histogramOf(values)
	if a := testing.AllocsPerRun(100, func() {
		for _, v := range values {
			h.Add(v)
		}
		h.AddN(values[0], 3)
	}); a != 0 {
		t.Errorf("Add allocates %.1f times per run once its rows exist, want 0", a)
	}
	if a := testing.AllocsPerRun(100, func() { h.Merge(other) }); a != 0 {
		t.Errorf("Merge allocates %.1f times per run once the rows exist, want 0", a)
	}
	if a := testing.AllocsPerRun(100, func() { h.Quantile(0.99) }); a != 0 {
		t.Errorf("Quantile allocates %.1f times per run, want 0", a)
	}
}

// TestHistogramRowsAreLazy: a histogram holds rows only for the octaves
// its values fall in.
func TestHistogramRowsAreLazy(t *testing.T) {
	var h Histogram
	h.Add(1_000_000) // octave 19
	h.Add(1_500_000) // octave 20
	h.Add(1_900_000) // octave 20
	rows := 0
	for _, row := range h.rows {
		if row != nil {
			rows++
		}
	}
	if rows != 2 {
		t.Fatalf("%d rows allocated, want 2", rows)
	}
}

func TestHistogramJSON(t *testing.T) {
	var h Histogram
	h.Add(3)
	h.Add(1000)
	h.Add(1001)
	got, err := json.Marshal(&h)
	if err != nil {
		t.Fatal(err)
	}
	// 1000 and 1001 share bucket 3·128+(1000>>2)-128 = 506.
	want := `{"buckets":[[3,1],[506,2]],"count":3,"max":1001,"min":3,"sub_buckets":128,"sum":"2004"}`
	if string(got) != want {
		t.Fatalf("Marshal = %s\nwant      %s", got, want)
	}
	// By value too: a Histogram held in a struct, not behind a pointer.
	wrapped, err := json.Marshal(struct{ H Histogram }{h})
	if err != nil || string(wrapped) != `{"H":`+want+`}` {
		t.Fatalf("Marshal of a struct holding a Histogram = %s, %v", wrapped, err)
	}
}

func TestHistogramJSONRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	var huge Histogram
	huge.AddN(math.MaxInt64, math.MaxInt64/2)
	huge.AddN(0, 5)
	tests := map[string]*Histogram{
		"empty":      {},
		"one value":  histogramOf([]int64{77}),
		"lognormal":  histogramOf(logNormal(r, 10_000, 50e6, 1.5)),
		"extremes":   histogramOf([]int64{0, -1, math.MaxInt64, math.MaxInt64}),
		"sum > 2^64": &huge,
	}
	for name, h := range tests {
		t.Run(name, func(t *testing.T) {
			b, err := json.Marshal(h)
			if err != nil {
				t.Fatal(err)
			}
			var back Histogram
			back.Add(12345) // Unmarshal replaces, it does not merge.
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatalf("Unmarshal(%.200s): %v", b, err)
			}
			if !back.Equal(h) {
				t.Fatalf("round trip through %.200s changed the histogram", b)
			}
			// encoding/json reads it the same way, through a map.
			var m map[string]Histogram
			if err := stdjson.Unmarshal([]byte(`{"h":`+string(b)+`}`), &m); err != nil {
				t.Fatalf("encoding/json: %v", err)
			}
			if hm := m["h"]; !hm.Equal(h) {
				t.Fatal("encoding/json round trip changed the histogram")
			}
		})
	}
}

func TestHistogramJSONRejects(t *testing.T) {
	const ok = `{"buckets":[[3,1],[506,2]],"count":3,"max":1001,"min":3,"sub_buckets":128,"sum":"2004"}`
	var h Histogram
	if err := h.UnmarshalJSON([]byte(ok)); err != nil {
		t.Fatalf("the valid form is rejected: %v", err)
	}
	bad := map[string]string{
		"not JSON":              `{"buckets":`,
		"not an object":         `[1,2]`,
		"trailing data":         ok + `{}`,
		"trailing bracket":      ok + `]`,
		"trailing garbage":      ok + ` x`,
		"trailing comma":        strings.Replace(ok, `"2004"}`, `"2004",}`, 1),
		"unknown key":           strings.Replace(ok, `"count"`, `"extra":1,"count"`, 1),
		"other layout":          strings.Replace(ok, `"sub_buckets":128`, `"sub_buckets":64`, 1),
		"no layout":             strings.Replace(ok, `"sub_buckets":128,`, ``, 1),
		"index out of range":    strings.Replace(ok, `[506,2]`, `[7296,2]`, 1),
		"negative index":        strings.Replace(ok, `[3,1]`, `[-1,1]`, 1),
		"indexes out of order":  `{"buckets":[[506,2],[3,1]],"count":3,"max":1001,"min":3,"sub_buckets":128,"sum":"2004"}`,
		"repeated index":        `{"buckets":[[3,1],[3,2]],"count":3,"max":3,"min":3,"sub_buckets":128,"sum":"9"}`,
		"zero count":            `{"buckets":[[3,1],[400,0],[506,2]],"count":3,"max":1001,"min":3,"sub_buckets":128,"sum":"2004"}`,
		"negative count":        `{"buckets":[[3,4],[506,-1]],"count":3,"max":1001,"min":3,"sub_buckets":128,"sum":"2004"}`,
		"counts miss count":     strings.Replace(ok, `"count":3`, `"count":4`, 1),
		"count negative":        `{"buckets":[],"count":-1,"max":0,"min":0,"sub_buckets":128,"sum":"0"}`,
		"counts overflow":       `{"buckets":[[3,9223372036854775807],[4,2]],"count":1,"max":4,"min":3,"sub_buckets":128,"sum":"0"}`,
		"bucket of three":       strings.Replace(ok, `[3,1]`, `[3,1,0]`, 1),
		"bucket of one":         strings.Replace(ok, `[3,1]`, `[3]`, 1),
		"null bucket":           strings.Replace(ok, `[3,1]`, `null`, 1),
		"fractional count":      strings.Replace(ok, `[3,1]`, `[3,1.5]`, 1),
		"index too big for int": strings.Replace(ok, `[3,1]`, `[99999999999999999999,1]`, 1),
		"min not in bucket":     strings.Replace(ok, `"min":3`, `"min":4`, 1),
		"max not in bucket":     strings.Replace(ok, `"max":1001`, `"max":1004`, 1),
		"negative min":          strings.Replace(ok, `"min":3`, `"min":-3`, 1),
		"sum too small":         strings.Replace(ok, `"2004"`, `"2002"`, 1),
		"sum too big":           strings.Replace(ok, `"2004"`, `"2010"`, 1),
		"sum not a number":      strings.Replace(ok, `"2004"`, `"2e3"`, 1),
		"sum with sign":         strings.Replace(ok, `"2004"`, `"+2004"`, 1),
		"sum negative":          `{"buckets":[],"count":0,"max":0,"min":0,"sub_buckets":128,"sum":"-0"}`,
		"sum with zeros":        strings.Replace(ok, `"2004"`, `"02004"`, 1),
		"sum as number":         strings.Replace(ok, `"2004"`, `2004`, 1),
		"sum of 129 bits":       `{"buckets":[],"count":0,"max":0,"min":0,"sub_buckets":128,"sum":"340282366920938463463374607431768211456"}`,
		"no sum":                `{"buckets":[],"count":0,"max":0,"min":0,"sub_buckets":128}`,
		"empty with a max":      `{"buckets":[],"count":0,"max":5,"min":0,"sub_buckets":128,"sum":"0"}`,
		"empty with a sum":      `{"buckets":[],"count":0,"max":0,"min":0,"sub_buckets":128,"sum":"5"}`,
		"min above max":         `{"buckets":[[506,2]],"count":2,"max":1001,"min":1002,"sub_buckets":128,"sum":"2003"}`, // one bucket holds 1000..1003
		"empty input":           ``,
	}
	for name, in := range bad {
		h := histogramOf([]int64{42})
		err := h.UnmarshalJSON([]byte(in))
		t.Logf("%-22s %v", name, err)
		if err == nil {
			t.Errorf("%s: %s accepted", name, in)
		}
		if !h.Equal(histogramOf([]int64{42})) {
			t.Errorf("%s: a rejected input changed the histogram", name)
		}
	}
	// null leaves the histogram alone, as encoding/json does for others.
	h = *histogramOf([]int64{42})
	if err := json.Unmarshal([]byte(`null`), &h); err != nil || !h.Equal(histogramOf([]int64{42})) {
		t.Errorf("null: err %v, or the histogram changed", err)
	}
}

// valuesFromBytes turns fuzz input into latencies of every magnitude: a
// byte picks the bit length (and, rarely, a negative sign), the next up to
// 8 bytes the bits.
func valuesFromBytes(data []byte) []int64 {
	var vs []int64
	for len(data) > 0 {
		sel := data[0]
		data = data[1:]
		var buf [8]byte
		n := copy(buf[:], data)
		data = data[n:]
		u := binary.LittleEndian.Uint64(buf[:]) & (1<<(sel&63) - 1)
		v := int64(u >> 1)
		if sel>>6 == 3 && sel&1 == 1 {
			v = -v
		}
		vs = append(vs, v)
	}
	return vs
}

// FuzzHistogram checks the histogram against sorting, and its merge and
// JSON against the histogram itself.
func FuzzHistogram(f *testing.F) {
	f.Add([]byte{}, uint8(0))
	f.Add([]byte{7, 100, 0, 0, 0, 0, 0, 0, 0}, uint8(1))
	f.Add([]byte{63, 255, 255, 255, 255, 255, 255, 255, 255, 20, 1, 2, 3, 4, 5, 6, 7, 8}, uint8(1))
	f.Add([]byte("latency histograms merge exactly across workers"), uint8(9))
	f.Fuzz(func(t *testing.T, data []byte, split uint8) {
		values := valuesFromBytes(data)
		h := histogramOf(values)
		checkHistogram(t, h, values, []float64{0, 0.01, 0.25, 0.5, 0.9, 0.99, 0.999, 1})

		cut := 0
		if len(values) > 0 {
			cut = int(split) % (len(values) + 1)
		}
		a, b := histogramOf(values[:cut]), histogramOf(values[cut:])
		b.Merge(a)
		if !b.Equal(h) {
			t.Fatalf("parts split at %d, merged, differ from the whole", cut)
		}

		js, err := json.Marshal(h)
		if err != nil {
			t.Fatal(err)
		}
		var back Histogram
		if err := json.Unmarshal(js, &back); err != nil {
			t.Fatalf("Unmarshal(%s): %v", js, err)
		}
		if !back.Equal(h) {
			t.Fatalf("round trip through %s changed the histogram", js)
		}
	})
}

// FuzzHistogramUnmarshal: any input is rejected or gives a histogram that
// is consistent with itself; none panics.
func FuzzHistogramUnmarshal(f *testing.F) {
	f.Add(`{"buckets":[[3,1],[506,2]],"count":3,"max":1001,"min":3,"sub_buckets":128,"sum":"2004"}`)
	f.Add(`{"buckets":[],"count":0,"max":0,"min":0,"sub_buckets":128,"sum":"0"}`)
	f.Add(`{"buckets":[[7295,9223372036854775807]],"count":9223372036854775807,"max":9223372036854775807,"min":9223372036854775807,"sub_buckets":128,"sum":"85070591730234615847396907784232501249"}`)
	f.Add(`null`)
	f.Fuzz(func(t *testing.T, in string) {
		var h Histogram
		if err := h.UnmarshalJSON([]byte(in)); err != nil {
			return
		}
		if h.Count() > 0 {
			lo, hi := h.Quantile(0), h.Quantile(1)
			if lo != h.Min() || hi != h.Max() || h.Quantile(0.5) < lo || h.Quantile(0.5) > hi {
				t.Fatalf("%s: quantiles %d, %d, %d outside [Min, Max] = [%d, %d]", in, lo, h.Quantile(0.5), hi, h.Min(), h.Max())
			}
		}
		js, err := json.Marshal(&h)
		if err != nil {
			t.Fatal(err)
		}
		var back Histogram
		if err := back.UnmarshalJSON(js); err != nil || !back.Equal(&h) {
			t.Fatalf("%s: accepted, but its own output %s does not round trip: %v", in, js, err)
		}
	})
}

func BenchmarkHistogramAdd(b *testing.B) {
	r := rand.New(rand.NewPCG(11, 12))
	// Request latencies around 2 ms, spread over a dozen octaves.
	values := logNormal(r, 1<<12, 2e6, 1.5)
	var h Histogram
	b.ReportAllocs()
	b.SetBytes(8)
	n := 0
	for b.Loop() {
		h.Add(values[n&(len(values)-1)])
		n++
	}
	b.StopTimer()
	if h.Count() != int64(n) {
		b.Fatalf("Count = %d after %d Adds", h.Count(), n)
	}
}

func BenchmarkHistogramMerge(b *testing.B) {
	r := rand.New(rand.NewPCG(13, 14))
	part := histogramOf(logNormal(r, 100_000, 2e6, 1.5))
	var h Histogram
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		h.Merge(part)
		n++
	}
	b.StopTimer()
	if h.Count() != int64(n)*part.Count() {
		b.Fatalf("Count = %d after %d merges of %d", h.Count(), n, part.Count())
	}
}

func BenchmarkHistogramQuantile(b *testing.B) {
	r := rand.New(rand.NewPCG(15, 16))
	h := histogramOf(logNormal(r, 100_000, 2e6, 1.5))
	b.ReportAllocs()
	var got int64
	for b.Loop() {
		got = h.Quantile(0.99)
	}
	b.StopTimer()
	if got < h.Quantile(0.9) || got > h.Max() {
		b.Fatalf("Quantile(0.99) = %d, outside [p90, max] = [%d, %d]", got, h.Quantile(0.9), h.Max())
	}
}
