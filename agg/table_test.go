package agg

import (
	"maps"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

func tableCounts(t *userTable) map[string]int64 {
	m := map[string]int64{}
	t.each(func(k []byte, c int64) { m[string(k)] += c })
	return m
}

func TestUserTable(t *testing.T) {
	tab := newUserTable()
	want := map[string]int64{}
	keys := []string{"a", "b", "ann@example.com", "a\x00b", "a\xffb",
		strings.Repeat("x", inlineKey), strings.Repeat("y", inlineKey+1), strings.Repeat("z", 1000)}
	for i := range 20000 {
		// Keys that differ only in the middle, as real e-mail addresses do.
		keys = append(keys, "john.smith"+strconv.Itoa(i*7919%30011)+"@example.com")
	}
	for round := range 3 {
		for i, k := range keys {
			if i%(round+1) == 0 {
				tab.add([]byte(k))
				want[k]++
			}
		}
	}
	if got := tableCounts(tab); !maps.Equal(got, want) {
		t.Fatalf("table holds %d keys, want %d (or counts differ)", len(got), len(want))
	}
	if tab.len() != len(want) {
		t.Fatalf("len = %d, want %d", tab.len(), len(want))
	}
}

// TestUserTableComparesKeys: keys whose hash tags collide are still told
// apart by their words, at every length class.
func TestUserTableComparesKeys(t *testing.T) {
	for _, pair := range [][2]string{
		{"ann", "bob"},
		{"anna", "bobb"},
		{"ann@example.com", "bob@example.com"},
		{"ann.smith@example.com", "bob.smith@example.com"},
		{"ann.smith.jones.brown@example.com", "ann.smith.jones.brown@example.org"},
	} {
		tab := newUserTable()
		tab.add([]byte(pair[0]))
		for i := range tab.slots {
			if s := &tab.slots[i]; s.n != 0 {
				// Make the second key look like the first to every
				// check but the words.
				s.words = wordsOf([]byte(pair[1]))
				break
			}
		}
		tab.add([]byte(pair[0]))
		got := tableCounts(tab)
		if got[pair[0]] != 1 || got[pair[1]] != 1 {
			t.Fatalf("counts %v, want %s=1 %s=1", got, pair[0], pair[1])
		}
	}
}

// TestKeyWords: the words of a key hold every byte of it, so that keys of
// one length with equal words are equal, and appendKey gives the key back.
func TestKeyWords(t *testing.T) {
	for n := 1; n <= inlineKey; n++ {
		key := make([]byte, n)
		for i := range key {
			key[i] = byte('a' + i)
		}
		w := wordsOf(key)
		if got := w.appendKey(nil, n); string(got) != string(key) {
			t.Fatalf("n=%d: appendKey(wordsOf(%q)) = %q", n, key, got)
		}
		if n <= 32 {
			var c, d uint64
			if n <= 16 {
				c, d = shortWords(key)
			} else {
				c, d = le64(key[n-16:]), le64(key[n-8:])
			}
			if w[2] != c || w[3] != d {
				t.Fatalf("n=%d: wordsOf and add read different words", n)
			}
		}
		for i := range key {
			other := append([]byte(nil), key...)
			other[i] ^= 0x80
			if wordsOf(other) == w {
				t.Fatalf("n=%d: keys that differ in byte %d have the same words", n, i)
			}
		}
	}
}

// TestKeyHashSpreads: the slot index and the tag are taken from the low
// and the high bits of the hash, and keys that differ in one byte anywhere
// must land all over both, or the table would probe long runs. The seeds
// are fixed: 2,048 buckets held to five standard deviations fail now and
// then by chance alone (about 0.3 % of random seeds did), and a test must
// fail for the code, not the draw.
func TestKeyHashSpreads(t *testing.T) {
	for _, seed := range []uint64{1, 0x9e3779b97f4a7c15, 1 << 63} {
		tab := newUserTable()
		tab.seed = seed
		const keys = 1 << 16
		const buckets = 1 << 10
		var low, high [buckets]int
		for i := range keys {
			key := []byte("john.smith" + strconv.Itoa(i) + "@example.com")
			w := wordsOf(key)
			h := tab.hash(&w, len(key))
			low[h%buckets]++
			high[h>>(64-10)]++
		}
		// 64 keys a bucket on average; a fair hash keeps every bucket within
		// about five standard deviations (8) of it.
		for b := range buckets {
			if low[b] < 24 || low[b] > 104 || high[b] < 24 || high[b] > 104 {
				t.Fatalf("seed %#x: bucket %d holds %d keys by the low bits and %d by the high, want about 64", seed, b, low[b], high[b])
			}
		}
	}
}

func TestUserSlotIsOneCacheLine(t *testing.T) {
	if size := unsafe.Sizeof(userSlot{}); size != 64 {
		t.Fatalf("userSlot is %d bytes, want 64", size)
	}
}

func TestUserTableAllocatesNothingOnHits(t *testing.T) {
	tab := newUserTable()
	keys := [][]byte{[]byte("ann"), []byte("bob"), []byte(strings.Repeat("long", 20))}
	for _, k := range keys {
		tab.add(k)
	}
	if a := testing.AllocsPerRun(1000, func() {
		for _, k := range keys {
			tab.add(k)
		}
	}); a != 0 {
		t.Fatalf("add allocates %.1f times on hits, want 0", a)
	}
}

func BenchmarkUserTable(b *testing.B) {
	for _, n := range []int{100, 10000, 1000000} {
		keys := make([][]byte, n)
		for i := range keys {
			keys[i] = []byte("firstname.lastname" + strconv.Itoa(i) + "@example.com")
		}
		// Visit keys in a scattered order, as a log does.
		order := make([]int, 1<<16)
		for i := range order {
			order[i] = int(uint64(i) * 2654435761 % uint64(n))
		}
		b.Run("table/users="+strconv.Itoa(n), func(b *testing.B) {
			tab := newUserTable()
			for _, k := range keys {
				tab.add(k)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				tab.add(keys[order[i&(len(order)-1)]])
				i++
			}
		})
		b.Run("map/users="+strconv.Itoa(n), func(b *testing.B) {
			m := make(map[string]int32, 1024)
			counts := make([]int64, n)
			for i, k := range keys {
				m[string(k)] = int32(i)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				counts[m[string(keys[order[i&(len(order)-1)]])]]++
				i++
			}
		})
	}
}
