package main

import (
	"fmt"
	"strings"
)

// verdict is the gate's decision: a line per measured command, and an
// error when any grew past the tolerance.
type verdict struct {
	lines []string
	grew  []string // the names of the commands that grew past the tolerance
	err   error
}

// judge compares m with base, the instructions per line of every command
// by name.
func judge(base map[string]float64, m measurement, tolerance float64) verdict {
	var v verdict
	var failed []string
	for _, k := range commands {
		was, now, runs := base[k.name], m.PerLine(k.name), m.Runs[k.name]
		change := (now/was - 1) * 100
		msg := fmt.Sprintf("%s executes %.1f instructions per line, baseline %.1f: %+.2f %% (limit +%g %%; %d runs, spread %.2f %%)",
			k.name, now, was, change, tolerance, len(runs), spread(runs))
		switch {
		case change > tolerance:
			v.lines = append(v.lines, "perfgate: FAIL: "+msg)
			v.grew = append(v.grew, k.name)
			failed = append(failed, fmt.Sprintf("%s %.1f vs baseline %.1f instructions/line (%+.2f %%, limit +%g %%)",
				k.name, now, was, change, tolerance))
		case change < -tolerance:
			v.lines = append(v.lines, "perfgate: ok: "+msg+"; faster than the baseline: make bench-baseline to lock the gain in")
		default:
			v.lines = append(v.lines, "perfgate: ok: "+msg)
		}
	}
	if s := m.spread(); s > tolerance/2 {
		v.lines = append(v.lines, fmt.Sprintf("perfgate: FAIL: the repeated runs vary by %.2f %%, too much for a %g %% gate: the count is not repeatable", s, tolerance))
		failed = append(failed, fmt.Sprintf("repeated runs vary by %.2f %%", s))
	}
	if len(failed) > 0 {
		v.err = fmt.Errorf("perf gate failed: %s", strings.Join(failed, "; "))
	}
	return v
}
