package agg_test

import (
	"bytes"
	"testing"

	"github.com/logproc/logproc/agg"
	"github.com/logproc/logproc/internal/record"
)

// FuzzCountRecordActions counts fuzzed action names through CountRecord's
// fast path (each name read from a line with spare capacity after it, as
// Next hands it, or with none) on two shards, and checks every name's
// events and latency count after the merge against a map tally. The
// action table's word compares once took one sixteen-byte name for
// another that shared its home slot.
func FuzzCountRecordActions(f *testing.F) {
	f.Add([]byte("login\x00view_item\x00login\x00add_to_cart"), uint8(0))
	f.Add([]byte("9p3779b97p4a7c15\x009x3779b97x4a7c15\x009p3779b97p4a7c15"), uint8(1))
	f.Add([]byte("sixteen_bytes_ab\x00seventeen_bytes_a\x00a\x00"), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, seed uint8) {
		names := bytes.Split(data, []byte{0})
		if len(names) > 200 {
			names = names[:200]
		}
		shards := []*agg.Shard{agg.NewShard(), agg.NewShard()}
		want := map[string]int64{}
		for i, name := range names {
			a := name
			if (int(seed)+i)%3 != 0 { // the name inside a longer line
				a = append(bytes.Clone(name), " latency_ms=12 and more bytes"...)[:len(name)]
			}
			ms := uint32(int(seed)*7+i*13) % 2100 // some past the per-millisecond slots
			rec := record.Record{Level: []byte("INFO"), User: []byte("u"), Action: a,
				Latency: int64(ms) * 1e6, Millis: ms, Time: 1e18 + int64(i), Slot: 1,
				Has: record.HasLatency | record.WholeMillis | record.HasTime | record.KnownLevel}
			shards[i>>1&1].CountRecord(&rec) // names in pairs on each shard
			if len(name) > 0 {
				want[string(agg.AppendName(nil, name))]++ // as Totals names it (FuzzAppendName)
			}
		}
		got := agg.Merge(shards...)
		if len(got.Actions) != len(want) {
			t.Fatalf("%d actions counted, want %d (%q)", len(got.Actions), len(want), names)
		}
		for name, n := range want {
			a := got.Actions[name]
			if a == nil || a.Events != n || a.Latency.Count() != n || a.Levels["INFO"] != n {
				t.Fatalf("action %q: got %+v, want %d events, latencies and INFO lines", name, a, n)
			}
		}
	})
}
