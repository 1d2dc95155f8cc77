package scan_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/logproc/logproc/out"
	"github.com/logproc/logproc/scan"
)

// ways are the ways one log can reach Files: mapped, read, on stdin, as
// gzip under any name or on stdin, through a FIFO.
func ways(t *testing.T, data []byte) map[string]func(o *scan.Options) string {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	gz := gzipFile(t, path)
	gzData, err := os.ReadFile(gz)
	if err != nil {
		t.Fatal(err)
	}
	noSuffix := filepath.Join(dir, "packed")
	if err := os.WriteFile(noSuffix, gzData, 0o644); err != nil {
		t.Fatal(err)
	}
	return map[string]func(o *scan.Options) string{
		"mapped":       func(o *scan.Options) string { o.Read = scan.ReadMmap; return path },
		"no-mmap":      func(o *scan.Options) string { o.NoMmap = true; return path },
		"pread":        func(o *scan.Options) string { o.Read = scan.ReadPread; return path },
		"stdin":        func(o *scan.Options) string { o.Stdin = bytes.NewReader(data); return "-" },
		"gzip":         func(o *scan.Options) string { return gz },
		"gzip no name": func(o *scan.Options) string { return noSuffix },
		"gzip stdin":   func(o *scan.Options) string { o.Stdin = bytes.NewReader(gzData); return "-" },
		"fifo":         func(o *scan.Options) string { return fifo(t, data) },
	}
}

// TestLongLinesEveryWay: lines longer than MaxLine are counted as long,
// skipped and located, the same whichever way the log is read and whatever
// the buffer size, against the truth longLog tallied while writing.
func TestLongLinesEveryWay(t *testing.T) {
	const maxLine = 100
	data, users, long := scan.LongLog(maxLine)
	for name, way := range ways(t, data) {
		for _, buffer := range []int{16, 64, 101, 4096} {
			for _, workers := range []int{1, 3} {
				what := fmt.Sprintf("%s/buffer %d/%d workers", name, buffer, workers)
				o := scan.Options{Workers: workers, Buffer: buffer, MaxLine: maxLine}
				res, err := scan.Files(context.Background(), []string{way(&o)}, o, nil)
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				var at []int64
				for _, p := range res.MalformedAt {
					at = append(at, p.Line)
				}
				if !maps.Equal(res.Totals.Users, users) || res.Totals.LongLines != int64(len(long)) || !slices.Equal(at, long) ||
					res.Totals.Lines() != int64(len(users)+len(long)) || res.Bytes != int64(len(data)) {
					t.Errorf("%s: users %v, %d long at %v, %d lines, %d bytes; want %v, %d at %v, %d, %d", what,
						res.Totals.Users, res.Totals.LongLines, at, res.Totals.Lines(), res.Bytes, users, len(long), long, len(users)+len(long), len(data))
				}
			}
		}
	}
}

// TestLongBinaryLine: a long line holding NUL bytes is binary data, an
// error every way; NUL bytes in a line within the maximum are only a
// malformed line.
func TestLongBinaryLine(t *testing.T) {
	const maxLine = 100
	short := []byte("level=INFO user=a\n\x00\x00\x00\nlevel=INFO user=b\n")
	data := append(slices.Clone(short), make([]byte, 3*maxLine)...)
	for name, way := range ways(t, data) {
		o := scan.Options{Workers: 2, Buffer: 64, MaxLine: maxLine}
		if _, err := scan.Files(context.Background(), []string{way(&o)}, o, nil); !errors.Is(err, scan.ErrBinary) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: err = %v, want one line of binary data", name, err)
		}
	}
	for name, way := range ways(t, short) {
		o := scan.Options{Workers: 2, Buffer: 64, MaxLine: maxLine}
		res, err := scan.Files(context.Background(), []string{way(&o)}, o, nil)
		if err != nil || res.Totals.Malformed != 1 || res.Totals.Events() != 2 {
			t.Errorf("%s: %v, %d malformed, %d events; want 1 and 2", name, err, res.Totals.Malformed, res.Totals.Events())
		}
	}
}

// TestManyActionsSameBytes: 100,000 actions seen twice each give the same
// results bytes every way and for 1 to 3 workers, with every action at 2
// events (issue 12: past a cap of 65,536 per worker they came out as
// 68,927 actions with 1 event, varying with the workers). Under -race,
// 70,000 actions still pass the old cap with one worker.
func TestManyActionsSameBytes(t *testing.T) {
	actions := 100_000
	if raceEnabled {
		actions = 70_000
	}
	var b bytes.Buffer
	for pass := range 2 {
		for i := range actions {
			fmt.Fprintf(&b, "level=INFO user=u%d action=a%d\n", (i+pass)%7, i)
		}
	}
	all := ways(t, b.Bytes())
	var want []byte
	for _, run := range []struct {
		way     string
		workers int
	}{{"mapped", 1}, {"stdin", 3}, {"gzip", 2}} {
		what := fmt.Sprintf("%s/%d workers", run.way, run.workers)
		o := scan.Options{Workers: run.workers, Parse: allMetrics}
		res, err := scan.Files(context.Background(), []string{all[run.way](&o)}, o, nil)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if len(res.Totals.Actions) != actions {
			t.Fatalf("%s: %d actions, want %d", what, len(res.Totals.Actions), actions)
		}
		for i := range actions {
			if a := res.Totals.Actions["a"+strconv.Itoa(i)]; a == nil || a.Events != 2 {
				t.Fatalf("%s: a%d has %+v, want 2 events", what, i, a)
			}
		}
		got, err := out.Marshal(out.New(res.Totals, 0, res.MalformedAt, out.AllSections()))
		if err != nil {
			t.Fatal(err)
		}
		if want == nil {
			want = got
		} else if !bytes.Equal(got, want) {
			t.Fatalf("%s: results differ from the first way's", what)
		}
	}
}

// TestInvalidUTF8UsersDistinct: users that differ only in bytes that are
// not UTF-8 stay distinct, read every way (issue 12).
func TestInvalidUTF8UsersDistinct(t *testing.T) {
	data := []byte("level=INFO user=a\xffb\nlevel=INFO user=a\xfeb\nlevel=INFO user=a\xfeb\nlevel=INFO user=a\\xffb\n")
	want := map[string]int64{`a\xffb`: 1, `a\xfeb`: 2, `a\\xffb`: 1}
	for name, way := range ways(t, data) {
		o := scan.Options{Workers: 2}
		res, err := scan.Files(context.Background(), []string{way(&o)}, o, nil)
		if err != nil || !maps.Equal(res.Totals.Users, want) {
			t.Errorf("%s: %v, users %v; want %v", name, err, res.Totals.Users, want)
		}
	}
}

// TestGzipMembersAndGarbage: every member of a concatenation is read, and
// trailing garbage is ignored with one warning, as gzip -d does.
func TestGzipMembersAndGarbage(t *testing.T) {
	var data bytes.Buffer
	for _, line := range []string{"level=INFO user=ann\n", "level=WARN user=bob\n"} {
		z := gzip.NewWriter(&data)
		z.Write([]byte(line))
		z.Close()
	}
	for _, tail := range []string{"", "garbage", "\x00\x00\x00", "\x1f"} {
		o := scan.Options{Workers: 2, Stdin: bytes.NewReader(append(slices.Clone(data.Bytes()), tail...))}
		res, err := scan.Files(context.Background(), []string{"-"}, o, nil)
		if err != nil || res.Totals.Events() != 2 || res.Totals.Users["bob"] != 1 {
			t.Errorf("tail %q: %v, %d events; want 2 with bob", tail, err, res.Totals.Events())
		}
		if warned := len(res.Warnings) == 1 && strings.Contains(res.Warnings[0], "trailing garbage ignored"); warned != (tail != "") {
			t.Errorf("tail %q: warnings %q", tail, res.Warnings)
		}
	}
	empty := filepath.Join(t.TempDir(), "empty.gz")
	os.WriteFile(empty, nil, 0o644)
	if _, err := scan.Files(context.Background(), []string{empty}, scan.Options{Workers: 2}, nil); err == nil || !strings.Contains(err.Error(), "empty.gz: empty file") {
		t.Errorf("empty .gz: err = %v, want one naming it empty", err)
	}
}

// TestWorkersBounded: more workers than MaxWorkers, and limits that do not
// fit the budget, are refused before any work.
func TestWorkersBounded(t *testing.T) {
	for _, o := range []scan.Options{
		{Workers: scan.MaxWorkers + 1},
		{Workers: 1, MaxLine: 1 << 20, MaxMemory: 4 << 20},
		{Workers: 1000, Buffer: 1 << 20, MaxMemory: 256 << 20, MaxLine: 1 << 20},
	} {
		o.Stdin = strings.NewReader("level=INFO user=a\n")
		if _, err := scan.Files(context.Background(), []string{"-"}, o, nil); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
}
