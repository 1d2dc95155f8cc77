package agg

import (
	"encoding/binary"
	"hash/maphash"
	"math/bits"
)

// actionTable maps action names to their counters. A log has tens of
// actions, not thousands, looked up once per line: Go's map, hashing the
// whole name with aeshash and comparing through memequal, cost more than
// the rest of the metrics. This table reads a name of up to sixteen bytes as
// two words, hashes them and the length with a few multiplications, probes
// linearly and compares the words, which hold the whole name. A longer
// name also hashes its tail and is compared in full, so collisions cost
// time, never a wrong count.
type actionTable struct {
	slots []actionSlot // len is a power of two
	shift uint         // 64 - log2(len(slots)); &63 spares Go its test for 64 and more
	used  int
	// displaced counts the names not in their home slot.
	displaced int
	seed      maphash.Seed // for the rare name longer than sixteen bytes
}

type actionSlot struct {
	lo, hi uint64 // the words hash reads from name
	name   string
	a      *actionCounts // nil marks an empty slot
}

func newActionTable() actionTable {
	return actionTable{slots: make([]actionSlot, 16), shift: 64 - 4, seed: maphash.MakeSeed()}
}

// words returns the two words of name that hash mixes: for a name of up
// to sixteen bytes, its bytes, zeros after them, so names of equal length
// and equal words are equal; for a longer one, its first sixteen bytes
// with a hash of the rest.
func (t *actionTable) words(name []byte) (lo, hi uint64) {
	if len(name) > 16 {
		return binary.LittleEndian.Uint64(name), binary.LittleEndian.Uint64(name[8:]) ^ maphash.Bytes(t.seed, name[16:])
	}
	var w [16]byte
	copy(w[:], name)
	return binary.LittleEndian.Uint64(w[:8]), binary.LittleEndian.Uint64(w[8:])
}

// wordMasks[n] keeps the first n bytes of two words.
var wordMasks = func() (m [17][2]uint64) {
	for n := range m {
		m[n][0] = ^(^uint64(0) << (8 * min(n, 8)))
		m[n][1] = ^(^uint64(0) << (8 * max(n-8, 0)))
	}
	return m
}()

// hashWords mixes a name's words and length by one multiplication, whose
// top bits, the slot, depend on every bit of its operand: a log's few
// names, which put spreads to their home slots, need no more.
func hashWords(lo, hi uint64, n int) uint64 {
	return (lo ^ bits.RotateLeft64(hi, 29) ^ uint64(n)) * 0x9e3779b97f4a7c15
}

// get returns the counters of name, or nil.
func (t *actionTable) get(name []byte) *actionCounts {
	if a := t.home(name); a != nil {
		return a
	}
	return t.getSlow(name)
}

// home returns the counters of name when name is in its home slot, where
// put keeps most names, or nil. CountAction writes the same test out: Go
// does not inline it, and as a call it made its caller keep its values on
// the stack. A name of up to sixteen
// bytes with sixteen bytes of capacity, a slice of the line in the file,
// is read as two whole words and masked: copying it byte by byte into
// words, by a switch on its length, cost more than the probe.
func (t *actionTable) home(name []byte) *actionCounts {
	n := len(name)
	if n > 16 || cap(name) < 16 {
		return nil
	}
	w, m := (*[16]byte)(name[:16]), &wordMasks[n]
	lo, hi := binary.LittleEndian.Uint64(w[:8])&m[0], binary.LittleEndian.Uint64(w[8:])&m[1]
	if s := &t.slots[hashWords(lo, hi, n)>>(t.shift&63)]; s.lo == lo && s.hi == hi && len(s.name) == n {
		return s.a
	}
	return nil
}

// getSlow is get for a name past its home slot, longer than sixteen bytes
// or without the capacity to read two words, and for a name not in the
// table.
func (t *actionTable) getSlow(name []byte) *actionCounts {
	lo, hi := t.words(name)
	mask := uint64(len(t.slots) - 1)
	for i := hashWords(lo, hi, len(name)) >> t.shift; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.a == nil || s.lo == lo && s.hi == hi && len(s.name) == len(name) && (len(name) <= 16 || s.name == string(name)) {
			return s.a
		}
	}
}

// put adds name, which is not in the table, with its counters. The table
// grows past three slots in four full, and also while a name sits past its
// home slot, up to sparseSlots per name: a log's few actions then each hit
// on the first probe, where a probe loop of varying length was mispredicted
// on half the lines. Only the slots in use are read, so the empty ones cost
// no cache.
func (t *actionTable) put(name string, a *actionCounts) {
	if (t.used+1)*4 > len(t.slots)*3 {
		t.grow()
	}
	t.insert(name, a)
	t.used++
	for t.displaced > 0 && len(t.slots) < sparseSlots*t.used && len(t.slots) < maxSparse {
		t.grow()
	}
}

// Up to sparseSlots slots per name, and maxSparse in all, are spent on
// giving every name its home slot.
const (
	sparseSlots = 64
	maxSparse   = 1 << 12
)

func (t *actionTable) insert(name string, a *actionCounts) {
	lo, hi := t.words([]byte(name))
	mask := uint64(len(t.slots) - 1)
	i := hashWords(lo, hi, len(name)) >> t.shift
	if t.slots[i].a != nil {
		t.displaced++
	}
	for t.slots[i].a != nil {
		i = (i + 1) & mask
	}
	t.slots[i] = actionSlot{lo, hi, name, a}
}

func (t *actionTable) grow() {
	old := t.slots
	t.slots = make([]actionSlot, 2*len(old))
	t.shift--
	t.displaced = 0
	for _, s := range old {
		if s.a != nil {
			t.insert(s.name, s.a)
		}
	}
}

// len is the number of names in the table.
func (t *actionTable) len() int { return t.used }

// each calls f with every name and its counters, their latencies all in
// the histogram (foldMillis).
func (t *actionTable) each(f func(name string, a *actionCounts)) {
	for _, s := range t.slots {
		if s.a != nil {
			s.a.foldMillis()
			f(s.name, s.a)
		}
	}
}
