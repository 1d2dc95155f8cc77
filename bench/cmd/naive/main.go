// Command naive counts a log file with bench.Naive, the seed project's
// implementation, and writes the results JSON to stdout: the oracle and the
// baseline that make bench runs beside logproc.
//
//	naive [-workers N] FILE
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/logproc/logproc/bench"
	"github.com/logproc/logproc/bench/internal/results"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "naive:", err)
		}
		os.Exit(2)
	}
}

func run(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("naive", flag.ContinueOnError)
	fs.SetOutput(stderr)
	workers := fs.Int("workers", 2, "goroutines that parse")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: naive [-workers N] FILE")
	}
	if *workers < 1 {
		return fmt.Errorf("-workers = %d, want at least 1", *workers)
	}
	path := fs.Arg(0)
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	t, err := bench.Naive(path, *workers)
	if err != nil {
		return err
	}
	b, err := results.Marshal(results.Result{
		BlankLines:       t.Blank,
		Bytes:            fi.Size(),
		Lines:            t.Lines(),
		LinesWithoutUser: t.NoUser,
		LogLevels:        t.Levels,
		MalformedLines:   t.Malformed,
		UniqueUsers:      len(t.Users),
		UserActions:      t.Users,
	})
	if err != nil {
		return err
	}
	_, err = stdout.Write(b)
	return err
}
