// Command floor counts the newlines of a file as fast as this machine can:
// the file is mapped with syscall.Mmap and each of N goroutines runs
// bytes.Count over its share of the mapping. Nothing that reads every byte
// of the file can be faster, so make bench uses it as the floor.
//
//	floor [-workers N] FILE
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "floor:", err)
		}
		os.Exit(2)
	}
}

func run(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("floor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	workers := fs.Int("workers", 2, "goroutines that count")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: floor [-workers N] FILE")
	}
	if *workers < 1 {
		return fmt.Errorf("-workers = %d, want at least 1", *workers)
	}
	n, err := countFile(fs.Arg(0), *workers)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, n)
	return err
}

// countFile returns the number of '\n' bytes in the file at path.
func countFile(path string, workers int) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	if !fi.Mode().IsRegular() {
		return 0, fmt.Errorf("%s: not a regular file", path)
	}
	if fi.Size() == 0 {
		return 0, nil
	}
	if int64(int(fi.Size())) != fi.Size() {
		return 0, fmt.Errorf("%s: too large to map", path)
	}
	data, err := syscall.Mmap(int(f.Fd()), 0, int(fi.Size()), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return 0, fmt.Errorf("%s: mmap: %w", path, err)
	}
	defer syscall.Munmap(data)
	return countParallel(data, workers), nil
}

// countParallel counts '\n' in data with workers goroutines, each over one
// contiguous part. A byte count needs no line alignment: the parts are cut
// anywhere.
func countParallel(data []byte, workers int) int64 {
	counts := make([]int64, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := len(data)*w/workers, len(data)*(w+1)/workers
		wg.Go(func() { counts[w] = int64(bytes.Count(data[lo:hi], []byte{'\n'})) })
	}
	wg.Wait()
	var n int64
	for _, c := range counts {
		n += c
	}
	return n
}
