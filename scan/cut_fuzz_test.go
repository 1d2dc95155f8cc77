package scan_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/logproc/logproc/agg"
	"github.com/logproc/logproc/scan"
)

// cutLines are lines of every form scan reads: whole records, records in
// pieces as containerd and Docker write them (the other stream's lines
// may come between), and pieces alone, so that any line may come between
// a record's pieces. %[1]d is the line's index, %[2]s a time.
var cutLines = []string{
	"time=%[2]s level=INFO msg=\"user action\" user=u%[1]d@example.com action=login latency_ms=%[1]d\n",
	"level=WARN user=u%[1]d msg=short\n",
	"{\"time\":%[2]q,\"level\":\"ERROR\",\"user\":\"u%[1]d\",\"latency_ms\":%[1]d}\n",
	"  {\"level\":\"DEBUG\",\"user\":\"u%[1]d\"}\n",
	"\n",
	"not a log line %[1]d\n",
	"level=INFO user=long msg=" + strings.Repeat("x", 130) + "\n",
	"%[2]s stdout F level=INFO user=cri%[1]d\n",
	"%[2]s stdout P level=ERROR user=p%[1]d msg=\"a\n%[2]s stdout F  b\"\n",
	"%[2]s stderr P level=WARN user=e%[1]d msg=\"a\n%[2]s stderr P  b\n%[2]s stderr F  c\"\n",
	"%[2]s level=INFO user=stamped%[1]d msg=x\n",
	"{\"log\":\"level=INFO user=d%[1]d\\n\",\"stream\":\"stdout\",\"time\":%[2]q}\n",
	"{\"log\":\"level=INFO user=dp%[1]d msg=\\\"a\",\"stream\":\"stderr\",\"time\":%[2]q}\n{\"log\":\" b\\\"\\n\",\"stream\":\"stderr\",\"time\":%[2]q}\n",
	"panic: boom %[1]d\n\ngoroutine 1 [running]:\nmain.main()\n\t/src/main.go:12 +0x1d\n",
	"I1126 08:00:00.000000    7 main.go:1] \"user action\" user=\"k%[1]d\"\n",
	"2026-11-26T08:00:00.000Z [INFO]  app: user action: user=h%[1]d\n",
	"level=INFO msg=\"multi\" user=m%[1]d\n    second line\n",
	"%[2]s stdout P level=INFO user=i%[1]d msg=\"a\n%[2]s stderr F level=WARN user=j%[1]d\n%[2]s stdout F  b\"\n",
	"%[2]s stdout P level=ERROR user=q%[1]d msg=\"a\n",
	"%[2]s stdout F  z%[1]d\"\n",
	"%[2]s stderr P level=WARN user=r%[1]d msg=\"a\n",
	"{\"log\":\"level=INFO user=dq%[1]d msg=\\\"a\",\"stream\":\"stdout\",\"time\":%[2]q}\n",
	// Pieces longer than MaxLine: skipped as long, they end the records
	// open, as any line not read does.
	"%[2]s stdout P level=INFO user=lp%[1]d msg=\"" + strings.Repeat("l", 120) + "\n",
	"{\"log\":\"level=INFO user=ld%[1]d msg=\\\"" + strings.Repeat("m", 120) + "\",\"stream\":\"stdout\",\"time\":%[2]q}\n",
}

// The pieces alone in cutLines that open a record.
const (
	loneP      = 18
	loneErrP   = 20
	loneDocker = 21
)

// FuzzCountsAnyCut: a log of whole records of every form, chosen by the
// fuzzer, counted whole, in the pieces Split cuts it into, and streamed in
// small chunks by two workers, gives one Result: what a line counts as
// never depends on which range, chunk or piece held it.
func FuzzCountsAnyCut(f *testing.F) {
	all := make([]byte, len(cutLines))
	for i := range all {
		all[i] = byte(i)
	}
	f.Add(all, uint8(3))
	f.Add(bytes.Repeat([]byte{8, 0, 9, 4, 12, 2, 13}, 9), uint8(7))
	f.Add(bytes.Repeat([]byte{0, 0, 0, 10, 1, 3}, 20), uint8(15))
	// Pieces alone, plain, blank and time-prefixed lines between them.
	f.Add(bytes.Repeat([]byte{18, 0, 19, 20, 4, 19, 21, 10, 7, 0, 20, 5, 19}, 12), uint8(9))
	f.Add(bytes.Repeat([]byte{18, 22, 19, 0, 21, 23, 0, 18, 1, 22, 19, 4}, 12), uint8(11))
	ctx := context.Background()
	o := scan.Options{MaxLine: 120, PartOfFile: true, ListUsers: true, Parse: allMetrics}
	whole, err := scan.NewPieces(o)
	if err != nil {
		f.Fatal(err)
	}
	cut, err := scan.NewPieces(o)
	if err != nil {
		f.Fatal(err)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, choices []byte, n uint8) {
		var b bytes.Buffer
		since := -1 // choices since a piece alone that may hold a record open
		for i, c := range choices {
			if since == 2 {
				// A line not framed ends the record: a record open longer
				// than a streamed chunk (1 KiB) would be cut, as any is
				// past scan's look back (docs/scan.md).
				fmt.Fprintf(&b, "level=INFO user=gap%d\n", i)
				since = -1
			}
			k := int(c) % len(cutLines)
			ts := fmt.Sprintf("2026-11-26T08:%02d:%02d.%03dZ", i/60%60, i%60, i%1000)
			fmt.Fprintf(&b, cutLines[k], i, ts)
			switch {
			case since >= 0:
				since++
			case k == loneP || k == loneErrP || k == loneDocker:
				since = 0
			}
		}
		data := b.Bytes()
		whole.Start("in")
		werr := whole.Add(ctx, data)
		want, rerr := whole.Result(ctx)
		if err := errors.Join(werr, rerr); err != nil {
			t.Fatalf("whole: %v", err)
		}
		ranges, err := scan.Split(bytes.NewReader(data), int64(len(data)), int(n%16)+1)
		if err != nil {
			t.Fatal(err)
		}
		cut.Start("in")
		for _, r := range ranges {
			if err := cut.Add(ctx, data[r.Start:r.End]); err != nil {
				t.Fatal(err)
			}
		}
		got, err := cut.Result(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("in %d pieces:\n got %+v\nwant %+v", len(ranges), got, want)
		}
		so := o
		so.Workers, so.Buffer = 2, 1024
		got, err = scan.Reader(ctx, "in", bytes.NewReader(data), so)
		if err != nil {
			t.Fatal(err)
		}
		// Two workers' lists of users merge in the order they finish.
		byName := func(a, b agg.UserCount) int { return strings.Compare(a.Name, b.Name) }
		slices.SortFunc(got.Totals.UserList, byName)
		slices.SortFunc(want.Totals.UserList, byName)
		if !reflect.DeepEqual(got.Totals, want.Totals) || !reflect.DeepEqual(got.Formats, want.Formats) {
			t.Fatalf("streamed in chunks:\n got %+v %v\nwant %+v %v", got.Totals, got.Formats, want.Totals, want.Formats)
		}
		// The file's ranges copied by pread, through windows shorter than
		// some lines: a line is read again after a window's end, and a
		// longer one in place; with one worker, Seen is handed the file.
		if len(data) == 0 {
			return
		}
		path := filepath.Join(dir, "in")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		po := o
		po.Workers, po.Buffer, po.Read = int(n%3)+1, 32+int(n%200), scan.ReadPread
		var seen []byte
		if po.Workers == 1 {
			po.Seen = func(b []byte) { seen = append(seen, b...) } // each byte counted, once, in order
		}
		got, err = scan.Files(ctx, []string{path}, po, nil)
		if err != nil {
			t.Fatal(err)
		}
		if po.Seen != nil && !bytes.Equal(seen, data) {
			t.Fatalf("read with pread, window %d: Seen had %d bytes, not the file's %d", po.Buffer, len(seen), len(data))
		}
		slices.SortFunc(got.Totals.UserList, byName)
		want.Formats = map[string]map[string]int64{path: want.Formats["in"]}
		if len(want.Formats[path]) == 0 {
			want.Formats = map[string]map[string]int64{}
		}
		if !reflect.DeepEqual(got.Totals, want.Totals) || !reflect.DeepEqual(got.Formats, want.Formats) {
			t.Fatalf("read with pread, %d workers, window %d:\n got %+v %v\nwant %+v %v", po.Workers, po.Buffer, got.Totals, got.Formats, want.Totals, want.Formats)
		}
	})
}
