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
// apart by their bytes.
func TestUserTableComparesKeys(t *testing.T) {
	tab := newUserTable()
	tab.add([]byte("ann"))
	for i := range tab.slots {
		if s := &tab.slots[i]; s.n != 0 {
			// Make "bob" look like "ann" to every check but the bytes.
			copy(s.key[:], "bob")
			break
		}
	}
	tab.add([]byte("ann"))
	got := tableCounts(tab)
	if got["bob"] != 1 || got["ann"] != 1 {
		t.Fatalf("counts %v, want ann=1 bob=1", got)
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
