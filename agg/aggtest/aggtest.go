// Package aggtest holds what the tests of agg's callers compare counts
// with; nothing outside tests imports it.
package aggtest

import (
	"maps"
	"slices"

	"github.com/logproc/logproc/agg"
)

// Equal reports whether t and u hold the same counts. Histograms are
// compared bucket by bucket, maps key by key; a nil map equals an empty one.
func Equal(t, u *agg.Totals) bool {
	if !maps.Equal(t.Levels, u.Levels) || !maps.Equal(t.NoUser, u.NoUser) || !maps.Equal(t.Users, u.Users) ||
		t.Blank != u.Blank || t.Malformed != u.Malformed || t.LongLines != u.LongLines || t.Filtered != u.Filtered ||
		t.Continuation != u.Continuation || t.Joined != u.Joined || t.Extra != u.Extra ||
		t.BadLatency != u.BadLatency || t.BadTime != u.BadTime ||
		!t.Latency.Equal(&u.Latency) || len(t.Actions) != len(u.Actions) ||
		t.Timed != u.Timed || t.Timed > 0 && (t.First != u.First || t.Last != u.Last) ||
		t.Windows.Width != u.Windows.Width || t.Windows.Overflow != u.Windows.Overflow ||
		len(t.Windows.Counts) > 0 && t.Windows.First != u.Windows.First || !slices.Equal(t.Windows.Counts, u.Windows.Counts) {
		return false
	}
	for name, a := range t.Actions {
		b, ok := u.Actions[name]
		if !ok || a.Events != b.Events || !maps.Equal(a.Levels, b.Levels) || !a.Latency.Equal(&b.Latency) {
			return false
		}
	}
	return true
}
