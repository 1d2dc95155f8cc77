package agg_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/logproc/logproc/agg"
	"github.com/logproc/logproc/agg/aggtest"
	"github.com/logproc/logproc/internal/record"
)

// TestCountRecord: CountRecord, over records of every kind its fast path
// takes and does not (other levels, actions not in their home slot or past
// sixteen bytes or with no spare capacity, latencies that are not whole
// milliseconds or past the per-millisecond slots or negative, or whole
// milliseconds not marked WholeMillis, slog's levels not marked
// KnownLevel, bad fields, windows), gives the totals tallied by hand from the same records.
func TestCountRecord(t *testing.T) {
	for _, window := range []time.Duration{0, time.Minute} {
		rng := rand.New(rand.NewPCG(1, uint64(window)))
		levels := []string{"INFO", "ERROR", "WARN", "DEBUG", "info", "TRACE", "warning"}
		levelNames := map[string]string{"info": "INFO", "warning": "WARN"}
		actions := []string{"", "login", "view_item", "add_to_cart", "update_profile_now", "a", "sixteen_bytes_ab"}
		for i := range 80 {
			actions = append(actions, "action-"+strings.Repeat("x", i%20))
		}
		latencies := []int64{0, 1e6, 53e6, 2047e6, 2048e6, 1_500_000, -1e6, math.MaxInt64, 999_999}
		want := agg.Totals{
			Levels: map[string]int64{}, NoUser: map[string]int64{}, Users: map[string]int64{},
			Actions: map[string]*agg.ActionTotals{}, Windows: agg.Windows{Width: window},
		}
		shards := []*agg.Shard{agg.NewShard(), agg.NewShard()}
		var windows map[int64]int64
		if window != 0 {
			windows = map[int64]int64{}
			for _, s := range shards {
				s.SetWindow(window)
			}
		}
		base := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC).UnixNano()
		first, last := int64(math.MaxInt64), int64(math.MinInt64)
		for i := range 20000 {
			level := levels[rng.IntN(len(levels))]
			user := []string{"", "robert", "nancy.perez@example.com"}[rng.IntN(3)]
			action := actions[rng.IntN(len(actions))]
			var a []byte
			if action != "" {
				if rng.IntN(4) == 0 {
					a = []byte(action) // no spare capacity
				} else {
					a = []byte(action + " latency_ms=12 and more")[:len(action)]
				}
			}
			rec := record.Record{Level: []byte(level), User: []byte(user), Action: a}
			// As Next's slog path: slog's levels marked with their slot on
			// most lines.
			if slot := slices.Index(record.LevelNames[:], level); slot >= 0 && rng.IntN(4) != 0 {
				rec.Slot, rec.Has = uint8(slot), record.KnownLevel
			}
			switch rng.IntN(8) {
			case 0:
			case 1:
				rec.Has |= record.BadLatency
			default:
				rec.Latency, rec.Has = latencies[rng.IntN(len(latencies))], rec.Has|record.HasLatency
				// As Next's slog path: whole milliseconds also in Millis,
				// which the fast path reads, on most lines that have them.
				if l := rec.Latency; l >= 0 && l%1e6 == 0 && l/1e6 <= math.MaxUint32 && rng.IntN(4) != 0 {
					rec.Millis, rec.Has = uint32(l/1e6), rec.Has|record.WholeMillis
				}
			}
			switch rng.IntN(6) {
			case 0:
			case 1:
				rec.Has |= record.BadTime
			default:
				rec.Time, rec.Has = base+int64(rng.IntN(3600_000))*1e6, rec.Has|record.HasTime
			}
			shards[i%2].CountRecord(&rec)

			name := level
			if n, ok := levelNames[level]; ok {
				name = n
			}
			want.Levels[name]++
			if user == "" {
				want.NoUser[name]++
			} else {
				want.Users[user]++
			}
			if action != "" {
				at := want.Actions[action]
				if at == nil {
					at = &agg.ActionTotals{Levels: map[string]int64{}}
					want.Actions[action] = at
				}
				at.Events++
				at.Levels[name]++
				if rec.Has&record.HasLatency != 0 {
					at.Latency.Add(rec.Latency)
				}
			}
			if rec.Has&record.HasLatency != 0 {
				want.Latency.Add(rec.Latency)
			}
			if rec.Has&record.HasTime != 0 {
				want.Timed++
				first, last = min(first, rec.Time), max(last, rec.Time)
				if window != 0 {
					windows[rec.Time/int64(window)]++
				}
			}
			if rec.Has&record.BadLatency != 0 {
				want.BadLatency++
			}
			if rec.Has&record.BadTime != 0 {
				want.BadTime++
			}
		}
		want.First, want.Last = first, last
		if window != 0 {
			lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
			for k := range windows {
				lo, hi = min(lo, k), max(hi, k)
			}
			want.Windows.First = lo
			want.Windows.Counts = make([]int64, hi-lo+1)
			for k, n := range windows {
				want.Windows.Counts[k-lo] = n
			}
		}
		got := agg.Merge(shards...)
		if !aggtest.Equal(&got, &want) {
			t.Errorf("window %v: totals differ from the tally:\n got levels %v actions %d latency %d timed %d bad %d/%d\nwant levels %v actions %d latency %d timed %d bad %d/%d",
				window, got.Levels, len(got.Actions), got.Latency.Count(), got.Timed, got.BadLatency, got.BadTime,
				want.Levels, len(want.Actions), want.Latency.Count(), want.Timed, want.BadLatency, want.BadTime)
		}
	}
}

// TestCountRecordAllocs: an event of actions, users and levels already
// seen allocates nothing.
func TestCountRecordAllocs(t *testing.T) {
	s := agg.NewShard()
	line := []byte("view_item latency_ms=12")
	rec := record.Record{Level: []byte("INFO"), User: []byte("robert"), Action: line[:9],
		Latency: 12e6, Millis: 12, Time: 1e18, Slot: 1,
		Has: record.HasLatency | record.WholeMillis | record.HasTime | record.KnownLevel}
	s.CountRecord(&rec)
	if n := testing.AllocsPerRun(100, func() { s.CountRecord(&rec) }); n != 0 {
		t.Errorf("CountRecord: %v allocations, want 0", n)
	}
}

// TestCountRecordProbe: two actions of sixteen bytes whose words differ
// only where OR-ing one word into the other would hide it (a bit of byte j
// clear in both words of one name and set in both of the other: 'p' and 'q'
// at j and 8+j), one counted after the other, each on a fresh shard of 16
// home slots: each keeps its own count. Over the bytes, bits and bases
// tried, some pairs share their home slot.
func TestCountRecordProbe(t *testing.T) {
	for i := range 64 {
		for j := range 8 {
			for _, bit := range []byte{0x01, 0x02, 0x04, 0x08} {
				base := []byte(fmt.Sprintf("%016x", uint64(i)*0x9e3779b97f4a7c15))
				var pair [2]string
				for k, c := range []byte{'p', 'p' | bit} { // 'p' has none of the bits
					base[j], base[8+j] = c, c
					pair[k] = string(base)
				}
				s := agg.NewShard()
				for _, name := range pair {
					// Spare capacity, as a slice of the line has: the fast
					// path reads whole words.
					a := []byte(name + " latency_ms=12 and more")[:len(name)]
					rec := record.Record{Level: []byte("INFO"), User: []byte("u"), Action: a, Latency: 12e6, Millis: 12, Time: 1,
						Slot: 1, Has: record.HasLatency | record.WholeMillis | record.HasTime | record.KnownLevel}
					s.CountRecord(&rec)
				}
				tot := agg.Merge(s)
				for _, name := range pair {
					var events int64
					if a := tot.Actions[name]; a != nil {
						events = a.Events
					}
					if events != 1 {
						t.Fatalf("pair %q: action %q counted %d times, want 1", pair, name, events)
					}
				}
			}
		}
	}
}
