package agg

import (
	"maps"
	"strconv"
	"strings"
	"testing"
)

func tableCounts(t *userTable) map[string]int64 {
	m := map[string]int64{}
	t.each(func(k []byte, c int64) { m[string(k)] += c })
	return m
}

// walk calls f with every entry of t.
func (t *userTable) walk(f func(k []uint64)) {
	for _, b := range t.keys {
		for o := 0; o < keyBlock && b[o] != 0; o += entrySize(int(b[o] & lengthMask)) {
			f(b[o:])
		}
	}
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
		// Make the entry hold the second key, which looks like the first
		// to every check but the words.
		tab.walk(func(k []uint64) {
			w := wordsOf([]byte(pair[1]))
			copy(k[1:], w[:])
		})
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

// TestUserTableMemory: a user of an e-mail address costs at most 72 bytes
// of table, slots and entries, at any size: 5M users in two shards must
// fit the memory budget with the merge (the one-cache-line slots took 85
// to 171 bytes a user).
func TestUserTableMemory(t *testing.T) {
	tab := newUserTable()
	for i := range 300_000 {
		tab.add([]byte("first.last" + strconv.Itoa(i) + "@example.com"))
		if i%1000 == 999 {
			bytes := 8 * cap(tab.slots)
			for _, b := range tab.keys {
				bytes += 8 * cap(b)
			}
			if perUser := bytes / (i + 1); perUser > 72 && i > 50_000 {
				t.Fatalf("%d users take %d bytes of table, %d a user, want at most 72", i+1, bytes, perUser)
			}
		}
	}
}

// TestUserTableBlocks: entries of both sizes across many blocks, and keys
// past the last reference, which go to the map, are all counted.
func TestUserTableBlocks(t *testing.T) {
	tab := newUserTable()
	want := map[string]int64{}
	for i := range 40_000 {
		key := "u" + strconv.Itoa(i*7919%40_000)
		if i%3 == 0 {
			key = strings.Repeat("l", 30) + key // 33 to 36 bytes: seven words
		}
		tab.add([]byte(key))
		tab.add([]byte(key))
		want[key] += 2
	}
	if len(tab.keys) < 3 {
		t.Fatalf("%d blocks, want a test across several", len(tab.keys))
	}
	// Use up the references: new keys must go to the map.
	full := make([]*entryBlock, 1<<(32-keyBlockBits))
	empty := new(entryBlock)
	for i := copy(full, tab.keys); i < len(full); i++ {
		full[i] = empty
	}
	tab.keys, tab.fill = full, keyBlock
	for _, key := range []string{"new", "new", strings.Repeat("n", 40), "u7919"} {
		tab.add([]byte(key))
		want[key]++
	}
	if len(tab.long) != 2 {
		t.Fatalf("%d keys in the map, want the 2 new ones", len(tab.long))
	}
	if got := tableCounts(tab); !maps.Equal(got, want) {
		t.Fatalf("table holds %d keys, want %d (or counts differ)", len(got), len(want))
	}
	if tab.len() != len(want) {
		t.Fatalf("len = %d, want %d", tab.len(), len(want))
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
