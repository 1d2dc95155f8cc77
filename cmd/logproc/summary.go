package main

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/logproc/logproc/out"
)

// summaryRows bounds the users and actions the summary lists.
const summaryRows = 5

// writeSummary prints what a person wants from a scan at a glance: the
// time range, the levels with their shares, the busiest users, the
// latency percentiles overall and per action, and what could not be read.
// It is drawn from the result, so it never says what the JSON does not.
func writeSummary(w io.Writer, r out.Result, paths []string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	events := r.LinesWithoutLevel
	for _, n := range r.LogLevels {
		events += n
	}
	files := "1 file"
	if len(paths) != 1 {
		files = count(int64(len(paths))) + " files"
	}
	fmt.Fprintf(tw, "lines\t%s in %s, %s; %s\n", count(r.Lines), files, size(r.Bytes), plural(events, "event"))
	if tr := r.TimeRange; tr != nil && tr.Events > 0 {
		first, _ := time.Parse(time.RFC3339Nano, tr.First)
		last, _ := time.Parse(time.RFC3339Nano, tr.Last)
		fmt.Fprintf(tw, "time\t%s → %s (%s)\n", tr.First, tr.Last, last.Sub(first))
	}
	if line := formatsLine(r.Formats); line != "" {
		fmt.Fprintf(tw, "formats\t%s\n", line)
	}
	fmt.Fprintf(tw, "levels\t%s\n", levelShares(r.LogLevels, events))
	if r.LinesWithoutLevel > 0 {
		fmt.Fprintf(tw, "no level\t%s (%s), counted for users, actions and times\n", plural(r.LinesWithoutLevel, "record"), share(r.LinesWithoutLevel, r.Lines))
	}
	users := fmt.Sprintf("%s unique", count(int64(r.UniqueUsers)))
	if top := r.TopUsers(summaryRows); len(top) > 0 {
		parts := make([]string, len(top))
		for i, u := range top {
			parts[i] = fmt.Sprintf("%s %s (%s)", u.Name, count(u.Count), share(u.Count, events))
		}
		users += "; most lines: " + strings.Join(parts, ", ")
	}
	fmt.Fprintf(tw, "users\t%s\n", users)
	if l := r.Latency; l != nil && l.Count > 0 {
		fmt.Fprintf(tw, "latency\t%s (%s)\n", percentiles(l), plural(l.Count, "event"))
	}
	if len(r.Actions) > 0 {
		names := slices.Collect(maps.Keys(r.Actions))
		slices.SortFunc(names, func(a, b string) int {
			return cmp.Or(cmp.Compare(r.Actions[b].Events, r.Actions[a].Events), strings.Compare(a, b))
		})
		label := "actions"
		for i, name := range names {
			if i == summaryRows {
				fmt.Fprintf(tw, "\t… and %d more actions\n", len(names)-summaryRows)
				break
			}
			a := r.Actions[name]
			line := fmt.Sprintf("%s %s (%s)", name, count(a.Events), share(a.Events, events))
			if a.Latency != nil && a.Latency.Count > 0 {
				line += "  " + percentiles(a.Latency)
			}
			fmt.Fprintf(tw, "%s\t%s\n", label, line)
			label = ""
		}
	}
	if r.FilteredLines > 0 {
		fmt.Fprintf(tw, "filtered\t%s outside -since/-until\n", plural(r.FilteredLines, "event"))
	}
	if r.UnreadableLatencies > 0 || r.UnreadableTimes > 0 {
		fmt.Fprintf(tw, "unreadable\t%s latencies, %s times\n", count(r.UnreadableLatencies), count(r.UnreadableTimes))
	}
	if r.ContinuationLines > 0 {
		fmt.Fprintf(tw, "continued\t%s on the record before (stack traces, split records)\n", plural(r.ContinuationLines, "line"))
	}
	if r.MalformedLines > 0 {
		fmt.Fprintf(tw, "malformed\t%s (%s), first at %s\n", plural(r.MalformedLines, "line"), share(r.MalformedLines, r.Lines), positions(r.MalformedExamples))
	}
	tw.Flush()
}

// formatsLine says how each file was read: "app.log cri+json, pods.log
// klog 98 % and logfmt 2 %"; with many files, how many were read as each.
func formatsLine(formats map[string]map[string]int64) string {
	files := slices.Sorted(maps.Keys(formats))
	if len(files) > summaryRows {
		perForm := map[string]int{}
		for _, f := range files {
			for name := range formats[f] {
				perForm[name]++
			}
		}
		parts := make([]string, 0, len(perForm))
		for _, name := range slices.Sorted(maps.Keys(perForm)) {
			parts = append(parts, fmt.Sprintf("%s (%s files)", name, count(int64(perForm[name]))))
		}
		return strings.Join(parts, ", ")
	}
	parts := make([]string, 0, len(files))
	for _, f := range files {
		forms := formats[f]
		names := slices.Sorted(maps.Keys(forms))
		if len(names) == 1 {
			parts = append(parts, f+" "+names[0])
			continue
		}
		var total int64
		for _, n := range forms {
			total += n
		}
		slices.SortStableFunc(names, func(a, b string) int { return cmp.Compare(forms[b], forms[a]) })
		each := make([]string, len(names))
		for i, name := range names {
			each[i] = name + " " + share(forms[name], total)
		}
		parts = append(parts, f+" "+strings.Join(each, " and "))
	}
	return strings.Join(parts, ", ")
}

func levelShares(levels map[string]int64, events int64) string {
	names := slices.Collect(maps.Keys(levels))
	slices.SortFunc(names, func(a, b string) int {
		return cmp.Or(cmp.Compare(levels[b], levels[a]), strings.Compare(a, b))
	})
	parts := make([]string, len(names))
	for i, name := range names {
		parts[i] = fmt.Sprintf("%s %s (%s)", name, count(levels[name]), share(levels[name], events))
	}
	return strings.Join(parts, "  ")
}

func share(n, total int64) string {
	if total <= 0 {
		return "0%"
	}
	return strconv.FormatFloat(float64(n)*100/float64(total), 'f', 1, 64) + "%"
}

func percentiles(l *out.Latency) string {
	ms := func(v float64) string {
		switch {
		case v >= 1000:
			return strconv.FormatFloat(v/1000, 'f', 2, 64) + " s"
		case v >= 1:
			return strconv.FormatFloat(v, 'f', 1, 64) + " ms"
		}
		return strconv.FormatFloat(v, 'f', 3, 64) + " ms"
	}
	return fmt.Sprintf("p50 %s  p90 %s  p99 %s  p99.9 %s  max %s", ms(l.P50MS), ms(l.P90MS), ms(l.P99MS), ms(l.P999MS), ms(l.MaxMS))
}

func positions(ps []out.Position) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.File + ":" + strconv.FormatInt(p.Line, 10)
	}
	return strings.Join(parts, ", ")
}
