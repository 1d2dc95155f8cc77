package main

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"testing"
)

// TestFramingsRoundTrip checks the test input itself: undoing the CRI and
// Docker framings as their formats are documented gives back the lines
// the libraries wrote, and the edge cases the acceptance tests rely on are
// in the files.
func TestFramingsRoundTrip(t *testing.T) {
	recs := exactLength(slogJSON, frameRecs(300, 4, 6), 150, 2*dockerMaxLen)
	lines := innerLines(slogJSON, recs)
	want := slices.SortedFunc(slices.Values(lines), bytes.Compare)

	var cri bytes.Buffer
	writeCRI(&cri, recs, lines, criMaxLen, true)
	open := map[string][]byte{} // stream → pieces so far
	var got [][]byte
	between := 0 // lines of one stream between another's P and F
	for line := range bytes.Lines(cri.Bytes()) {
		f := bytes.SplitN(bytes.TrimSuffix(line, []byte("\n")), []byte(" "), 4)
		if len(f) != 4 || (string(f[2]) != "P" && string(f[2]) != "F") || len(f[3]) > criMaxLen {
			t.Fatalf("not a CRI line: %.100q", line)
		}
		for s, p := range open {
			if s != string(f[1]) && p != nil {
				between++
			}
		}
		open[string(f[1])] = append(open[string(f[1])], f[3]...)
		if string(f[2]) == "F" {
			got = append(got, append(open[string(f[1])], '\n'))
			open[string(f[1])] = nil
		}
	}
	if slices.SortFunc(got, bytes.Compare); !slices.EqualFunc(got, want, bytes.Equal) || between == 0 {
		t.Errorf("CRI: %d lines back (%d between another stream's pieces), want the %d written and some between", len(got), between, len(want))
	}

	var docker bytes.Buffer
	writeDockerJSON(&docker, recs, lines)
	got = got[:0]
	var cur []byte
	newlineAlone := 0
	for line := range bytes.Lines(docker.Bytes()) {
		var e struct{ Log, Stream, Time string }
		if err := json.Unmarshal(line, &e); err != nil || e.Stream == "" || e.Time == "" {
			t.Fatalf("not a json-file line: %v: %.100q", err, line)
		}
		if e.Log == "\n" {
			newlineAlone++
		}
		cur = append(cur, e.Log...)
		if bytes.HasSuffix(cur, []byte("\n")) {
			got = append(got, cur)
			cur = nil
		}
	}
	// Docker cuts a long line into pieces at 16 KiB whatever the bytes, and
	// writes the halves of a rune cut in two as U+FFFD: a long message
	// may come back changed, never the other keys.
	runeCuts := 0
	for i := range min(len(got), len(lines)) {
		var g, w map[string]any
		if err := json.Unmarshal(got[i], &g); err != nil {
			t.Fatalf("Docker: line %d is not slog's JSON: %v", i, err)
		}
		json.Unmarshal(lines[i], &w)
		if !bytes.Equal(got[i], lines[i]) {
			runeCuts++
		}
		delete(g, "msg")
		delete(w, "msg")
		if !reflect.DeepEqual(g, w) {
			t.Errorf("Docker: line %d came back as %v, want %v", i, g, w)
		}
	}
	if len(got) != len(lines) || newlineAlone != 1 || runeCuts == 0 {
		t.Errorf("Docker: %d lines back, %d pieces of \"\\n\" alone, %d messages cut inside a rune; want %d, one and some", len(got), newlineAlone, runeCuts, len(lines))
	}
}
