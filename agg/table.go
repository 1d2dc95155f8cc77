package agg

import (
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
)

// userTable counts lines per user. It is an open-addressing hash table with
// linear probing whose slots are one 64-byte cache line each and hold the
// key inline with its count, so a hit reads one line of memory where Go's
// map reads its control word, the slot, and the key's bytes elsewhere on the
// heap. That matters here: the file streaming through the cache evicts the
// table between lookups, and Go's map made up a third of scan's time.
//
// A slot holds its key as the words keyWords reads from it, so that a
// lookup loads each word of the key once, hashes the words and compares
// them with the slot's: no call to a hash function or to memequal.
//
// A hit still compares the whole key: an equal hash alone never counts.
// Keys longer than inlineKey bytes are rare and live in a Go map instead.
type userTable struct {
	seed  uint64     // random per table: input cannot be made to collide on purpose
	slots []userSlot // len is a power of two
	used  int
	long  map[string]*int64 // a pointer, so a hit does not copy the key
}

const inlineKey = 48

type userSlot struct {
	hash  uint32 // the hash's high bits; compared before the key
	n     uint32 // key length; 0 marks an empty slot
	count int64
	words keyWords
}

// keyWords are the words that cover a key of 1 to inlineKey bytes, as
// wordsOf reads them. Keys of equal length are equal when their words are.
type keyWords [6]uint64

func newUserTable() *userTable {
	return &userTable{seed: rand.Uint64(), slots: make([]userSlot, 1<<12), long: map[string]*int64{}}
}

// add counts one line for key, which is not empty.
func (t *userTable) add(key []byte) {
	n := len(key)
	if n > 32 {
		t.addLong(key)
		return
	}
	// Up to 32 bytes, the common case, the words stay in registers.
	var a, b, c, d uint64
	if n > 16 {
		a, b, c, d = le64(key), le64(key[8:]), le64(key[n-16:]), le64(key[n-8:])
	} else {
		c, d = shortWords(key)
	}
	h := hashKey(a, b, c, d, n, t.seed)
	tag := uint32(h >> 32)
	mask := uint64(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.hash == tag && int(s.n) == n && s.words[0] == a && s.words[1] == b && s.words[2] == c && s.words[3] == d {
			s.count++
			return
		}
		if s.n == 0 {
			t.insert(s, tag, n, keyWords{a, b, c, d})
			return
		}
	}
}

// addLong counts a key of more than 32 bytes: in a slot, with six words,
// up to inlineKey bytes, else in the map.
func (t *userTable) addLong(key []byte) {
	n := len(key)
	if n > inlineKey {
		c := t.long[string(key)]
		if c == nil {
			c = new(int64)
			t.long[string(key)] = c
		}
		*c++
		return
	}
	w := wordsOf(key)
	h := t.hash(&w, n)
	tag := uint32(h >> 32)
	mask := uint64(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.hash == tag && int(s.n) == n && s.words == w {
			s.count++
			return
		}
		if s.n == 0 {
			t.insert(s, tag, n, w)
			return
		}
	}
}

func (t *userTable) insert(s *userSlot, tag uint32, n int, w keyWords) {
	s.hash, s.n, s.count, s.words = tag, uint32(n), 1, w
	if t.used++; t.used*4 > len(t.slots)*3 {
		t.grow()
	}
}

// grow doubles the table when three slots in four are full. A fuller table
// probes a little longer but is smaller, and a smaller table stays in
// cache.
func (t *userTable) grow() {
	old := t.slots
	t.slots = make([]userSlot, 2*len(old))
	mask := uint64(len(t.slots) - 1)
	for j := range old {
		s := &old[j]
		if s.n == 0 {
			continue
		}
		i := t.hash(&s.words, int(s.n)) & mask
		for t.slots[i].n != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = *s
	}
}

// len is the number of distinct keys.
func (t *userTable) len() int { return t.used + len(t.long) }

// each calls f with every key and its count. The key is valid only during
// the call.
func (t *userTable) each(f func(key []byte, count int64)) {
	var buf [inlineKey]byte
	for i := range t.slots {
		if s := &t.slots[i]; s.n != 0 {
			f(s.words.appendKey(buf[:0], int(s.n)), s.count)
		}
	}
	for k, c := range t.long {
		f([]byte(k), *c)
	}
}

// The words of a key of n bytes, 1 to inlineKey: those of the bytes at
// offsets 0, 8, n-16 and n-8 when n is 17 to 32, with 16 and 24 first when
// n is 33 to 48; shortWords's two in [2] and [3] when n is 16 or less. The
// words overlap when n is not a multiple of eight, and together they hold
// every byte of the key.

// wordsOf returns the words of key.
func wordsOf(key []byte) (w keyWords) {
	n := len(key)
	switch {
	case n > 32:
		w = keyWords{le64(key), le64(key[8:]), le64(key[n-16:]), le64(key[n-8:]), le64(key[16:]), le64(key[24:])}
	case n > 16:
		w = keyWords{le64(key), le64(key[8:]), le64(key[n-16:]), le64(key[n-8:])}
	default:
		w[2], w[3] = shortWords(key)
	}
	return w
}

// shortWords returns two words that hold every byte of a key of 1 to 16
// bytes.
func shortWords(key []byte) (c, d uint64) {
	n := len(key)
	switch {
	case n >= 8:
		return le64(key), le64(key[n-8:])
	case n >= 4:
		return uint64(binary.LittleEndian.Uint32(key)) | uint64(binary.LittleEndian.Uint32(key[n-4:]))<<32, 0
	}
	return uint64(key[0]) | uint64(key[n>>1])<<8 | uint64(key[n-1])<<16, 0
}

// appendKey appends the n bytes of the key whose words w are.
func (w *keyWords) appendKey(dst []byte, n int) []byte {
	var b [inlineKey]byte
	switch {
	case n > 16:
		binary.LittleEndian.PutUint64(b[0:], w[0])
		binary.LittleEndian.PutUint64(b[8:], w[1])
		if n > 32 {
			binary.LittleEndian.PutUint64(b[16:], w[4])
			binary.LittleEndian.PutUint64(b[24:], w[5])
		}
		binary.LittleEndian.PutUint64(b[n-16:], w[2])
		binary.LittleEndian.PutUint64(b[n-8:], w[3])
	case n >= 8:
		binary.LittleEndian.PutUint64(b[0:], w[2])
		binary.LittleEndian.PutUint64(b[n-8:], w[3])
	case n >= 4:
		binary.LittleEndian.PutUint32(b[0:], uint32(w[2]))
		binary.LittleEndian.PutUint32(b[n-4:], uint32(w[2]>>32))
	default:
		b[0], b[n>>1], b[n-1] = byte(w[2]), byte(w[2]>>8), byte(w[2]>>16)
	}
	return append(dst, b[:n]...)
}

// hash hashes the words of a key of n bytes.
func (t *userTable) hash(w *keyWords, n int) uint64 {
	seed := t.seed
	if n > 32 {
		seed = mix(w[4]^hashP2, w[5]^seed)
	}
	return hashKey(w[0], w[1], w[2], w[3], n, seed)
}

// wyhash's constants.
const (
	hashP0 = 0xa0761d6478bd642f
	hashP1 = 0xe7037ed1a0b428db
	hashP2 = 0x8ebc6af09c88c6e3
)

// hashKey mixes the words of a key of n bytes as wyhash mixes a key of
// up to 32 bytes: the first two words into the seed when n > 16, then the
// last two with the seed, then the length. Three multiplications at most.
func hashKey(a, b, c, d uint64, n int, seed uint64) uint64 {
	seed ^= hashP0
	if n > 16 {
		seed = mix(a^hashP1, b^seed)
	}
	hi, lo := bits.Mul64(c^hashP1, d^seed)
	return mix(lo^hashP0^uint64(n), hi^hashP1)
}

func le64(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }

// mix multiplies a and b into 128 bits and folds them, wyhash's _wymix.
func mix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}
