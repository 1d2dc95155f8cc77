package out

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/logproc/logproc/agg"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func sample() Result {
	return New(agg.Totals{
		Levels:    map[string]int64{"INFO": 7, "WARN": 2, "ERROR": 1, "FATAL": 1},
		NoUser:    map[string]int64{"ERROR": 1},
		Users:     map[string]int64{"zed@example.com": 4, "ann@example.com": 5, "Jane Q. Public <jane@example.com>": 1, "a\uFFFDb": 1},
		Blank:     2,
		Malformed: 3,
	}, 1234, []agg.Position{{File: "logs", Line: 3}, {File: "logs", Line: 9}, {File: "other.log", Line: 1}}, Sections{})
}

// full is a result with every section: actions with and without
// latencies, a time range, windows (one of them empty), a time filter and
// a top-2 user list.
func full() Result {
	t := agg.Totals{
		Levels:     map[string]int64{"INFO": 6, "WARN": 2},
		NoUser:     map[string]int64{"INFO": 1},
		Users:      map[string]int64{"ann": 3, "bob": 3, "cy": 1},
		Filtered:   4,
		LongLines:  2,
		BadLatency: 1,
		BadTime:    2,
		Timed:      8,
		First:      time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC).UnixNano(),
		Last:       time.Date(2026, 11, 26, 8, 2, 30, 500e6, time.UTC).UnixNano(),
		Windows:    agg.Windows{Width: time.Minute, First: time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC).Unix() / 60, Counts: []int64{5, 0, 3}},
		Actions: map[string]*agg.ActionTotals{
			"login":  {Events: 4, Levels: map[string]int64{"INFO": 3, "WARN": 1}},
			"logout": {Events: 3, Levels: map[string]int64{"INFO": 2, "WARN": 1}},
		},
	}
	for _, ms := range []int64{12, 15, 40, 1200} {
		t.Actions["login"].Latency.Add(ms * 1e6)
		t.Latency.Add(ms * 1e6)
	}
	t.Latency.Add(250e3) // an event with no action
	s := AllSections()
	s.Filter, s.TopUsers = true, 2
	return New(t, 999, nil, s)
}

func TestMarshalGolden(t *testing.T) {
	tests := []struct {
		name string
		r    Result
	}{
		{"sample", sample()},
		{"empty", New(agg.Totals{}, 0, nil, Sections{})},
		{"full", full()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Marshal(tt.r)
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", tt.name+".json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("Marshal = \n%s\nwant (%s)\n%s", got, golden, want)
			}
		})
	}
}

// TestMarshalIsStandardJSON: encoding/json reads back what goccy/go-json
// wrote, with the same values, and the keys come out sorted.
func TestMarshalIsStandardJSON(t *testing.T) {
	r := sample()
	b, err := Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back Result
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("encoding/json rejects the output: %v", err)
	}
	var std bytes.Buffer
	enc := json.NewEncoder(&std)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(back); err != nil {
		t.Fatal(err)
	}
	if std.String() != string(b) {
		t.Errorf("encoding/json writes the same result differently:\n%s\nvs\n%s", std.String(), b)
	}
	var generic map[string]any
	if err := json.Unmarshal(b, &generic); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"log_levels", "unique_users", "user_actions"} {
		if _, ok := generic[key]; !ok {
			t.Errorf("the seed's key %q is missing", key)
		}
	}
}

func TestEmptyMapsAreObjects(t *testing.T) {
	b, err := Marshal(New(agg.Totals{}, 0, nil, Sections{}))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte("null")) {
		t.Fatalf("empty result holds null:\n%s", b)
	}
}

func TestWriteAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "results.json")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(context.Background(), path, sample(), nil); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := Marshal(sample())
	if !bytes.Equal(got, want) {
		t.Fatalf("file holds %q, want the results", got)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("directory holds %d entries, want only results.json (a temp file was left)", len(entries))
	}
}

func TestWriteFailsCleanly(t *testing.T) {
	dir := t.TempDir()
	notDir := filepath.Join(dir, "file")
	if err := os.WriteFile(notDir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// The directory of the target is a regular file: creating the temp file
	// fails (even as root), and the error names the target.
	err := Write(context.Background(), filepath.Join(notDir, "results.json"), sample(), nil)
	if err == nil || !strings.Contains(err.Error(), "results.json") {
		t.Fatalf("Write under a file: err = %v, want an error naming results.json", err)
	}
	// Renaming over a directory fails after the temp file is written: the
	// temp file must be gone.
	target := filepath.Join(dir, "target")
	if err := os.MkdirAll(filepath.Join(target, "keep"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Write(context.Background(), target, sample(), nil); err == nil {
		t.Fatal("Write over a non-empty directory succeeded")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		names := []string{}
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Fatalf("directory holds %v, want only file and target", names)
	}
}

func TestWriteStdout(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(context.Background(), "-", sample(), &buf); err != nil {
		t.Fatal(err)
	}
	want, _ := Marshal(sample())
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("stdout got %q", buf.Bytes())
	}
}

func BenchmarkMarshal(b *testing.B) {
	users := make(map[string]int64, 10000)
	for i := range 10000 {
		users["user"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+string(rune('a'+i/26%26))+string(rune('a'+i/676))+"@example.com"] = int64(i)
	}
	r := New(agg.Totals{Levels: map[string]int64{"INFO": 1}, Users: users}, 1, nil, Sections{})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Marshal(r); err != nil {
			b.Fatal(err)
		}
	}
}

// TestWriteToDevice: writing to /dev/null writes through the device and
// leaves it a device (a rename would have replaced it with a file).
func TestWriteToDevice(t *testing.T) {
	before, err := os.Stat(os.DevNull)
	if err != nil || before.Mode().IsRegular() {
		t.Skipf("%s is not a device here", os.DevNull)
	}
	if err := Write(context.Background(), os.DevNull, sample(), nil); err != nil {
		t.Fatal(err)
	}
	after, err := os.Stat(os.DevNull)
	if err != nil || after.Mode() != before.Mode() {
		t.Fatalf("%s changed from %v to %v", os.DevNull, before.Mode(), after.Mode())
	}
}

// TestWriteThroughSymlink: the link stays a link and its target gets the
// results.
func TestWriteThroughSymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target.json")
	if err := os.WriteFile(target, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink("target.json", link); err != nil {
		t.Fatal(err)
	}
	if err := Write(context.Background(), link, sample(), nil); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("link.json is no longer a link: %v, %v", fi.Mode(), err)
	}
	got, _ := os.ReadFile(target)
	want, _ := Marshal(sample())
	if !bytes.Equal(got, want) {
		t.Fatalf("target holds %q, want the results", got)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Fatalf("directory holds %d entries, want link.json and target.json", len(entries))
	}
}

// TestWriteCancelled: once ctx ends, the old file stays and no temporary
// file is left.
func TestWriteCancelled(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "results.json")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Write(ctx, path, sample(), nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("Write with an ended context: %v, want context.Canceled", err)
	}
	if err := WriteFileAtomic(ctx, path, []byte("new")); !errors.Is(err, context.Canceled) {
		t.Fatalf("WriteFileAtomic with an ended context: %v, want context.Canceled", err)
	}
	if got, _ := os.ReadFile(path); string(got) != "old" {
		t.Fatalf("results.json holds %q, want the old content", got)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("directory holds %d entries, want only results.json", len(entries))
	}
}
