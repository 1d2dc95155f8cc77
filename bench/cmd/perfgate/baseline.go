package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"runtime"
	"strings"
	"time"
)

// baseline is bench/perf-baseline.json: the numbers the gate compares
// with, and what they were measured on, so that a mismatch is explained.
type baseline struct {
	ScanPerLine    float64 `json:"scan_instructions_per_line"`
	ScanAllPerLine float64 `json:"scan_all_instructions_per_line"`
	GenPerLine     float64 `json:"gen_instructions_per_line"`
	// RepeatSpread is the largest (max-min)/median of the repetitions,
	// in percent: how much of the tolerance noise takes.
	RepeatSpread float64 `json:"repeat_spread_percent"`
	Repeat       int     `json:"repeat"`

	GoVersion string `json:"go_version"`
	Platform  string `json:"platform"`
	CPU       string `json:"cpu"`
	Valgrind  string `json:"valgrind"`

	Input      string `json:"input"`
	Lines      int64  `json:"lines"`
	BaseLines  int64  `json:"base_lines"`
	LargeBytes int64  `json:"large_input_bytes"`
	SmallBytes int64  `json:"small_input_bytes"`
	Scan       string `json:"scan_command"`
	ScanAll    string `json:"scan_all_command"`
	Gen        string `json:"gen_command"`
	Env        string `json:"env"`
	Written    string `json:"written"`
}

// entry is what the baseline holds for one command.
type entry struct {
	key     string   // the JSON name of perLine, for messages
	perLine *float64 // instructions per line
	command *string  // the command line measured
}

// entry returns b's fields for the command named name; every name in
// commands has them.
func (b *baseline) entry(name string) entry {
	switch name {
	case "scan":
		return entry{"scan_instructions_per_line", &b.ScanPerLine, &b.Scan}
	case "scan-all":
		return entry{"scan_all_instructions_per_line", &b.ScanAllPerLine, &b.ScanAll}
	case "gen":
		return entry{"gen_instructions_per_line", &b.GenPerLine, &b.Gen}
	}
	panic("perfgate: the baseline has no field for command " + name)
}

// perLines are the baseline's instructions per line, by command name.
func (b baseline) perLines() map[string]float64 {
	p := make(map[string]float64, len(commands))
	for _, k := range commands {
		p[k.name] = *b.entry(k.name).perLine
	}
	return p
}

func newBaseline(m measurement, c Config, valgrind string) (baseline, error) {
	repeat := len(m.Runs[commands[0].name])
	if s := m.spread(); s > c.Tolerance/4 {
		return baseline{}, fmt.Errorf("the %d measurements vary by %.2f %%, too much for a %g %% gate; not writing %s",
			repeat, s, c.Tolerance, c.Baseline)
	}
	b := baseline{
		RepeatSpread: math.Round(m.spread()*1000) / 1000,
		Repeat:       repeat,
		GoVersion:    m.GoVersion,
		Platform:     runtime.GOOS + "/" + runtime.GOARCH,
		CPU:          cpuDescription(),
		Valgrind:     valgrind,
		Input: fmt.Sprintf("logproc gen -seed %d -users %d -format logfmt: %d lines, minus the cost of its first %d lines",
			inputSeed, inputUsers, c.BaseLines+c.Lines, c.BaseLines),
		Lines:      c.Lines,
		BaseLines:  c.BaseLines,
		LargeBytes: m.LargeBytes,
		SmallBytes: m.SmallBytes,
		Env:        strings.Join(gateEnv, " "),
		Written:    time.Now().UTC().Format(time.RFC3339),
	}
	for _, k := range commands {
		e := b.entry(k.name)
		*e.perLine = round1(m.PerLine(k.name))
		*e.command = commandLine(k, c)
	}
	return b, nil
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }

func (b baseline) write(path string) error {
	data, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}

func readBaseline(path string) (baseline, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return baseline{}, fmt.Errorf("%w (make bench-baseline writes it)", err)
	}
	var b baseline
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return baseline{}, fmt.Errorf("%s: %w", path, err)
	}
	for _, k := range commands {
		switch e := b.entry(k.name); {
		case *e.perLine == 0:
			return baseline{}, fmt.Errorf("%s has no %s (no baseline for %s yet): run `make bench-baseline` and commit the file",
				path, e.key, k.name)
		case *e.perLine < 0:
			return baseline{}, fmt.Errorf("%s: %s = %g, want a positive number: run `make bench-baseline`", path, e.key, *e.perLine)
		}
	}
	return b, nil
}

// check rejects a gate run set up differently from the baseline's.
func (b baseline) check(c Config) error {
	if b.Lines != c.Lines || b.BaseLines != c.BaseLines {
		return fmt.Errorf("the baseline was measured over %d lines past the first %d, this run over %d past %d: "+
			"pass -lines %d -base-lines %d, or make bench-baseline",
			b.Lines, b.BaseLines, c.Lines, c.BaseLines, b.Lines, b.BaseLines)
	}
	return nil
}

// warnings name what differs between the baseline's setting and this
// run's. They do not fail the gate, but they explain a change in the
// numbers that is not the code's.
func (b baseline) warnings(m measurement, c Config, valgrind string) []string {
	var w []string
	add := func(what, was, now string) {
		if was != now {
			w = append(w, fmt.Sprintf("%s was %s for the baseline, is %s now", what, was, now))
		}
	}
	add("Go", b.GoVersion, m.GoVersion)
	add("the platform", b.Platform, runtime.GOOS+"/"+runtime.GOARCH)
	add("the CPU", b.CPU, cpuDescription())
	add("valgrind", b.Valgrind, valgrind)
	add("the large input's size", fmt.Sprint(b.LargeBytes), fmt.Sprint(m.LargeBytes))
	for _, k := range commands {
		add(k.name+"'s command", cmp.Or(*b.entry(k.name).command, "not recorded"), commandLine(k, c))
	}
	if len(w) > 0 {
		w = append(w, "if the change is intended, make bench-baseline and commit bench/perf-baseline.json")
	}
	return w
}

// cpuDescription is the CPU model and the vector extensions the Go runtime
// picks code by (bytes.IndexByte, memmove): they change the count.
func cpuDescription() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	var model string
	var flags []string
	for line := range strings.Lines(string(data)) {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "model name":
			if model == "" {
				model = strings.TrimSpace(v)
			}
		case "flags":
			if flags == nil {
				flags = strings.Fields(v)
			}
		}
	}
	var ext []string
	for _, f := range flags {
		switch f {
		case "avx2", "avx512f", "avx512bw", "erms", "fsrm":
			ext = append(ext, f)
		}
	}
	if len(ext) == 0 {
		return model
	}
	return model + " (" + strings.Join(ext, " ") + ")"
}
