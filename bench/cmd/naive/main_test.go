package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"testing"

	"github.com/logproc/logproc/bench/internal/results"
	"github.com/logproc/logproc/gen"
)

func TestRunWritesTheTruth(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.log")
	rep, err := gen.WriteFile(context.Background(), path, gen.Options{Records: 5_000, Users: 200, Workers: 2, Seed: 9, Format: gen.JSON}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"-workers", "3", path}, &stdout, io.Discard); err != nil {
		t.Fatal(err)
	}
	got, err := results.Parse(stdout.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	want := results.Result{
		Bytes:            rep.Bytes,
		Lines:            rep.Lines,
		LinesWithoutUser: rep.Totals.NoUser,
		LogLevels:        rep.Totals.Levels,
		UniqueUsers:      len(rep.Totals.Users),
		UserActions:      rep.Totals.Users,
	}
	if d := results.Diff(want, got); len(d) > 0 {
		t.Errorf("naive disagrees with the generator: %q", d)
	}
}

func TestRunRejects(t *testing.T) {
	for _, args := range [][]string{{}, {"a", "b"}, {"-workers", "0", "a"}, {filepath.Join(t.TempDir(), "missing")}} {
		if err := run(context.Background(), args, io.Discard, io.Discard); err == nil {
			t.Errorf("run(%q) succeeded", args)
		}
	}
}
