// Package results reads and compares logproc's results JSON, so that every
// benchmark driver checks answers the same way, independently of the out
// package that writes them.
package results

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
)

// Result is the results schema that logproc scan writes and logproc gen
// -truth writes for what it generated. Field order follows the JSON names,
// so encoding/json writes the keys sorted, as logproc does.
type Result struct {
	Actions             map[string]Action           `json:"actions,omitempty"`
	BlankLines          int64                       `json:"blank_lines"`
	Bytes               int64                       `json:"bytes"`
	ContinuationLines   int64                       `json:"continuation_lines,omitempty"`
	FilteredLines       int64                       `json:"filtered_lines,omitempty"`
	Formats             map[string]map[string]int64 `json:"formats,omitempty"`
	Latency             *Latency                    `json:"latency,omitempty"`
	Lines               int64                       `json:"lines"`
	LinesWithoutLevel   int64                       `json:"lines_without_level,omitempty"`
	LinesWithoutUser    map[string]int64            `json:"lines_without_user"`
	LogLevels           map[string]int64            `json:"log_levels"`
	LongLines           int64                       `json:"long_lines,omitempty"`
	MalformedExamples   []Position                  `json:"malformed_examples"`
	MalformedLines      int64                       `json:"malformed_lines"`
	TimeRange           *TimeRange                  `json:"time_range,omitempty"`
	UniqueUsers         int                         `json:"unique_users"`
	UnreadableLatencies int64                       `json:"unreadable_latencies,omitempty"`
	UnreadableTimes     int64                       `json:"unreadable_times,omitempty"`
	UserActions         map[string]int64            `json:"user_actions"`
	Windows             *Windows                    `json:"windows,omitempty"`
}

// Action is one action's section.
type Action struct {
	Events    int64            `json:"events"`
	Latency   *Latency         `json:"latency,omitempty"`
	LogLevels map[string]int64 `json:"log_levels"`
}

// Latency is a latency summary, in milliseconds.
type Latency struct {
	Count  int64   `json:"count"`
	MaxMS  float64 `json:"max_ms"`
	MeanMS float64 `json:"mean_ms"`
	MinMS  float64 `json:"min_ms"`
	P50MS  float64 `json:"p50_ms"`
	P90MS  float64 `json:"p90_ms"`
	P999MS float64 `json:"p999_ms"`
	P99MS  float64 `json:"p99_ms"`
}

// TimeRange is the span of the events with a time.
type TimeRange struct {
	Events int64  `json:"events"`
	First  string `json:"first,omitempty"`
	Last   string `json:"last,omitempty"`
}

// Windows are the events per time window.
type Windows struct {
	Counts []struct {
		Events int64  `json:"events"`
		Start  string `json:"start"`
	} `json:"counts"`
	Width string `json:"width"`
}

// Position locates a malformed line.
type Position struct {
	File string `json:"file"`
	Line int64  `json:"line"`
}

// Parse decodes a results JSON document. Unknown keys are an error: a new
// key in the schema must be compared too, not silently ignored.
func Parse(data []byte) (Result, error) {
	var r Result
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return Result{}, fmt.Errorf("results JSON: %w", err)
	}
	if dec.More() {
		return Result{}, fmt.Errorf("results JSON: more than one document")
	}
	return r, nil
}

// ReadFile parses the results JSON in path.
func ReadFile(path string) (Result, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Result{}, err
	}
	r, err := Parse(data)
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// Marshal returns r as indented JSON ending in a newline. Maps left nil are
// written as {} and a nil example list as [], as logproc writes them.
func Marshal(r Result) ([]byte, error) {
	for _, m := range []*map[string]int64{&r.LinesWithoutUser, &r.LogLevels, &r.UserActions} {
		if *m == nil {
			*m = map[string]int64{}
		}
	}
	if r.MalformedExamples == nil {
		r.MalformedExamples = []Position{}
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// maxShown is how many differing keys of one map a diff names.
const maxShown = 3

// DiffCounts compares what every counter must agree on: events per level,
// lines without a user per level, lines per user. It returns one line per
// differing field, empty when the counts agree.
func DiffCounts(want, got Result) []string {
	var d []string
	d = appendMapDiff(d, "log_levels", want.LogLevels, got.LogLevels)
	d = appendMapDiff(d, "lines_without_user", want.LinesWithoutUser, got.LinesWithoutUser)
	d = appendMapDiff(d, "user_actions", want.UserActions, got.UserActions)
	return d
}

// Diff compares every count: DiffCounts and the line, byte, blank,
// malformed and unique user totals. It leaves out the malformed examples,
// which only logproc locates; see DiffExamples.
func Diff(want, got Result) []string {
	d := DiffCounts(want, got)
	d = appendIntDiff(d, "blank_lines", want.BlankLines, got.BlankLines)
	d = appendIntDiff(d, "bytes", want.Bytes, got.Bytes)
	d = appendIntDiff(d, "lines", want.Lines, got.Lines)
	d = appendIntDiff(d, "long_lines", want.LongLines, got.LongLines)
	d = appendIntDiff(d, "malformed_lines", want.MalformedLines, got.MalformedLines)
	d = appendIntDiff(d, "lines_without_level", want.LinesWithoutLevel, got.LinesWithoutLevel)
	d = appendIntDiff(d, "continuation_lines", want.ContinuationLines, got.ContinuationLines)
	return appendIntDiff(d, "unique_users", int64(want.UniqueUsers), int64(got.UniqueUsers))
}

// DiffMetrics compares the sections beyond the seed's counters: actions,
// latency and time range, each as a whole. A section missing from got
// that want has is a difference.
func DiffMetrics(want, got Result) []string {
	var d []string
	for _, s := range []struct {
		name      string
		want, got any
	}{
		{"actions", want.Actions, got.Actions},
		{"latency", want.Latency, got.Latency},
		{"time_range", want.TimeRange, got.TimeRange},
	} {
		if !reflect.DeepEqual(s.want, s.got) {
			w, _ := json.Marshal(s.want)
			g, _ := json.Marshal(s.got)
			d = append(d, fmt.Sprintf("%s: want %.200s, got %.200s", s.name, w, g))
		}
	}
	return d
}

// DiffExamples compares the line numbers of the malformed examples, not
// their file names, which name the path a tool was given.
func DiffExamples(want, got Result) []string {
	wantAt := lineNumbers(want.MalformedExamples)
	gotAt := lineNumbers(got.MalformedExamples)
	if slices.Equal(wantAt, gotAt) {
		return nil
	}
	return []string{fmt.Sprintf("malformed_examples: want lines %v, got %v", wantAt, gotAt)}
}

func lineNumbers(ps []Position) []int64 {
	at := make([]int64, len(ps))
	for i, p := range ps {
		at[i] = p.Line
	}
	return at
}

func appendIntDiff(d []string, name string, want, got int64) []string {
	if want != got {
		d = append(d, fmt.Sprintf("%s: want %d, got %d", name, want, got))
	}
	return d
}

// appendMapDiff names up to maxShown differing keys, in sorted order, and
// how many differ in all. A key absent from a map counts as 0.
func appendMapDiff(d []string, name string, want, got map[string]int64) []string {
	var keys []string
	for k, n := range want {
		if got[k] != n {
			keys = append(keys, k)
		}
	}
	for k, n := range got {
		if _, ok := want[k]; !ok && n != 0 {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return d
	}
	slices.Sort(keys)
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s: %d keys differ:", name, len(keys))
	for _, k := range keys[:min(len(keys), maxShown)] {
		fmt.Fprintf(&sb, " %q want %d got %d;", k, want[k], got[k])
	}
	if len(keys) > maxShown {
		sb.WriteString(" …")
	}
	return append(d, strings.TrimSuffix(sb.String(), ";"))
}
