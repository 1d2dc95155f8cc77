package main

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"time"

	"github.com/spf13/pflag"
)

// commandFlags is a command's pflag set with the flags every command
// shares. Flags keep the names the seed and the README use (-o, -n,
// -workers); the GNU forms (--output, --workers) reach the same flags, see
// gnuArgs and longNames.
type commandFlags struct {
	*pflag.FlagSet
	name       string          // "logproc scan", for messages
	set        map[string]bool // flags given on the command line
	cpuprofile string
	memprofile string
	quiet      bool
	settings   settings // where the Config came from
}

func newCommandFlags(name string, fs *pflag.FlagSet, st settings) *commandFlags {
	f := &commandFlags{FlagSet: fs, name: "logproc " + name, settings: st}
	f.StringVar(&f.cpuprofile, "cpuprofile", "", "write a CPU profile to `file` (go tool pprof)")
	f.StringVar(&f.memprofile, "memprofile", "", "write a heap profile to `file` when done (go tool pprof)")
	f.BoolVar(&f.quiet, "quiet", false, "print nothing but errors, and draw no progress")
	for _, name := range []string{"cpuprofile", "memprofile", "quiet"} {
		f.SetAnnotation(name, commonFlag, []string{"true"})
	}
	return f
}

// commonFlag marks the flags every command has, which help lists apart.
const commonFlag = "logproc-common"

// markSet records which flags the command line gave, once it is parsed.
func (f *commandFlags) markSet() {
	f.set = make(map[string]bool)
	f.Visit(func(fl *pflag.Flag) { f.set[fl.Name] = true })
}

// source names where a setting's value came from: the flag when it was
// given, else its environment variable (or .env) when that is set, else
// the flag's default: a message never blames a variable nobody set.
func (f *commandFlags) source(flagName, env string) string {
	if f.set[flagName] || !f.settings.isSet(env) {
		return "-" + flagName
	}
	return f.settings.name(env)
}

// A one-letter flag (-o, -n) is also its own shorthand, so that -o FILE
// and -o=FILE parse as they always did.
func (f *commandFlags) StringVar(p *string, name, value, usage string) {
	f.FlagSet.StringVarP(p, name, short(name), value, usage)
}

func (f *commandFlags) String(name, value, usage string) *string {
	p := new(string)
	f.StringVar(p, name, value, usage)
	return p
}

func (f *commandFlags) Duration(name string, value time.Duration, usage string) *time.Duration {
	p := new(time.Duration)
	f.DurationVar(p, name, value, usage)
	return p
}

func (f *commandFlags) Bool(name string, value bool, usage string) *bool {
	p := new(bool)
	f.BoolVar(p, name, value, usage)
	return p
}

func short(name string) string {
	if len(name) == 1 {
		return name
	}
	return ""
}

// The whole-number flags read decimal only: 010 is not octal 8, and 0x10
// and 1_000 are nobody's meaning on a command line.
func (f *commandFlags) IntVar(p *int, name string, value int, usage string) {
	*p = value
	f.VarP(decimal[int]{p}, name, short(name), usage)
}

func (f *commandFlags) Int64Var(p *int64, name string, value int64, usage string) {
	*p = value
	f.VarP(decimal[int64]{p}, name, short(name), usage)
}

func (f *commandFlags) Uint64Var(p *uint64, name string, value uint64, usage string) {
	*p = value
	f.VarP(decimal[uint64]{p}, name, short(name), usage)
}

// decimal is a flag value holding a whole number written in decimal.
type decimal[T int | int64 | uint64] struct{ p *T }

func (d decimal[T]) String() string {
	if d.p == nil {
		return "0"
	}
	return fmt.Sprint(*d.p)
}

func (d decimal[T]) Type() string { return "N" }

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
