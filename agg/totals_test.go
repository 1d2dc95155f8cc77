package agg

import (
	"maps"
	"testing"
)

// TestTotalsAdd: adding the totals of two shards gives what merging the
// shards gives.
func TestTotalsAdd(t *testing.T) {
	a, b := NewShard(), NewShard()
	a.Count([]byte("INFO"), []byte("ann"))
	a.Count([]byte("warning"), nil)
	a.CountBlank()
	b.Count([]byte("INFO"), []byte("ann"))
	b.Count([]byte("TRACE"), []byte("bob"))
	b.CountMalformed()
	b.CountLong()
	want := Merge(a, b)

	var got Totals
	ta, tb := Merge(a), Merge(b)
	if err := got.Add(&ta); err != nil {
		t.Fatal(err)
	}
	if err := got.Add(&tb); err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(got.Levels, want.Levels) || !maps.Equal(got.NoUser, want.NoUser) || !maps.Equal(got.Users, want.Users) ||
		got.Blank != want.Blank || got.Malformed != want.Malformed || got.LongLines != 1 {
		t.Fatalf("Add gave %+v, Merge %+v", got, want)
	}
	if err := got.Add(&ta); err != nil {
		t.Fatal(err)
	}
	if ta.Users["ann"] != 1 || got.Users["ann"] != 3 {
		t.Fatalf("after adding ta twice: ta.Users[ann] = %d (want 1), got.Users[ann] = %d (want 3)", ta.Users["ann"], got.Users["ann"])
	}
}
