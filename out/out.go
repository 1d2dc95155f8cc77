// Package out turns counts into the results file.
//
// The schema keeps the seed project's keys (log_levels, unique_users,
// user_actions) and adds the rest beside them. Every object's keys are
// sorted, struct fields by declaration order and maps by goccy/go-json's
// default, so two runs over the same input give the same bytes and diff
// clean.
package out

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	json "github.com/goccy/go-json"

	"github.com/logproc/logproc/agg"
	"github.com/logproc/logproc/internal/files"
)

// Result is the results file. Keep the fields in alphabetical order of
// their JSON names. The sections of the metrics beyond the seed's
// (actions, latency, time_range, windows and the counts of values that
// could not be read) are left out when they were not asked for, so a run
// with only the seed's counters writes the seed's schema plus line counts.
type Result struct {
	Actions           map[string]Action `json:"actions,omitempty"`
	BlankLines        int64             `json:"blank_lines"`
	Bytes             int64             `json:"bytes"`
	ContinuationLines int64             `json:"continuation_lines,omitempty"`
	FilteredLines     int64             `json:"filtered_lines,omitempty"`
	// Formats says, per file, how many lines were read as each format
	// ("cri+json": 1200); the caller sets it.
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

	// users, when not nil, is written as user_actions in place of
	// UserActions, which New leaves nil then: New sets it from a
	// Totals.UserList, millions of users that a map would make slow. It
	// is in no order until the first write sorts it in place.
	users []userEntry
}

// Position locates a malformed line.
type Position struct {
	File string `json:"file"`
	Line int64  `json:"line"`
}

// Action is what the events of one action add up to.
type Action struct {
	Events    int64            `json:"events"`
	Latency   *Latency         `json:"latency,omitempty"` // absent when none of its events had one
	LogLevels map[string]int64 `json:"log_levels"`
}

// Latency summarises a histogram in milliseconds, rounded to the
// microsecond. The percentiles are nearest-rank values from agg.Histogram,
// within 1/256 of the exact ones; count, max, mean and min are exact.
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

// TimeRange is the span of the events that had a time, in RFC 3339 UTC.
type TimeRange struct {
	Events int64  `json:"events"`
	First  string `json:"first,omitempty"`
	Last   string `json:"last,omitempty"`
}

// Windows counts events per time window, every window from the first
// event's to the last's, empty ones as zero.
type Windows struct {
	Counts []Window `json:"counts"`
	Width  string   `json:"width"`
}

// Window is one time window: its start and its events.
type Window struct {
	Events int64  `json:"events"`
	Start  string `json:"start"`
}

// Sections says which metrics beyond the seed's a Result holds, and how
// many users it lists.
type Sections struct {
	Actions bool // the actions section
	Latency bool // the latency summaries, overall and per action
	Times   bool // time_range, and windows when the totals have them
	Filter  bool // filtered_lines, when a time filter was used
	// TopUsers, when positive, keeps only that many users in
	// user_actions: those with the most lines, ties broken by name.
	// unique_users still counts them all.
	TopUsers int
}

// AllSections returns the sections of a run that takes every field.
func AllSections() Sections { return Sections{Actions: true, Latency: true, Times: true} }

// New builds the result of bytes worth of input counted into t, with the
// malformed lines found at the given positions, holding the sections s
// names.
func New(t agg.Totals, bytes int64, malformedAt []agg.Position, s Sections) Result {
	r, _ := NewContext(context.Background(), t, bytes, malformedAt, s)
	return r
}

// NewContext is New that stops once ctx is done, returning its cause: the
// entries of millions of users take a second to build.
func NewContext(ctx context.Context, t agg.Totals, bytes int64, malformedAt []agg.Position, s Sections) (Result, error) {
	r := Result{
		BlankLines:        t.Blank,
		Bytes:             bytes,
		ContinuationLines: t.Continuation + t.Joined,
		Lines:             t.Lines(),
		LinesWithoutLevel: t.Levels[noLevel],
		LinesWithoutUser:  renameNoLevel(t.NoUser),
		LogLevels:         withoutNoLevel(t.Levels),
		LongLines:         t.LongLines,
		MalformedExamples: make([]Position, len(malformedAt)),
		MalformedLines:    t.Malformed,
		UniqueUsers:       t.UniqueUsers(),
	}
	if t.Users == nil && t.UserList != nil {
		var err error
		if r.users, err = listEntries(ctx, t.UserList, s.TopUsers); err != nil {
			return Result{}, err
		}
	} else {
		r.UserActions = topUsers(nonNil(t.Users), s.TopUsers)
	}
	for i, p := range malformedAt {
		r.MalformedExamples[i] = Position{File: p.File, Line: p.Line}
	}
	if s.Filter {
		r.FilteredLines = t.Filtered
	}
	if s.Actions {
		r.Actions = make(map[string]Action, len(t.Actions))
		for name, a := range t.Actions {
			act := Action{Events: a.Events, LogLevels: withoutNoLevel(a.Levels)}
			if s.Latency && a.Latency.Count() > 0 {
				act.Latency = summarise(&a.Latency)
			}
			r.Actions[name] = act
		}
	}
	if s.Latency {
		r.Latency = summarise(&t.Latency)
		r.UnreadableLatencies = t.BadLatency
	}
	if s.Times {
		r.TimeRange = &TimeRange{Events: t.Timed}
		if t.Timed > 0 {
			r.TimeRange.First, r.TimeRange.Last = timestamp(t.First), timestamp(t.Last)
		}
		r.UnreadableTimes = t.BadTime
		if w := &t.Windows; w.Width > 0 {
			r.Windows = &Windows{Width: w.Width.String(), Counts: make([]Window, len(w.Counts))}
			for i, n := range w.Counts {
				r.Windows.Counts[i] = Window{Events: n, Start: w.Start(i).Format(time.RFC3339Nano)}
			}
		}
	}
	return r, nil
}

// noLevel is the level agg counts the records that have none under: out
// reports them as lines_without_level, not as a level.
const noLevel = ""

// withoutNoLevel is m, never nil, less the records with no level.
func withoutNoLevel(m map[string]int64) map[string]int64 {
	if _, ok := m[noLevel]; !ok {
		return nonNil(m)
	}
	c := make(map[string]int64, len(m))
	for k, n := range m {
		if k != noLevel {
			c[k] = n
		}
	}
	return c
}

// NoLevelKey is the key lines_without_user counts the records with
// neither a level nor a user under.
const NoLevelKey = "(no level)"

// renameNoLevel is m, never nil, with the records with no level under
// NoLevelKey.
func renameNoLevel(m map[string]int64) map[string]int64 {
	n, ok := m[noLevel]
	if !ok {
		return nonNil(m)
	}
	c := withoutNoLevel(m)
	c[NoLevelKey] = n
	return c
}

func summarise(h *agg.Histogram) *Latency {
	if h.Count() == 0 {
		return &Latency{}
	}
	return &Latency{
		Count:  h.Count(),
		MaxMS:  millis(float64(h.Max())),
		MeanMS: millis(h.Mean()),
		MinMS:  millis(float64(h.Min())),
		P50MS:  millis(float64(h.Quantile(0.5))),
		P90MS:  millis(float64(h.Quantile(0.9))),
		P99MS:  millis(float64(h.Quantile(0.99))),
		P999MS: millis(float64(h.Quantile(0.999))),
	}
}

// millis converts nanoseconds to milliseconds rounded to the microsecond.
func millis(ns float64) float64 { return math.Round(ns/1e3) / 1e3 }

func timestamp(ns int64) string { return time.Unix(0, ns).UTC().Format(time.RFC3339Nano) }

// topUsers returns the n users of m with the most lines, or m itself when
// n is not positive or m is no larger.
func topUsers(m map[string]int64, n int) map[string]int64 {
	if n <= 0 || len(m) <= n {
		return m
	}
	top := make(map[string]int64, n)
	for _, name := range TopUsers(m, n) {
		top[name] = m[name]
	}
	return top
}

// TopUsers returns the names of the n users of m with the most lines, most
// first, ties broken by name.
func TopUsers(m map[string]int64, n int) []string {
	names := slices.Collect(maps.Keys(m))
	slices.SortFunc(names, func(a, b string) int {
		if c := cmp.Compare(m[b], m[a]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return names[:min(n, len(names))]
}

// nonNil makes an absent map an empty JSON object rather than null, so a
// consumer never has to tell the two apart.
func nonNil(m map[string]int64) map[string]int64 {
	if m == nil {
		return map[string]int64{}
	}
	return m
}

// Marshal returns the result as indented JSON ending in a newline. User
// names are written as they are, '<' and '&' included: the file is read by
// people and programs, not pasted into HTML.
func Marshal(r Result) ([]byte, error) {
	var b bytes.Buffer
	if err := encode(context.Background(), &b, r); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// userActionsNull is how goccy/go-json writes a nil user_actions: a
// top-level key is the only one indented by two spaces.
const userActionsNull = "\n  \"user_actions\": null"

// encode writes the result as Marshal returns it. goccy/go-json writes all
// but user_actions, which is written here from a sorted slice, streamed,
// in the same bytes: goccy sorts millions of keys with sort.Sort and holds
// the whole encoding in memory. encode stops once ctx is done.
func encode(ctx context.Context, w io.Writer, r Result) error {
	users := r.users
	if users == nil && r.UserActions != nil {
		users = mapEntries(r.UserActions)
	}
	if err := sortEntries(ctx, users); err != nil {
		return err
	}
	rest := r
	rest.UserActions, rest.users = nil, nil
	b, err := json.MarshalIndentWithOption(rest, "", "  ", json.DisableHTMLEscape())
	if err != nil {
		return fmt.Errorf("encode results: %w", err)
	}
	at := bytes.Index(b, []byte(userActionsNull))
	if at < 0 {
		return fmt.Errorf("encode results: no %q in goccy/go-json's output", userActionsNull[1:])
	}
	at += len(userActionsNull) - len("null")
	if _, err := w.Write(b[:at]); err != nil {
		return err
	}
	if users == nil {
		_, err = io.WriteString(w, "null")
	} else {
		err = writeUsers(ctx, w, users)
	}
	if err != nil {
		return err
	}
	if _, err := w.Write(b[at+len("null"):]); err != nil {
		return err
	}
	_, err = w.Write([]byte{'\n'})
	return err
}

// TopUsers returns the n users of r with the most lines, most first, ties
// broken by name, with their counts.
func (r *Result) TopUsers(n int) []agg.UserCount {
	if r.users == nil {
		top := TopUsers(r.UserActions, n)
		users := make([]agg.UserCount, len(top))
		for i, name := range top {
			users[i] = agg.UserCount{Name: name, Count: r.UserActions[name]}
		}
		return users
	}
	users := make([]agg.UserCount, len(r.users))
	for i, u := range r.users {
		users[i] = agg.UserCount{Name: u.key, Count: u.count}
	}
	slices.SortFunc(users, func(a, b agg.UserCount) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	users = users[:min(n, len(users))]
	for i := range users {
		users[i].Name = unquoteKey(users[i].Name)
	}
	return users
}

// Write writes the result to path, or to stdout when path is "-". A file
// is written whole or not at all: the JSON goes to a temporary file in the
// same directory, is synced, and is renamed over path only then, so an
// interrupted run never leaves a truncated results file. Once ctx ends,
// the writing stops and nothing is renamed into place.
func Write(ctx context.Context, path string, r Result, stdout io.Writer) error {
	if path == "-" {
		w := bufio.NewWriterSize(stdout, 1<<20)
		if err := encode(ctx, w, r); err != nil {
			return err
		}
		return w.Flush()
	}
	return writeFileAtomic(ctx, path, func(w io.Writer) error { return encode(ctx, w, r) })
}

// WriteFileAtomic writes data to path through a synced temporary file and a
// rename, so that path holds either its old content or all of data. A
// symbolic link is followed: its target is replaced, not the link. A FIFO,
// a device or a path through /proc (/dev/null, /dev/stdout) is written in
// place: renaming over it would replace the device with a file. When ctx
// ends first, nothing is renamed and the temporary file is removed.
func WriteFileAtomic(ctx context.Context, path string, data []byte) error {
	return writeFileAtomic(ctx, path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// writeFileAtomic is WriteFileAtomic with the data written by write, through
// a buffer.
func writeFileAtomic(ctx context.Context, path string, write func(io.Writer) error) (err error) {
	dest, err := files.Where(path)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if dest.Direct {
		return writeDirect(ctx, path, write)
	}
	dir, base := filepath.Split(dest.Path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
			err = fmt.Errorf("write %s: %w", path, err)
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	if err = write(bw); err != nil {
		return err
	}
	if err = bw.Flush(); err != nil {
		return err
	}
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = ctx.Err(); err != nil {
		return err
	}
	return os.Rename(f.Name(), dest.Path)
}

func writeDirect(ctx context.Context, path string, write func(io.Writer) error) error {
	f, err := files.OpenDirect(ctx, path)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	if err := write(bw); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}
