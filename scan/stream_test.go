package scan_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/logproc/logproc/agg"
	"github.com/logproc/logproc/bench"
	"github.com/logproc/logproc/gen"
	"github.com/logproc/logproc/scan"
)

func gzipFile(t *testing.T, src string) string {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	z := gzip.NewWriter(&buf)
	z.Write(data)
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	dst := src + ".gz"
	if err := os.WriteFile(dst, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

// fifo serves data through a named pipe, which cannot be mapped.
func fifo(t *testing.T, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pipe")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	go func() {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		f.Write(data)
		f.Close()
	}()
	return path
}

// TestStreamsEqualTruth: standard input, a .gz file and a named pipe go
// through the streaming path and count exactly what the mapped file does,
// with chunks smaller than a line, a few lines, or many.
func TestStreamsEqualTruth(t *testing.T) {
	dir := t.TempDir()
	for _, format := range []gen.Format{gen.Logfmt, gen.JSON} {
		for i, records := range []int64{1, 9, 40000} {
			path, rep := generate(t, dir, gen.Options{Records: records, Users: 300, Workers: 2, Seed: uint64(i + 11), Format: format})
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			gz := gzipFile(t, path)
			for _, window := range []int{16, 4096, 0} {
				if window < 100 && records > 100 {
					continue // a chunk per line: slow under -race, and the small files cover it
				}
				for _, workers := range []int{1, 3} {
					o := scan.Options{Workers: workers, Buffer: window, Stdin: bytes.NewReader(data), Parse: allMetrics}
					for name, p := range map[string]string{"stdin": "-", "gzip": gz, "fifo": fifo(t, data), "no-mmap": path, "pread": path, "mmap": path} {
						what := fmt.Sprintf("%s/%s/%d lines/window %d/%d workers", name, format, records, window, workers)
						o.NoMmap = name == "no-mmap"
						o.Read = map[string]scan.ReadMode{"pread": scan.ReadPread, "mmap": scan.ReadMmap}[name]
						res, err := scan.Files(context.Background(), []string{p}, o, nil)
						if err != nil {
							t.Fatalf("%s: %v", what, err)
						}
						sameAll(t, what, res.Totals, rep.Totals)
						if res.Bytes != rep.Bytes {
							t.Errorf("%s: %d bytes, want %d", what, res.Bytes, rep.Bytes)
						}
					}
				}
			}
		}
	}
}

// TestStreamAgreesWithNaive runs the edge inputs of TestFilesAgreesWithNaive
// through the streaming path, and checks that malformed lines are located
// by their line in the stream.
func TestStreamAgreesWithNaive(t *testing.T) {
	long := strings.Repeat("y", 5000)
	data := "level=INFO user=a\r\n\nnot a line\nlevel=WARN user=\"Jane Q. <j@x>\"\n" +
		"level=INFO msg=" + long + " user=b\n{\"level\":\"error\",\"user\":\"c\"}\nbroken \"x\nlevel=INFO user=a\xffb"
	path := filepath.Join(t.TempDir(), "edge.log")
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	want, err := bench.Naive(path, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, window := range []int{8, 100, 0} {
		res, err := scan.Files(context.Background(), []string{gzipFile(t, path)}, scan.Options{Workers: 2, Buffer: window}, nil)
		if err != nil {
			t.Fatal(err)
		}
		sameTotals(t, fmt.Sprintf("gzip, window %d", window), res.Totals, want)
		if len(res.MalformedAt) != 2 || res.MalformedAt[0].Line != 3 || res.MalformedAt[1].Line != 7 {
			t.Errorf("window %d: malformed at %v, want lines 3 and 7", window, res.MalformedAt)
		}
	}
}

func TestStreamErrors(t *testing.T) {
	dir := t.TempDir()
	notGzip := filepath.Join(dir, "plain.gz")
	os.WriteFile(notGzip, []byte("level=INFO user=a\n"), 0o644)
	if _, err := scan.Files(context.Background(), []string{notGzip}, scan.Options{Workers: 2}, nil); err == nil || !strings.Contains(err.Error(), "plain.gz") {
		t.Errorf("a .gz file that is not gzip: err = %v, want one naming it", err)
	}
	// A gzip stream cut short is an error, not a silently shorter count.
	path, _ := generate(t, dir, gen.Options{Records: 20000, Users: 10, Workers: 1, Seed: 1})
	gz, _ := os.ReadFile(gzipFile(t, path))
	cut := filepath.Join(dir, "cut.gz")
	os.WriteFile(cut, gz[:len(gz)/2], 0o644)
	if _, err := scan.Files(context.Background(), []string{cut}, scan.Options{Workers: 2}, nil); err == nil || !strings.Contains(err.Error(), "cut.gz") {
		t.Errorf("a truncated .gz: err = %v, want one naming it", err)
	}
	binary := bytes.Repeat([]byte{0, 1, 2, 0xff, '\n'}, 100)
	if _, err := scan.Files(context.Background(), []string{"-"}, scan.Options{Workers: 2, Stdin: bytes.NewReader(binary)}, nil); err == nil || !strings.Contains(err.Error(), "stdin") {
		t.Errorf("binary on stdin: err = %v, want one naming stdin", err)
	}
}

// TestCancelWhileReading: a scan of a stream that never says more (a
// terminal, a quiet pipe) returns as soon as it is cancelled.
func TestCancelWhileReading(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	defer r.Close()
	w.Write([]byte("level=INFO user=a\n"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := scan.Files(ctx, []string{"-"}, scan.Options{Workers: 2, Stdin: r}, nil)
		done <- err
	}()
	cancel()
	if err := <-done; err == nil {
		t.Fatal("a cancelled scan of a blocked stream returned no error")
	}
}

// TestLongRecordsStreamed: CRI and Docker records in more pieces than a
// streamed buffer holds, the other stream's lines between them, count the
// same streamed through small buffers (which grow to hold a record, as
// for a long line) as mapped, in ranges Split cuts: the chunks end only
// where no record is open, as the ranges do.
func TestLongRecordsStreamed(t *testing.T) {
	var b bytes.Buffer
	for i := range 400 {
		ts := fmt.Sprintf("2026-11-26T08:%02d:%02d.%03dZ", i/60%60, i%60, i%1000)
		if i%10 == 0 {
			fmt.Fprintf(&b, "%s stdout P level=INFO user=p%d msg=\"", ts, i)
			for k := range 20 { // 20 pieces of 1 KiB, a record of 20 KiB
				fmt.Fprintf(&b, "%s\n%s stdout P ", strings.Repeat(string(rune('a'+k)), 1000), ts)
				if k%7 == 3 {
					fmt.Fprintf(&b, "x\n%s stderr F level=WARN user=e%d\n%s stdout P ", ts, i, ts)
				}
			}
			fmt.Fprintf(&b, "end\" action=login latency_ms=%d\n%s stdout F  tail\n", i, ts)
			fmt.Fprintf(&b, "{\"log\":\"level=ERROR user=d%d msg=\\\"%s\",\"stream\":\"stderr\",\"time\":%q}\n", i, strings.Repeat("z", 3000), ts)
			for range 4 {
				fmt.Fprintf(&b, "{\"log\":\"%s\",\"stream\":\"stderr\",\"time\":%q}\n", strings.Repeat("w", 3000), ts)
			}
			fmt.Fprintf(&b, "{\"log\":\" end\\\"\\n\",\"stream\":\"stderr\",\"time\":%q}\n", ts)
		} else {
			fmt.Fprintf(&b, "%s stdout F level=INFO user=c%d msg=x\n", ts, i%40)
		}
	}
	data := b.Bytes()
	path := filepath.Join(t.TempDir(), "long.log")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	o := scan.Options{Workers: 3, Buffer: 4 << 10, MaxLine: 1 << 20, PartOfFile: true, ListUsers: true, Parse: allMetrics}
	mapped, err := scan.Files(ctx, []string{path}, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	streamed, err := scan.Reader(ctx, path, bytes.NewReader(data), o)
	if err != nil {
		t.Fatal(err)
	}
	byName := func(a, b agg.UserCount) int { return strings.Compare(a.Name, b.Name) }
	for _, r := range []*scan.Result{&mapped, &streamed} {
		slices.SortFunc(r.Totals.UserList, byName)
	}
	if !reflect.DeepEqual(streamed.Totals, mapped.Totals) || !reflect.DeepEqual(streamed.Formats, mapped.Formats) {
		t.Fatalf("streamed in 4 KiB buffers:\n got %+v %v\nwant %+v %v", streamed.Totals, streamed.Formats, mapped.Totals, mapped.Formats)
	}
	if mapped.Totals.Malformed != 0 || mapped.Totals.Joined == 0 {
		t.Fatalf("mapped: %d malformed, %d joined: want every record whole", mapped.Totals.Malformed, mapped.Totals.Joined)
	}
}
