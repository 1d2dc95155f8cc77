package scan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/logproc/logproc/agg"
)

func TestParseReadMode(t *testing.T) {
	for s, want := range map[string]ReadMode{"": ReadAuto, "auto": ReadAuto, "mmap": ReadMmap, "pread": ReadPread} {
		if got, err := ParseReadMode(s); got != want || err != nil {
			t.Errorf("ParseReadMode(%q) = %q, %v; want %q", s, got, err, want)
		}
	}
	for _, s := range []string{"MMAP", "read", "no-mmap", " pread"} {
		if _, err := ParseReadMode(s); err == nil || !strings.Contains(err.Error(), `"`+s+`"`) {
			t.Errorf("ParseReadMode(%q): err = %v, want one naming it", s, err)
		}
	}
	_, err := Files(context.Background(), []string{"x.log"}, Options{Workers: 1, Read: "fast"}, nil)
	if err == nil || err.Error() != `scan: unknown read mode "fast" (want auto, mmap or pread)` {
		t.Errorf("Files with Read %q: err = %v, want it refused in one line", "fast", err)
	}
}

// TestPreadCheaper: the fastest timing of each side decides, so that one
// timing slowed by the machine does not.
func TestPreadCheaper(t *testing.T) {
	us := func(a, b, c int) [3]time.Duration {
		return [3]time.Duration{time.Duration(a) * time.Microsecond, time.Duration(b) * time.Microsecond, time.Duration(c) * time.Microsecond}
	}
	for _, c := range []struct {
		touch, read [3]time.Duration
		want        bool
	}{
		{us(48, 50, 47), us(12, 13, 12), true},  // the build machines: 1.5 µs a page
		{us(3, 4, 3), us(11, 12, 12), false},    // a touch a fraction of a copy
		{us(400, 3, 3), us(11, 12, 12), false},  // one touch preempted
		{us(48, 50, 47), us(900, 13, 12), true}, // one read preempted
		{us(12, 12, 12), us(12, 12, 12), false}, // a tie keeps the mapping
	} {
		if got := preadCheaper(c.touch, c.read); got != c.want {
			t.Errorf("preadCheaper(%v, %v) = %v, want %v", c.touch, c.read, got, c.want)
		}
	}
}

// TestResolve: a mode given is kept; auto reads a small file in place
// without deciding, and decides once for the process on a large one.
func TestResolve(t *testing.T) {
	chosen.Lock()
	saved := chosen.mode
	chosen.mode = ""
	chosen.Unlock()
	t.Cleanup(func() { chosen.Lock(); chosen.mode = saved; chosen.Unlock() })

	path := filepath.Join(t.TempDir(), "big.log")
	data := bytes.Repeat([]byte("level=INFO user=someone@example.com msg=padding-padding-padding\n"), probeMin/64+4096)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, m := range []ReadMode{ReadMmap, ReadPread} {
		if got := m.resolve(data, f); got != m {
			t.Errorf("%q resolves to %q", m, got)
		}
	}
	if got := ReadAuto.resolve(data[:probeMin-1], f); got != ReadMmap || chosen.mode != "" {
		t.Errorf("auto on a small file: %q, chosen %q; want mmap, undecided", got, chosen.mode)
	}
	touch, read, ok := probe(data, f)
	if !ok || min(touch[0], touch[1], touch[2]) <= 0 || min(read[0], read[1], read[2]) <= 0 {
		t.Fatalf("probe = %v %v %v, want three timings of each", touch, read, ok)
	}
	got := ReadAuto.resolve(data, f)
	if got != ReadMmap && got != ReadPread || chosen.mode != got {
		t.Fatalf("auto on a large file: %q, chosen %q", got, chosen.mode)
	}
	chosen.mode = map[ReadMode]ReadMode{ReadMmap: ReadPread, ReadPread: ReadMmap}[got]
	if again := ReadAuto.resolve(data, f); again != chosen.mode {
		t.Errorf("auto after a choice: %q, want the process's %q", again, chosen.mode)
	}
	if _, _, ok := probe(data[:3*probeBytes], f); ok {
		t.Error("probe of a mapping too short for three timings says ok")
	}
}

// TestPreadTruncatedMessage: a file cut short while its ranges are read
// with pread fails as a truncated mapping does, in one line with its size.
func TestPreadTruncatedMessage(t *testing.T) {
	path, in := openPread(t, []byte(strings.Repeat("level=INFO user=ann\n", 1000)))
	if in.file == nil {
		t.Fatal("ReadPread kept no file to read")
	}
	if err := os.Truncate(path, 200); err != nil {
		t.Fatal(err)
	}
	w := &worker{levelAndUser: true, shard: agg.NewShard(), bufSize: 4096, maxLine: DefaultMaxLine, longAt: DefaultMaxLine + 1, progress: new(Progress)}
	err := w.scan(context.Background(), in, Range{0, in.size}, new(rangeTally))
	if err == nil || err.Error() != "the file changed while it was read (truncated to 200 bytes?)" {
		t.Errorf("err = %v, want the file changed, truncated to 200 bytes", err)
	}
}

// TestScanReadAllocatesNothing: once the window is made and every user
// seen, reading a range with pread allocates nothing, through windows that
// end inside lines and lines longer than the window.
func TestScanReadAllocatesNothing(t *testing.T) {
	var data bytes.Buffer
	for i := range 3000 {
		fmt.Fprintf(&data, "time=2026-11-26T08:00:00.%03dZ level=INFO msg=\"user action\" user=u%d@example.com action=login latency_ms=%d\n", i%1000, i%300, i)
		if i%500 == 7 {
			fmt.Fprintf(&data, "level=WARN user=long msg=%q\n", strings.Repeat("x", 9000))
		}
	}
	_, in := openPread(t, data.Bytes())
	w := newWorker(4096)
	w.buf = nil
	ctx := context.Background()
	var tally rangeTally
	if err := w.scan(ctx, in, Range{0, in.size}, &tally); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(20, func() {
		tally = rangeTally{}
		if err := w.scan(ctx, in, Range{0, in.size}, &tally); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("reading a range with pread allocates %.1f times, want 0", allocs)
	}
	got := agg.Merge(w.shard)
	if want := int64(3000+6) * 22; got.Events() != want || got.Users["long"] != 6*22 || tally.lines != 3006 {
		t.Errorf("%d events, %d of user long, %d lines in the last run; want %d, %d, 3006", got.Events(), got.Users["long"], tally.lines, want, 6*22)
	}
}

// TestPreadCutsAndSamples: read with pread, Split's cuts and Detect's
// samples come from the file, give what the mapping gives, and a file that
// shrank after it was mapped is an error, never a buffer's stale bytes.
func TestPreadCutsAndSamples(t *testing.T) {
	var data bytes.Buffer
	for i := range 4000 {
		if i >= 3000 { // framed lines in the last quarter: not native
			data.WriteString("2026-11-26T08:00:00.000000000Z stdout F level=INFO user=cri\n")
			continue
		}
		fmt.Fprintf(&data, "time=2026-11-26T08:00:00.%03dZ level=INFO msg=\"user action\" user=u%d@example.com\n", i%1000, i%7)
	}
	path, in := openPread(t, data.Bytes())
	if _, ok := in.readerAt().(fullReaderAt); !ok {
		t.Fatalf("a pread input is cut through %T, want the file", in.readerAt())
	}
	got, err := Split(in.readerAt(), in.size, 16)
	if err != nil {
		t.Fatal(err)
	}
	want, err := Split(bytes.NewReader(data.Bytes()), int64(data.Len()), 16)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("cut with pread at %v, want %v", got, want)
	}

	w := newWorker(4096)
	for _, r := range []Range{{0, in.size}, {0, 200_000}, {0, 1}, {0, 0}} {
		w.begin(in.mapped[r.Start:r.End], new(rangeTally))
		inPlace := w.native
		if err := w.beginRead(in.file, r, new(rangeTally)); err != nil {
			t.Fatal(err)
		}
		if w.native != inPlace {
			t.Errorf("range %v: native %v sampled with pread, %v in place", r, w.native, inPlace)
		}
		if r == (Range{0, in.size}) && inPlace {
			t.Errorf("range %v, with framed lines in its last quarter, taken as native", r)
		}
	}

	if err := os.Truncate(path, 5000); err != nil {
		t.Fatal(err)
	}
	if _, err := Split(in.readerAt(), in.size, 16); !errors.Is(err, errShrank) {
		t.Errorf("Split of a file that shrank: %v, want %v", err, errShrank)
	}
	if err := w.beginRead(in.file, Range{0, in.size}, new(rangeTally)); !errors.Is(err, errShrank) {
		t.Errorf("beginRead of a file that shrank: %v, want %v", err, errShrank)
	}
}

// openPread writes data to a file and opens it to be read with pread,
// closed when the test ends; where nothing can be mapped, noMapping.
func openPread(t *testing.T, data []byte) (string, *input) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "app.log")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	in, err := open(context.Background(), path, nil, false, ReadPread)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.Close() })
	if in.mapped == nil {
		noMapping(t)
	}
	return path, in
}
