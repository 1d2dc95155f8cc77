package agg

import (
	"context"
	"errors"
	"hash/maphash"
	"maps"
	"math/rand/v2"
	"strconv"
	"testing"
)

// randomName draws from a small alphabet, so that shards share names,
// with invalid UTF-8, backslashes, quotes and long names among them.
func randomName(r *rand.Rand) []byte {
	pieces := []string{"a", "b", "\\", "\xff", "\xc3", "é", "\"", "user.name@example.com", " ", "\x00"}
	var name []byte
	for range 1 + r.IntN(6) {
		name = append(name, pieces[r.IntN(len(pieces))]...)
	}
	return name
}

func TestMergeListEqualsMerge(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 50 {
		shards := make([]*Shard, 1+r.IntN(4))
		for i := range shards {
			shards[i] = NewShard()
			for range r.IntN(3000) {
				shards[i].Count([]byte("INFO"), randomName(r))
			}
		}
		want := Merge(shards...)
		got, err := MergeList(context.Background(), shards...)
		if err != nil {
			t.Fatal(err)
		}
		if got.Users != nil {
			t.Fatalf("round %d: MergeList set Users", round)
		}
		for _, s := range shards {
			if s.users.len() != 0 {
				t.Fatalf("round %d: MergeList left %d users in a shard", round, s.users.len())
			}
		}
		m := make(map[string]int64, len(got.UserList))
		for _, u := range got.UserList {
			if _, dup := m[u.Name]; dup {
				t.Fatalf("round %d: %q listed twice", round, u.Name)
			}
			m[u.Name] = u.Count
		}
		if !maps.Equal(m, want.Users) {
			t.Fatalf("round %d: MergeList's users differ from Merge's: %d against %d names", round, len(m), len(want.Users))
		}
		if got.UniqueUsers() != want.UniqueUsers() || !maps.Equal(got.Levels, want.Levels) {
			t.Fatalf("round %d: UniqueUsers %d, %d; levels %v, %v", round, got.UniqueUsers(), want.UniqueUsers(), got.Levels, want.Levels)
		}
	}
}

func TestMergeListCancelled(t *testing.T) {
	s := NewShard()
	for i := range 3 * mergeCheck {
		s.Count([]byte("INFO"), []byte{byte(i), byte(i >> 8), byte(i >> 16), 'u'})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := MergeList(ctx, s); !errors.Is(err, context.Canceled) {
		t.Fatalf("MergeList with an ended context: %v, want context.Canceled", err)
	}
}

func BenchmarkMergeList(b *testing.B) {
	shards := []*Shard{NewShard(), NewShard()}
	r := rand.New(rand.NewPCG(3, 4))
	for range 200_000 {
		name := []byte("user.name" + string(rune('a'+r.IntN(26))) + "@example.com")
		name = append(name, byte('0'+r.IntN(10)), byte('0'+r.IntN(10)), byte('0'+r.IntN(10)), byte('0'+r.IntN(10)))
		shards[r.IntN(2)].Count([]byte("INFO"), name)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := MergeList(context.Background(), shards...); err != nil {
			b.Fatal(err)
		}
	}
}

// TestMergeListManyUsers: past the size where two goroutines gather the
// users, the list is still Merge's map.
func TestMergeListManyUsers(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	shards := []*Shard{NewShard(), NewShard(), NewShard()}
	for i := range 150_000 {
		name := []byte("user" + strconv.Itoa(r.IntN(120_000)))
		if i%100 == 0 {
			name = append(name, randomName(r)...)
		}
		shards[r.IntN(3)].Count([]byte("INFO"), name)
	}
	want := Merge(shards...)
	got, err := MergeList(context.Background(), shards...)
	if err != nil {
		t.Fatal(err)
	}
	m := make(map[string]int64, len(got.UserList))
	for _, u := range got.UserList {
		m[u.Name] += u.Count
	}
	if len(m) != len(got.UserList) || !maps.Equal(m, want.Users) {
		t.Fatalf("MergeList listed %d users (%d distinct), Merge counted %d, or their counts differ", len(got.UserList), len(m), len(want.Users))
	}
}

// TestUserListerGrows: a lister sized for one user takes thousands.
func TestUserListerGrows(t *testing.T) {
	l := newUserLister(1, 1, maphash.MakeSeed())
	for round := range 3 {
		for i := range 5000 {
			name := []byte("u" + strconv.Itoa(i))
			l.add(name, maphash.Bytes(l.seed, name), int64(round+1))
		}
	}
	list := l.appendList(nil)
	if len(list) != 5000 {
		t.Fatalf("%d users listed, want 5000", len(list))
	}
	for _, u := range list {
		if u.Count != 6 {
			t.Fatalf("%s counted %d times, want 6", u.Name, u.Count)
		}
	}
}

// TestDistinctUsers: the estimate that sizes the list is near the truth
// whether the shards hold the same users or different ones: their sum
// would be twice it in the first case.
func TestDistinctUsers(t *testing.T) {
	const n = 200_000
	for _, overlap := range []int{0, n / 2, n} {
		a, b := NewShard(), NewShard()
		for i := range n {
			a.Count([]byte("INFO"), []byte("user"+strconv.Itoa(i)+"@example.com"))
			b.Count([]byte("INFO"), []byte("user"+strconv.Itoa(i+n-overlap)+"@example.com"))
		}
		want := 2*n - overlap
		got, _ := distinctUsers([]*Shard{a, b})
		if got < want*9/10 || got > want*11/10 {
			t.Errorf("overlap %d: estimate %d, want about %d", overlap, got, want)
		}
		if !b.users.has([]byte("user"+strconv.Itoa(n-overlap)+"@example.com")) || b.users.has([]byte("user0@example.org")) {
			t.Errorf("overlap %d: has is wrong", overlap)
		}
	}
}
