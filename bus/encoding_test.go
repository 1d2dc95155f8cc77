package bus

import (
	"bytes"
	"context"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/snappy"
	"github.com/nats-io/nats.go"

	"github.com/logproc/logproc/gen"
)

// TestBatchEncoding: a log's batch goes compressed and comes back the
// same; bytes S2 cannot shrink go as they are; the encoder's buffer is
// its own, so the caller may reuse raw at once.
func TestBatchEncoding(t *testing.T) {
	logBytes := bytes.Repeat([]byte("time=2026-12-03T07:00:00Z level=INFO user=alice action=login latency_ms=12\n"), 2000)
	noise := make([]byte, 100<<10)
	for i := range noise {
		noise[i] = byte(rand.Uint32())
	}
	var e batchEncoder
	var d batchDecoder
	for _, c := range []struct {
		name     string
		raw      []byte
		encoding string
	}{
		{"a log", logBytes, encodingS2},
		{"one line", []byte("level=INFO\n"), ""}, // S2's header makes it longer
		{"random bytes", noise, ""},
	} {
		raw := bytes.Clone(c.raw)
		data, encoding, _, err := e.encode(memBytes(raw), 0, int64(len(raw)), 0)
		if err != nil {
			t.Fatal(err)
		}
		if encoding != c.encoding {
			t.Errorf("%s: encoding %q, want %q", c.name, encoding, c.encoding)
		}
		if encoding == encodingS2 && len(data) > len(raw)/4 {
			t.Errorf("%s: %d bytes compressed to %d", c.name, len(raw), len(data))
		}
		clear(raw) // the caller's buffer, used again
		got, err := d.decode(encoding, data)
		if err != nil || !bytes.Equal(got, c.raw) {
			t.Errorf("%s: decoded %d bytes (%v), want the %d sent", c.name, len(got), err, len(c.raw))
		}
	}
}

// TestBatchDecodeRefused: what a consumer cannot decode is one line that
// names the header and why, never a batch of wrong bytes.
func TestBatchDecodeRefused(t *testing.T) {
	good := s2.Encode(nil, bytes.Repeat([]byte("level=INFO user=u\n"), 100))
	huge := s2.Encode(nil, make([]byte, maxBatchBytes+1))
	for _, c := range []struct {
		name, encoding string
		data           []byte
		want           string
	}{
		{"another encoding", "zstd", good, `header Logproc-Encoding="zstd": this logproc reads "s2", "s2-pieces" or none`},
		{"cut", encodingS2, good[:len(good)/2], "Logproc-Encoding=s2: "},
		{"no data", encodingS2, nil, "Logproc-Encoding=s2: 0 bytes of message"},
		{"not S2", encodingS2, []byte("level=INFO user=u\n"), "Logproc-Encoding=s2: "},
		{"too long", encodingS2, huge, "more than a batch holds"},
	} {
		var d batchDecoder
		got, err := d.decode(c.encoding, c.data)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %d bytes, %v; want one line with %q", c.name, len(got), err, c.want)
		}
	}
}

// FuzzBatchDecode: any message decodes to the bytes S2's encoder was
// given or is refused, and never panics; Snappy's encoder (S2 reads
// Snappy blocks) is the independent writer of valid input.
func FuzzBatchDecode(f *testing.F) {
	f.Add([]byte("level=INFO user=alice\nlevel=WARN user=bob\n"), []byte{})
	f.Add(bytes.Repeat([]byte("x"), 1000), []byte{0xff, 0x01})
	f.Fuzz(func(t *testing.T, raw, junk []byte) {
		var d batchDecoder
		for _, enc := range [][]byte{s2.Encode(nil, raw), snappy.Encode(nil, raw)} {
			got, err := d.decode(encodingS2, enc)
			if err != nil || !bytes.Equal(got, raw) {
				t.Fatalf("%d bytes: decoded %d (%v)", len(raw), len(got), err)
			}
		}
		// Damaged: junk written over the encoded bytes, or in their place.
		enc := s2.Encode(nil, raw)
		copy(enc[len(enc)/2:], junk)
		for _, data := range [][]byte{enc, junk} {
			if got, err := d.decode(encodingS2, data); err == nil && len(got) > maxBatchBytes {
				t.Fatalf("decoded %d bytes, more than %d", len(got), maxBatchBytes)
			}
		}
	})
}

// TestCompressedAndRawBatches: one job with files published compressed
// (the default) and as they are, counted by one worker that decodes into
// a buffer it reuses while its last batch's record is written, reports
// what scan does; the compressed batches took the stream a fraction of
// their bytes; a batch in an encoding this logproc does not read is
// parked with the header named, not counted.
func TestCompressedAndRawBatches(t *testing.T) {
	ts := startTestServer(t)
	dir := t.TempDir()
	b := ts.connect(t, "test")
	// First in the stream, so that one worker parks it before the rest.
	foreign := strings.Repeat("a", segIDLen) + ".0"
	m := &nats.Msg{Subject: b.subject, Data: []byte("(7 bytes in a later logproc's encoding)")}
	m.Header = (&batch{ID: foreign, File: "z.log", Line: 1}).header()
	m.Header.Set(hdrEncoding, "zstd")
	m.Header.Set(nats.MsgIdHdr, foreign)
	if _, err := b.js.PublishMsg(context.Background(), m); err != nil {
		t.Fatal(err)
	}

	a := genFile(t, dir, "a.log", gen.Options{Records: 20000, Seed: 41})
	r := genFile(t, dir, "r.log", gen.Options{Records: 5000, Seed: 42, Format: gen.JSON})
	before, err := b.stream.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	st, err := Publish(context.Background(), b, []string{a}, PublishOptions{BatchSize: 128 << 10})
	if err != nil {
		t.Fatal(err)
	}
	after, err := b.stream.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if stored := after.State.Bytes - before.State.Bytes; st.Batches < 5 || stored > uint64(st.Bytes)/3 {
		t.Fatalf("%d batches of %d bytes took %d bytes of the stream: want them compressed", st.Batches, st.Bytes, stored)
	}
	if _, err := Publish(context.Background(), b, []string{r}, PublishOptions{BatchSize: 64 << 10, Uncompressed: true}); err != nil {
		t.Fatal(err)
	}
	o := testOptions
	o.Workers = 1
	snap := countOne(t, ts, b, o)
	sameAsScan(t, snap, a, r)

	e, err := b.kv.Get(context.Background(), batchPrefix+foreign)
	if err != nil {
		t.Fatalf("the batch in another encoding has no record: %v", err)
	}
	rec, _, err := decodeRecord(e.Value())
	if err != nil || !strings.Contains(rec.Parked, `header Logproc-Encoding="zstd"`) {
		t.Fatalf("its record: parked %q (%v), want the header named", rec.Parked, err)
	}
}
