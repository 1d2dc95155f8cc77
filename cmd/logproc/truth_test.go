package main

// The truth of a scan, tallied from the records as they were logged, and
// the check of logproc's results JSON against it. Every test that writes
// files through a real library (or a platform's framing) builds a truth
// record by record and calls checkResults: the truth never comes from our
// own parser's output.
//
// Use: tr := newTruth(); tr.add(truthRecord{...}) per record as logged;
// tr.files = []string{path as passed to logproc}; then
// checkResults(t, "what ran", r.stdout, tr), or tr.withWindow() for a run
// with -window 1m. Several files' truths merge into one for a run over
// them all.

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// truthRecord is one record as it was logged.
type truthRecord struct {
	level   string  // as logproc will report it; "" for a line without a level
	user    string  // "" for none
	action  string  // "" for none
	latency float64 // milliseconds, when hasLat
	hasLat  bool
	badLat  bool      // a latency was logged that must count as unreadable (NaN, Inf, negative)
	at      time.Time // as the library wrote it (its precision), when hasTime
	hasTime bool
	// cont is the number of lines the record's bytes hold after its
	// first (stack traces, panics): continuation lines.
	cont int
}

// truth is what logproc must report for a set of records.
type truth struct {
	events   int64 // records
	cont     int64 // continuation lines
	blank    int64 // empty lines
	noLevel  int64 // records without a level
	levels   map[string]int64
	noUser   map[string]int64 // level → records without a user
	noLvlNoU int64            // records with neither level nor user
	users    map[string]int64
	actions  map[string]map[string]int64 // action → level → records; "" for no level
	lat      []float64                   // milliseconds
	badLat   int64
	timed    int64
	first    time.Time
	last     time.Time
	minutes  map[int64]int64 // minute since the epoch → timed records
	files    []string        // paths as given, each of which "formats" must name
	// format, when it has a file, is the format name "formats" must
	// give it; files not in it may have any name.
	format map[string]string
	// lines, when not zero, is the "lines" expected, for framings whose
	// physical lines are not one per record (CRI partial lines joined,
	// an OTLP line holding many records); else it is records plus
	// continuation and blank lines.
	lines int64
	// slack is how far a reported time may be from the truth: zap's float
	// seconds lose a few hundred nanoseconds.
	slack time.Duration
	// window asks checkResults to check the windows of one minute: the
	// run had -window 1m.
	window bool
}

func newTruth() *truth {
	return &truth{
		levels:  map[string]int64{},
		noUser:  map[string]int64{},
		users:   map[string]int64{},
		actions: map[string]map[string]int64{},
		minutes: map[int64]int64{},
		slack:   500 * time.Nanosecond,
	}
}

// add tallies one record.
func (tr *truth) add(r truthRecord) {
	tr.events++
	tr.cont += int64(r.cont)
	if r.level == "" {
		tr.noLevel++
	} else {
		tr.levels[r.level]++
	}
	switch {
	case r.user != "":
		tr.users[writtenName(r.user)]++
	case r.level == "":
		tr.noLvlNoU++
	default:
		tr.noUser[r.level]++
	}
	if r.action != "" {
		if tr.actions[r.action] == nil {
			tr.actions[r.action] = map[string]int64{}
		}
		tr.actions[r.action][r.level]++
	}
	switch {
	case r.badLat:
		tr.badLat++
	case r.hasLat:
		tr.lat = append(tr.lat, r.latency)
	}
	if r.hasTime {
		if tr.timed == 0 || r.at.Before(tr.first) {
			tr.first = r.at
		}
		if tr.timed == 0 || r.at.After(tr.last) {
			tr.last = r.at
		}
		tr.timed++
		tr.minutes[r.at.Unix()/60]++
	}
}

// merge adds the tallies of o, for a run over several files.
func (tr *truth) merge(o *truth) {
	lines := tr.wantLines() + o.wantLines()
	explicit := tr.lines != 0 || o.lines != 0
	tr.events += o.events
	tr.cont += o.cont
	tr.blank += o.blank
	tr.noLevel += o.noLevel
	tr.noLvlNoU += o.noLvlNoU
	addCounts(tr.levels, o.levels)
	addCounts(tr.noUser, o.noUser)
	addCounts(tr.users, o.users)
	for a, lv := range o.actions {
		if tr.actions[a] == nil {
			tr.actions[a] = map[string]int64{}
		}
		addCounts(tr.actions[a], lv)
	}
	tr.lat = append(tr.lat, o.lat...)
	tr.badLat += o.badLat
	if o.timed > 0 {
		if tr.timed == 0 || o.first.Before(tr.first) {
			tr.first = o.first
		}
		if tr.timed == 0 || o.last.After(tr.last) {
			tr.last = o.last
		}
	}
	tr.timed += o.timed
	addCounts(tr.minutes, o.minutes)
	tr.files = append(tr.files, o.files...)
	if len(o.format) > 0 && tr.format == nil {
		tr.format = map[string]string{}
	}
	maps.Copy(tr.format, o.format)
	if explicit {
		tr.lines = lines
	}
	tr.slack = max(tr.slack, o.slack)
}

func addCounts[K comparable](dst, src map[K]int64) {
	for k, n := range src {
		dst[k] += n
	}
}

// wantLines is the "lines" expected.
func (tr *truth) wantLines() int64 {
	if tr.lines != 0 {
		return tr.lines
	}
	return tr.events + tr.cont + tr.blank
}

// withWindow returns a copy of tr whose check includes the windows of a
// run with -window 1m.
func (tr *truth) withWindow() *truth {
	c := *tr
	c.window = true
	return &c
}

// results is the part of the results JSON the truth is checked against.
// The keys issue 11 adds are pointers so that an absent key is told from
// a zero.
type results struct {
	Lines       int64            `json:"lines"`
	Blank       int64            `json:"blank_lines"`
	Malformed   int64            `json:"malformed_lines"`
	Examples    json.RawMessage  `json:"malformed_examples"`
	Levels      map[string]int64 `json:"log_levels"`
	NoUser      map[string]int64 `json:"lines_without_user"`
	UniqueUsers int              `json:"unique_users"`
	Users       map[string]int64 `json:"user_actions"`
	Actions     map[string]struct {
		Events int64            `json:"events"`
		Levels map[string]int64 `json:"log_levels"`
	} `json:"actions"`
	Latency    map[string]float64 `json:"latency"`
	BadLatency int64              `json:"unreadable_latencies"`
	BadTime    int64              `json:"unreadable_times"`
	TimeRange  struct {
		Events int64  `json:"events"`
		First  string `json:"first"`
		Last   string `json:"last"`
	} `json:"time_range"`
	Windows *struct {
		Width  string `json:"width"`
		Counts []struct {
			Events int64  `json:"events"`
			Start  string `json:"start"`
		} `json:"counts"`
	} `json:"windows"`
	Continuation *int64                      `json:"continuation_lines"`
	NoLevel      *int64                      `json:"lines_without_level"`
	Formats      map[string]map[string]int64 `json:"formats"`
}

// checkResults checks every key of the results JSON in stdout against the
// truth; what names the run in each error.
func checkResults(t testing.TB, what, stdout string, want *truth) {
	t.Helper()
	var res results
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Errorf("%s: stdout is not the results JSON: %v\n%.500s", what, err, stdout)
		return
	}
	c := &checker{t, what}
	errorf := c.errorf

	if lines := want.wantLines(); res.Lines != lines || res.Blank != want.blank || res.Malformed != 0 {
		errorf("%d lines, %d blank, %d malformed %s; want %d (%d records, %d continuation lines, %d blank) and none malformed",
			res.Lines, res.Blank, res.Malformed, res.Examples, lines, want.events, want.cont, want.blank)
	}
	checkCount(c, "continuation_lines", res.Continuation, want.cont)
	checkCount(c, "lines_without_level", res.NoLevel, want.noLevel)
	for _, f := range want.files {
		if name, ok := want.format[f]; ok && (len(res.Formats[f]) != 1 || res.Formats[f][name] == 0) {
			errorf("formats = %v, want %q alone for %q", res.Formats, name, f)
		} else if len(res.Formats[f]) == 0 {
			errorf("formats = %v, want a format named for %q", res.Formats, f)
		}
	}

	for _, e := range []struct {
		key       string
		got, want map[string]int64
	}{{"log_levels", res.Levels, want.levels}, {"user_actions", res.Users, want.users}} {
		if !maps.Equal(e.got, e.want) {
			errorf("%s = %v, want %v", e.key, e.got, e.want)
		}
	}
	checkNoUser(c, res.NoUser, want)
	if res.UniqueUsers != len(want.users) {
		errorf("unique_users = %d, want %d", res.UniqueUsers, len(want.users))
	}
	if len(res.Actions) != len(want.actions) {
		errorf("%d actions %v, want %d", len(res.Actions), slices.Sorted(maps.Keys(res.Actions)), len(want.actions))
	}
	for name, byLevel := range want.actions {
		got := res.Actions[name]
		var events int64
		levels := map[string]int64{} // without the records that have no level
		for level, n := range byLevel {
			events += n
			if level != "" {
				levels[level] = n
			}
		}
		if got.Events != events || !maps.Equal(got.Levels, levels) {
			errorf("action %q: %d events %v, want %d %v", name, got.Events, got.Levels, events, levels)
		}
	}

	checkLatency(c, res.Latency, want.lat)
	if res.BadLatency != want.badLat || res.BadTime != 0 {
		errorf("unreadable_latencies %d, unreadable_times %d; want %d and 0", res.BadLatency, res.BadTime, want.badLat)
	}
	checkTimes(c, &res, want)
}

// checker reports a mismatch at the test's call of checkResults, naming
// the run.
type checker struct {
	t    testing.TB
	what string
}

func (c *checker) errorf(format string, args ...any) {
	c.t.Helper()
	c.t.Errorf("%s: %s", c.what, fmt.Sprintf(format, args...))
}

// checkCount checks a count issue 11 adds: an absent key reads as zero.
func checkCount(c *checker, key string, got *int64, want int64) {
	c.t.Helper()
	var n int64
	if got != nil {
		n = *got
	}
	if n != want {
		c.errorf("%s = %d, want %d", key, n, want)
	}
}

// checkNoUser checks lines_without_user. Where a record had neither a
// level nor a user, the contract names no key for it: any keys beyond
// the levels' must add up to those records.
func checkNoUser(c *checker, got map[string]int64, want *truth) {
	c.t.Helper()
	rest := maps.Clone(got)
	for level := range want.levels {
		delete(rest, level)
	}
	var other int64
	for _, n := range rest {
		other += n
	}
	mine := maps.Clone(got)
	maps.DeleteFunc(mine, func(level string, _ int64) bool { return want.levels[level] == 0 })
	if !maps.Equal(mine, want.noUser) || other != want.noLvlNoU {
		c.errorf("lines_without_user = %v, want %v and %d lines without a level", got, want.noUser, want.noLvlNoU)
	}
}

// checkLatency: count, min and max are exact (the JSON rounds to the
// microsecond); percentiles are within 1/256 of the nearest-rank value.
func checkLatency(c *checker, got map[string]float64, lat []float64) {
	c.t.Helper()
	lat = slices.Clone(lat)
	slices.Sort(lat)
	n := int64(len(lat))
	if n == 0 {
		if got["count"] != 0 {
			c.errorf("latency count %v, want none", got["count"])
		}
		return
	}
	near := func(got, want, rel float64) bool { return got >= want-want*rel-0.001 && got <= want+want*rel+0.001 }
	if got["count"] != float64(n) || !near(got["min_ms"], lat[0], 0) || !near(got["max_ms"], lat[n-1], 0) {
		c.errorf("latency count %v min %v max %v, want %d, %v, %v", got["count"], got["min_ms"], got["max_ms"], n, lat[0], lat[n-1])
	}
	for _, q := range []struct {
		key      string
		num, den int64
	}{{"p50_ms", 1, 2}, {"p90_ms", 9, 10}, {"p99_ms", 99, 100}, {"p999_ms", 999, 1000}} {
		exact := lat[max((q.num*n+q.den-1)/q.den, 1)-1]
		if !near(got[q.key], exact, 1.0/256) {
			c.errorf("latency %s = %v, want %v within 1/256", q.key, got[q.key], exact)
		}
	}
}

// checkTimes checks time_range and, when asked, the windows of one minute.
func checkTimes(c *checker, res *results, want *truth) {
	c.t.Helper()
	if res.TimeRange.Events != want.timed {
		c.errorf("time_range events = %d, want %d", res.TimeRange.Events, want.timed)
	}
	if want.timed == 0 {
		if res.TimeRange.First != "" || res.TimeRange.Last != "" {
			c.errorf("time_range %s to %s, want none: no record has a time", res.TimeRange.First, res.TimeRange.Last)
		}
	} else {
		for _, e := range []struct {
			what string
			got  string
			want time.Time
		}{{"first", res.TimeRange.First, want.first}, {"last", res.TimeRange.Last, want.last}} {
			got, err := time.Parse(time.RFC3339Nano, e.got)
			if d := got.Sub(e.want); err != nil || d <= -want.slack || d >= want.slack {
				c.errorf("time_range %s = %q, want %s", e.what, e.got, e.want.Format(time.RFC3339Nano))
			}
		}
	}
	if !want.window {
		return
	}
	if res.Windows == nil {
		c.errorf("no windows; want windows of 1m0s")
		return
	}
	var got, wantW []string
	for _, w := range res.Windows.Counts {
		got = append(got, fmt.Sprintf("%s %d", w.Start, w.Events))
	}
	if want.timed > 0 {
		for m := want.first.Unix() / 60; m <= want.last.Unix()/60; m++ {
			wantW = append(wantW, fmt.Sprintf("%s %d", time.Unix(m*60, 0).UTC().Format(time.RFC3339Nano), want.minutes[m]))
		}
	}
	if res.Windows.Width != "1m0s" || !slices.Equal(got, wantW) {
		c.errorf("windows of %s: %v, want windows of 1m0s: %v", res.Windows.Width, got, wantW)
	}
}

// writtenName is a user as the README says results write it: as logged
// when it is valid UTF-8 with no backslash, else with each backslash
// doubled and each byte outside valid UTF-8 as \xHH.
func writtenName(s string) string {
	if !strings.Contains(s, `\`) && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\\':
			b.WriteString(`\\`)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}
