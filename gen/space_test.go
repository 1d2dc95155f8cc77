package gen

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestSizeBound: the bound holds the log that is then written, and is no
// more than 10 % above it.
func TestSizeBound(t *testing.T) {
	for _, o := range []Options{
		{Records: 1, Users: 1, Workers: 1},
		{Records: 20000, Users: 50, Workers: 2, Format: JSON},
		{Records: 100003, Users: 100000, Workers: 2, Seed: 7},
		{Records: 100003, Users: 3, Workers: 2, Seed: 8, Format: JSON},
	} {
		bound, err := SizeBound(o)
		if err != nil {
			t.Fatal(err)
		}
		var w countingWriter
		rep, err := WriteStream(context.Background(), &w, o, nil)
		if err != nil {
			t.Fatal(err)
		}
		if bound < rep.Bytes || float64(bound) > 1.1*float64(rep.Bytes) {
			t.Errorf("%+v: bound %d for a log of %d bytes", o, bound, rep.Bytes)
		}
	}
}

type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

func TestCheckSpace(t *testing.T) {
	free := func(n int64) func(string) (int64, error) {
		return func(string) (int64, error) { return n, nil }
	}
	if err := checkSpace("/d", 1000, free(1000)); err != nil {
		t.Errorf("exactly enough room: %v", err)
	}
	err := checkSpace("/d", 1234567, free(1000))
	if err == nil || !strings.Contains(err.Error(), "1,234,567") || !strings.Contains(err.Error(), "/d has 1,000 free") {
		t.Errorf("too little room: %v", err)
	}
	unknown := func(string) (int64, error) { return 0, errors.ErrUnsupported }
	if err := checkSpace("/d", 1<<60, unknown); err != nil {
		t.Errorf("unknown free space refused the write: %v", err)
	}
}
