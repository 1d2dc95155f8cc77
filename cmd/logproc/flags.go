package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
)

// commandFlags is a FlagSet with the flags every command shares.
type commandFlags struct {
	*flag.FlagSet
	usage      string
	set        map[string]bool // flags given on the command line
	cpuprofile string
	memprofile string
	quiet      bool
}

func newCommandFlags(name, usage string) *commandFlags {
	f := &commandFlags{FlagSet: flag.NewFlagSet("logproc "+name, flag.ContinueOnError), usage: usage}
	f.StringVar(&f.cpuprofile, "cpuprofile", "", "write a CPU profile to `file` (go tool pprof)")
	f.StringVar(&f.memprofile, "memprofile", "", "write a heap profile to `file` when done (go tool pprof)")
	f.BoolVar(&f.quiet, "quiet", false, "print nothing but errors")
	return f
}

// parse parses args. Help goes to stdout and ends the command with
// flag.ErrHelp (exit 0); a bad flag is one line naming it, not a page of
// usage.
func (f *commandFlags) parse(args []string, stdout io.Writer) error {
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
	return nil
}

// source names where a setting's value came from: the flag when it was
// given, else its environment variable.
func (f *commandFlags) source(flagName, env string) string {
	if f.set[flagName] {
		return "-" + flagName
	}
	return env
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
