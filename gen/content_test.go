package gen

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestUsers(t *testing.T) {
	const n = 50_000
	seen := make(map[string]int, n)
	for i := range n {
		u := string(appendUser(nil, i))
		if j, dup := seen[u]; dup {
			t.Fatalf("users %d and %d are both %q", j, i, u)
		}
		seen[u] = i
		// The pieces around an address assume it is written as it is.
		if !strings.HasSuffix(u, "@example.com") || needsQuoting(u) ||
			string(appendString(nil, u, JSON)) != `"`+u+`"` {
			t.Fatalf("user %d = %q, want a plain address at example.com", i, u)
		}
	}
	for i, want := range map[int]string{
		0:            "james.smith@example.com",
		1:            "mary.johnson@example.com",
		992:          "james.smith1@example.com",
		993:          "mary.johnson1@example.com",
		maxUsers - 1: "jessica.young16912@example.com",
	} {
		if got := string(appendUser(nil, i)); got != want {
			t.Errorf("user %d = %q, want %q", i, got, want)
		}
	}
}

func TestLatencyTables(t *testing.T) {
	for _, as := range [][]activity{actions[:], jobs[:]} {
		for i, table := range latencyTables(as) {
			a := as[i]
			if !slices.IsSorted(table[:]) || table[0] < 0 {
				t.Errorf("%s: latencies not non-negative and ascending", a.name)
			}
			median := float64(table[latencySteps/2])
			if median < a.medianMS*0.9-1 || median > a.medianMS*1.1+1 {
				t.Errorf("%s: median %v ms, want about %v", a.name, median, a.medianMS)
			}
			// Log-normal: the slowest quantile is far above the median.
			if float64(table[latencySteps-1]) < 3*median {
				t.Errorf("%s: p99.95 %d ms is not well above the median %v", a.name, table[latencySteps-1], median)
			}
		}
	}
}

// TestProportions draws 200k lines and checks the mix the package
// comment promises.
func TestProportions(t *testing.T) {
	const lines = 200_000
	const users = 10_000
	g := newGenerator(Options{Records: lines, Users: users, Workers: 1, Seed: 42})
	var r rand.PCG
	r.Seed(batchSeed(42, 0))
	var slots [numSlots]int
	byUser := make([]int, users)
	noUser, tricky := 0, 0
	actionCount := map[string]int{}
	for line := range int64(lines) {
		d := g.draw(&r, line)
		e := g.event(d)
		slots[d.slot]++
		if e.User == "" {
			noUser++
		} else {
			byUser[d.user]++
			actionCount[e.Action]++
		}
		if strings.Contains(e.Msg, "ghost") {
			tricky++
		}
	}
	near := func(what string, got int, wantPercent, tolerance float64) {
		t.Helper()
		if p := 100 * float64(got) / lines; p < wantPercent-tolerance || p > wantPercent+tolerance {
			t.Errorf("%s: %.2f%% of lines, want %v%% ± %v", what, p, wantPercent, tolerance)
		}
	}
	for slot, want := range levelPercent {
		near(levelName(levels[slot]), slots[slot], float64(want), 1)
	}
	near("no user", noUser, 2, 0.3)
	near("tricky message", tricky, 1, 0.2)
	if len(actionCount) != len(actions) {
		t.Errorf("%d actions seen, want %d", len(actionCount), len(actions))
	}

	slices.Sort(byUser)
	slices.Reverse(byUser)
	top := 0
	for _, n := range byUser[:users/100] {
		top += n
	}
	// u⁴ gives the top 1% about 0.01^¼ ≈ 32% of the user lines.
	share := float64(top) / float64(lines-noUser)
	if share < 0.25 || share > 0.40 {
		t.Errorf("top 1%% of users have %.1f%% of the lines, want about 32%%", 100*share)
	}
	active := users
	if i := slices.Index(byUser, 0); i >= 0 {
		active = i // byUser is sorted in descending order
	}
	if active < users/2 {
		t.Errorf("only %d of %d users appear: no long tail", active, users)
	}
}

func TestBatchSeedsDiffer(t *testing.T) {
	type origin struct {
		seed  uint64
		batch int64
	}
	seen := map[[2]uint64]origin{}
	for _, seed := range []uint64{0, 1, 2, 1 << 63} {
		for b := range int64(1000) {
			s1, s2 := batchSeed(seed, b)
			if prev, dup := seen[[2]uint64{s1, s2}]; dup {
				t.Fatalf("seed %d batch %d has the PCG seed of %+v", seed, b, prev)
			}
			seen[[2]uint64{s1, s2}] = origin{seed, b}
		}
	}
}
