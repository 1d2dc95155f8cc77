package scan_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/logproc/logproc/agg"
	"github.com/logproc/logproc/scan"
)

// cutLines are lines of every form scan reads, whole records each: a
// record in pieces has its pieces together, as containerd and Docker
// write them (the other stream's lines may come between). %[1]d is the
// line's index, %[2]s a time.
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
}

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
	f.Fuzz(func(t *testing.T, choices []byte, n uint8) {
		var b bytes.Buffer
		for i, c := range choices {
			ts := fmt.Sprintf("2026-11-26T08:%02d:%02d.%03dZ", i/60%60, i%60, i%1000)
			fmt.Fprintf(&b, cutLines[int(c)%len(cutLines)], i, ts)
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
		so.Workers, so.Buffer = 2, 512
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
	})
}
