package scan

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/logproc/logproc/agg"
)

// LongLog is longLog for the tests of package scan_test.
var LongLog = longLog

// longLog is a log around maxLine bytes a line: an event of its own user
// per line, of lengths from well under to far over the maximum, the last
// without '\n' and one byte too long. It returns the truth tallied while
// writing: events per user of the lines of at most maxLine bytes, and the
// 1-based numbers of the longer ones.
func longLog(maxLine int) (data []byte, users map[string]int64, long []int64) {
	users = map[string]int64{}
	lengths := []int{40, maxLine - 1, maxLine, maxLine + 1, maxLine + 2, 40, 3 * maxLine, 10 * maxLine, 41, maxLine, 3*maxLine + 7, 40, maxLine + 1}
	var b strings.Builder
	for i, n := range lengths {
		user := fmt.Sprintf("u%d", i)
		line := "level=INFO user=" + user + " msg="
		line += strings.Repeat("x", n-len(line))
		b.WriteString(line)
		if i < len(lengths)-1 {
			b.WriteByte('\n')
		}
		if n > maxLine {
			long = append(long, int64(i+1))
		} else {
			users[user]++
		}
	}
	return []byte(b.String()), users, long
}

// TestWindowsSkipLongLines: the path that reads a mapped file through
// windows, not in place, skips the same lines as the others.
func TestWindowsSkipLongLines(t *testing.T) {
	const maxLine = 100
	data, users, long := longLog(maxLine)
	path := filepath.Join(t.TempDir(), "long.log")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	in, err := open(context.Background(), path, nil, false, ReadMmap)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	in.mapped = nil // read through windows
	for _, window := range []int{16, 64, 101, 4096} {
		w := &worker{levelAndUser: true, shard: agg.NewShard(), bufSize: window, maxLine: maxLine, longAt: maxLine + 1, progress: new(Progress)}
		var tally rangeTally
		if err := w.scan(context.Background(), in, Range{0, in.size}, &tally); err != nil {
			t.Fatalf("window %d: %v", window, err)
		}
		got := agg.Merge(w.shard)
		if fmt.Sprint(got.Users) != fmt.Sprint(users) || got.LongLines != int64(len(long)) || tally.lines != int64(len(long)+len(users)) {
			t.Errorf("window %d: users %v, %d long, %d lines; want %v, %d, %d", window, got.Users, got.LongLines, tally.lines, users, len(long), len(long)+len(users))
		}
		if at := fmt.Sprint(tally.at[:tally.long]); at != fmt.Sprint(long) {
			t.Errorf("window %d: long lines at %s, want %v", window, at, long)
		}
	}
}

// TestStreamedFileTruncated: a regular file read without mapping that ends
// short of its size at open is an error, not partial counts (issue 12).
func TestStreamedFileTruncated(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.log")
	if err := os.WriteFile(path, []byte(strings.Repeat("level=INFO user=ann\n", 1000)), 0o644); err != nil {
		t.Fatal(err)
	}
	in, err := open(context.Background(), path, nil, true, ReadMmap)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	if err := os.Truncate(path, 200); err != nil {
		t.Fatal(err)
	}
	pool := newBufPool(1<<20, 1)
	err = in.chunks(context.Background(), 4096, DefaultMaxLine, pool, func(j job) error {
		pool.put(j.chunk)
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "the file changed while it was read (truncated to 200 bytes?)") {
		t.Errorf("err = %v, want the file changed, truncated to 200 bytes", err)
	}
}

// TestMappedTruncatedMessage: the fault of a truncated mapping reads as one
// line with the size, not the runtime's fault text.
func TestMappedTruncatedMessage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.log")
	if err := os.WriteFile(path, []byte(strings.Repeat("level=INFO user=ann\n", 1000)), 0o644); err != nil {
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
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	w := &worker{levelAndUser: true, shard: agg.NewShard(), bufSize: 4096, maxLine: DefaultMaxLine, longAt: DefaultMaxLine + 1, progress: new(Progress)}
	err = w.scan(context.Background(), in, Range{0, in.size}, new(rangeTally))
	if err == nil || err.Error() != "the file changed while it was read (truncated to 0 bytes?)" {
		t.Errorf("err = %v, want the file changed, truncated to 0 bytes", err)
	}
}

// TestBufPoolBudget: get waits once the budget is out, rather than make a
// buffer past it, and a buffer that comes back serves the next get. A
// cancelled context shows the wait without a timer: get returns its cause
// only from the wait.
func TestBufPoolBudget(t *testing.T) {
	p := newBufPool(100, 4)
	a, err := p.get(context.Background(), 60)
	if err != nil || cap(a) != 60 {
		t.Fatalf("first get: %d bytes, %v", cap(a), err)
	}
	cancelled, cancel := context.WithCancelCause(context.Background())
	cancel(errors.New("stop"))
	if b, err := p.get(cancelled, 60); err == nil || err.Error() != "stop" {
		t.Fatalf("get past the budget gave %d bytes, err %v; want it to wait", cap(b), err)
	}
	if b, err := p.get(cancelled, 40); err != nil || cap(b) != 40 {
		t.Fatalf("get within the budget: %d bytes, %v", cap(b), err)
	}
	p.put(a)
	if b, err := p.get(cancelled, 60); err != nil || &b[0] != &a[0] {
		t.Errorf("get after put: err %v, want the buffer put back", err)
	}
}
