package agg

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"strconv"
	"strings"
	"testing"
)

type event struct{ level, user string }

func countAll(events []event) *Shard {
	s := NewShard()
	for _, e := range events {
		s.Count([]byte(e.level), []byte(e.user))
	}
	return s
}

func TestCount(t *testing.T) {
	s := countAll([]event{
		{"INFO", "ann"}, {"INFO", "bob"}, {"WARN", "ann"}, {"ERROR", ""},
		{"DEBUG", "ann"}, {"info", "bob"}, {"Warning", ""}, {"err", "cy"},
		{"TRACE", "cy"}, {"INFO+2", ""}, {"trace", ""},
	})
	s.CountBlank()
	s.CountMalformed()
	s.CountMalformed()
	s.CountLong()
	got := Merge(s)
	wantLevels := map[string]int64{"DEBUG": 1, "INFO": 3, "WARN": 2, "ERROR": 2, "TRACE": 2, "INFO+2": 1}
	if !maps.Equal(got.Levels, wantLevels) {
		t.Errorf("Levels = %v, want %v", got.Levels, wantLevels)
	}
	wantNoUser := map[string]int64{"ERROR": 1, "WARN": 1, "INFO+2": 1, "TRACE": 1}
	if !maps.Equal(got.NoUser, wantNoUser) {
		t.Errorf("NoUser = %v, want %v", got.NoUser, wantNoUser)
	}
	wantUsers := map[string]int64{"ann": 3, "bob": 2, "cy": 2}
	if !maps.Equal(got.Users, wantUsers) {
		t.Errorf("Users = %v, want %v", got.Users, wantUsers)
	}
	if got.Blank != 1 || got.Malformed != 2 || got.LongLines != 1 {
		t.Errorf("Blank, Malformed, LongLines = %d, %d, %d; want 1, 2, 1", got.Blank, got.Malformed, got.LongLines)
	}
	if got.Events() != 11 || got.Lines() != 15 {
		t.Errorf("Events, Lines = %d, %d; want 11, 15", got.Events(), got.Lines())
	}
}

func TestAppendLevel(t *testing.T) {
	tests := []struct{ in, want string }{
		{"INFO", "INFO"}, {"info", "INFO"}, {"Warn", "WARN"}, {"warning", "WARN"},
		{"WARNING", "WARN"}, {"err", "ERROR"}, {"ERR", "ERROR"}, {"error", "ERROR"},
		{"fatal", "FATAL"}, {"INFO+2", "INFO+2"}, {"débug", "DéBUG"}, {"", ""},
		{"warnings", "WARNINGS"}, {"errr", "ERRR"},
	}
	for _, tt := range tests {
		got := AppendLevel([]byte("x"), []byte(tt.in))
		if string(got) != "x"+tt.want {
			t.Errorf("AppendLevel(x, %q) = %q, want %q", tt.in, got, "x"+tt.want)
		}
	}
}

// TestMergeEqualsOneShard: counting events in one shard or spread over
// many gives the same totals.
func TestMergeEqualsOneShard(t *testing.T) {
	var events []event
	levels := []string{"INFO", "WARN", "ERROR", "debug", "FATAL"}
	for i := range 5000 {
		user := "u" + strconv.Itoa(i*7%311)
		if i%13 == 0 {
			user = ""
		}
		events = append(events, event{levels[i*i%len(levels)], user})
	}
	want := Merge(countAll(events))
	for _, n := range []int{2, 3, 8, 64} {
		shards := make([]*Shard, n)
		for i := range shards {
			shards[i] = NewShard()
		}
		for i, e := range events {
			shards[i*31%n].Count([]byte(e.level), []byte(e.user))
		}
		got := Merge(shards...)
		if !maps.Equal(got.Levels, want.Levels) || !maps.Equal(got.NoUser, want.NoUser) || !maps.Equal(got.Users, want.Users) {
			t.Errorf("%d shards: totals differ from one shard", n)
		}
	}
}

// TestMergeInvalidUTF8: distinct raw names stay distinct users (issue 12:
// they once merged into one U+FFFD name), written as valid UTF-8 that a
// JSON encoder keeps byte for byte.
func TestMergeInvalidUTF8(t *testing.T) {
	s := countAll([]event{{"INFO", "a\xffb"}, {"INFO", "a\xfeb"}, {"INFO", "a\xfeb"}, {"INFO", "ok"}, {"INFO", "é"}, {"INFO", `a\xffb`}})
	got := Merge(s)
	want := map[string]int64{`a\xffb`: 1, `a\xfeb`: 2, "ok": 1, "é": 1, `a\\xffb`: 1}
	if !maps.Equal(got.Users, want) {
		t.Fatalf("Users = %v, want %v", got.Users, want)
	}
	for name := range got.Users {
		raw, err := json.Marshal(name)
		if err != nil {
			t.Fatal(err)
		}
		var back string
		if err := json.Unmarshal(raw, &back); err != nil || back != name {
			t.Fatalf("%q does not survive JSON: %s gives %q", name, raw, back)
		}
	}
}

func TestMergeLeavesShardsAlone(t *testing.T) {
	s := countAll([]event{{"INFO", "ann"}, {"WARN", ""}})
	first := Merge(s, s)
	second := Merge(s, s)
	if !maps.Equal(first.Users, second.Users) || first.Users["ann"] != 2 {
		t.Fatalf("merging twice: %v then %v, want ann=2 both times", first.Users, second.Users)
	}
}

func TestCountAllocatesNothingForKnownUsers(t *testing.T) {
	s := NewShard()
	users := [][]byte{[]byte("ann@example.com"), []byte("bob@example.com")}
	levels := [][]byte{[]byte("INFO"), []byte("WARN"), []byte("ERROR"), []byte("warning"), []byte("TRACE")}
	for _, u := range users {
		for _, l := range levels {
			s.Count(l, u)
		}
	}
	allocs := testing.AllocsPerRun(1000, func() {
		for _, u := range users {
			for _, l := range levels {
				s.Count(l, u)
			}
		}
		s.Count(levels[0], nil)
	})
	if allocs != 0 {
		t.Fatalf("Count allocates %.1f times per run, want 0", allocs)
	}
}

func BenchmarkCount(b *testing.B) {
	for _, users := range []int{10, 10000, 1000000} {
		b.Run("users="+strconv.Itoa(users), func(b *testing.B) {
			names := make([][]byte, users)
			for i := range names {
				names[i] = []byte("user" + strconv.Itoa(i) + "@example.com")
			}
			s := NewShard()
			level := []byte("INFO")
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				s.Count(level, names[i])
				i++
				if i == users {
					i = 0
				}
			}
			b.StopTimer()
			if got := Merge(s).Levels["INFO"]; got != int64(b.N) {
				b.Fatalf("counted %d events, want %d", got, b.N)
			}
		})
	}
}

func BenchmarkMerge(b *testing.B) {
	shards := make([]*Shard, 2)
	for i := range shards {
		shards[i] = NewShard()
		for u := range 10000 {
			shards[i].Count([]byte("INFO"), []byte("user"+strconv.Itoa(u)))
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if len(Merge(shards...).Users) != 10000 {
			b.Fatal("wrong number of users")
		}
	}
}

// TestKnownLevelSlot: slog's four names get their slots, and every other
// name of four or five bytes, one byte or the length away from one of
// them, gets -1 (and so the slow path).
func TestKnownLevelSlot(t *testing.T) {
	for slot, name := range knownLevelNames {
		if got := knownLevelSlot([]byte(name)); got != slot {
			t.Errorf("knownLevelSlot(%q) = %d, want %d", name, got, slot)
		}
		for i := range len(name) {
			for c := range 256 {
				b := []byte(name)
				if b[i] == byte(c) {
					continue
				}
				b[i] = byte(c)
				if got := knownLevelSlot(b); got != -1 {
					t.Fatalf("knownLevelSlot(%q) = %d, want -1", b, got)
				}
			}
		}
		for _, b := range []string{name[:len(name)-1], name + "S", strings.ToLower(name), name[1:] + name[:1]} {
			if got := knownLevelSlot([]byte(b)); got != -1 {
				t.Errorf("knownLevelSlot(%q) = %d, want -1", b, got)
			}
		}
	}
}

// TestMergeContextCancelled: a merge of many users stops when its context
// is done, with the context's cause (issue 12: SIGINT was ignored while
// millions of users merged).
func TestMergeContextCancelled(t *testing.T) {
	s := NewShard()
	for i := range 3 * mergeCheck {
		s.Count([]byte("INFO"), []byte("user"+strconv.Itoa(i)))
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errors.New("interrupted"))
	if _, err := MergeContext(ctx, s); err == nil || err.Error() != "interrupted" {
		t.Errorf("err = %v, want interrupted", err)
	}
	got, err := MergeContext(context.Background(), s)
	if err != nil || len(got.Users) != 3*mergeCheck {
		t.Errorf("%v, %d users; want %d", err, len(got.Users), 3*mergeCheck)
	}
}
