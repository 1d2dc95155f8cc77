package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
)

// commandFlags is a FlagSet with the flags every command shares.
type commandFlags struct {
	*flag.FlagSet
	usage      string
	set        map[string]bool // flags given on the command line
	cpuprofile string
	memprofile string
	quiet      bool
	settings   settings // where the Config came from
}

func newCommandFlags(name, usage string, st settings) *commandFlags {
	f := &commandFlags{FlagSet: flag.NewFlagSet("logproc "+name, flag.ContinueOnError), usage: usage, settings: st}
	f.StringVar(&f.cpuprofile, "cpuprofile", "", "write a CPU profile to `file` (go tool pprof)")
	f.StringVar(&f.memprofile, "memprofile", "", "write a heap profile to `file` when done (go tool pprof)")
	f.BoolVar(&f.quiet, "quiet", false, "print nothing but errors")
	return f
}

// parse parses args. Help goes to stdout and ends the command with
// flag.ErrHelp (exit 0), even when the settings could not be read; a bad
// flag is one line naming it, not a page of usage. Unless -quiet, it says
// on stderr which settings came from .env.
func (f *commandFlags) parse(args []string, stdout, stderr io.Writer) error {
	f.SetOutput(io.Discard)
	err := f.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		f.SetOutput(stdout)
		fmt.Fprint(stdout, f.usage)
		fmt.Fprintln(stdout, "\nFlags:")
		f.PrintDefaults()
		return err
	}
	if err != nil {
		return usagef("%s: %v (see '%s -h')", f.Name(), err, f.Name())
	}
	f.set = make(map[string]bool)
	f.Visit(func(fl *flag.Flag) { f.set[fl.Name] = true })
	if len(f.settings.fromFile) > 0 && !f.quiet {
		fmt.Fprintf(stderr, "logproc: settings from %s: %s\n", envFileName, strings.Join(f.settings.fromFile, ", "))
	}
	if f.settings.err != nil {
		return usageError{f.settings.err}
	}
	return nil
}

// source names where a setting's value came from: the flag when it was
// given, else its environment variable, or .env.
func (f *commandFlags) source(flagName, env string) string {
	if f.set[flagName] {
		return "-" + flagName
	}
	return f.settings.name(env)
}

// The whole-number flags read decimal only: the flag package's own take
// 010 as octal 8, and 0x10 and 1_000, which nobody means on a command line.
func (f *commandFlags) IntVar(p *int, name string, value int, usage string) {
	*p = value
	f.Var(decimal[int]{p}, name, usage)
}

func (f *commandFlags) Int64Var(p *int64, name string, value int64, usage string) {
	*p = value
	f.Var(decimal[int64]{p}, name, usage)
}

func (f *commandFlags) Uint64Var(p *uint64, name string, value uint64, usage string) {
	*p = value
	f.Var(decimal[uint64]{p}, name, usage)
}

// decimal is a flag.Value holding a whole number written in decimal.
type decimal[T int | int64 | uint64] struct{ p *T }

func (d decimal[T]) String() string {
	if d.p == nil {
		return "0"
	}
	return fmt.Sprint(*d.p)
}

func (d decimal[T]) Set(s string) error {
	switch p := any(d.p).(type) {
	case *uint64:
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return errors.New("want a decimal whole number from 0 to " + strconv.FormatUint(1<<64-1, 10))
		}
		*p = n
	case *int64:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return errors.New("want a decimal whole number")
		}
		*p = n
	case *int:
		n, err := strconv.ParseInt(s, 10, strconv.IntSize)
		if err != nil {
			return errors.New("want a decimal whole number")
		}
		*p = int(n)
	}
	return nil
}

// Get makes -h show the default as the flag package shows numbers.
func (d decimal[T]) Get() any { return *d.p }

// checkPaths refuses outputs, the profiles included, that are inputs or
// each other (see checkPaths).
func (f *commandFlags) checkPaths(inputs []use, outputs ...use) error {
	if f.cpuprofile != "" {
		outputs = append(outputs, use{"-cpuprofile", f.cpuprofile})
	}
	if f.memprofile != "" {
		outputs = append(outputs, use{"-memprofile", f.memprofile})
	}
	return checkPaths(inputs, outputs)
}

// startProfiles starts what -cpuprofile and -memprofile ask for and returns
// the function that finishes them.
func (f *commandFlags) startProfiles() (stop func() error, err error) {
	var cpu *os.File
	if f.cpuprofile != "" {
		if cpu, err = os.Create(f.cpuprofile); err != nil {
			return nil, fmt.Errorf("-cpuprofile: %w", err)
		}
		if err := pprof.StartCPUProfile(cpu); err != nil {
			cpu.Close()
			return nil, fmt.Errorf("-cpuprofile: %w", err)
		}
	}
	return func() error {
		if cpu != nil {
			pprof.StopCPUProfile()
			if err := cpu.Close(); err != nil {
				return fmt.Errorf("-cpuprofile: %w", err)
			}
		}
		if f.memprofile == "" {
			return nil
		}
		runtime.GC()
		b, err := os.Create(f.memprofile)
		if err != nil {
			return fmt.Errorf("-memprofile: %w", err)
		}
		if err := pprof.Lookup("allocs").WriteTo(b, 0); err != nil {
			b.Close()
			return fmt.Errorf("-memprofile: %w", err)
		}
		return b.Close()
	}, nil
}
