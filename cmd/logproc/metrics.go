package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/logproc/logproc/out"
	"github.com/logproc/logproc/scan/logline"
)

// metricSettings are scan's flags for what to take from a line and what to
// compute, defaulted from the Config.
type metricSettings struct {
	keys        logline.Config
	inputFormat string
	latencyUnit string
	metrics     string
	window      time.Duration
	since       string
	until       string
}

func addMetricFlags(f *commandFlags, cfg Config) *metricSettings {
	m := &metricSettings{}
	f.StringVar(&m.keys.LevelKey, "level-key", cfg.LevelKey, "`key` that holds a line's level (env LOGPROC_LEVEL_KEY)")
	f.StringVar(&m.keys.UserKey, "user-key", cfg.UserKey, "`key` that holds a line's user (env LOGPROC_USER_KEY)")
	f.StringVar(&m.keys.ActionKey, "action-key", cfg.ActionKey, "`key` that holds a line's action (env LOGPROC_ACTION_KEY)")
	f.StringVar(&m.keys.LatencyKey, "latency-key", cfg.LatencyKey, "`key` that holds a line's latency (env LOGPROC_LATENCY_KEY)")
	f.StringVar(&m.latencyUnit, "latency-unit", cfg.LatencyUnit, "`unit` of a latency written as a bare number: ns, us, ms or s\n(env LOGPROC_LATENCY_UNIT; default: the key's suffix, _ms say, else ms)")
	f.StringVar(&m.keys.TimeKey, "time-key", cfg.TimeKey, "`keys` that hold a line's time, the first found counting (env LOGPROC_TIME_KEY)")
	f.StringVar(&m.inputFormat, "input-format", cfg.InputFormat, "`format` of the lines: auto (told per range of a file), or one of "+strings.Join(logline.FormatNames(), ", ")+",\nor a framing and a format: cri+json, docker+logfmt (env LOGPROC_INPUT_FORMAT)")
	f.StringVar(&m.metrics, "metrics", cfg.Metrics, "what to compute beyond levels and users: all, seed (nothing more),\nor a `list` of actions, latency, time (env LOGPROC_METRICS)")
	f.DurationVar(&m.window, "window", 0, "count events per time window of this `width` (1m, 1h), empty windows as 0")
	f.StringVar(&m.since, "since", "", "keep only events at or after this `time` (RFC 3339, or 2026-11-26, or 2026-11-26T08:00; UTC unless a zone is given)")
	f.StringVar(&m.until, "until", "", "keep only events before this `time` (as -since)")
	return m
}

// addTopFlag adds -top, which keeps the results small: for scan and
// report, which write them.
func addTopFlag(f *commandFlags, top *int) {
	f.IntVar(top, "top", 0, "list only the `N` users with the most lines in user_actions (unique_users still counts all)")
}

// checkTop validates -top.
func checkTop(top int) error {
	if top < 0 {
		return usagef("-top=%d: must be 0 (all users) or more", top)
	}
	return nil
}

// metricNames are the metrics -metrics can name, besides all and seed.
var metricNames = []string{"actions", "latency", "time"}

// apply checks the settings, naming the flag or variable each came from,
// and sets the scan's parser keys, time window and filter, and the
// result's sections (all but TopUsers, which -top sets).
func (m *metricSettings) apply(f *commandFlags, s *scanSettings) error {
	on, err := parseMetrics(f.source("metrics", "LOGPROC_METRICS"), m.metrics)
	if err != nil {
		return err
	}
	keys := m.keys
	if !on["actions"] {
		keys.ActionKey = ""
	}
	if !on["latency"] {
		keys.LatencyKey = ""
	}
	if !on["time"] {
		keys.TimeKey = ""
	}
	if keys.Form, err = logline.ParseForm(m.inputFormat); err != nil {
		return usagef("%s: %v", f.source("input-format", "LOGPROC_INPUT_FORMAT"), err)
	}
	if m.latencyUnit != "" {
		if keys.LatencyUnit, err = logline.ParseUnit(m.latencyUnit); err != nil {
			return usagef("%s=%q: %v", f.source("latency-unit", "LOGPROC_LATENCY_UNIT"), m.latencyUnit, err)
		}
	}
	if err := checkKeys(f, keys); err != nil {
		return err
	}
	s.opts.Parse = keys

	needTime := func(flag string) error {
		if !on["time"] {
			return usagef("-%s needs the time metric, which %s=%q leaves out", flag, f.source("metrics", "LOGPROC_METRICS"), m.metrics)
		}
		return nil
	}
	if f.set["window"] {
		if m.window <= 0 {
			return usagef("-window=%v: must be positive", m.window)
		}
		if err := needTime("window"); err != nil {
			return err
		}
		s.opts.TimeWindow = m.window
	}
	for _, t := range []struct {
		flag  string
		value string
		dst   *time.Time
	}{{"since", m.since, &s.opts.Since}, {"until", m.until, &s.opts.Until}} {
		if t.value == "" {
			continue
		}
		if *t.dst, err = parseTimeFlag(t.value); err != nil {
			return usagef("-%s=%q: %v", t.flag, t.value, err)
		}
		if err := needTime(t.flag); err != nil {
			return err
		}
	}
	if !s.opts.Since.IsZero() && !s.opts.Until.IsZero() && !s.opts.Since.Before(s.opts.Until) {
		return usagef("-since=%q is not before -until=%q", m.since, m.until)
	}
	s.sections = out.Sections{
		Actions:  on["actions"],
		Latency:  on["latency"],
		Times:    on["time"],
		Filter:   m.since != "" || m.until != "",
		TopUsers: s.sections.TopUsers,
	}
	return nil
}

// parseMetrics reads -metrics: all, seed, or a comma list of metricNames.
func parseMetrics(source, list string) (map[string]bool, error) {
	on := map[string]bool{}
	switch list {
	case "all":
		for _, name := range metricNames {
			on[name] = true
		}
		return on, nil
	case "seed", "":
		return on, nil
	}
	for name := range strings.SplitSeq(list, ",") {
		if !slices.Contains(metricNames, name) {
			return nil, usagef("%s=%q: unknown metric %q (want all, seed, or a list of %s)", source, list, name, strings.Join(metricNames, ", "))
		}
		on[name] = true
	}
	return on, nil
}

// timeFlagLayouts are the forms -since and -until take, tried in order.
var timeFlagLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"}

func parseTimeFlag(s string) (time.Time, error) {
	for _, layout := range timeFlagLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not a time (want RFC 3339 like 2026-11-26T08:00:00Z, or 2026-11-26, or 2026-11-26T08:00)")
}

// keyFlags names the flag and the variable of each field's keys, for
// the errors of logline.NewParser, which holds the rules.
var keyFlags = map[string]struct{ flag, env string }{
	"level":   {"level-key", "LOGPROC_LEVEL_KEY"},
	"user":    {"user-key", "LOGPROC_USER_KEY"},
	"action":  {"action-key", "LOGPROC_ACTION_KEY"},
	"latency": {"latency-key", "LOGPROC_LATENCY_KEY"},
	"time":    {"time-key", "LOGPROC_TIME_KEY"},
}

// checkKeys validates the keys with the parser's own rules, naming the
// flag or variable each came from. An empty level or user key, which the
// parser would take for its default, is refused: the user emptied it.
func checkKeys(f *commandFlags, keys logline.Config) error {
	source := func(field string) string { return f.source(keyFlags[field].flag, keyFlags[field].env) }
	if keys.LevelKey == "" {
		return usagef("%s=\"\": %v", source("level"), logline.CheckKey(""))
	}
	if keys.UserKey == "" {
		return usagef("%s=\"\": %v", source("user"), logline.CheckKey(""))
	}
	_, err := logline.NewParser(keys)
	var ke *logline.KeyError
	switch {
	case errors.As(err, &ke) && ke.Other != "":
		return usagef("%s and %s both name %q: each field needs keys of its own", source(ke.Other), source(ke.Field), ke.Key)
	case errors.As(err, &ke):
		return usagef("%s=%q: %v", source(ke.Field), ke.Keys, ke.Err)
	case err != nil:
		return usageError{err}
	}
	return nil
}
