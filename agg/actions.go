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
	shift uint         // 64 - log2(len(slots))
	used  int
	seed  maphash.Seed // for the rare name longer than sixteen bytes
}

type actionSlot struct {
	lo, hi uint64 // the words hash reads from name
	name   string
	a      *actionCounts // nil marks an empty slot
}

func newActionTable() actionTable {
	return actionTable{slots: make([]actionSlot, 16), shift: 64 - 4, seed: maphash.MakeSeed()}
}

// words returns the two words of name that hash mixes. For a name of up
// to sixteen bytes they hold every byte, so names of equal length and
// equal words are equal.
func (t *actionTable) words(name []byte) (lo, hi uint64) {
	switch {
	case len(name) >= 16:
		lo = binary.LittleEndian.Uint64(name)
		hi = binary.LittleEndian.Uint64(name[8:])
		if len(name) > 16 {
			hi ^= maphash.Bytes(t.seed, name[16:])
		}
	case len(name) >= 8:
		lo = binary.LittleEndian.Uint64(name)
		hi = binary.LittleEndian.Uint64(name[len(name)-8:])
	case len(name) >= 4:
		lo = uint64(binary.LittleEndian.Uint32(name)) | uint64(binary.LittleEndian.Uint32(name[len(name)-4:]))<<32
	default:
		for i, c := range name {
			lo |= uint64(c) << (8 * i)
		}
	}
	return lo, hi
}

func hashWords(lo, hi uint64, n int) uint64 {
	h := (lo ^ uint64(n)*0x9e3779b97f4a7c15) * 0xbf58476d1ce4e5b9
	return (h ^ bits.RotateLeft64(hi*0x94d049bb133111eb, 31)) * 0x9e3779b97f4a7c15
}

// get returns the counters of name, or nil.
func (t *actionTable) get(name []byte) *actionCounts {
	lo, hi := t.words(name)
	mask := uint64(len(t.slots) - 1)
	for i := hashWords(lo, hi, len(name)) >> t.shift; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.a == nil || s.lo == lo && s.hi == hi && len(s.name) == len(name) && (len(name) <= 16 || s.name == string(name)) {
			return s.a
		}
	}
}

// put adds name, which is not in the table, with its counters.
func (t *actionTable) put(name string, a *actionCounts) {
	if (t.used+1)*4 > len(t.slots)*3 {
		t.grow()
	}
	t.insert(name, a)
	t.used++
}

func (t *actionTable) insert(name string, a *actionCounts) {
	lo, hi := t.words([]byte(name))
	mask := uint64(len(t.slots) - 1)
	i := hashWords(lo, hi, len(name)) >> t.shift
	for t.slots[i].a != nil {
		i = (i + 1) & mask
	}
	t.slots[i] = actionSlot{lo, hi, name, a}
}

func (t *actionTable) grow() {
	old := t.slots
	t.slots = make([]actionSlot, 2*len(old))
	t.shift--
	for _, s := range old {
		if s.a != nil {
			t.insert(s.name, s.a)
		}
	}
}

// len is the number of names in the table.
func (t *actionTable) len() int { return t.used }

// each calls f with every name and its counters.
func (t *actionTable) each(f func(name string, a *actionCounts)) {
	for _, s := range t.slots {
		if s.a != nil {
			f(s.name, s.a)
		}
	}
}
