package gen

import (
	"context"
	"errors"
	"fmt"
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
	o := Options{Records: 100000, Users: 100, Workers: 1}
	bound, err := SizeBound(o)
	if err != nil {
		t.Fatal(err)
	}
	for _, avail := range []int64{bound, bound * 2, o.Records * lineCap} {
		if err := checkSpace("/d", o, free(avail)); err != nil {
			t.Errorf("%d bytes free for a bound of %d: %v", avail, bound, err)
		}
	}
	err = checkSpace("/d", o, free(bound-1))
	if want := fmt.Sprintf("needs up to %s bytes and the file system of /d has %s free", thousands(bound), thousands(bound-1)); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("one byte short: %v, want %q", err, want)
	}
	unknown := func(string) (int64, error) { return 0, errors.ErrUnsupported }
	if err := checkSpace("/d", Options{Records: 1 << 60, Users: 1, Workers: 1}, unknown); err != nil {
		t.Errorf("unknown free space refused the write: %v", err)
	}
}
