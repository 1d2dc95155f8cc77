package out

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	json "github.com/goccy/go-json"

	"github.com/logproc/logproc/agg"
)

// namePieces are the bytes JSON treats apart: quotes, backslashes, control
// bytes, invalid UTF-8, U+2028/9, a real U+FFFD, and ' ' and '!', which
// sort before the closing quote.
var namePieces = []string{"a", "ab", "b", " ", "!", "#", "\"", "\\", "\n", "\t", "\r", "\x00", "\x1f", "\x7f",
	"\xff", "\xc3", "é", "\u2028", "\u2029", "\uFFFD", "<&>", "user.name@example.com"}

func randomName(r *rand.Rand) string {
	var b strings.Builder
	for range r.IntN(5) {
		b.WriteString(namePieces[r.IntN(len(namePieces))])
	}
	return b.String()
}

// randomResult is a result with random users, and the other sections
// sometimes set, so that the splice of user_actions is tried at every
// neighbour.
func randomResult(r *rand.Rand) Result {
	res := Result{Lines: r.Int64N(1000), UniqueUsers: r.IntN(9)}
	if r.IntN(4) > 0 {
		res.UserActions = map[string]int64{}
		seen := map[string]bool{} // goccy writes every invalid byte as \ufffd: keep one key per encoding
		for range r.IntN(60) {
			name := randomName(r)
			enc, err := json.MarshalWithOption(name, json.DisableHTMLEscape())
			if err != nil {
				panic(err)
			}
			if !seen[string(enc)] {
				seen[string(enc)] = true
				res.UserActions[name] = r.Int64N(1 << 40)
			}
		}
	}
	if r.IntN(2) == 0 {
		res.Windows = &Windows{Width: "1m0s", Counts: []Window{{Events: 3, Start: "x"}}}
	}
	if r.IntN(2) == 0 {
		res.Actions = map[string]Action{randomName(r): {Events: 2, LogLevels: map[string]int64{"INFO": 2}}}
	}
	if r.IntN(2) == 0 {
		res.UnreadableTimes = 1
	}
	return res
}

// TestMarshalMatchesGoccy: the bytes Marshal writes are goccy/go-json's
// for the same result, user_actions included.
func TestMarshalMatchesGoccy(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for round := range 2000 {
		res := randomResult(r)
		want, err := json.MarshalIndentWithOption(res, "", "  ", json.DisableHTMLEscape())
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, '\n')
		got, err := Marshal(res)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("round %d: Marshal differs from goccy/go-json:\n%s\nwant:\n%s", round, got, want)
		}
	}
}

// TestNewFromListEqualsMap: a result built from agg.MergeList's list is
// written in the same bytes as one built from Merge's map, whole and with
// -top.
func TestNewFromListEqualsMap(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for round := range 100 {
		shards := []*agg.Shard{agg.NewShard(), agg.NewShard()}
		for range r.IntN(2000) {
			shards[r.IntN(2)].Count([]byte("INFO"), []byte(randomName(r)))
		}
		viaMap := agg.Merge(shards...)
		viaList, err := agg.MergeList(context.Background(), shards...)
		if err != nil {
			t.Fatal(err)
		}
		for _, top := range []int{0, 1, 5} {
			s := Sections{TopUsers: top}
			want, err := Marshal(New(viaMap, 1, nil, s))
			if err != nil {
				t.Fatal(err)
			}
			got, err := Marshal(New(viaList, 1, nil, s))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("round %d, top %d: from the list:\n%s\nfrom the map:\n%s", round, top, got, want)
			}
			listed, mapped := New(viaList, 1, nil, s), New(viaMap, 1, nil, s)
			a, b := listed.TopUsers(3), mapped.TopUsers(3)
			if len(a) != len(b) {
				t.Fatalf("TopUsers: %v from the list, %v from the map", a, b)
			}
			for i := range a {
				if a[i].Count != b[i].Count {
					t.Fatalf("TopUsers: %v from the list, %v from the map", a, b)
				}
			}
		}
	}
}

// cancelAfter cancels its context on its first Write and counts what is
// written after.
type cancelAfter struct {
	cancel context.CancelFunc
	writes int
	after  int
}

func (w *cancelAfter) Write(p []byte) (int, error) {
	if w.writes++; w.writes == 1 {
		w.cancel()
	} else {
		w.after += len(p)
	}
	return len(p), nil
}

func manyUsers(n int) Result {
	list := make([]agg.UserCount, n)
	for i := range list {
		list[i] = agg.UserCount{Name: "user" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + "@example.com" + string(rune('0'+i%10)) + strings.Repeat("1", i/1000), Count: int64(i)}
	}
	return New(agg.Totals{UserList: list}, 1, nil, Sections{})
}

// TestEncodeStopsWhenCancelled: a write cancelled part-way stops within
// usersCheck users, with the context's error.
func TestEncodeStopsWhenCancelled(t *testing.T) {
	res := manyUsers(10 * usersCheck)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := &cancelAfter{cancel: cancel}
	if err := encode(ctx, w, res); !errors.Is(err, context.Canceled) {
		t.Fatalf("encode cancelled part-way: %v, want context.Canceled", err)
	}
	if limit := 2 * usersCheck * 200; w.after > limit {
		t.Fatalf("encode wrote %d bytes after the cancellation, want at most %d", w.after, limit)
	}
}

// TestWriteCancelledPartWay: a results file whose writing is cancelled
// part-way is neither created nor left as a temporary file.
func TestWriteCancelledPartWay(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "results.json")
	res := manyUsers(10 * usersCheck)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	err := writeFileAtomic(ctx, path, func(w io.Writer) error {
		if _, err := w.Write([]byte("{")); err != nil {
			return err
		}
		cancel()
		return encode(ctx, w, res)
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("writeFileAtomic cancelled part-way: %v, want context.Canceled", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("directory holds %d entries, want none", len(entries))
	}
}

func TestWriteUsersAllocations(t *testing.T) {
	res := manyUsers(50_000)
	ctx := context.Background()
	if n := testing.AllocsPerRun(5, func() { writeUsers(ctx, io.Discard, res.users) }); n > 1 {
		t.Errorf("writeUsers of %d users: %v allocations, want 1 (its buffer)", len(res.users), n)
	}
	if n := testing.AllocsPerRun(100, func() { jsonKey("plain.name@example.com") }); n != 0 {
		t.Errorf("jsonKey of a name that needs no escape: %v allocations, want 0", n)
	}
}

func BenchmarkWriteUsers(b *testing.B) {
	res := manyUsers(100_000)
	b.ReportAllocs()
	for b.Loop() {
		if err := encode(context.Background(), io.Discard, res); err != nil {
			b.Fatal(err)
		}
	}
}

// TestMarshalManyUsersMatchesGoccy: past the size where the users are
// sorted in two halves at once, the bytes are still goccy/go-json's.
func TestMarshalManyUsersMatchesGoccy(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	users := make(map[string]int64, 150_000)
	for len(users) < 150_000 {
		name := "user" + strconv.Itoa(r.IntN(1<<30))
		if r.IntN(50) == 0 {
			name += randomName(r) // a few keys that need escaping, none made invalid
			name = strings.ToValidUTF8(name, "?")
		}
		users[name] = r.Int64N(100)
	}
	list := make([]agg.UserCount, 0, len(users))
	for name, n := range users {
		list = append(list, agg.UserCount{Name: name, Count: n})
	}
	res := New(agg.Totals{UserList: list}, 1, nil, Sections{})
	got, err := Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	res.users, res.UserActions = nil, users
	want, err := json.MarshalIndentWithOption(res, "", "  ", json.DisableHTMLEscape())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, append(want, '\n')) {
		t.Fatalf("Marshal of %d users differs from goccy/go-json", len(users))
	}
}

// TestSortStopsWhenCancelled: sorting millions of users is not a place a
// signal waits out.
func TestSortStopsWhenCancelled(t *testing.T) {
	res := manyUsers(4 * sortRun)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := sortEntries(ctx, res.users); !errors.Is(err, context.Canceled) {
		t.Fatalf("sortEntries with an ended context: %v, want context.Canceled", err)
	}
	if err := Write(ctx, filepath.Join(t.TempDir(), "r.json"), res, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("Write with an ended context: %v, want context.Canceled", err)
	}
}

// TestSortEntries: the partitioned sort orders as one slices.SortFunc
// does, on random keys with repeats, sorted and reversed input, past
// sortRun.
func TestSortEntries(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	keys := make([]userEntry, 2*sortRun+7)
	for i := range keys {
		keys[i] = newEntry(jsonKey("user.name@example.co"+strconv.Itoa(r.IntN(len(keys)))+randomName(r)), 0)
	}
	want := slices.Clone(keys)
	slices.SortFunc(want, compareEntries)
	reversed := slices.Clone(want)
	slices.Reverse(reversed)
	for name, in := range map[string][]userEntry{"random": keys, "sorted": slices.Clone(want), "reversed": reversed} {
		if err := sortEntries(context.Background(), in); err != nil {
			t.Fatal(err)
		}
		for i := range in {
			if in[i].key != want[i].key {
				t.Fatalf("%s: entry %d is %q, want %q", name, i, in[i].key, want[i].key)
			}
		}
	}
}
