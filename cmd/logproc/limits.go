package main

import (
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/logproc/logproc/scan"
)

// limitFlags are scan's memory limits as given: sizes such as 1GiB.
type limitFlags struct {
	maxMemory, maxLine string
}

func addLimitFlags(f *commandFlags, cfg Config) *limitFlags {
	l := &limitFlags{maxMemory: cfg.MaxMemory, maxLine: cfg.MaxLine}
	f.StringVar(&l.maxMemory, "max-memory", l.maxMemory, "memory budget of a scan, beyond what grows with distinct users and actions (env LOGPROC_MAX_MEMORY)")
	f.StringVar(&l.maxLine, "max-line", l.maxLine, "longest line counted; longer ones are counted as long_lines and skipped (env LOGPROC_MAX_LINE)")
	return l
}

// apply puts the limits into o and tells the garbage collector the
// budget, so that garbage does not take the heap past it either.
func (l *limitFlags) apply(f *commandFlags, o *scan.Options) error {
	mem, err := parseSize(f.source("max-memory", "LOGPROC_MAX_MEMORY"), l.maxMemory)
	if err != nil {
		return usageError{err}
	}
	line, err := parseSize(f.source("max-line", "LOGPROC_MAX_LINE"), l.maxLine)
	if err != nil {
		return usageError{err}
	}
	if mem/8 < line+1 {
		return usagef("%s=%s: must be at least 8 times %s=%s", f.source("max-memory", "LOGPROC_MAX_MEMORY"), l.maxMemory,
			f.source("max-line", "LOGPROC_MAX_LINE"), l.maxLine)
	}
	if line > 1<<40 {
		return usagef("%s=%s: at most 1TiB", f.source("max-line", "LOGPROC_MAX_LINE"), l.maxLine)
	}
	o.MaxMemory, o.MaxLine = mem, int(line)
	debug.SetMemoryLimit(mem)
	return nil
}

// checkWorkers refuses more scan workers than scan runs, before any work.
func checkWorkers(name string, workers int) error {
	if workers > scan.MaxWorkers {
		return usagef("%s=%d: at most %d", name, workers, scan.MaxWorkers)
	}
	return nil
}

// sizeUnits are the suffixes parseSize takes, binary multiples.
var sizeUnits = []struct {
	suffix string
	shift  uint
}{{"KiB", 10}, {"MiB", 20}, {"GiB", 30}, {"TiB", 40}, {"K", 10}, {"M", 20}, {"G", 30}, {"T", 40}, {"B", 0}}

// parseSize reads a size in bytes: decimal digits, then optionally one of
// sizeUnits (1GiB, 64M, 4096). name is where the value came from.
func parseSize(name, v string) (int64, error) {
	digits, shift := v, uint(0)
	for _, u := range sizeUnits {
		if strings.HasSuffix(v, u.suffix) {
			digits, shift = strings.TrimSuffix(v, u.suffix), u.shift
			break
		}
	}
	bad := digits == "" || strings.TrimLeft(digits, "0123456789") != ""
	n, err := strconv.ParseInt(digits, 10, 64)
	if bad || err != nil || n < 1 || n > (1<<62)>>shift {
		return 0, fmt.Errorf("%s=%q: want a size from 1 byte to 4EiB, such as 4096, 64MiB or 1GiB", name, v)
	}
	return n << shift, nil
}
