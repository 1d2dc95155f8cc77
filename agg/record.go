package agg

import "github.com/logproc/logproc/internal/record"

// CountRecord counts an event with every field its record holds, as Count,
// CountAction or CountLatency, CountTime and CountBad would one by one.
// Its fast path, for an event at one of slog's levels whose action sits in
// its home slot, with a latency in whole milliseconds (WholeMillis) under
// millisSlots and a time, no bad field nor windows, tests everything before
// it counts and calls nothing before the user's count, its last step: a
// value kept across a call is spilled on every line. Any other event goes to countRecordSlow.
// It stays a call: inlined into the scan's loop, its registers cost more.
//
//go:noinline
func (s *Shard) CountRecord(rec *record.Record) {
	slot := rec.Slot & (knownLevels - 1) // valid with KnownLevel, which the test below asks
	action, has := rec.Action, rec.Has
	// actionTable.home, written out: as a call it is not inlined.
	n := len(action)
	if n > 16 || cap(action) < 16 {
		s.countRecordSlow(rec)
		return
	}
	w, m := (*[16]byte)(action[:16]), &wordMasks[n]
	lo, hi := le64(w[:8])&m[0], le64(w[8:])&m[1]
	// The three compares in one branch; an empty slot has no counters.
	h := &s.actions.slots[hashWords(lo, hi, n)>>(s.actions.shift&63)]
	a := h.a
	if (h.lo^lo)|(h.hi^hi)|uint64(len(h.name)^n) != 0 || a == nil {
		s.countRecordSlow(rec)
		return
	}
	// millis in a local proves the increment in range; Millis needs no division.
	millis := a.millis
	ms := uint(rec.Millis)
	if has != record.HasLatency|record.WholeMillis|record.HasTime|record.KnownLevel ||
		s.windows.width != 0 || ms >= uint(len(millis)) {
		s.countRecordSlow(rec)
		return
	}
	a.events++
	a.known[slot]++
	if millis[ms]++; millis[ms] == 0 {
		a.carryMillis(ms)
	}
	t := rec.Time
	s.first = min(s.first, t)
	s.last = max(s.last, t)
	s.timed++
	s.slogLevels[slot]++
	if user := rec.User; len(user) > 0 {
		s.users.add(user)
	} else {
		s.noUser[slot]++
	}
}

// countRecordSlow is CountRecord for any event its fast path does not take.
func (s *Shard) countRecordSlow(rec *record.Record) {
	slot := s.Count(rec.Level, rec.User)
	if len(rec.Action) > 0 {
		s.CountAction(slot, rec.Action, rec.Latency, rec.Has&record.HasLatency != 0)
	} else if rec.Has&record.HasLatency != 0 {
		s.CountLatency(rec.Latency)
	}
	if rec.Has&record.HasTime != 0 {
		s.CountTime(rec.Time)
	}
	if bad := rec.Has & (record.BadLatency | record.BadTime); bad != 0 {
		s.CountBad(bad&record.BadLatency != 0, bad&record.BadTime != 0)
	}
}
