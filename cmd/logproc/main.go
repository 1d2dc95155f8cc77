// Command logproc generates and counts log files at the speed of the machine.
//
//	logproc gen  [flags]          write a synthetic log file
//	logproc scan [flags] FILE…    count log files into a results JSON
//	logproc run  [flags]          both, as one job, with a summary
//	logproc publish|consume|report|serve   the same count, spread over NATS JetStream
//
// Settings come from the environment (and a .env file), flags override them;
// see Config. This package only wires the stages together: gen writes, scan
// reads and counts, agg merges, out writes the results.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// Exit codes.
const (
	exitOK          = 0
	exitFailure     = 1
	exitUsage       = 2
	exitInterrupted = 130
)

func main() {
	// SIGHUP too: a closed terminal would otherwise kill a gen midway and
	// leave its temporary file behind.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	code := exitCode(ctx, run(ctx, os.Args[1:], os.Stdout, os.Stderr), os.Stderr)
	stop()
	os.Exit(code)
}

// usageError is a mistake in how logproc was called.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// exitCode reports err on stderr, in one line, and picks the exit code. A
// signal makes it 130 even when the command finished regardless.
func exitCode(ctx context.Context, err error, stderr io.Writer) int {
	switch {
	case ctx.Err() != nil:
		fmt.Fprintln(stderr, "logproc: interrupted; nothing half-written is left behind")
		return exitInterrupted
	case err == nil:
		return exitOK
	}
	fmt.Fprintf(stderr, "logproc: %s\n", strings.ReplaceAll(err.Error(), "\n", "; "))
	var ue usageError
	if errors.As(err, &ue) {
		return exitUsage
	}
	return exitFailure
}

// run is the whole program: it parses args, runs one command and returns
// its error. It writes only to stdout and stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, mainUsage)
		return usagef("no command given")
	}
	// An error in the settings is returned once the flags are parsed, so
	// that -h works whatever the environment holds.
	cfg, src := loadConfig()
	return execute(ctx, newRoot(cfg, src, stdout, stderr), args)
}
