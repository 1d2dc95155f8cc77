package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/logproc/logproc/out"
)

func TestWriteSummary(t *testing.T) {
	r := out.Result{
		Lines:       12,
		Bytes:       1500,
		LogLevels:   map[string]int64{"INFO": 6, "WARN": 2},
		UniqueUsers: 3,
		UserActions: map[string]int64{"cy": 1, "bob": 3, "ann": 3},
		Actions: map[string]out.Action{
			"login":  {Events: 4, Latency: &out.Latency{Count: 4, P50MS: 15, P90MS: 1200, P99MS: 1200, P999MS: 1200, MaxMS: 1200}},
			"logout": {Events: 3},
		},
		Latency:           &out.Latency{Count: 5, P50MS: 0.25, P90MS: 40, P99MS: 1200, P999MS: 1200, MaxMS: 1200},
		TimeRange:         &out.TimeRange{Events: 8, First: "2026-11-26T08:00:00Z", Last: "2026-11-26T08:02:30.5Z"},
		FilteredLines:     4,
		MalformedLines:    2,
		MalformedExamples: []out.Position{{File: "a.log", Line: 3}, {File: "a.log", Line: 9}},
	}
	var buf bytes.Buffer
	writeSummary(&buf, r, []string{"a.log", "b.log"})
	got := buf.String()
	for _, want := range []string{
		"12 in 2 files, 1.5 kB; 8 events",
		"2026-11-26T08:00:00Z → 2026-11-26T08:02:30.5Z (2m30.5s)",
		"INFO 6 (75.0%)  WARN 2 (25.0%)",
		"3 unique; most lines: ann 3 (37.5%), bob 3 (37.5%), cy 1 (12.5%)",
		"p50 0.250 ms  p90 40.0 ms  p99 1.20 s  p99.9 1.20 s  max 1.20 s (5 events)",
		"login 4 (50.0%)  p50 15.0 ms",
		"logout 3 (37.5%)\n",
		"4 events outside -since/-until",
		"2 lines (16.7%), first at a.log:3, a.log:9",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("summary lacks %q:\n%s", want, got)
		}
	}
	// Actions are listed busiest first.
	if strings.Index(got, "login") > strings.Index(got, "logout") {
		t.Errorf("logout listed before the busier login:\n%s", got)
	}
}
