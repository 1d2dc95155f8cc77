package bus

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestReadFresh: a read of the bucket ends only when it has seen the
// revision the leader had before it began, delete markers and other
// prefixes' keys included; short of it, a *StaleError, as a watch served
// by a lagging replica (one that ends early) gets.
func TestReadFresh(t *testing.T) {
	ts := startTestServer(t)
	b := ts.connect(t, "test")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// A fresh bucket numbers its writes 1, 2, ...: the delete marker of
	// b.2 is revision 4.
	for i, op := range []struct{ key, val string }{
		{"b.1", "one"}, {"f.x", "file"}, {"b.2", "two"}, {"b.2", ""}, {"f.y", "file"},
	} {
		if op.val == "" {
			if err := b.kv.Delete(ctx, op.key); err != nil {
				t.Fatal(err)
			}
			continue
		}
		rev, err := b.kv.Put(ctx, op.key, []byte(op.val))
		if err != nil || rev != uint64(i+1) {
			t.Fatalf("put %s: revision %d, %v; want %d", op.key, rev, err, i+1)
		}
	}
	for prefix, want := range map[string]uint64{batchPrefix: 4, filePrefix: 5, "z.": 0} {
		if got, err := b.leaderLast(ctx, prefix); got != want || err != nil {
			t.Errorf("leaderLast(%q) = %d, %v; want %d", prefix, got, err, want)
		}
	}
	read := func(last uint64) ([]string, error) {
		next, stop, err := b.watchFresh(ctx, batchPrefix, 0, last)
		if err != nil {
			return nil, err
		}
		defer stop()
		var keys []string
		for {
			e, err := next()
			if e == nil || err != nil {
				return keys, err
			}
			keys = append(keys, e.Key())
		}
	}
	if keys, err := read(4); err != nil || len(keys) != 1 || keys[0] != "b.1" {
		t.Errorf("read to the leader's revision: %q, %v; want [b.1] (b.2 deleted)", keys, err)
	}
	// A replica one write behind its leader ends its watch at revision 4.
	var stale *StaleError
	if _, err := read(5); !errors.As(err, &stale) || stale.Seen != 4 || stale.Last != 5 {
		t.Errorf("read short of the leader's revision: %v; want a *StaleError, seen 4 of 5", err)
	}
}
