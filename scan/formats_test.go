package scan_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/logproc/logproc/scan"
)

// formsLog writes JSON and logfmt lines mixed at random (slog's shape,
// which Next's fast path reads, other logfmt, JSON with and without
// leading spaces), a few framed ones among them (containerd's records in
// two pieces, time-prefixed lines), with blank, malformed and long lines
// between them, and tallies the records of each form and the events as it
// writes them.
func formsLog(seed uint64, lines, maxLine int) (data []byte, want map[string]int64, events int64) {
	r := rand.New(rand.NewPCG(seed, 11))
	var b bytes.Buffer
	want = map[string]int64{}
	for i := range lines {
		if r.IntN(100) == 0 { // one record in two pieces: the second is a continuation line
			ts := fmt.Sprintf("2026-11-26T09:00:%02d.%03dZ", i/1000%60, i%1000)
			fmt.Fprintf(&b, "%s stdout P level=ERROR user=cri%d msg=\"cut\n%s stdout F  here\"\n", ts, r.IntN(9), ts)
			want["cri+logfmt"]++
			events++
			continue
		}
		if r.IntN(100) == 0 {
			fmt.Fprintf(&b, "2026-11-26T09:00:00.%03dZ level=WARN user=stamped msg=x\n", i%1000)
			want["stamped+logfmt"]++
			events++
			continue
		}
		ts := fmt.Sprintf("2026-11-26T08:%02d:%02d.%03dZ", i/60000%60, i/1000%60, i%1000)
		user := fmt.Sprintf("user%d@example.com", r.IntN(40))
		// Runs of one form, so that a range, chunk or piece may hold only
		// one of them and Detect calls it that range's.
		switch c := r.IntN(10); {
		case i/500%2 == 0 && c < 7 || i/500%2 == 1 && c < 2:
			fmt.Fprintf(&b, "time=%s level=INFO msg=\"user action\" user=%s action=login latency_ms=%d\n", ts, user, r.IntN(900))
			want["logfmt"]++
			events++
		case c < 8:
			fmt.Fprintf(&b, "level=WARN user=%s msg=\"short\"\n", user)
			want["logfmt"]++
			events++
		case i/500%2 == 1 && c < 9:
			fmt.Fprintf(&b, "{\"time\":%q,\"level\":\"ERROR\",\"user\":%q,\"msg\":\"json\"}\n", ts, user)
			want["json"]++
			events++
		case c < 9:
			fmt.Fprintf(&b, "  {\"level\":\"DEBUG\",\"user\":%q}\n", user)
			want["json"]++
			events++
		case r.IntN(3) == 0:
			b.WriteString("\n") // blank: no form
		case r.IntN(2) == 0:
			b.WriteString("not a log line at all\n") // malformed: no form
		default:
			b.WriteString("level=INFO user=long msg=" + strings.Repeat("x", maxLine) + "\n") // long: skipped unread
		}
	}
	return b.Bytes(), want, events
}

// TestFormatsFollowLines: Formats counts each line as the form it has,
// and the events are those written, the same whether the file is mapped
// and cut into ranges for any number of workers, streamed in chunks, read
// from a pipe or given in pieces: not as the form most lines of its range
// had, nor with a framed record's pieces read unframed where the range's
// samples saw no framed line.
func TestFormatsFollowLines(t *testing.T) {
	ctx := context.Background()
	const maxLine = 300
	data, want, events := formsLog(1, 20000, maxLine)
	path := filepath.Join(t.TempDir(), "forms.log")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	base := scan.Options{MaxLine: maxLine, Parse: allMetrics}
	check := func(what, name string, res scan.Result) {
		t.Helper()
		if got := res.Formats[name]; !reflect.DeepEqual(got, want) {
			t.Errorf("%s: formats %v, want %v as written", what, got, want)
		}
		if got := res.Totals.Events(); got != events {
			t.Errorf("%s: %d events, want %d as written", what, got, events)
		}
	}
	var first *scan.Result
	for _, workers := range []int{1, 2, 3, 8} {
		for _, buffer := range []int{0, 4096} {
			for _, read := range []string{"mmap", "pread", "no-mmap"} {
				o := base
				o.Workers, o.Buffer, o.NoMmap = workers, buffer, read == "no-mmap"
				o.Read = map[string]scan.ReadMode{"pread": scan.ReadPread, "mmap": scan.ReadMmap}[read]
				res, err := scan.Files(ctx, []string{path}, o, nil)
				if err != nil {
					t.Fatal(err)
				}
				what := fmt.Sprintf("%d workers, buffer %d, read %s", workers, buffer, read)
				check(what, path, res)
				if first == nil {
					first = &res
				} else {
					sameAll(t, what, res.Totals, first.Totals)
				}
			}
		}
	}
	o := base
	o.Workers, o.Buffer = 2, 4096
	res, err := scan.Reader(ctx, "stdin", bytes.NewReader(data), o)
	if err != nil {
		t.Fatal(err)
	}
	check("a reader in 4 KiB chunks", "stdin", res)

	o = base
	o.Workers = 1
	p, err := scan.NewPieces(o)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 5, 300} {
		ranges, err := scan.Split(bytes.NewReader(data), int64(len(data)), n)
		if err != nil {
			t.Fatal(err)
		}
		p.Start(path)
		for _, r := range ranges {
			if err := p.Add(ctx, data[r.Start:r.End]); err != nil {
				t.Fatal(err)
			}
		}
		res, err := p.Result(ctx)
		if err != nil {
			t.Fatal(err)
		}
		check(fmt.Sprintf("%d pieces", len(ranges)), path, res)
	}
}

// TestCountsAnyCut: an input counted whole and counted in the pieces Split
// cuts it into gives one Result, formats included: what a line counts as
// never depends on which range, chunk or piece held it, nor on what
// Detect's samples of that range saw, nor on plain or blank lines between
// a record's pieces (which end the record, whichever way the input is cut).
// FuzzCountsAnyCut fuzzes the same.
func TestCountsAnyCut(t *testing.T) {
	type input struct {
		data []byte
		n    int
	}
	var inputs []input
	for n := 1; n <= 16; n++ {
		data, _, _ := formsLog(uint64(n), 300, 120)
		inputs = append(inputs, input{data, n})
		for seed, framing := range []string{"", "cri", "docker", "json"} {
			inputs = append(inputs, input{mixedLog(uint64(seed+n), framing, 6<<10, 120), n})
		}
		// A piece first, its record's end after the cut.
		inputs = append(inputs, input{[]byte("2026-11-26T08:00:00.000Z stdout P level=INFO user=a msg=\"x\n2026-11-26T08:00:00.000Z stdout F y\"\nlevel=INFO user=b\n{\"level\":\"WARN\"}\n"), n})
		inputs = append(inputs, input{gapLog(false), n}, input{gapLog(true), n})
	}
	ctx := context.Background()
	o := scan.Options{MaxLine: 120, PartOfFile: true, ListUsers: true, Parse: allMetrics}
	whole, err := scan.NewPieces(o)
	if err != nil {
		t.Fatal(err)
	}
	cut, err := scan.NewPieces(o)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range inputs {
		data := in.data
		whole.Start("in")
		werr := whole.Add(ctx, data)
		want, rerr := whole.Result(ctx)
		werr = errors.Join(werr, rerr)
		ranges, err := scan.Split(bytes.NewReader(data), int64(len(data)), in.n)
		if err != nil {
			t.Fatal(err)
		}
		cut.Start("in")
		var cerr error
		for _, r := range ranges {
			if cerr = cut.Add(ctx, data[r.Start:r.End]); cerr != nil {
				break
			}
		}
		got, rerr := cut.Result(ctx)
		cerr = errors.Join(cerr, rerr)
		if (werr == nil) != (cerr == nil) {
			t.Fatalf("whole: %v; in %d pieces: %v", werr, len(ranges), cerr)
		}
		if werr != nil {
			continue // the same input refused both ways (binary data)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%.80q… in %d pieces:\n got %+v\nwant %+v", data, len(ranges), got, want)
		}
	}
}

// gapLog is a log whose records in pieces have plain, blank or
// time-prefixed lines between their pieces, among slog lines (framed false)
// or among CRI and Docker lines.
func gapLog(framed bool) []byte {
	var b bytes.Buffer
	for i := range 400 {
		ts := fmt.Sprintf("2026-11-26T08:%02d:%02d.%03dZ", i/60%60, i%60, i%1000)
		switch {
		case i%7 == 3:
			fmt.Fprintf(&b, "%s stdout P level=INFO user=p%d msg=\"a\n", ts, i)
		case i%7 == 5:
			fmt.Fprintf(&b, "%s stdout F  b\"\n", ts)
		case i%11 == 4:
			fmt.Fprintf(&b, "{\"log\":\"level=WARN user=d%d msg=\\\"a\",\"stream\":\"stderr\",\"time\":%q}\n", i, ts)
		case i%11 == 9:
			fmt.Fprintf(&b, "{\"log\":\" b\\\"\\n\",\"stream\":\"stderr\",\"time\":%q}\n", ts)
		case i%13 == 6:
			b.WriteString("\n")
		case i%17 == 8:
			fmt.Fprintf(&b, "%s level=INFO user=s%d msg=stamped\n", ts, i)
		case framed:
			fmt.Fprintf(&b, "%s stderr F level=INFO user=c%d\n", ts, i)
		default:
			fmt.Fprintf(&b, "time=%s level=INFO msg=\"user action\" user=u%d action=login latency_ms=%d\n", ts, i%50, i)
		}
	}
	return b.Bytes()
}
