package agg

import (
	"bytes"
	stdjson "encoding/json"
	"fmt"
	"math"
	"math/big"
	"math/bits"

	json "github.com/goccy/go-json"
)

// Bucket layout. Values 0..255 each have a bucket one nanosecond wide; above
// that every octave [2^k, 2^(k+1)) is cut into histSub buckets of equal
// width 2^(k-7). Row 0 holds 0..127, row r ≥ 1 the octave k = r+6, so the
// 57 rows cover every int64 up to MaxInt64 and a bucket's index is
// row*histSub + sub.
const (
	histSubBits = 7
	histSub     = 1 << histSubBits
	histRows    = 64 - histSubBits
	histBuckets = histRows * histSub
)

// Histogram counts latencies in nanoseconds in log-linear buckets, HDR
// histogram style, and answers quantiles of them. The zero value is an
// empty histogram ready to use.
//
// Error bound: values below 256 are counted exactly. Any other bucket is
// one of the 128 equal slices [lo, lo+w) of an octave, so lo ≥ 128·w, and
// Quantile reports its middle, lo + w/2: the estimate differs from the true
// value v by at most w/2 ≤ v/256, a relative error of at most 1/256
// (0.39 %). Count, Sum, Min and Max are exact.
//
// Merging is exact: the histograms of the parts of a data set, merged in any
// order, are Equal to the histogram of the whole, bucket for bucket.
//
// Memory: a row of 128 counters (1 KB) is allocated the first time a value
// falls in its octave, so a histogram costs about 500 bytes plus 1 KB per
// octave in use: 1 µs to 1 min spans 26 octaves. Once its rows exist, Add
// allocates nothing.
//
// A Histogram is not safe for concurrent use: give each worker its own and
// Merge them once the workers are done. The total count must stay below
// 2^63.
type Histogram struct {
	rows  [histRows]*[histSub]int64
	count int64
	min   int64 // valid only when count > 0
	max   int64 // 0 when empty, the identity for max of non-negative values
	// sumHi:sumLo is the 128-bit sum of the values: 2^63 latencies of
	// 2^63-1 ns each still fit, so the sum (and the mean) never wraps.
	sumHi, sumLo uint64
}

// bucketIndex returns the index of the bucket holding v. shift is 0 below
// 256, where buckets are 1 ns wide, and grows by one per octave above, so
// that v>>shift is always below 256: above 255 it is the leading 1 of v and
// the 7 bits after it, which pick the sub-bucket.
func bucketIndex(v uint64) int {
	shift := bits.Len64(v|(2*histSub-1)) - (histSubBits + 1)
	return shift<<histSubBits + int(v>>shift)
}

// bucketBounds returns the smallest and largest value of bucket i.
func bucketBounds(i int) (lo, hi uint64) {
	row, sub := i>>histSubBits, uint64(i&(histSub-1))
	if row == 0 {
		return sub, sub
	}
	shift := row - 1
	lo = (histSub + sub) << shift
	return lo, lo + (1 << shift) - 1
}

// bucketMiddle is the value Quantile reports for bucket i: the middle of
// [lo, hi], rounded up when the bucket holds an even number of values.
func bucketMiddle(i int) uint64 {
	lo, hi := bucketBounds(i)
	return lo + (hi-lo+1)/2
}

// Add records one value. Negative values, which a clock stepping back can
// produce, are recorded as 0.
func (h *Histogram) Add(v int64) {
	v = max(v, 0)
	i := bucketIndex(uint64(v))
	row := h.rows[i>>histSubBits]
	if row == nil {
		row = h.newRow(i >> histSubBits)
	}
	row[i&(histSub-1)]++
	if h.count == 0 || v < h.min {
		h.min = v
	}
	h.max = max(h.max, v)
	h.count++
	var carry uint64
	h.sumLo, carry = bits.Add64(h.sumLo, uint64(v), 0)
	h.sumHi += carry
}

// AddN records n occurrences of v, as n calls of Add(v) would. It panics if
// n is negative.
func (h *Histogram) AddN(v, n int64) {
	if n <= 0 {
		if n < 0 {
			panic(fmt.Sprintf("agg: Histogram.AddN: negative count %d", n))
		}
		return
	}
	v = max(v, 0)
	i := bucketIndex(uint64(v))
	row := h.rows[i>>histSubBits]
	if row == nil {
		row = h.newRow(i >> histSubBits)
	}
	row[i&(histSub-1)] += n
	if h.count == 0 || v < h.min {
		h.min = v
	}
	h.max = max(h.max, v)
	h.count += n
	h.addSum(bits.Mul64(uint64(v), uint64(n)))
}

// newRow runs once per octave in use; after that Add allocates nothing.
func (h *Histogram) newRow(r int) *[histSub]int64 {
	row := new([histSub]int64)
	h.rows[r] = row
	return row
}

func (h *Histogram) addSum(hi, lo uint64) {
	var carry uint64
	h.sumLo, carry = bits.Add64(h.sumLo, lo, 0)
	h.sumHi += hi + carry
}

// Merge adds the values counted in o to h, as if they had been added to h
// one by one. o is left unchanged; h.Merge(h) doubles every count.
func (h *Histogram) Merge(o *Histogram) {
	if o.count == 0 {
		return
	}
	for r, src := range o.rows {
		if src == nil {
			continue
		}
		dst := h.rows[r]
		if dst == nil {
			dst = h.newRow(r)
		}
		for i, c := range src {
			dst[i] += c
		}
	}
	if h.count == 0 || o.min < h.min {
		h.min = o.min
	}
	h.max = max(h.max, o.max)
	h.count += o.count
	h.addSum(o.sumHi, o.sumLo)
}

// Count is the number of values recorded.
func (h *Histogram) Count() int64 { return h.count }

// Min is the smallest value recorded, or 0 if there is none.
func (h *Histogram) Min() int64 {
	if h.count == 0 {
		return 0
	}
	return h.min
}

// Max is the largest value recorded, or 0 if there is none.
func (h *Histogram) Max() int64 { return h.max }

// Mean is the mean of the values recorded in nanoseconds, or 0 if there is
// none (0 rather than NaN, which JSON cannot carry).
func (h *Histogram) Mean() float64 {
	if h.count == 0 {
		return 0
	}
	return (float64(h.sumHi)*0x1p64 + float64(h.sumLo)) / float64(h.count)
}

// Quantile estimates the q-quantile by nearest rank: the value of rank
// ceil(q·Count) (at least 1, computed in float64) among the values in
// sorted order. Ranks 1 and Count are the exact Min and Max; any other rank
// is estimated as the middle of its bucket, clamped to [Min, Max], which is
// exact below 256 ns and within 1/256 of the true value above. q is clamped
// to [0, 1] and NaN counts as 0. An empty histogram returns 0.
func (h *Histogram) Quantile(q float64) int64 {
	if h.count == 0 {
		return 0
	}
	rank := int64(1)
	if q >= 1 {
		rank = h.count
	} else if q > 0 {
		rank = int64(math.Ceil(q * float64(h.count)))
	}
	if rank <= 1 {
		return h.min
	}
	if rank >= h.count {
		return h.max
	}
	var seen int64
	for r, row := range h.rows {
		if row == nil {
			continue
		}
		for s, c := range row {
			if seen += c; seen >= rank {
				v := int64(bucketMiddle(r<<histSubBits | s))
				return min(max(v, h.min), h.max)
			}
		}
	}
	return h.max // not reached: the counts add up to h.count
}

// Equal reports whether h and o hold the same counts in every bucket and
// the same Count, Sum, Min and Max.
func (h *Histogram) Equal(o *Histogram) bool {
	if h.count != o.count || h.Min() != o.Min() || h.max != o.max ||
		h.sumHi != o.sumHi || h.sumLo != o.sumLo {
		return false
	}
	var zero [histSub]int64
	for r := range h.rows {
		a, b := h.rows[r], o.rows[r]
		if a == nil {
			a = &zero
		}
		if b == nil {
			b = &zero
		}
		if *a != *b {
			return false
		}
	}
	return true
}

// histogramJSON is the wire form of a Histogram, keys in alphabetical order
// like the results file:
//
//	{"buckets":[[index,count],...],"count":N,"max":ns,"min":ns,"sub_buckets":128,"sum":"ns"}
//
// buckets lists the non-empty buckets in increasing index order; index is
// row*128+sub as described at histSub (0..127 are the values themselves).
// sub_buckets pins that layout: a reader built with another one rejects the
// histogram rather than misreading it. sum is a decimal string because it
// can exceed 2^64, and most JSON readers lose digits above 2^53 anyway.
type histogramJSON struct {
	Buckets    [][]int64 `json:"buckets"`
	Count      int64     `json:"count"`
	Max        int64     `json:"max"`
	Min        int64     `json:"min"`
	SubBuckets int       `json:"sub_buckets"`
	Sum        string    `json:"sum"`
}

// MarshalJSON writes the sparse form described at histogramJSON. It has a
// value receiver so that a Histogram held by value in a struct or map is
// written by it too, not as an empty object.
func (h Histogram) MarshalJSON() ([]byte, error) {
	w := histogramJSON{
		Buckets:    [][]int64{},
		Count:      h.count,
		Max:        h.max,
		Min:        h.Min(),
		SubBuckets: histSub,
		Sum:        uint128(h.sumHi, h.sumLo).String(),
	}
	for r, row := range h.rows {
		if row == nil {
			continue
		}
		for s, c := range row {
			if c != 0 {
				w.Buckets = append(w.Buckets, []int64{int64(r<<histSubBits | s), c})
			}
		}
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads the form MarshalJSON writes and replaces h with it.
// It accepts only a histogram that is consistent in itself: known layout,
// bucket indexes in range and increasing, positive counts adding up to
// count, min and max in the first and last bucket, sum within what the
// buckets allow. On error h is unchanged. JSON null leaves h unchanged, as
// encoding/json does for other types.
func (h *Histogram) UnmarshalJSON(data []byte) error {
	if string(bytes.TrimSpace(data)) == "null" {
		return nil
	}
	// Two passes. Unmarshal refuses anything after the object, which
	// goccy/go-json v0.10.5's Decoder and Valid both let through when it
	// starts with ']' or '}'. The Decoder refuses unknown keys, which may
	// carry meaning this version would drop.
	if !stdjson.Valid(data) { // goccy/go-json v0.10.5 can panic on some malformed input (goccy/go-json#604)
		return fmt.Errorf("agg: histogram: not valid JSON: %.40q", data)
	}
	var w histogramJSON
	if err := json.Unmarshal(data, &w); err != nil {
		return fmt.Errorf("agg: histogram: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(new(histogramJSON)); err != nil {
		return fmt.Errorf("agg: histogram: %w", err)
	}
	var g Histogram
	if err := g.fromJSON(&w); err != nil {
		return fmt.Errorf("agg: histogram: %w", err)
	}
	*h = g
	return nil
}

func (h *Histogram) fromJSON(w *histogramJSON) error {
	if w.SubBuckets != histSub {
		return fmt.Errorf("sub_buckets is %d, want %d", w.SubBuckets, histSub)
	}
	if w.Count < 0 {
		return fmt.Errorf("negative count %d", w.Count)
	}
	sum, ok := new(big.Int).SetString(w.Sum, 10)
	if !ok || sum.Sign() < 0 || sum.BitLen() > 128 || sum.String() != w.Sum {
		return fmt.Errorf("sum %q is not a decimal integer in [0, 2^128)", w.Sum)
	}
	h.sumLo = sum.Uint64()
	h.sumHi = sum.Rsh(sum, 64).Uint64()

	// The least and greatest sums the bucket counts allow, to check sum.
	var loHi, loLo, hiHi, hiLo uint64
	prev := -1
	for k, b := range w.Buckets {
		if len(b) != 2 {
			return fmt.Errorf("bucket %d has %d numbers, want [index,count]", k, len(b))
		}
		i, c := b[0], b[1]
		if i < 0 || i >= histBuckets {
			return fmt.Errorf("bucket %d: index %d out of range [0, %d)", k, i, histBuckets)
		}
		if int(i) <= prev {
			return fmt.Errorf("bucket %d: index %d not above the previous %d", k, i, prev)
		}
		if c <= 0 {
			return fmt.Errorf("bucket %d: count %d is not positive", k, c)
		}
		if c > math.MaxInt64-h.count {
			return fmt.Errorf("bucket %d: counts overflow int64", k)
		}
		prev = int(i)
		row := h.rows[i>>histSubBits]
		if row == nil {
			row = h.newRow(int(i >> histSubBits))
		}
		row[i&(histSub-1)] = c
		h.count += c
		lo, hi := bucketBounds(int(i))
		loHi, loLo = add128(loHi, loLo, lo, uint64(c))
		hiHi, hiLo = add128(hiHi, hiLo, hi, uint64(c))
	}
	if h.count != w.Count {
		return fmt.Errorf("bucket counts add up to %d, count is %d", h.count, w.Count)
	}
	if h.count == 0 {
		if w.Min != 0 || w.Max != 0 || h.sumHi != 0 || h.sumLo != 0 {
			return fmt.Errorf("empty histogram with min %d, max %d, sum %s", w.Min, w.Max, w.Sum)
		}
		return nil
	}
	first, last := int(w.Buckets[0][0]), prev
	if w.Min < 0 || bucketIndex(uint64(w.Min)) != first {
		return fmt.Errorf("min %d is not in the first bucket, %d", w.Min, first)
	}
	if w.Max < 0 || bucketIndex(uint64(w.Max)) != last {
		return fmt.Errorf("max %d is not in the last bucket, %d", w.Max, last)
	}
	if w.Min > w.Max {
		return fmt.Errorf("min %d above max %d", w.Min, w.Max)
	}
	h.min, h.max = w.Min, w.Max
	if less128(h.sumHi, h.sumLo, loHi, loLo) || less128(hiHi, hiLo, h.sumHi, h.sumLo) {
		return fmt.Errorf("sum %s is outside what the buckets allow", w.Sum)
	}
	return nil
}

// add128 returns hi:lo + v·n. Callers keep the total below 2^128: at most
// 2^63 values below 2^63.
func add128(hi, lo, v, n uint64) (uint64, uint64) {
	ph, pl := bits.Mul64(v, n)
	lo, carry := bits.Add64(lo, pl, 0)
	return hi + ph + carry, lo
}

func less128(ahi, alo, bhi, blo uint64) bool {
	return ahi < bhi || ahi == bhi && alo < blo
}

func uint128(hi, lo uint64) *big.Int {
	x := new(big.Int).SetUint64(hi)
	return x.Lsh(x, 64).Or(x, new(big.Int).SetUint64(lo))
}
