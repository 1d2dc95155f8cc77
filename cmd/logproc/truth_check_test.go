package main

// checkResults is what issue 11's acceptance tests stand on, and they
// cannot pass before the parser lands: this shows it passes on results
// written by hand for a truth and fails on each key changed.

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

// recorder is a testing.TB that keeps the errors reported to it.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, a ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, a...))
}

// handResults are the results JSON for handTruth, written by hand.
const handResults = `{"actions":{"checkout":{"events":1,"log_levels":{"ERROR":1}},"login":{"events":3,"log_levels":{"INFO":1}}},
"blank_lines":0,"bytes":1,"continuation_lines":3,"formats":{"a.log":{"zap-console":5}},
"latency":{"count":3,"max_ms":30,"mean_ms":20,"min_ms":10,"p50_ms":20,"p90_ms":30,"p999_ms":30,"p99_ms":30},
"lines":8,"lines_without_level":2,"lines_without_user":{"WARN":1,"-":1},"log_levels":{"ERROR":1,"INFO":1,"WARN":1},
"malformed_examples":[],"malformed_lines":0,"time_range":{"events":4,"first":"2026-11-26T08:00:00.5Z","last":"2026-11-26T08:01:20Z"},
"unique_users":2,"unreadable_latencies":1,"user_actions":{"ann":2,"bob":1},
"windows":{"counts":[{"events":2,"start":"2026-11-26T08:00:00Z"},{"events":2,"start":"2026-11-26T08:01:00Z"}],"width":"1m0s"}}`

func handTruth() *truth {
	at := func(s string) time.Time { return time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC).Add(mustDuration(s)) }
	tr := newTruth()
	for _, r := range []truthRecord{
		{level: "INFO", user: "ann", action: "login", latency: 10, hasLat: true, at: at("0.5s"), hasTime: true},
		{level: "ERROR", user: "bob", action: "checkout", latency: 20, hasLat: true, at: at("70s"), hasTime: true, cont: 3},
		{user: "ann", action: "login", latency: 30, hasLat: true, at: at("80s"), hasTime: true},
		{level: "WARN", latency: math.NaN(), badLat: true, at: at("30s"), hasTime: true},
		{action: "login"},
	} {
		tr.add(r)
	}
	tr.files = []string{"a.log"}
	return tr.withWindow()
}

func mustDuration(s string) time.Duration {
	d, err := time.ParseDuration(s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestCheckResults(t *testing.T) {
	var r recorder
	checkResults(&r, "hand", handResults, handTruth())
	if len(r.errs) > 0 {
		t.Fatalf("results written for the truth fail its check:\n%s", strings.Join(r.errs, "\n"))
	}
	for _, c := range []struct{ old, new string }{
		{`"lines":8`, `"lines":7`},
		{`"blank_lines":0`, `"blank_lines":1`},
		{`"malformed_lines":0`, `"malformed_lines":1`},
		{`"continuation_lines":3,`, ``},
		{`"lines_without_level":2`, `"lines_without_level":0`},
		{`"formats":{"a.log":{"zap-console":5}}`, `"formats":{"b.log":{"zap-console":5}}`},
		{`"log_levels":{"ERROR":1,"INFO":1,"WARN":1}`, `"log_levels":{"ERROR":1,"INFO":1,"WARN":1,"NONE":2}`},
		{`{"WARN":1,"-":1}`, `{"WARN":1,"-":2}`},
		{`{"WARN":1,"-":1}`, `{"WARN":1}`},
		{`"ann":2`, `"ann":1`},
		{`"unique_users":2`, `"unique_users":3`},
		{`"login":{"events":3`, `"login":{"events":1`},
		{`"login":{"events":3,"log_levels":{"INFO":1}}`, `"login":{"events":3,"log_levels":{"INFO":3}}`},
		{`"max_ms":30`, `"max_ms":31`},
		{`"p50_ms":20`, `"p50_ms":10`},
		{`"unreadable_latencies":1`, `"unreadable_latencies":0`},
		{`"events":4,`, `"events":5,`},
		{`"last":"2026-11-26T08:01:20Z"`, `"last":"2026-11-26T08:01:20.001Z"`},
		{`{"events":2,"start":"2026-11-26T08:01:00Z"}`, `{"events":1,"start":"2026-11-26T08:01:00Z"}`},
		{`"width":"1m0s"`, `"width":"1m1s"`},
	} {
		changed := strings.Replace(handResults, c.old, c.new, 1)
		if changed == handResults {
			t.Fatalf("%s is not in the results", c.old)
		}
		var r recorder
		checkResults(&r, "hand", changed, handTruth())
		if len(r.errs) == 0 {
			t.Errorf("results with %s for %s pass the check", c.new, c.old)
		}
	}
}
