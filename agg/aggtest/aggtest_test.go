package aggtest

import (
	"testing"
	"time"

	"github.com/logproc/logproc/agg"
)

func totals() agg.Totals {
	s := agg.NewShard()
	s.SetWindow(time.Minute)
	slot := s.Count([]byte("INFO"), []byte("ann"))
	s.CountAction(slot, []byte("login"), 12_000_000, true)
	s.Count([]byte("WARN"), nil)
	s.CountBlank()
	return agg.Merge(s)
}

// TestEqual: equal counts are Equal, and a change in any one of them is
// not.
func TestEqual(t *testing.T) {
	a, b := totals(), totals()
	if !Equal(&a, &b) {
		t.Fatal("two counts of the same lines are not Equal")
	}
	for name, change := range map[string]func(*agg.Totals){
		"levels":  func(u *agg.Totals) { u.Levels["INFO"]++ },
		"users":   func(u *agg.Totals) { u.Users["bob"] = 1 },
		"no user": func(u *agg.Totals) { u.NoUser["WARN"]++ },
		"blank":   func(u *agg.Totals) { u.Blank++ },
		"long":    func(u *agg.Totals) { u.LongLines++ },
		"action":  func(u *agg.Totals) { u.Actions["login"].Events++ },
		"latency": func(u *agg.Totals) { u.Latency.Add(5) },
		"timed":   func(u *agg.Totals) { u.Timed++ },
	} {
		u := totals()
		change(&u)
		if Equal(&a, &u) || Equal(&u, &a) {
			t.Errorf("a change in %s is Equal", name)
		}
	}
}
