package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"time"
)

// sample is one timed run of a tool.
type sample struct {
	wall      time.Duration
	user, sys time.Duration
	maxRSS    int64 // peak resident set, bytes
}

// runTool runs argv to completion and returns its sample and stdout. The
// clock covers fork to exit; stdout is collected in memory so no tool pays
// for a file write the others do not.
func runTool(ctx context.Context, argv []string) (sample, []byte, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			err = fmt.Errorf("%w: %s", err, lastLine(msg))
		}
		return sample{}, nil, fmt.Errorf("%s: %w", strings.Join(argv, " "), err)
	}
	ps := cmd.ProcessState
	s := sample{wall: wall, user: ps.UserTime(), sys: ps.SystemTime()}
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		s.maxRSS = ru.Maxrss << 10 // Linux reports KiB
	}
	return s, stdout.Bytes(), nil
}

func lastLine(s string) string {
	return s[strings.LastIndexByte(s, '\n')+1:]
}

// measure runs every tool once per round, the order rotated by one each
// round, checks each run and returns the tools' rows. A warm tool's timed
// run comes right after an untimed run of its own, which follows a sync(2):
// it meets its own last output still being written back, as a user
// rerunning it does, and no other tool's writes.
func measure(ctx context.Context, rounds int, tools []tool, log io.Writer) ([]row, error) {
	samples := make([][]sample, len(tools))
	for r := range rounds {
		for k := range tools {
			i := (k + r) % len(tools)
			t := tools[i]
			if t.warm {
				syscall.Sync()
				if _, out, err := runTool(ctx, t.argv); err != nil {
					return nil, err
				} else if err := t.check(out); err != nil {
					return nil, fmt.Errorf("round %d: %s's untimed run disagrees: %w", r+1, t.name, err)
				}
			}
			s, out, err := runTool(ctx, t.argv)
			if err != nil {
				return nil, err
			}
			if err := t.check(out); err != nil {
				return nil, fmt.Errorf("round %d: %s disagrees: %w", r+1, t.name, err)
			}
			if t.clean != nil {
				if err := t.clean(); err != nil {
					return nil, err
				}
				// Settle the file system before the next tool runs.
				syscall.Sync()
			}
			samples[i] = append(samples[i], s)
			fmt.Fprintf(log, "round %d/%d  %-40s %9.3f s\n", r+1, rounds, t.name, s.wall.Seconds())
		}
	}
	return summarize(tools, samples), nil
}

// row is one tool's line of the table.
type row struct {
	Name   string
	Group  string
	Ref    bool
	Median time.Duration
	Min    time.Duration
	Max    time.Duration
	CPU    time.Duration // median user + system time
	User   time.Duration // median user time
	Sys    time.Duration // median system time
	MaxRSS int64         // the largest peak over the rounds, bytes
	Ratio  float64       // Median / the group reference's Median
}

// summarize turns samples[i], the runs of tools[i], into rows.
func summarize(tools []tool, samples [][]sample) []row {
	rows := make([]row, len(tools))
	ref := map[string]time.Duration{}
	for i, t := range tools {
		walls := make([]time.Duration, len(samples[i]))
		cpus := make([]time.Duration, len(samples[i]))
		users := make([]time.Duration, len(samples[i]))
		syss := make([]time.Duration, len(samples[i]))
		r := row{Name: t.name, Group: t.group, Ref: t.ref}
		for j, s := range samples[i] {
			walls[j], cpus[j], users[j], syss[j] = s.wall, s.user+s.sys, s.user, s.sys
			r.MaxRSS = max(r.MaxRSS, s.maxRSS)
		}
		slices.Sort(walls)
		r.Median, r.Min, r.Max = median(walls), walls[0], walls[len(walls)-1]
		r.CPU, r.User, r.Sys = median(cpus), median(users), median(syss)
		rows[i] = r
		if t.ref {
			ref[t.group] = r.Median
		}
	}
	for i := range rows {
		if d := ref[rows[i].Group]; d > 0 {
			rows[i].Ratio = float64(rows[i].Median) / float64(d)
		}
	}
	return rows
}

// median returns the middle of d, the mean of the two middle values when
// len(d) is even. It sorts d.
func median(d []time.Duration) time.Duration {
	slices.Sort(d)
	n := len(d)
	if n%2 == 1 {
		return d[n/2]
	}
	return (d[n/2-1] + d[n/2]) / 2
}
