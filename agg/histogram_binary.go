package agg

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// The binary form of a Histogram, for stores that hold many of them (the
// bus's per-batch records), where the JSON form cost more than counting:
//
//	hist    = uvarint(count)                       (count 0: nothing more)
//	        | uvarint(count) uvarint(min) uvarint(max) uvarint(sumHi) uvarint(sumLo)
//	          uvarint(n) n × (uvarint(gap) uvarint(bucket count))
//
// The n non-empty buckets come in increasing index order, each index
// written as its gap after the previous one less one (the first: after -1),
// so it is always increasing. The layout of buckets is histSub's; a reader
// with another layout must not read it (callers version what holds it).

// AppendBinary appends h in the binary form above to dst.
func AppendBinary(dst []byte, h *Histogram) []byte {
	dst = binary.AppendUvarint(dst, uint64(h.count))
	if h.count == 0 {
		return dst
	}
	dst = binary.AppendUvarint(dst, uint64(h.min))
	dst = binary.AppendUvarint(dst, uint64(h.max))
	dst = binary.AppendUvarint(dst, h.sumHi)
	dst = binary.AppendUvarint(dst, h.sumLo)
	n := 0
	for _, row := range h.rows {
		if row != nil {
			for _, c := range row {
				if c != 0 {
					n++
				}
			}
		}
	}
	dst = binary.AppendUvarint(dst, uint64(n))
	prev := -1
	for r, row := range h.rows {
		if row == nil {
			continue
		}
		for s, c := range row {
			if c != 0 {
				i := r<<histSubBits | s
				dst = binary.AppendUvarint(dst, uint64(i-prev-1))
				dst = binary.AppendUvarint(dst, uint64(c))
				prev = i
			}
		}
	}
	return dst
}

// errBinaryCut is DecodeBinary's answer to a form that ends too soon.
var errBinaryCut = errors.New("agg: binary histogram: cut short")

// DecodeBinary reads the histogram AppendBinary wrote at the start of src
// into *h and returns the bytes after it. It accepts, as UnmarshalJSON
// does, only a histogram consistent in itself: bucket indexes in range,
// positive counts adding up to count, min and max in the first and last
// bucket, the sum within what the buckets allow. On error h is unchanged.
func DecodeBinary(src []byte, h *Histogram) ([]byte, error) {
	var v [6]uint64 // count, min, max, sumHi, sumLo, n
	for k := range v {
		x, size := binary.Uvarint(src)
		if size <= 0 {
			return src, errBinaryCut
		}
		v[k], src = x, src[size:]
		if k == 0 && x == 0 {
			*h = Histogram{}
			return src, nil
		}
	}
	count, minV, maxV := v[0], v[1], v[2]
	if count > math.MaxInt64 || minV > math.MaxInt64 || maxV > math.MaxInt64 {
		return src, fmt.Errorf("agg: binary histogram: count %d, min %d or max %d above 2^63", count, minV, maxV)
	}
	if v[5] == 0 || v[5] > histBuckets || v[5] > uint64(len(src)/2) {
		return src, fmt.Errorf("agg: binary histogram: %d buckets in %d bytes", v[5], len(src))
	}
	g := Histogram{min: int64(minV), max: int64(maxV), sumHi: v[3], sumLo: v[4]}
	var loHi, loLo, hiHi, hiLo uint64
	first, prev := -1, -1
	for k := range int(v[5]) {
		gap, s1 := binary.Uvarint(src)
		if s1 <= 0 {
			return src, errBinaryCut
		}
		c, s2 := binary.Uvarint(src[s1:])
		if s2 <= 0 {
			return src, errBinaryCut
		}
		src = src[s1+s2:]
		if gap >= uint64(histBuckets-prev-1) {
			return src, fmt.Errorf("agg: binary histogram: bucket %d: index out of range [0, %d)", k, histBuckets)
		}
		i := prev + 1 + int(gap)
		if c == 0 || c > uint64(math.MaxInt64-g.count) {
			return src, fmt.Errorf("agg: binary histogram: bucket %d: count %d is not positive or overflows", k, int64(c))
		}
		row := g.rows[i>>histSubBits]
		if row == nil {
			row = g.newRow(i >> histSubBits)
		}
		row[i&(histSub-1)] = int64(c)
		g.count += int64(c)
		lo, hi := bucketBounds(i)
		loHi, loLo = add128(loHi, loLo, lo, c)
		hiHi, hiLo = add128(hiHi, hiLo, hi, c)
		if first < 0 {
			first = i
		}
		prev = i
	}
	if uint64(g.count) != count {
		return src, fmt.Errorf("agg: binary histogram: bucket counts add up to %d, count is %d", g.count, count)
	}
	if bucketIndex(minV) != first || bucketIndex(maxV) != prev || minV > maxV {
		return src, fmt.Errorf("agg: binary histogram: min %d or max %d not in the first or last bucket (%d, %d)", minV, maxV, first, prev)
	}
	if less128(g.sumHi, g.sumLo, loHi, loLo) || less128(hiHi, hiLo, g.sumHi, g.sumLo) {
		return src, fmt.Errorf("agg: binary histogram: sum %s is outside what the buckets allow", uint128(g.sumHi, g.sumLo))
	}
	*h = g
	return src, nil
}
