package bus

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/klauspost/compress/s2"

	"github.com/logproc/logproc/gen"
)

// tracedLog is gen's log with what makes a line's count depend on the
// lines around it: Go panic traces, messages that go on over indented
// lines, blank lines; its last line has no newline.
func tracedLog(t testing.TB, dir string, records int64) string {
	t.Helper()
	data, err := os.ReadFile(genFile(t, dir, "gen.log", gen.Options{Records: records, Seed: 77}))
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 4))
	var b bytes.Buffer
	for line := range bytes.Lines(data) {
		b.Write(line)
		switch r.IntN(40) {
		case 0:
			b.WriteString("panic: runtime error: index out of range [3] with length 3\n\ngoroutine 1 [running]:\nmain.main()\n\t/src/main.go:12 +0x1d\nexit status 2\n")
		case 1:
			b.WriteString("    a message's second line\n\tand its third\n")
		case 2:
			b.WriteString("\n")
		}
	}
	b.WriteString("level=INFO user=last msg=\"no newline\"")
	path := filepath.Join(dir, "traced.log")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestBatchPieces: a batch cut into pieces comes back the same, piece by
// piece, each piece ending where scan may end a range; a batch of one
// piece goes as one S2 block, which older consumers read.
func TestBatchPieces(t *testing.T) {
	raw, err := os.ReadFile(tracedLog(t, t.TempDir(), 3000))
	if err != nil {
		t.Fatal(err)
	}
	var e batchEncoder
	var d batchDecoder
	for _, size := range []int{4 << 10, 64 << 10, len(raw) / 2, len(raw)} {
		data, encoding, lines, err := e.encode(memBytes(bytes.Clone(raw)), 0, int64(len(raw)), size)
		if err != nil {
			t.Fatal(err)
		}
		if want := int64(bytes.Count(raw, []byte{'\n'})); lines != want {
			t.Errorf("pieces of %d: %d lines, want %d", size, lines, want)
		}
		if size >= len(raw) {
			if encoding != encodingS2 {
				t.Errorf("one piece of %d bytes: encoding %q, want %q", len(raw), encoding, encodingS2)
			}
			continue
		}
		if encoding != encodingS2Pieces || len(data) > len(raw)/3 {
			t.Fatalf("pieces of %d: encoding %q, %d bytes of %d", size, encoding, len(data), len(raw))
		}
		r, err := openPieces(data)
		if err != nil {
			t.Fatal(err)
		}
		var got []byte
		n := r.left
		for {
			piece, err := r.next(&d)
			if errors.Is(err, errNoPiece) {
				break
			} else if err != nil {
				t.Fatal(err)
			}
			if len(got)+len(piece) < len(raw) && piece[len(piece)-1] != '\n' {
				t.Fatalf("pieces of %d: a piece ends with %q, not a newline", size, piece[len(piece)-1])
			}
			got = append(got, piece...)
		}
		if !bytes.Equal(got, raw) || n < len(raw)/size || n > len(raw)/size+1 {
			t.Fatalf("pieces of %d: %d pieces gave %d bytes, want about %d pieces of the %d sent", size, n, len(got), len(raw)/size, len(raw))
		}
	}
	// A batch in the middle of the file: its pieces are cut, read and
	// counted from its own offset.
	off := int64(bytes.IndexByte(raw[len(raw)/3:], '\n') + len(raw)/3 + 1)
	end := int64(bytes.LastIndexByte(raw[:2*len(raw)/3], '\n') + 1)
	data, encoding, lines, err := e.encode(memBytes(raw), off, end-off, 4<<10)
	if err != nil || encoding != encodingS2Pieces || lines != int64(bytes.Count(raw[off:end], []byte{'\n'})) {
		t.Fatalf("a batch at offset %d: encoding %q, %d lines, %v", off, encoding, lines, err)
	}
	if got, err := decodePieces(data, &d); err != nil || !bytes.Equal(got, raw[off:end]) {
		t.Fatalf("a batch at offset %d: %d bytes decoded (%v), want the %d sent", off, len(got), err, end-off)
	}
}

// TestBatchPiecesRefused: a damaged index or block is one line that
// names the header and what is wrong, never a piece of wrong bytes.
func TestBatchPiecesRefused(t *testing.T) {
	piece := []byte(strings.Repeat("level=INFO user=u\n", 100))
	block := s2.Encode(nil, piece)
	msg := func(count int, lens []int, blocks ...[]byte) []byte {
		b := binary.AppendUvarint(nil, uint64(count))
		for _, n := range lens {
			b = binary.AppendUvarint(b, uint64(n))
		}
		for _, bl := range blocks {
			b = append(b, bl...)
		}
		return b
	}
	good := msg(2, []int{len(block), len(piece), len(block), len(piece)}, block, block)
	var d batchDecoder
	if r, err := openPieces(good); err != nil {
		t.Fatal(err)
	} else if p, err := r.next(&d); err != nil || !bytes.Equal(p, piece) {
		t.Fatalf("the good message: %q, %v", p, err)
	}
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"no data", nil, "no count of pieces"},
		{"no pieces", msg(0, nil), "no count of pieces"},
		{"index cut", good[:3], "of 2 is damaged"},
		{"a block short", good[:len(good)-1], "the index says"},
		{"a byte more", append(bytes.Clone(good), 0), "the index says"},
		{"too long", msg(2, []int{len(block), maxBatchBytes, len(block), len(piece)}, block, block), "more than a batch holds"},
		{"lengths that disagree", msg(1, []int{len(block), len(piece) - 1}, block), "its block says"},
		{"not S2", msg(1, []int{len(piece), len(piece)}, piece), "Logproc-Encoding=s2-pieces"},
	} {
		r, err := openPieces(c.data)
		for err == nil {
			_, err = r.next(&d)
		}
		if errors.Is(err, errNoPiece) || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v; want one line with %q", c.name, err, c.want)
		}
	}
}

// FuzzPieces: any message in pieces decodes to at most a batch's bytes or
// is refused, and never panics; a valid one decodes to what was encoded.
func FuzzPieces(f *testing.F) {
	f.Add([]byte("level=INFO user=alice\nlevel=WARN user=bob\n"), uint16(8), []byte{})
	f.Add(bytes.Repeat([]byte("x\n"), 1000), uint16(100), []byte{0xff, 0x01})
	f.Fuzz(func(t *testing.T, raw []byte, size uint16, junk []byte) {
		var e batchEncoder
		var d batchDecoder
		data, _, err := e.encodePieces(memBytes(raw), 0, int64(len(raw)), int(size)+1)
		if err != nil {
			t.Fatal(err)
		}
		if data != nil {
			if got, err := decodePieces(data, &d); err != nil || !bytes.Equal(got, raw) {
				t.Fatalf("%d bytes in pieces of %d: decoded %d (%v)", len(raw), size+1, len(got), err)
			}
			copy(data[len(data)/2:], junk)
		}
		for _, data := range [][]byte{data, junk} {
			r, err := openPieces(data)
			total := 0
			for err == nil {
				var p []byte
				p, err = r.next(&d)
				total += len(p)
			}
			if total > maxBatchBytes {
				t.Fatalf("decoded %d bytes, more than %d", total, maxBatchBytes)
			}
		}
	})
}

// TestPieceDecodeAllocs: decoding a piece into a buffer that has held one
// allocates nothing.
func TestPieceDecodeAllocs(t *testing.T) {
	raw := bytes.Repeat([]byte("time=2026-12-03T07:00:00Z level=INFO user=alice action=login\n"), 4000)
	var e batchEncoder
	data, _, err := e.encodePieces(memBytes(raw), 0, int64(len(raw)), 16<<10)
	if err != nil || data == nil {
		t.Fatalf("%d bytes, %v", len(data), err)
	}
	var d batchDecoder
	r, err := openPieces(data)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.next(&d); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(50, func() {
		r, _ := openPieces(data)
		for {
			if _, err := r.next(&d); err != nil {
				break
			}
		}
	})
	if allocs != 0 {
		t.Errorf("%.0f allocations per batch of pieces", allocs)
	}
}

// TestBatchesInPieces: files published in pieces are counted as scan
// counts them, by a worker that decodes ahead (a core beside it) and by
// one that decodes each piece itself, and the stream holds them in
// pieces.
func TestBatchesInPieces(t *testing.T) {
	dir := t.TempDir()
	traced := tracedLog(t, dir, 20000)
	js := genFile(t, dir, "j.log", gen.Options{Records: 10000, Seed: 43, Format: gen.JSON})
	for _, ahead := range []bool{true, false} {
		procs := 1
		if ahead {
			procs = 2
		}
		func() {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			ts := startTestServer(t)
			b := ts.connect(t, "test")
			st, err := Publish(context.Background(), b, []string{traced, js}, PublishOptions{BatchSize: 256 << 10, Final: true, pieceSize: 24 << 10})
			if err != nil {
				t.Fatal(err)
			}
			m, err := b.stream.GetLastMsgForSubject(context.Background(), b.subject)
			if err != nil || m.Header.Get(hdrEncoding) != encodingS2Pieces || st.Batches < 6 {
				t.Fatalf("%d batches, the last in %q (%v): want them in pieces", st.Batches, m.Header.Get(hdrEncoding), err)
			}
			o := testOptions
			o.Workers = 1
			var decoded atomic.Int64
			o.afterDecode = func(piece int) {
				if piece == 0 {
					decoded.Add(1)
				}
			}
			snap := countOne(t, ts, b, o)
			sameAsScan(t, snap, traced, js)
			if ahead != (decoded.Load() == int64(st.Batches)) {
				t.Errorf("ahead %v: %d of %d batches decoded ahead", ahead, decoded.Load(), st.Batches)
			}
		}()
	}
}

// TestDrainPiecesAhead: a consumer stopped while its worker counts the
// first piece of a batch and the second is decoded ahead finishes the
// batch, every piece of it, and every batch is counted exactly once by
// the consumers after it.
func TestDrainPiecesAhead(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(max(2, runtime.GOMAXPROCS(0)))) // a core beside the worker: it decodes ahead
	ts := startTestServer(t)
	path := genFile(t, t.TempDir(), "a.log", gen.Options{Records: 20000, Seed: 8})
	b := ts.connect(t, "test")
	st, err := Publish(context.Background(), b, []string{path}, PublishOptions{BatchSize: 128 << 10, pieceSize: 16 << 10})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var batches, lastPiece, counting atomic.Int64
	o := testOptions
	o.Workers = 1
	o.afterDecode = func(piece int) {
		if piece == 0 {
			batches.Add(1)
		}
		lastPiece.Store(int64(piece))
	}
	o.beforeCount = func(batch) {
		if counting.Add(1) != 3 {
			return
		}
		// The third batch's second piece decoded while its first waits.
		for deadline := time.Now().Add(10 * time.Second); batches.Load() != 3 || lastPiece.Load() < 1; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Errorf("no piece decoded ahead of the third batch's first in 10 s (batch %d, piece %d)", batches.Load(), lastPiece.Load())
				break
			}
		}
		cancel()
	}
	stats, err := Consume(ctx, ts.connect(t, "consumer"), o)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Consume: %v, want context.Canceled", err)
	}
	if stats.Counted < 3 || stats.Counted >= st.Batches || stats.Retried != 0 || stats.Parked != 0 {
		t.Fatalf("stats %+v: want the batch being counted counted too (3 or a few more of %d), none retried or parked", stats, st.Batches)
	}
	countedOnceAfterStop(t, ts, b, st.Batches, stats.Counted, path)
}

// decodePieces decodes every piece of data, in encodingS2Pieces, in order.
func decodePieces(data []byte, d *batchDecoder) ([]byte, error) {
	r, err := openPieces(data)
	var got []byte
	for err == nil {
		var p []byte
		if p, err = r.next(d); err == nil {
			got = append(got, p...)
		}
	}
	if errors.Is(err, errNoPiece) {
		err = nil
	}
	return got, err
}
