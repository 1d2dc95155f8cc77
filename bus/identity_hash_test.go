package bus

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/minio/highwayhash"
)

// TestSurveyHashes: surveyFile's hashes, read in 1 MiB chunks with the
// bytes after the last newline held back, equal HighwayHash-256 of the
// whole prefixes computed in one call; a known segment ending anywhere,
// within a line too, is matched by its hash.
func TestSurveyHashes(t *testing.T) {
	line := "level=INFO user=a msg=x\n"
	long := strings.Repeat("x", maxTail+100) // a last line longer than maxTail
	for _, c := range []struct{ name, data string }{
		{"empty", ""},
		{"no newline", "abc"},
		{"one line", line},
		{"lines", strings.Repeat(line, 100_000)},
		{"a last line without newline", strings.Repeat(line, 100_000) + "level=WARN half"},
		{"a long last line", strings.Repeat(line, 1000) + long},
		{"a long last line, then a newline", strings.Repeat(line, 1000) + long + "\n" + line + "tail"},
		{"only a long line", long},
	} {
		data := []byte(c.data)
		end := bytes.LastIndexByte(data, '\n') + 1
		sum := func(b []byte) [32]byte { return highwayhash.Sum(b, fileKey) }
		known := map[string]manifest{}
		for _, to := range []int{len(data) / 3, end, len(data) - 1} {
			if to > 0 && to <= len(data) {
				known["seg"+string(rune('a'+len(known)))] = manifest{To: int64(to), Hash: hexHash(sum(data[:to]))}
			}
		}
		sv, err := surveyFile(context.Background(), bytes.NewReader(data), int64(len(data)), map[string]manifest{})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if sv.end != int64(end) || sv.endHash != sum(data[:end]) || sv.sizeHash != sum(data) {
			t.Errorf("%s: end %d (want %d), end hash %v, size hash %v", c.name, sv.end, end, sv.endHash == sum(data[:end]), sv.sizeHash == sum(data))
		}
		for id, m := range known {
			one := map[string]manifest{id: m}
			sv, err := surveyFile(context.Background(), bytes.NewReader(data), int64(len(data)), one)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if sv.match != id || sv.linesAtMatch != int64(bytes.Count(data[:m.To], []byte{'\n'})) {
				t.Errorf("%s: a segment ending at %d of %d: match %q, %d lines", c.name, m.To, len(data), sv.match, sv.linesAtMatch)
			}
			if sv.endHash != sum(data[:end]) || sv.sizeHash != sum(data) {
				t.Errorf("%s: with a segment ending at %d: hashes differ from one call's", c.name, m.To)
			}
		}
	}
}
