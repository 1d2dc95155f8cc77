package results

import (
	"strings"
	"testing"
)

const sample = `{
  "blank_lines": 0,
  "bytes": 250,
  "lines": 2,
  "lines_without_user": {
    "INFO": 1
  },
  "log_levels": {
    "INFO": 2
  },
  "malformed_examples": [],
  "malformed_lines": 0,
  "unique_users": 1,
  "user_actions": {
    "jane@example.com": 1
  }
}
`

func TestMarshalRoundTrip(t *testing.T) {
	r, err := Parse([]byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != sample {
		t.Errorf("Marshal(Parse(sample)) =\n%s\nwant\n%s", b, sample)
	}
}

func TestMarshalEmpty(t *testing.T) {
	b, err := Marshal(Result{})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"log_levels": {}`, `"malformed_examples": []`, `"user_actions": {}`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("Marshal(Result{}) lacks %s:\n%s", want, b)
		}
	}
}

func TestParseRejects(t *testing.T) {
	for _, in := range []string{
		``,
		`{"lines": 1, "new_key": 2}`, // a key nobody compares
		`{"lines": 1} {"lines": 2}`,
		`{"lines": "1"}`,
	} {
		if _, err := Parse([]byte(in)); err == nil {
			t.Errorf("Parse(%q) = nil error, want one", in)
		}
	}
}

func TestDiff(t *testing.T) {
	want, err := Parse([]byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	if d := Diff(want, want); len(d) != 0 {
		t.Errorf("Diff(r, r) = %q, want nothing", d)
	}

	got, _ := Parse([]byte(sample))
	got.LogLevels = map[string]int64{"INFO": 2, "WARN": 0} // a zero count is an absent key
	if d := Diff(want, got); len(d) != 0 {
		t.Errorf("an explicit zero count differs: %q", d)
	}

	got.UserActions = map[string]int64{"jane@example.com": 2, "ghost@example.com": 1}
	got.Bytes = 251
	d := Diff(want, got)
	if len(d) != 2 {
		t.Fatalf("Diff = %q, want 2 lines", d)
	}
	if want := `user_actions: 2 keys differ: "ghost@example.com" want 0 got 1; "jane@example.com" want 1 got 2`; d[0] != want {
		t.Errorf("map diff = %q, want %q", d[0], want)
	}
	if want := "bytes: want 250, got 251"; d[1] != want {
		t.Errorf("int diff = %q, want %q", d[1], want)
	}
	if d := DiffCounts(want, Result{LogLevels: want.LogLevels, LinesWithoutUser: want.LinesWithoutUser, UserActions: want.UserActions}); len(d) != 0 {
		t.Errorf("DiffCounts looks beyond the maps: %q", d)
	}

	got = want
	got.MalformedExamples = []Position{{File: "a", Line: 3}}
	if d := DiffExamples(want, got); len(d) != 1 {
		t.Errorf("DiffExamples = %q, want one line", d)
	}
	if d := Diff(want, got); len(d) != 0 {
		t.Errorf("Diff compares examples: %q", d)
	}
}

func TestDiffManyKeys(t *testing.T) {
	want := Result{UserActions: map[string]int64{"a": 1, "b": 1, "c": 1, "d": 1, "e": 1}}
	d := DiffCounts(want, Result{})
	if len(d) != 1 || !strings.HasPrefix(d[0], "user_actions: 5 keys differ:") || !strings.HasSuffix(d[0], "…") {
		t.Errorf("DiffCounts = %q, want 5 keys, 3 shown", d)
	}
}
