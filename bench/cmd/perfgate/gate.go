package main

import (
	"fmt"
	"strings"
)

// verdict is the gate's decision: a line per measured command, and an
// error when any grew past the tolerance.
type verdict struct {
	lines []string
	err   error
}

// judge compares m with the baseline numbers.
func judge(baseScan, baseGen float64, m measurement, tolerance float64) verdict {
	var v verdict
	var failed []string
	for _, k := range []struct {
		name      string
		base, now float64
		runs      []float64
	}{
		{"scan", baseScan, m.ScanPerLine(), m.ScanRuns},
		{"gen", baseGen, m.GenPerLine(), m.GenRuns},
	} {
		change := (k.now/k.base - 1) * 100
		msg := fmt.Sprintf("%s executes %.1f instructions per line, baseline %.1f: %+.2f %% (limit +%g %%; %d runs, spread %.2f %%)",
			k.name, k.now, k.base, change, tolerance, len(k.runs), spread(k.runs))
		switch {
		case change > tolerance:
			v.lines = append(v.lines, "perfgate: FAIL: "+msg)
			failed = append(failed, fmt.Sprintf("%s %.1f vs baseline %.1f instructions/line (%+.2f %%, limit +%g %%)",
				k.name, k.now, k.base, change, tolerance))
		case change < -tolerance:
			v.lines = append(v.lines, "perfgate: ok: "+msg+"; faster than the baseline: make bench-baseline to lock the gain in")
		default:
			v.lines = append(v.lines, "perfgate: ok: "+msg)
		}
	}
	if s := max(spread(m.ScanRuns), spread(m.GenRuns)); s > tolerance/2 {
		v.lines = append(v.lines, fmt.Sprintf("perfgate: FAIL: the repeated runs vary by %.2f %%, too much for a %g %% gate: the count is not repeatable", s, tolerance))
		failed = append(failed, fmt.Sprintf("repeated runs vary by %.2f %%", s))
	}
	if len(failed) > 0 {
		v.err = fmt.Errorf("perf gate failed: %s", strings.Join(failed, "; "))
	}
	return v
}
