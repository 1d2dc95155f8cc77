package scan

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/exp/mmap"

	"github.com/logproc/logproc/agg"
	"github.com/logproc/logproc/agg/aggtest"
	"github.com/logproc/logproc/gen"
)

// inPlaceRequired says that the in-place path must work here: it is the
// one built and measured on linux/amd64, so losing it there (a new
// x/exp/mmap layout) fails the tests instead of slowing scans silently.
const inPlaceRequired = runtime.GOOS == "linux" && runtime.GOARCH == "amd64"

// noMapping fails the test on linux/amd64 and skips it elsewhere, where
// scans read through ReadAt when mappedBytes reaches nothing.
func noMapping(t *testing.T) {
	t.Helper()
	const msg = "mappedBytes cannot reach x/exp/mmap's mapping here; scans read through ReadAt"
	if inPlaceRequired {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// mapFile writes data to a file, maps it with x/exp/mmap and returns the
// bytes mappedBytes reaches in it (noMapping when it reaches none).
func mapFile(t *testing.T, data []byte) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "mapped.log")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := mmap.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	b := mappedBytes(r)
	if b == nil {
		noMapping(t)
	}
	return b
}

// TestMappedBytes: the bytes reached inside x/exp/mmap's ReaderAt are the
// file's, all of them.
func TestMappedBytes(t *testing.T) {
	want := bytes.Repeat([]byte("level=INFO user=ann\n"), 1000)
	if got := mapFile(t, want); !bytes.Equal(got, want) {
		t.Fatalf("mappedBytes gave %d bytes that differ from the file's %d", len(got), len(want))
	}
	if mappedBytes(nil) != nil {
		t.Fatal("mappedBytes(nil) is not nil")
	}
}

// TestInPlaceEqualsWindows: counting a mapped range in place, in pieces,
// counts what reading it through a window does, for lines that cross the
// pieces, lines longer than a piece, and a last line without a '\n'.
func TestInPlaceEqualsWindows(t *testing.T) {
	var lines bytes.Buffer
	if _, err := gen.WriteStream(context.Background(), &lines, gen.Options{Records: 20000, Users: 300, Workers: 1, Seed: 3}, nil); err != nil {
		t.Fatal(err)
	}
	data := lines.Bytes()
	path := filepath.Join(t.TempDir(), "mixed.log")
	long := "time=2026-11-26T08:00:00.000Z level=INFO msg=\"" + strings.Repeat("long ", 3000) + "\" user=long\n"
	odd := "\n\r\nnot a log line\n" + long + "level=WARN user=crlf\r\n" + long + "level=ERROR user=last"
	if err := os.WriteFile(path, append(data, odd...), 0o644); err != nil {
		t.Fatal(err)
	}
	in, err := open(context.Background(), path, nil, false, ReadMmap)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	if in.mapped == nil {
		noMapping(t)
	}
	count := func(mapped []byte, window int) (agg.Totals, rangeTally, *Progress) {
		w := newWorker(window)
		in.mapped = mapped
		var tally rangeTally
		if err := w.scan(context.Background(), in, Range{0, in.size}, &tally); err != nil {
			t.Fatal(err)
		}
		return agg.Merge(w.shard), tally, w.progress
	}
	mapped := in.mapped
	for _, window := range []int{4096, DefaultBuffer} {
		inPlace, inPlaceTally, inPlaceProgress := count(mapped, window)
		windows, windowsTally, _ := count(nil, window)
		if !aggtest.Equal(&inPlace, &windows) || inPlaceTally != windowsTally {
			t.Fatalf("window %d: in place %+v %+v\nthrough windows %+v %+v", window, inPlace, inPlaceTally, windows, windowsTally)
		}
		if inPlace.Users["last"] != 1 || inPlace.Users["long"] != 2 || inPlace.Malformed != 1 {
			t.Fatalf("window %d: the odd lines were not all counted: %+v", window, inPlace)
		}
		if got := inPlaceProgress.Bytes.Load(); got != in.size {
			t.Fatalf("window %d: progress says %d bytes, want %d", window, got, in.size)
		}
		if got := inPlaceProgress.Lines.Load(); got != inPlaceTally.lines {
			t.Fatalf("window %d: progress says %d lines, want %d", window, got, inPlaceTally.lines)
		}
	}
}
