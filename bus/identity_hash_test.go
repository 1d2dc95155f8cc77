package bus

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/zeebo/xxh3"
)

// wantFileHash is fileHash of data, computed in one place from the
// libraries: SHA-256 of the key, the xxh3-128 (seeded "logproc4", in 32
// bytes, zero-padded) of each 256 KiB of data (the last piece shorter),
// and data's length, 8 bytes little-endian.
func wantFileHash(data []byte) [32]byte {
	const leaf = 256 << 10
	root := []byte("logproc: a file's bytes, v3 ids.")
	for a := 0; a < len(data); a += leaf {
		s := xxh3.Hash128Seed(data[a:min(a+leaf, len(data))], 0x6c6f6770726f6334).Bytes()
		root = append(append(root, s[:]...), make([]byte, 16)...)
	}
	return sha256.Sum256(binary.LittleEndian.AppendUint64(root, uint64(len(data))))
}

// TestSurveyHashes: surveyFile's hashes, from leaves summed by 1 or 3
// goroutines, equal wantFileHash's of the whole prefixes; a known segment
// ending anywhere, within a line or a leaf too, is matched by its hash,
// and one whose head or hash differs is not. Read through a buffer and in
// place in the file's mapping alike.
func TestSurveyHashes(t *testing.T) {
	line := "level=INFO user=a msg=x\n"
	long := strings.Repeat("x", 700<<10) // a last line over several leaves
	for _, c := range []struct{ name, data string }{
		{"empty", ""},
		{"no newline", "abc"},
		{"one line", line},
		{"lines", strings.Repeat(line, 30_000)},
		{"a last line without newline", strings.Repeat(line, 30_000) + "level=WARN half"},
		{"a long last line", strings.Repeat(line, 1000) + long},
		{"a long last line, then a newline", strings.Repeat(line, 1000) + long + "\n" + line + "tail"},
		{"only a long line", long},
	} {
		data := []byte(c.data)
		end := bytes.LastIndexByte(data, '\n') + 1
		known := map[string]manifest{}
		for _, to := range []int{len(data) / 3, end, len(data) - 1, 256 << 10} {
			if to > 0 && to <= len(data) {
				head := wantFileHash(data[:to/(256<<10)*(256<<10)])
				known["seg"+string(rune('a'+len(known)))] = manifest{To: int64(to), Hash: hexHash(wantFileHash(data[:to])), Head: hexHash(head)}
			}
		}
		_, m := mapTemp(t, data)
		for _, fb := range []*fileBytes{{r: bytes.NewReader(data)}, {m: m}} {
			for _, workers := range []int{1, 3} {
				surveyCase(t, c.name, data, fb, known, workers)
			}
		}
	}
}

// surveyCase checks one file's survey, read through fb.
func surveyCase(t *testing.T, name string, data []byte, fb *fileBytes, known map[string]manifest, workers int) {
	t.Helper()
	end := bytes.LastIndexByte(data, '\n') + 1
	sum := wantFileHash
	sv, err := surveyFile(context.Background(), fb, int64(len(data)), map[string]manifest{}, workers)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if sv.end != int64(end) || sv.endHash != sum(data[:end]) || sv.sizeHash != sum(data) {
		t.Errorf("%s: end %d (want %d), end hash %v, size hash %v", name, sv.end, end, sv.endHash == sum(data[:end]), sv.sizeHash == sum(data))
	}
	for id, m := range known {
		one := map[string]manifest{id: m}
		sv, err := surveyFile(context.Background(), fb, int64(len(data)), one, workers)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if sv.match != id || sv.linesAtMatch != int64(bytes.Count(data[:m.To], []byte{'\n'})) {
			t.Errorf("%s: a segment ending at %d of %d: match %q, %d lines", name, m.To, len(data), sv.match, sv.linesAtMatch)
		}
		if sv.endHash != sum(data[:end]) || sv.sizeHash != sum(data) {
			t.Errorf("%s: with a segment ending at %d: hashes differ from one call's", name, m.To)
		}
		// Another head, or another hash: not the same bytes.
		for _, other := range []manifest{{To: m.To, Hash: m.Hash, Head: hexHash([32]byte{1})}, {To: m.To, Hash: hexHash([32]byte{1}), Head: m.Head}} {
			if sv, err := surveyFile(context.Background(), fb, int64(len(data)), map[string]manifest{id: other}, workers); err != nil || sv.match != "" {
				t.Errorf("%s: a segment ending at %d with another head or hash: match %q, %v", name, m.To, sv.match, err)
			}
		}
	}
}
