package agg

import (
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
)

// userTable counts lines per user. It is an open-addressing hash table with
// linear probing, in two parts: slots of one word each (slotTag and a
// reference) and the entries they refer to, stored in the order the keys
// first came, in blocks of keyBlock words. An entry is a word that holds
// the count (56 bits: more lines than any scan reads) and the key's
// length, then the key as the words keyWords reads from it (4 for keys of
// up to 32 bytes, 6 up to inlineKey). A hit reads one slot and one entry,
// and a user costs far less than a key inline in a one-cache-line slot did,
// so that millions of distinct users fit the memory budget
// (docs/performance.md has the numbers). The blocks never move, so growing the slots copies no
// key, and a merge can walk the entries in order and drop each block once
// walked.
//
// A lookup loads each word of the key once, hashes the words and compares
// them with the entry's: no call to a hash function or to memequal.
//
// A hit still compares the whole key: an equal hash alone never counts.
// Keys longer than inlineKey bytes are rare and live in a Go map instead.
type userTable struct {
	seed  uint64            // random per table: input cannot be made to collide on purpose
	slots []uint64          // tag | ref; 0 marks an empty slot. len is a power of two
	keys  []*entryBlock     // the entries; ref is block<<keyBlockBits | offset
	fill  int               // words used in the last block
	used  int               // keys in entries
	bytes int               // their total length, to size a merge
	long  map[string]*int64 // a pointer, so a hit does not copy the key
}

const (
	inlineKey = 48

	keyBlockBits = 12
	keyBlock     = 1 << keyBlockBits // words of entries in a block
	refMask      = 1<<32 - 1         // a slot's reference, under its tag

	// An entry's first word is count<<countShift | length.
	countShift = 8
	countOne   = 1 << countShift
	lengthMask = countOne - 1
)

// entryBlock holds entries in its first keyBlock words, and six more, 0,
// so that the longest entry read or written at any offset lies in the
// block and is read with no bound checked.
type entryBlock [keyBlock + 6]uint64

// keyWords are the words that cover a key of 1 to inlineKey bytes, as
// wordsOf reads them. Keys of equal length are equal when their words are.
type keyWords [6]uint64

func newUserTable() *userTable {
	return &userTable{
		seed:  rand.Uint64(),
		slots: make([]uint64, 1<<12),
		keys:  []*entryBlock{new(entryBlock)},
		long:  map[string]*int64{},
	}
}

// slotTag is what a slot holds above its reference for a key of n bytes
// whose hash is h: the hash's high 24 bits, then n. A slot that matches
// needs no look at the entry's length, and an empty slot, 0, matches no
// key.
func slotTag(h uint64, n int) uint64 {
	return h&^(1<<40-1) | uint64(n)<<32
}

// entry returns the first five words of the entry at ref: the count word
// and four key words. An array, so that reading them checks no bound.
func (t *userTable) entry(ref uint32) *[5]uint64 {
	return (*[5]uint64)(t.keys[ref>>keyBlockBits][ref&(keyBlock-1):])
}

// add counts one line for key, which is not empty.
func (t *userTable) add(key []byte) {
	n := len(key)
	if n > 32 {
		t.addLong(key)
		return
	}
	// Up to 32 bytes, the common case, the words stay in registers: the
	// loop calls nothing, so that none of them is spilled.
	var a, b, c, d uint64
	if n > 16 {
		a, b, c, d = le64(key), le64(key[8:]), le64(key[n-16:]), le64(key[n-8:])
	} else {
		c, d = shortWords(key)
	}
	h := hashKey(a, b, c, d, n, t.seed)
	tag := slotTag(h, n)
	mask := uint64(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		e := t.slots[i]
		if e&^refMask == tag {
			k := t.entry(uint32(e))
			if k[1] == a && k[2] == b && k[3] == c && k[4] == d {
				k[0] += countOne
				return
			}
		}
		if e == 0 {
			t.insert(i, tag, keyWords{a, b, c, d})
			return
		}
	}
}

// addLong counts a key of more than 32 bytes: in an entry, with six words,
// up to inlineKey bytes, else in the map.
func (t *userTable) addLong(key []byte) {
	n := len(key)
	if n > inlineKey {
		t.addMap(key)
		return
	}
	w := wordsOf(key)
	h := t.hash(&w, n)
	tag := slotTag(h, n)
	mask := uint64(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		e := t.slots[i]
		if e&^refMask == tag {
			ref := uint32(e)
			k := (*[7]uint64)(t.keys[ref>>keyBlockBits][ref&(keyBlock-1):])
			if k[1] == w[0] && k[2] == w[1] && k[3] == w[2] && k[4] == w[3] && k[5] == w[4] && k[6] == w[5] {
				k[0] += countOne
				return
			}
		}
		if e == 0 {
			t.insert(i, tag, w)
			return
		}
	}
}

// addMap counts key in the map of keys that have no entry.
func (t *userTable) addMap(key []byte) {
	c := t.long[string(key)]
	if c == nil {
		c = new(int64)
		t.long[string(key)] = c
	}
	*c++
}

// entrySize is the length in words of the entry of a key of n bytes.
func entrySize(n int) int {
	if n > 32 {
		return 7
	}
	return 5
}

// insert gives the key of words w, not in the table, a count of 1 in a new
// entry that slot i, empty, refers to under tag.
func (t *userTable) insert(i, tag uint64, w keyWords) {
	n := int(tag >> 32 & lengthMask)
	size := entrySize(n)
	last := len(t.keys) - 1
	if t.fill+size > keyBlock {
		if len(t.keys) == 1<<(32-keyBlockBits) {
			// References are 32 bits: past 32 GiB of entries, keys go
			// in the map, slower but counted all the same.
			t.addMap(w.appendKey(nil, n))
			return
		}
		t.keys = append(t.keys, new(entryBlock))
		t.fill, last = 0, last+1
	}
	ref := uint32(last<<keyBlockBits | t.fill)
	k := (*[7]uint64)(t.keys[last][t.fill:])
	t.fill += size
	k[0] = countOne | uint64(n)
	k[1], k[2], k[3], k[4] = w[0], w[1], w[2], w[3]
	if size == 7 {
		k[5], k[6] = w[4], w[5]
	}
	t.slots[i] = tag | uint64(ref)
	t.bytes += n
	if t.used++; t.used > maxUsed(len(t.slots)) {
		t.grow()
	}
}

// maxUsed is how many of n slots may be full before the table grows: half,
// up to sparseUserSlots, and three in four beyond. At three in four a
// lookup in gen's 10,000 users missed its first slot on two lines in five,
// each a mispredicted branch; past sparseUserSlots a lookup misses the
// cache anyway, and the slots' memory counts more.
func maxUsed(n int) int {
	if n < sparseUserSlots {
		return n / 2
	}
	return n / 4 * 3
}

// sparseUserSlots, 8 MiB of slots, is where maxUsed stops keeping half the
// slots empty.
const sparseUserSlots = 1 << 20

// grow doubles the slots. The entries stay where they are: only their
// references move.
func (t *userTable) grow() {
	size := 2 * len(t.slots)
	t.slots = nil // garbage already, should making the new ones need a collection
	t.slots = make([]uint64, size)
	mask := uint64(size - 1)
	for j, b := range t.keys {
		for o := 0; o < keyBlock && b[o] != 0; {
			// The words past a short key's belong to the next entry; hash
			// reads them only for a long key.
			n := int(b[o] & lengthMask)
			h := t.hash((*keyWords)(b[o+1:o+7]), n)
			i := h & mask
			for t.slots[i] != 0 {
				i = (i + 1) & mask
			}
			t.slots[i] = slotTag(h, n) | uint64(j<<keyBlockBits|o)
			o += entrySize(n)
		}
	}
}

// has reports whether key, not empty, has been counted.
func (t *userTable) has(key []byte) bool {
	n := len(key)
	if n > inlineKey {
		return t.long[string(key)] != nil
	}
	w := wordsOf(key)
	h := t.hash(&w, n)
	tag := slotTag(h, n)
	mask := uint64(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		e := t.slots[i]
		if e == 0 {
			return false
		}
		if e&^refMask == tag {
			ref := uint32(e)
			if k, _ := entryWords(t.keys[ref>>keyBlockBits][ref&(keyBlock-1):]); k == w {
				return true
			}
		}
	}
}

// sample calls f with the keys of about one slot in 1<<bits, chosen by
// their hash, so that they are a fair sample of the keys.
func (t *userTable) sample(bits int, f func(key []byte)) {
	var buf [inlineKey]byte
	for _, e := range t.slots {
		if e != 0 && e>>(64-bits) == 0 {
			ref := uint32(e)
			f(entryKey(buf[:0], t.keys[ref>>keyBlockBits][ref&(keyBlock-1):]))
		}
	}
}

// len is the number of distinct keys.
func (t *userTable) len() int { return t.used + len(t.long) }

// each calls f with every key and its count. The key is valid only during
// the call.
func (t *userTable) each(f func(key []byte, count int64)) {
	for _, b := range t.keys {
		b.each(f)
	}
	t.eachLong(f)
}

// eachLong calls f with every key of the map and its count.
func (t *userTable) eachLong(f func(key []byte, count int64)) {
	for k, c := range t.long {
		f([]byte(k), *c)
	}
}

// each calls f with every key of the block and its count, in the order the
// keys came. The key is valid only during the call.
func (b *entryBlock) each(f func(key []byte, count int64)) {
	var buf [inlineKey]byte
	// A block ends where its words are still 0: no entry's first word is.
	for o := 0; o < keyBlock && b[o] != 0; {
		k := b[o:]
		f(entryKey(buf[:0], k), int64(k[0]>>countShift))
		o += entrySize(int(k[0] & lengthMask))
	}
}

// entryWords returns the words and the length of the key of the entry
// that k starts with.
func entryWords(k []uint64) (w keyWords, n int) {
	n = int(k[0] & lengthMask)
	w[0], w[1], w[2], w[3] = k[1], k[2], k[3], k[4]
	if n > 32 {
		w[4], w[5] = k[5], k[6]
	}
	return w, n
}

// entryKey appends the key of entry k, which reaches past the entry to
// the block's end, to dst.
func entryKey(dst []byte, k []uint64) []byte {
	// appendKey reads the words past a short key's only for a long key.
	return (*keyWords)(k[1:7]).appendKey(dst, int(k[0]&lengthMask))
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
