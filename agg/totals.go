package agg

import "fmt"

// Add folds u into t, as if the lines counted into u had been counted into
// t: merged partial totals (from several machines, say) equal the totals of
// one scan over all their lines. Add never keeps a map of u. Totals that
// counted windows of different widths cannot be added: Add then returns an
// error and leaves t's windows alone.
func (t *Totals) Add(u *Totals) error {
	t.Levels = addCounts(t.Levels, u.Levels)
	t.NoUser = addCounts(t.NoUser, u.NoUser)
	t.Users = addCounts(t.Users, u.Users)
	t.Blank += u.Blank
	t.Malformed += u.Malformed
	t.Continuation += u.Continuation
	t.Joined += u.Joined
	t.Extra += u.Extra
	t.LongLines += u.LongLines
	t.Filtered += u.Filtered
	t.BadLatency += u.BadLatency
	t.BadTime += u.BadTime
	t.Latency.Merge(&u.Latency)
	for name, ua := range u.Actions {
		if t.Actions == nil {
			t.Actions = make(map[string]*ActionTotals, len(u.Actions))
		}
		a := t.Actions[name]
		if a == nil {
			a = &ActionTotals{}
			t.Actions[name] = a
		}
		a.Events += ua.Events
		a.Levels = addCounts(a.Levels, ua.Levels)
		a.Latency.Merge(&ua.Latency)
	}
	if u.Timed > 0 {
		t.addTimes(u.Timed, u.First, u.Last)
	}
	if u.Windows.Width != 0 {
		if t.Windows.Width != 0 && t.Windows.Width != u.Windows.Width {
			return fmt.Errorf("agg: cannot add windows of %v to windows of %v", u.Windows.Width, t.Windows.Width)
		}
		t.Windows.Width = u.Windows.Width
		t.Windows.Overflow = t.Windows.Overflow || u.Windows.Overflow
		if err := t.Windows.add(u.Windows.First, u.Windows.Counts); err != nil {
			t.Windows.Overflow = true
		}
	}
	return nil
}

func addCounts(dst, src map[string]int64) map[string]int64 {
	if dst == nil {
		dst = make(map[string]int64, len(src))
	}
	for k, n := range src {
		dst[k] += n
	}
	return dst
}
