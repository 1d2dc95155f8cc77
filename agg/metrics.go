package agg

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// The metrics beyond the seed's counters: events, levels and latencies per
// action, latencies of the events without one, the time range and events
// per time window. Each costs nothing on a line that lacks its field.

// actionCounts are one action's counters in one shard.
type actionCounts struct {
	events int64
	// known counts the events at slog's four levels, by slot, and levels
	// those at any other, by slot, its first knownLevels unused and short
	// when the later slots were not seen: an array needs no bounds check.
	known   [knownLevels]int64
	levels  []int64
	latency Histogram
	// millis[ms] counts the latencies of exactly ms milliseconds not yet
	// added to latency: an increment per line instead of Histogram.Add's
	// bucket, minimum, maximum and sum. foldMillis adds them before the
	// histogram is read. Empty for the actions past denseActions. A
	// byte keeps the working set small (it fits in L1 with the user
	// table's hot lines); its wrap to 0 is carried into latency
	// (carryMillis), so no count is lost.
	millis []uint8
}

// The latencies a shard counts per millisecond, for its first denseActions
// actions: gen's and most services' latencies are whole milliseconds, most
// of them under a second. 2 KB per action.
const (
	millisSlots  = 2048
	denseActions = 64
)

// CountAction records that the event just counted at level slot (as Count
// returned it) names action, and took latency nanoseconds when hasLatency.
func (s *Shard) CountAction(slot int, action []byte, latency int64, hasLatency bool) {
	// actionTable.home, written out: as a call, not inlined, it made
	// this caller keep its values on the stack.
	var a *actionCounts
	t := &s.actions
	if n := len(action); n <= 16 && cap(action) >= 16 {
		w, m := (*[16]byte)(action[:16]), &wordMasks[n]
		lo, hi := binary.LittleEndian.Uint64(w[:8])&m[0], binary.LittleEndian.Uint64(w[8:])&m[1]
		if h := &t.slots[hashWords(lo, hi, n)>>(t.shift&63)]; h.lo == lo && h.hi == hi && len(h.name) == n {
			a = h.a
		}
	}
	if a == nil {
		a = s.action(action)
	}
	a.events++
	if uint(slot) < knownLevels {
		a.known[slot]++
	} else if slot < len(a.levels) {
		a.levels[slot]++
	} else {
		a.countLevel(slot)
	}
	if hasLatency {
		// A negative latency is past the slots as a uint64.
		if ms := uint64(latency) / 1e6; ms < uint64(len(a.millis)) && int64(ms)*1e6 == latency {
			if a.millis[ms]++; a.millis[ms] == 0 {
				a.carryMillis(uint(ms))
			}
		} else {
			a.latency.Add(latency)
		}
	}
}

// countLevel counts an event at a level slot past a.levels, which grows to
// hold it.
func (a *actionCounts) countLevel(slot int) {
	a.levels = append(a.levels, make([]int64, slot+1-len(a.levels))...)
	a.levels[slot]++
}

// carryMillis adds to the histogram the 1<<8 latencies of ms
// milliseconds whose count in millis just wrapped to 0.
//
//go:noinline
func (a *actionCounts) carryMillis(ms uint) {
	a.latency.AddN(int64(ms)*1e6, 1<<8)
}

// foldMillis adds the latencies counted in millis to the histogram, as
// Add would have one by one, and empties millis.
func (a *actionCounts) foldMillis() {
	for ms, n := range a.millis {
		if n != 0 {
			a.latency.AddN(int64(ms)*1e6, int64(n))
			a.millis[ms] = 0
		}
	}
}

// action returns the counters of action, added to the shard if new.
func (s *Shard) action(action []byte) *actionCounts {
	if a := s.actions.get(action); a != nil {
		return a
	}
	return s.newAction(action)
}

// newAction adds action to the shard. Every distinct action is kept, as
// every user is: a cap per shard made the names kept, and so the counts,
// depend on the order lines arrived in and on the number of workers.
func (s *Shard) newAction(action []byte) *actionCounts {
	a := &actionCounts{}
	if s.actions.len() < denseActions {
		a.millis = make([]uint8, millisSlots)
	}
	s.actions.put(string(action), a)
	return a
}

// CountLatency records the latency of an event that names no action.
func (s *Shard) CountLatency(latency int64) { s.latency.Add(latency) }

// CountTime records the time of an event, in Unix nanoseconds.
func (s *Shard) CountTime(t int64) {
	s.first = min(s.first, t) // NewShard starts them at the ends of int64
	s.last = max(s.last, t)
	s.timed++
	if s.windows.width != 0 {
		s.windows.add(t)
	}
}

// CountBad records an event whose latency or time field held a value that
// could not be read.
func (s *Shard) CountBad(latency, time bool) {
	if latency {
		s.badLatency++
	}
	if time {
		s.badTime++
	}
}

// CountFiltered records a line left out by a time filter.
func (s *Shard) CountFiltered() { s.filtered++ }

// MaxWindows bounds the windows of a run, so that one wild timestamp with
// a narrow window cannot ask for gigabytes of zeros.
const MaxWindows = 1 << 20

// ErrTooManyWindows says that the times counted span more than MaxWindows
// windows.
var ErrTooManyWindows = errors.New("too many windows")

// windowCounts counts events per window of width nanoseconds. Windows
// start at multiples of width since the Unix epoch, so those of different
// shards and files line up. counts[i] is window first+i; the slice grows
// both ways as times arrive, so lines out of order cost nothing extra.
type windowCounts struct {
	width    int64
	first    int64 // index of counts[0]
	counts   []int64
	overflow bool // the span passed MaxWindows; counts stopped growing
}

func (w *windowCounts) add(t int64) {
	i := floorDiv(t, w.width) - w.first
	if uint64(i) < uint64(len(w.counts)) {
		w.counts[i]++
		return
	}
	w.addSlow(floorDiv(t, w.width))
}

// addSlow grows counts to hold window index k, doubling so that a run of
// lines in time order grows it a logarithmic number of times.
func (w *windowCounts) addSlow(k int64) {
	if len(w.counts) == 0 {
		w.first = k
		w.counts = make([]int64, 1, 64)
		w.counts[0] = 1
		return
	}
	lo, hi := min(k, w.first), max(k, w.first+int64(len(w.counts))-1)
	if hi-lo >= MaxWindows {
		w.overflow = true
		return
	}
	n := int(hi - lo + 1)
	grown := make([]int64, n, max(n, min(2*len(w.counts), MaxWindows)))
	copy(grown[w.first-lo:], w.counts)
	w.first, w.counts = lo, grown
	w.counts[k-lo]++
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// ActionTotals are one action's merged counts.
type ActionTotals struct {
	Events  int64
	Levels  map[string]int64 // events by normalised level name
	Latency Histogram        // of its events that had a latency
}

// Windows are the events per window of a run.
type Windows struct {
	Width  time.Duration
	First  int64   // index of Counts[0]: it starts at First*Width since the epoch
	Counts []int64 // one per window from the first event's to the last's
	// Overflow says that the events span more than MaxWindows windows:
	// Counts is incomplete and must not be reported.
	Overflow bool
}

// Start returns the start of window i of Counts.
func (w *Windows) Start(i int) time.Time {
	return time.Unix(0, (w.First+int64(i))*int64(w.Width)).UTC()
}

// add folds counts, whose first window is first, into w.
func (w *Windows) add(first int64, counts []int64) error {
	if len(counts) == 0 || w.Overflow {
		return nil
	}
	if len(w.Counts) == 0 {
		w.First, w.Counts = first, append([]int64(nil), counts...)
		return nil
	}
	lo := min(first, w.First)
	hi := max(first+int64(len(counts)), w.First+int64(len(w.Counts)))
	if hi-lo > MaxWindows {
		return fmt.Errorf("%w: events span %d windows of %v, more than %d", ErrTooManyWindows, hi-lo, w.Width, MaxWindows)
	}
	if lo < w.First || hi > w.First+int64(len(w.Counts)) {
		grown := make([]int64, hi-lo)
		copy(grown[w.First-lo:], w.Counts)
		w.First, w.Counts = lo, grown
	}
	for i, n := range counts {
		w.Counts[first-w.First+int64(i)] += n
	}
	return nil
}
