package agg_test

import (
	"testing"

	"github.com/logproc/logproc/agg"
	"github.com/logproc/logproc/internal/record"
)

// TestMillisCarry: more than 255 events of one latency, which wrap a
// per-millisecond counter (a byte), through CountRecord's fast path and through
// CountAction, give the histograms of Add called on each value, and the
// counts tallied here: count, sum, minimum, maximum and quantiles. The
// runs wrap a counter not at all, once to exactly 0, many times to 0, to
// 255, to 1 and to 3.
func TestMillisCarry(t *testing.T) {
	runs := []struct {
		ms int64
		n  int
	}{{7, 2<<16 + 3}, {2047, 1 << 16}, {0, 1<<16 - 1}, {1, 1<<16 + 1}, {53, 1}, {9, 255}, {11, 256}}
	s1, s2 := agg.NewShard(), agg.NewShard()
	want := map[string]*agg.Histogram{"login": {}, "view": {}}
	wantN := map[string]int64{}
	wantSum := map[string]int64{}
	var all agg.Histogram
	action := []byte("login latency_ms=12 and more")[:5] // spare capacity: the fast path
	for k := 0; ; k++ {
		left := false
		for _, r := range runs {
			if k >= r.n {
				continue
			}
			left = true
			// Interleaved, so that each wrap falls amid other counts.
			rec := record.Record{Level: []byte("INFO"), User: []byte("u"), Action: action,
				Latency: r.ms * 1e6, Millis: uint32(r.ms), Time: 1e18, Slot: 0,
				Has: record.HasLatency | record.WholeMillis | record.HasTime | record.KnownLevel}
			s1.CountRecord(&rec)
			s2.CountAction(s2.Count([]byte("INFO"), []byte("u")), []byte("view"), r.ms*1e6, true)
			for _, name := range []string{"login", "view"} {
				want[name].Add(r.ms * 1e6)
				wantN[name]++
				wantSum[name] += r.ms * 1e6
			}
			all.Add(r.ms * 1e6)
			all.Add(r.ms * 1e6)
		}
		if !left {
			break
		}
	}
	tot := agg.Merge(s1, s2)
	for name, h := range want {
		got := &tot.Actions[name].Latency
		if !got.Equal(h) {
			t.Errorf("%s: histogram of %d values, min %d, max %d; want %d, %d, %d", name, got.Count(), got.Min(), got.Max(), h.Count(), h.Min(), h.Max())
		}
		if got.Count() != wantN[name] || got.Mean() != float64(wantSum[name])/float64(wantN[name]) ||
			got.Min() != 0 || got.Max() != 2047e6 {
			t.Errorf("%s: %d values, mean %g, min %d, max %d; want %d, %g, 0, 2047e6", name, got.Count(), got.Mean(),
				got.Min(), got.Max(), wantN[name], float64(wantSum[name])/float64(wantN[name]))
		}
		for _, q := range []float64{0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1} {
			if got.Quantile(q) != h.Quantile(q) {
				t.Errorf("%s: quantile %g is %d, want %d", name, q, got.Quantile(q), h.Quantile(q))
			}
		}
		if tot.Actions[name].Events != wantN[name] {
			t.Errorf("%s: %d events, want %d", name, tot.Actions[name].Events, wantN[name])
		}
	}
	if !tot.Latency.Equal(&all) {
		t.Errorf("all latencies: %d values, want %d", tot.Latency.Count(), all.Count())
	}
}
