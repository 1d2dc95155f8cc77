package main

import (
	"context"
	"io"

	"github.com/logproc/logproc/out"
)

// interruptible returns what f returns, or ctx's error as soon as ctx
// ends, leaving f to the process's exit. Only for writes to standard
// output: a pipe nobody reads holds a Write forever, and it has no
// temporary file that an exit could leave behind.
func interruptible[T any](ctx context.Context, f func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := f()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// writeResults writes the results to path, or to stdout when path is "-",
// and returns once ctx ends even if stdout blocks.
func writeResults(ctx context.Context, path string, r out.Result, stdout io.Writer) error {
	if path != "-" {
		return out.Write(ctx, path, r, stdout)
	}
	_, err := interruptible(ctx, func() (struct{}, error) { return struct{}{}, out.Write(ctx, path, r, stdout) })
	return err
}
