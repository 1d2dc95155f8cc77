package agg

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// TestActionTable checks the table against a map on names built to
// collide: equal first sixteen bytes, equal first and last eight, names
// that are prefixes of others, the empty name and bytes that are not text.
// Each round hands get the names another way: with no spare capacity, then
// followed in their buffer by bytes of a longer name or by junk, which get
// may read but must not count.
func TestActionTable(t *testing.T) {
	lookup := func(name string, round int) []byte {
		switch round {
		case 0:
			b := []byte(name)
			return b[:len(b):len(b)]
		case 1:
			return []byte(name + "extra-bytes-of-a-longer-name")[:len(name)]
		}
		return append([]byte(name), "\xff\x00\x01junk junk junk junk"...)[:len(name)]
	}
	var names []string
	for i := range 300 {
		names = append(names,
			fmt.Sprintf("a%d", i),
			strings.Repeat("x", 16)+fmt.Sprint(i),
			fmt.Sprintf("prefix%08d-suffix", i),
			strings.Repeat("y", i%40),
			string([]byte{byte(i), 0, byte(i >> 8)}),
		)
	}
	tab := newActionTable()
	want := map[string]*actionCounts{}
	for round := range 3 {
		for _, name := range names {
			a := tab.get(lookup(name, round))
			if a != want[name] {
				t.Fatalf("round %d: get(%q) = %p, want %p", round, name, a, want[name])
			}
			if a == nil {
				a = &actionCounts{}
				tab.put(name, a)
				want[name] = a
			}
			a.events++
		}
	}
	if tab.len() != len(want) {
		t.Fatalf("len = %d, want %d", tab.len(), len(want))
	}
	times := map[string]int64{}
	for _, name := range names {
		times[name] += 3
	}
	seen := 0
	tab.each(func(name string, a *actionCounts) {
		seen++
		if want[name] != a || a.events != times[name] {
			t.Errorf("each: %q → %p with %d events, want %p with %d", name, a, a.events, want[name], times[name])
		}
	})
	if seen != len(want) {
		t.Errorf("each visited %d names, want %d", seen, len(want))
	}
}

// TestCountActionAllocs: once an action has been seen, counting it
// allocates nothing, latency included.
func TestCountActionAllocs(t *testing.T) {
	s := NewShard()
	actions := [][]byte{[]byte("login"), []byte("search"), []byte("a-rather-long-action-name-for-hashing")}
	for _, a := range actions {
		s.CountAction(s.Count([]byte("INFO"), []byte("u")), a, 42e6, true)
	}
	n := testing.AllocsPerRun(100, func() {
		for _, a := range actions {
			s.CountAction(s.Count([]byte("INFO"), []byte("u")), a, 42e6, true)
		}
	})
	if n != 0 {
		t.Errorf("CountAction allocates %v times per round", n)
	}
	tot := Merge(s)
	for _, a := range actions {
		if got := tot.Actions[string(a)]; got == nil || got.Events != 102 || got.Latency.Count() != 102 || got.Levels["INFO"] != 102 {
			t.Errorf("%s: %+v, want 102 events, latencies and INFO", a, got)
		}
	}
}

// TestActionsManyDistinct: 100,000 actions seen twice each, spread over
// shards in different orders, are all listed with exactly 2 events,
// however many shards counted them (issue 12: a cap per shard once made
// this depend on the workers).
func TestActionsManyDistinct(t *testing.T) {
	const distinct = 100_000
	for _, shards := range []int{1, 3, 8} {
		ss := make([]*Shard, shards)
		for i := range ss {
			ss[i] = NewShard()
		}
		for pass := range 2 {
			for i := range distinct {
				s := ss[(i*7+pass)%shards]
				s.CountAction(s.Count([]byte("INFO"), nil), fmt.Appendf(nil, "req-%d", i), 0, false)
			}
		}
		tot := Merge(ss...)
		if len(tot.Actions) != distinct {
			t.Fatalf("%d shards: %d actions, want %d", shards, len(tot.Actions), distinct)
		}
		for i := range distinct {
			if a := tot.Actions[fmt.Sprintf("req-%d", i)]; a == nil || a.Events != 2 || a.Levels["INFO"] != 2 {
				t.Fatalf("%d shards: req-%d has %+v, want 2 INFO events", shards, i, a)
			}
		}
	}
}

// TestActionMillis: latencies counted per millisecond and folded into the
// histogram at the merge give the histogram of Add called on each value,
// for the actions that count by the millisecond and those past
// denseActions, with values at and past the slots' edges, values that
// are not whole milliseconds and negative ones.
func TestActionMillis(t *testing.T) {
	values := []int64{0, 1e6, 7e6, 7e6, (millisSlots - 1) * 1e6, millisSlots * 1e6, 1_500_000, 999_999,
		1, -5, -1e6, math.MaxInt64, math.MaxInt64 / 1e6 * 1e6, 1e6 + 1}
	const actions = denseActions + 5
	ss := []*Shard{NewShard(), NewShard()}
	want := map[string]*Histogram{}
	var all Histogram
	for i := range 3 * actions * len(values) {
		name := fmt.Sprintf("action-%d", i%actions)
		v := values[i/actions%len(values)]
		s := ss[i%len(ss)]
		s.CountAction(s.Count([]byte("INFO"), []byte("u")), []byte(name), v, true)
		if want[name] == nil {
			want[name] = &Histogram{}
		}
		want[name].Add(v)
		all.Add(v)
	}
	tot := Merge(ss...)
	if len(tot.Actions) != actions {
		t.Fatalf("%d actions, want %d", len(tot.Actions), actions)
	}
	for name, h := range want {
		if got := &tot.Actions[name].Latency; !got.Equal(h) {
			t.Errorf("%s: histogram %d values, min %d, max %d, mean %g; want %d, %d, %d, %g",
				name, got.Count(), got.Min(), got.Max(), got.Mean(), h.Count(), h.Min(), h.Max(), h.Mean())
		}
	}
	if !tot.Latency.Equal(&all) {
		t.Errorf("all latencies: %d values, mean %g; want %d, %g", tot.Latency.Count(), tot.Latency.Mean(), all.Count(), all.Mean())
	}
}

// TestCountActionNames: CountAction, which tests the home slot itself,
// counts the names TestActionTable builds to collide, handed over with no
// spare capacity and followed by other bytes, as a map counts them.
func TestCountActionNames(t *testing.T) {
	var names []string
	for i := range 300 {
		names = append(names,
			fmt.Sprintf("a%d", i),
			strings.Repeat("x", 16)+fmt.Sprint(i),
			fmt.Sprintf("prefix%08d-suffix", i),
			strings.Repeat("y", i%40+1),
			string([]byte{byte(i), 0, byte(i >> 8)}),
			string([]byte{byte(i), 0}), // equal words, another length
		)
	}
	s := NewShard()
	want := map[string]int64{}
	for round := range 3 {
		for _, name := range names {
			var b []byte
			switch round {
			case 0:
				b = []byte(name)
				b = b[:len(b):len(b)]
			case 1:
				b = []byte(name + "extra-bytes-of-a-longer-name")[:len(name)]
			default:
				b = append([]byte(name), "\xff\x00\x01junk junk junk junk"...)[:len(name)]
			}
			s.CountAction(s.Count([]byte("INFO"), nil), b, 0, false)
			want[name]++
		}
	}
	tot := Merge(s)
	if len(tot.Actions) != len(want) {
		t.Fatalf("%d actions, want %d", len(tot.Actions), len(want))
	}
	for name, n := range want {
		key := name
		if needsEscape([]byte(name)) {
			key = string(AppendName(nil, []byte(name)))
		}
		if a := tot.Actions[key]; a == nil || a.Events != n {
			t.Errorf("%q: %+v, want %d events", name, a, n)
		}
	}
}

// TestCountActionSameWords: a name whose home slot holds another name of
// equal words and another length ("a\x00" and "a\x00\x00\x00") is a name
// of its own.
func TestCountActionSameWords(t *testing.T) {
	s := NewShard()
	shift := s.actions.shift
	for i := range 256 {
		for nx := 2; nx <= 16; nx++ {
			for ny := 1; ny < nx; ny++ {
				if hashWords(uint64(i), 0, nx)>>shift != hashWords(uint64(i), 0, ny)>>shift {
					continue
				}
				x := make([]byte, nx, 16)
				x[0] = byte(i)
				y := x[:ny]
				s.CountAction(s.Count([]byte("INFO"), nil), y, 0, false)
				s.CountAction(s.Count([]byte("INFO"), nil), x, 0, false)
				s.CountAction(s.Count([]byte("INFO"), nil), x, 0, false)
				tot := Merge(s)
				ky, kx := string(AppendName(nil, y)), string(AppendName(nil, x))
				if ay, ax := tot.Actions[ky], tot.Actions[kx]; ay == nil || ax == nil || ay.Events != 1 || ax.Events != 2 {
					t.Fatalf("%q: %+v, %q: %+v; want 1 and 2 events", y, ay, x, ax)
				}
				return
			}
		}
	}
	t.Fatal("no two names of equal words share a home slot; the test needs another pair")
}
