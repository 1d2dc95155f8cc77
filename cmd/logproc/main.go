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
	"flag"
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
	case errors.Is(err, flag.ErrHelp):
		return exitOK
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

const mainUsage = `logproc generates and counts log files at the speed of the machine.

Usage:
  logproc gen  [flags]          write a synthetic log file (slog logfmt or JSON)
  logproc scan [flags] FILE...  count log files into a results JSON
  logproc run  [flags]          generate, scan and write results, with a summary

Scale out over NATS JetStream (see README):
  logproc serve   [flags]          run a single-node NATS server with JetStream
  logproc publish [flags] FILE...  publish log files as batches of lines
  logproc consume [flags]          count batches, on any number of machines
  logproc report  [flags]          merge the counts into a results JSON
  logproc reset   [flags]          delete a job's stream and bucket, to start over

Run 'logproc COMMAND -h' for a command's flags. Every setting can also be
given in the environment or in a .env file in the working directory; flags
win over the environment, which wins over .env.
`

// run is the whole program: it parses args, runs one command and returns
// its error. It writes only to stdout and stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, mainUsage)
		return usagef("no command given")
	}
	cmd, args := args[0], args[1:]
	switch cmd {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, mainUsage)
		return nil
	case "gen", "scan", "run", "publish", "consume", "report", "serve", "reset":
	default:
		fmt.Fprint(stderr, mainUsage)
		return usagef("unknown command %q", cmd)
	}
	// An error in the settings is returned once the flags are parsed, so
	// that -h works whatever the environment holds.
	cfg, src := loadConfig()
	switch cmd {
	case "gen":
		return runGen(ctx, cfg, src, args, stdout, stderr)
	case "scan":
		return runScan(ctx, cfg, src, args, stdout, stderr)
	case "publish":
		return runPublish(ctx, cfg, src, args, stdout, stderr)
	case "consume":
		return runConsume(ctx, cfg, src, args, stdout, stderr)
	case "report":
		return runReport(ctx, cfg, src, args, stdout, stderr)
	case "serve":
		return runServe(ctx, cfg, src, args, stdout, stderr)
	case "reset":
		return runReset(ctx, cfg, src, args, stdout, stderr)
	default:
		return runJob(ctx, cfg, src, args, stdout, stderr)
	}
}
