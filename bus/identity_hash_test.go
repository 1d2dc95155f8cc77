package bus

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/minio/highwayhash"

	"github.com/logproc/logproc/scan"
)

// TestSurveyHashes: surveyFile's hashes, read in 1 MiB pieces with the
// bytes after the last newline held back, equal HighwayHash-256 of the
// whole prefixes computed in one call; a known segment ending anywhere,
// within a line too, is matched by its hash. Read through a buffer and in
// place in the file's mapping alike.
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
		path := filepath.Join(t.TempDir(), "f.log")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := scan.Map(path)
		if err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		for _, fb := range []*fileBytes{{r: bytes.NewReader(data)}, {m: m}} {
			surveyCase(t, c.name, data, fb, known)
		}
	}
}

// surveyCase checks one file's survey, read through fb.
func surveyCase(t *testing.T, name string, data []byte, fb *fileBytes, known map[string]manifest) {
	t.Helper()
	end := bytes.LastIndexByte(data, '\n') + 1
	sum := func(b []byte) [32]byte { return highwayhash.Sum(b, fileKey) }
	sv, err := surveyFile(context.Background(), fb, int64(len(data)), map[string]manifest{})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if sv.end != int64(end) || sv.endHash != sum(data[:end]) || sv.sizeHash != sum(data) {
		t.Errorf("%s: end %d (want %d), end hash %v, size hash %v", name, sv.end, end, sv.endHash == sum(data[:end]), sv.sizeHash == sum(data))
	}
	for id, m := range known {
		one := map[string]manifest{id: m}
		sv, err := surveyFile(context.Background(), fb, int64(len(data)), one)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if sv.match != id || sv.linesAtMatch != int64(bytes.Count(data[:m.To], []byte{'\n'})) {
			t.Errorf("%s: a segment ending at %d of %d: match %q, %d lines", name, m.To, len(data), sv.match, sv.linesAtMatch)
		}
		if sv.endHash != sum(data[:end]) || sv.sizeHash != sum(data) {
			t.Errorf("%s: with a segment ending at %d: hashes differ from one call's", name, m.To)
		}
	}
}
