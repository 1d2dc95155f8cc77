package main

// The truth of the framing tests, tallied from the records as they were
// logged, and the one check of logproc's results against it (checkFramed,
// to be swapped for truth_test.go's checkResults at merge).

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// frameRecs returns n records; with longEvery > 0, every longEvery-th has a
// message of 20,000 to 50,000 bytes, which the platforms split. About a
// third go to stderr; each is seen by the platform 0 to 5 ms after it was
// logged. No time falls on a whole minute, where zap's float seconds
// could put it in the window before.
func frameRecs(n, longEvery int, seed uint64) []frameRec {
	rng := rand.New(rand.NewPCG(seed, 11))
	base := cliRecords(n)
	recs := make([]frameRec, n)
	for i, c := range base {
		if c.at.Truncate(time.Minute).Equal(c.at) {
			c.at = c.at.Add(time.Millisecond)
		}
		r := frameRec{cliRecord: c, msg: "user action", stderr: rng.IntN(3) == 0}
		r.seen = c.at.Add(time.Duration(rng.IntN(6)) * time.Millisecond)
		if longEvery > 0 && i%longEvery == longEvery-1 {
			r.msg = longMsg([]int{20000, 40960, 50000}[rng.IntN(3)])
		}
		recs[i] = r
	}
	return recs
}

// withUsers gives every record a user: how a line with neither level nor
// user is reported is not in the contract.
func withUsers(recs []frameRec) []frameRec {
	for i := range recs {
		if recs[i].user == "" {
			recs[i].user = "dave@example.com"
		}
	}
	return recs
}

// longMsg is n bytes of text with multi-byte runes and HTML characters, so
// that 16 KiB cuts may fall inside a rune.
func longMsg(n int) string {
	const words = "lorem ipsum Zoë Ångström <&> dolor sit amet "
	s := strings.Repeat(words, n/len(words)+1)[:n]
	return strings.ToValidUTF8(s, "")
}

// frameTruth is what logproc must report, tallied from the records.
type frameTruth struct {
	records   int64 // events
	pieces    int64 // physical lines beyond one a record, where platforms split records
	batched   int64 // records beyond one a line, where envelopes batch them
	levels    map[string]int64
	noUser    map[string]int64
	noLevel   int64
	users     map[string]int64
	actions   map[string]map[string]int64 // action → level → events; "" for no level
	latencies []int64                     // milliseconds
	times     []time.Time
	files     []string // as given to logproc
}

func newFrameTruth() *frameTruth {
	return &frameTruth{levels: map[string]int64{}, noUser: map[string]int64{}, users: map[string]int64{}, actions: map[string]map[string]int64{}}
}

// add counts one event with the level logproc must report ("" for none)
// and the time it must take.
func (tr *frameTruth) add(r *cliRecord, level string, at time.Time) {
	tr.records++
	if level == "" {
		tr.noLevel++
	} else {
		tr.levels[level]++
	}
	if r.user == "" {
		tr.noUser[level]++
	} else {
		tr.users[writtenName(r.user)]++
	}
	if r.action != "" {
		if tr.actions[r.action] == nil {
			tr.actions[r.action] = map[string]int64{}
		}
		tr.actions[r.action][level]++
	}
	if r.hasLat {
		tr.latencies = append(tr.latencies, r.latency)
	}
	tr.times = append(tr.times, at)
}

// framedFile is one file a platform wrote, and how its records are read.
type framedFile struct {
	name  string
	recs  []frameRec
	write func(w io.Writer) error
	level func(i int) string // the level logproc must report for recs[i]
	timed bool               // the records' own times count, not the platform's
}

// framedInner makes a framedFile whose lines innerKind's library wrote and
// frame wraps.
func framedInner(name string, k innerKind, recs []frameRec, frame func(io.Writer, []frameRec, [][]byte) error) framedFile {
	lines := innerLines(k, recs)
	return framedFile{
		name:  name,
		recs:  recs,
		write: func(w io.Writer) error { return frame(w, recs, lines) },
		level: func(i int) string {
			if k == stdLog {
				return ""
			}
			return innerLevels[k][recs[i].level]
		},
		timed: innerTimed(k),
	}
}

// writeFramed writes the files into dir and tallies their truth, logging
// each file's first line for docs/formats-samples-framings.md.
func writeFramed(t *testing.T, dir string, files ...framedFile) *frameTruth {
	t.Helper()
	tr := newFrameTruth()
	for _, f := range files {
		var buf bytes.Buffer
		if err := f.write(&buf); err != nil {
			t.Fatalf("writing %s: %v", f.name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, f.name), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		text := buf.Bytes()
		if strings.HasSuffix(f.name, ".gz") {
			zr, err := gzip.NewReader(&buf)
			if err != nil {
				t.Fatal(err)
			}
			if text, err = io.ReadAll(zr); err != nil {
				t.Fatal(err)
			}
		}
		first, _, _ := bytes.Cut(text, []byte("\n"))
		t.Logf("first line of %s: %s", f.name, first)
		if lines := int64(bytes.Count(text, []byte("\n"))); lines > int64(len(f.recs)) {
			tr.pieces += lines - int64(len(f.recs))
		} else {
			tr.batched += int64(len(f.recs)) - lines // OTLP and CloudWatch lines hold many records
		}
		for i := range f.recs {
			r := &f.recs[i]
			at := r.seen
			if f.timed {
				at = r.at
			}
			tr.add(&r.cliRecord, f.level(i), at)
		}
		tr.files = append(tr.files, f.name)
	}
	return tr
}

// checkFramed checks the results JSON of `logproc scan -window 1m -o -`
// against the truth, every key of issue 11's contract. Times must be
// within tol of the truth (zap's float seconds, and the 100 ns a piece the
// platforms add, move them a little). A record split into pieces counts as
// one line, or as its first line with the rest as continuation_lines:
// the contract allows either reading, but not a mix.
func checkFramed(t *testing.T, what, stdout string, tr *frameTruth, tol time.Duration) {
	t.Helper()
	var res struct {
		Lines        int64                       `json:"lines"`
		Malformed    int64                       `json:"malformed_lines"`
		Continuation int64                       `json:"continuation_lines"`
		NoLevel      int64                       `json:"lines_without_level"`
		Levels       map[string]int64            `json:"log_levels"`
		NoUser       map[string]int64            `json:"lines_without_user"`
		UniqueUsers  int                         `json:"unique_users"`
		Users        map[string]int64            `json:"user_actions"`
		Formats      map[string]map[string]int64 `json:"formats"`
		BadLatency   int64                       `json:"unreadable_latencies"`
		BadTime      int64                       `json:"unreadable_times"`
		Actions      map[string]struct {
			Events int64            `json:"events"`
			Levels map[string]int64 `json:"log_levels"`
		} `json:"actions"`
		Latency   map[string]float64 `json:"latency"`
		TimeRange struct {
			Events int64  `json:"events"`
			First  string `json:"first"`
			Last   string `json:"last"`
		} `json:"time_range"`
		Windows struct {
			Width  string `json:"width"`
			Counts []struct {
				Events int64  `json:"events"`
				Start  string `json:"start"`
			} `json:"counts"`
		} `json:"windows"`
	}
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatalf("%s: stdout is not the results JSON: %v\n%.500s", what, err, stdout)
	}
	if res.Malformed != 0 || res.BadLatency != 0 || res.BadTime != 0 {
		t.Errorf("%s: %d malformed lines, %d unreadable latencies, %d unreadable times; want none", what, res.Malformed, res.BadLatency, res.BadTime)
	}
	if (res.Continuation != 0 && res.Continuation != tr.pieces) || res.Lines != tr.records+res.Continuation-tr.batched {
		t.Errorf("%s: %d lines with %d continuation_lines; want %d lines less %d batched, or %d with %d continuation lines (the pieces of split records)",
			what, res.Lines, res.Continuation, tr.records, tr.batched, tr.records+tr.pieces-tr.batched, tr.pieces)
	}
	if res.NoLevel != tr.noLevel {
		t.Errorf("%s: lines_without_level = %d, want %d", what, res.NoLevel, tr.noLevel)
	}
	for _, f := range tr.files {
		if len(res.Formats[f]) == 0 {
			t.Errorf("%s: formats %v does not name %s", what, res.Formats, f)
		}
	}
	for _, c := range []struct {
		key       string
		got, want map[string]int64
	}{{"log_levels", res.Levels, tr.levels}, {"lines_without_user", res.NoUser, tr.noUser}, {"user_actions", res.Users, tr.users}} {
		if !maps.Equal(c.got, c.want) {
			t.Errorf("%s: %s = %v, want %v", what, c.key, c.got, c.want)
		}
	}
	if res.UniqueUsers != len(tr.users) {
		t.Errorf("%s: unique_users = %d, want %d", what, res.UniqueUsers, len(tr.users))
	}
	if len(res.Actions) != len(tr.actions) {
		t.Errorf("%s: %d actions %v, want %d", what, len(res.Actions), slices.Sorted(maps.Keys(res.Actions)), len(tr.actions))
	}
	for name, byLevel := range tr.actions {
		var events int64
		levels := map[string]int64{}
		for level, n := range byLevel {
			events += n
			if level != "" {
				levels[level] = n
			}
		}
		got := res.Actions[name]
		if got.Events != events || !maps.Equal(got.Levels, levels) {
			t.Errorf("%s: action %q: %d events %v, want %d %v", what, name, got.Events, got.Levels, events, levels)
		}
	}

	// Latencies are whole milliseconds: count, min and max are exact;
	// percentiles within 1/256 of the nearest-rank value.
	lat := slices.Sorted(slices.Values(tr.latencies))
	n := int64(len(lat))
	if n == 0 || res.Latency["count"] != float64(n) || res.Latency["min_ms"] != float64(lat[0]) || res.Latency["max_ms"] != float64(lat[n-1]) {
		t.Errorf("%s: latency %v, want count %d min %v max %v", what, res.Latency, n, lat[:min(n, 1)], lat[max(n-1, 0):])
	} else {
		for _, q := range []struct {
			key      string
			num, den int64
		}{{"p50_ms", 1, 2}, {"p90_ms", 9, 10}, {"p99_ms", 99, 100}, {"p999_ms", 999, 1000}} {
			exact := float64(lat[max((q.num*n+q.den-1)/q.den, 1)-1])
			if got := res.Latency[q.key]; got < exact-exact/256-0.001 || got > exact+exact/256+0.001 {
				t.Errorf("%s: latency %s = %v, want %v within 1/256", what, q.key, got, exact)
			}
		}
	}

	first, last := slices.MinFunc(tr.times, time.Time.Compare), slices.MaxFunc(tr.times, time.Time.Compare)
	for _, c := range []struct {
		key  string
		got  string
		want time.Time
	}{{"first", res.TimeRange.First, first}, {"last", res.TimeRange.Last, last}} {
		got, err := time.Parse(time.RFC3339Nano, c.got)
		if d := got.Sub(c.want); err != nil || d < -tol || d > tol {
			t.Errorf("%s: time_range %s = %q, want %s within %v", what, c.key, c.got, c.want.Format(time.RFC3339Nano), tol)
		}
	}
	if res.TimeRange.Events != tr.records {
		t.Errorf("%s: time_range events = %d, want %d", what, res.TimeRange.Events, tr.records)
	}
	windows := map[int64]int64{}
	for _, at := range tr.times {
		windows[at.Unix()/60]++
	}
	var got, want []string
	for _, w := range res.Windows.Counts {
		got = append(got, fmt.Sprintf("%s %d", w.Start, w.Events))
	}
	for m := first.Unix() / 60; m <= last.Unix()/60; m++ {
		want = append(want, fmt.Sprintf("%s %d", time.Unix(m*60, 0).UTC().Format(time.RFC3339Nano), windows[m]))
	}
	if res.Windows.Width != "1m0s" || !slices.Equal(got, want) {
		t.Errorf("%s: windows of %q: %v, want windows of 1m0s: %v", what, res.Windows.Width, got, want)
	}
}
