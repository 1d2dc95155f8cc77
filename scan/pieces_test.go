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
	"github.com/logproc/logproc/scan/logline"
)

// mixedLog writes lines of every shape whose count depends on more than
// the line itself, as a file holds them: framing is "" (panic traces and
// indented continuations, JSON and logfmt, lines longer than maxLine,
// blank and malformed lines), "json" (JSON lines, some too long), "cri" (containerd's records cut into pieces,
// the other stream between them) or "docker" (json-file's pieces). The
// last line has no newline.
func mixedLog(seed uint64, framing string, size, maxLine int) []byte {
	r := rand.New(rand.NewPCG(seed, 7))
	levels := []string{"DEBUG", "INFO", "WARN", "ERROR"}
	var b bytes.Buffer
	for i := 0; b.Len() < size; i++ {
		ts := fmt.Sprintf("2026-11-26T08:%02d:%02d.%03dZ", i/3600%60, i/60%60, i%1000)
		user := fmt.Sprintf("u%d", r.IntN(50))
		level := levels[r.IntN(len(levels))]
		switch c := r.IntN(8); {
		case framing == "cri" && c < 3: // a record in pieces, the other stream between them
			b.WriteString(ts + " stdout P time=" + ts + " level=" + level + " u\n")
			b.WriteString(ts + " stderr F level=WARN user=" + user + "\n")
			b.WriteString(ts + " stdout P ser=" + user + " msg=piece\n")
			b.WriteString(ts + " stdout F  done=1\n")
		case framing == "cri":
			b.WriteString(ts + " stdout F time=" + ts + " level=" + level + " user=" + user + "\n")
		case framing == "docker" && c < 3:
			b.WriteString(`{"log":"level=` + level + ` us","stream":"stdout","time":"` + ts + `"}` + "\n")
			b.WriteString(`{"log":"er=` + user + `\n","stream":"stdout","time":"` + ts + `"}` + "\n")
		case framing == "docker":
			b.WriteString(`{"log":"level=` + level + ` user=` + user + `\n","stream":"stderr","time":"` + ts + `"}` + "\n")
		case framing == "json" && c == 0:
			b.WriteString(`{"level":"` + level + `","user":"` + user + `","msg":"` + strings.Repeat("x", maxLine) + `"}` + "\n")
		case framing == "json":
			b.WriteString(`{"time":"` + ts + `","level":"` + level + `","user":"` + user + `","msg":"json"}` + "\n")
		case c == 0:
			b.WriteString("panic: runtime error: index out of range [3] with length 3\n\ngoroutine 1 [running]:\nmain.main()\n\t/src/main.go:12 +0x1d\nexit status 2\n")
		case c == 1:
			b.WriteString("level=" + level + " msg=\"multi\" user=" + user + "\n    second line of the message\n\tthird\n")
		case c == 2:
			b.WriteString("level=INFO user=" + user + " msg=" + strings.Repeat("x", maxLine+r.IntN(3*maxLine)) + "\n")
		case c == 3:
			b.WriteString("\nnot a log line at all\n")
		case c == 4:
			b.WriteString(`{"time":"` + ts + `","level":"` + level + `","user":"` + user + `","msg":"json"}` + "\n")
		default:
			b.WriteString("time=" + ts + " level=" + level + " msg=ok user=" + user + "\n")
		}
	}
	b.WriteString("level=INFO user=last msg=\"no newline\"")
	return b.Bytes()
}

// TestPiecesEqualsFiles: an input counted piece by piece, cut where Split
// cuts, gives the Result scan gives for the whole file, whatever the
// number of pieces.
func TestPiecesEqualsFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	const maxLine = 600
	for _, o := range []scan.Options{
		{Workers: 1, MaxLine: maxLine},
		{Workers: 1, MaxLine: maxLine, PartOfFile: true, ListUsers: true, Parse: allMetrics},
	} {
		p, err := scan.NewPieces(o)
		if err != nil {
			t.Fatal(err)
		}
		for seed, framing := range []string{"", "cri", "docker", "json", ""} {
			data := mixedLog(uint64(seed), framing, 200<<10, maxLine)
			path := filepath.Join(dir, fmt.Sprintf("mixed-%d.log", seed))
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			want, err := scan.Files(ctx, []string{path}, o, nil)
			if err != nil {
				t.Fatal(err)
			}
			if framing == "" && (want.Totals.Malformed == 0 || want.Totals.LongLines == 0 || want.Totals.Continuation == 0) ||
				(framing == "cri" || framing == "docker") && want.Totals.Joined == 0 || framing == "json" && want.Totals.LongLines == 0 {
				t.Fatalf("%q: the input lacks what it is for: %+v", framing, want.Totals)
			}
			for _, n := range []int{1, 2, 7, 60, 1000} {
				ranges, err := scan.Split(bytes.NewReader(data), int64(len(data)), n)
				if err != nil {
					t.Fatal(err)
				}
				p.Start(path)
				for _, r := range ranges {
					if err := p.Add(ctx, data[r.Start:r.End]); err != nil {
						t.Fatalf("seed %d, %d pieces: %v", seed, n, err)
					}
				}
				got, err := p.Result(ctx)
				if err != nil {
					t.Fatalf("seed %d, %d pieces: %v", seed, n, err)
				}
				what := fmt.Sprintf("framing %q, seed %d, %d pieces (%d cut), parse %+v", framing, seed, n, len(ranges), o.Parse)
				sameAll(t, what, got.Totals, want.Totals)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s: result differs from scan's:\n got %+v\nwant %+v", what, got, want)
				}
			}
		}
	}
}

// TestPiecesCutMidLine: a piece after one that ends inside a line is an
// error, and stays one until the next input.
func TestPiecesCutMidLine(t *testing.T) {
	ctx := context.Background()
	p, err := scan.NewPieces(scan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p.Start("x")
	if err := p.Add(ctx, []byte("level=INFO user=a\nlevel=INFO us")); err != nil {
		t.Fatal(err)
	}
	if err := p.Add(ctx, []byte("er=b\n")); err == nil || !strings.Contains(err.Error(), "did not end with a newline") {
		t.Fatalf("a piece after half a line: %v", err)
	}
	if _, err := p.Result(ctx); err == nil {
		t.Fatal("Result after a failed Add: no error")
	}
	p.Start("y")
	if err := p.Add(ctx, []byte("level=INFO user=a\n")); err != nil {
		t.Fatal(err)
	}
	res, err := p.Result(ctx)
	if err != nil || res.Totals.Lines() != 1 || res.Totals.Users["a"] != 1 {
		t.Fatalf("the next input: %v, %+v", err, res.Totals)
	}
}

// TestPiecesAfterError: what an input cut short leaves (binary data
// refused, a record of containerd's left open) is not the next input's.
func TestPiecesAfterError(t *testing.T) {
	ctx := context.Background()
	p, err := scan.NewPieces(scan.Options{MaxLine: 100})
	if err != nil {
		t.Fatal(err)
	}
	p.Start("binary")
	piece := append([]byte("2026-11-26T08:00:00Z stdout P level=INFO us\n"), bytes.Repeat([]byte{0}, 300)...)
	if err := p.Add(ctx, append(piece, '\n')); !errors.Is(err, scan.ErrBinary) {
		t.Fatalf("a long line of NUL bytes: %v, want ErrBinary", err)
	}
	p.Start("next")
	if err := p.Add(ctx, []byte("2026-11-26T08:00:01Z stdout F level=WARN user=b\n")); err != nil {
		t.Fatal(err)
	}
	res, err := p.Result(ctx)
	if err != nil || res.Totals.Lines() != 1 || res.Totals.Levels["WARN"] != 1 || res.Totals.Users["b"] != 1 || res.Totals.Joined != 0 {
		t.Fatalf("the next input: %v, %+v; want its one line alone", err, res.Totals)
	}
}

// TestPiecesAllocs: counting an input in many pieces allocates no more
// than counting it in one, once a Pieces has counted inputs before: what
// is made per input (the shard) is made per Start, and nothing per piece.
func TestPiecesAllocs(t *testing.T) {
	ctx := context.Background()
	data := mixedLog(1, "", 200<<10, 600)
	p, err := scan.NewPieces(scan.Options{MaxLine: 600})
	if err != nil {
		t.Fatal(err)
	}
	allocs := func(n int) float64 {
		ranges, err := scan.Split(bytes.NewReader(data), int64(len(data)), n)
		if err != nil {
			t.Fatal(err)
		}
		return testing.AllocsPerRun(10, func() {
			p.Start("x")
			for _, r := range ranges {
				if err := p.Add(ctx, data[r.Start:r.End]); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
	allocs(40) // the tallies, made once
	one, many := allocs(1), allocs(40)
	if many > one {
		t.Errorf("%.0f allocations for 40 pieces, %.0f for one: a piece allocates", many, one)
	}
}

// TestLastRecordEnd: at every line's end of logs of every framing,
// LastRecordEnd is the last line's end at or before it after which
// OpenRecordsWhole finds no record open in the input read from its start.
func TestLastRecordEnd(t *testing.T) {
	for seed, framing := range []string{"", "cri", "docker", "json"} {
		data := mixedLog(uint64(seed+40), framing, 48<<10, 400)
		moved := 0
		for end := 0; end <= len(data); end++ {
			if end > 0 && data[end-1] != '\n' {
				continue
			}
			got, err := scan.LastRecordEnd(bytes.NewReader(data), int64(end))
			if err != nil {
				t.Fatal(err)
			}
			want := end
			for want > 0 && logline.OpenRecordsWhole(data[:want]) {
				want = bytes.LastIndexByte(data[:want-1], '\n') + 1
			}
			if got != int64(want) {
				t.Fatalf("%s log: LastRecordEnd(%d) = %d, want %d", framing, end, got, want)
			}
			if want != end {
				moved++
			}
		}
		if (framing == "cri" || framing == "docker") && moved == 0 {
			t.Errorf("%s log: no line's end had a record open: the test proves nothing", framing)
		}
	}
}
