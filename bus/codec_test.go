package bus

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/logproc/logproc/agg"
	"github.com/logproc/logproc/scan"
)

// TestPackedUsers: the users section gives back the map it was made of,
// a nil map as nil and an empty one as empty, and adds to a map it is
// given.
func TestPackedUsers(t *testing.T) {
	for _, users := range []map[string]int64{
		nil,
		{},
		{"": 1, "a": 2, "ab": 3, "é\x00\xff": 4, strings.Repeat("x", 300): 1 << 40, "neg": -5},
	} {
		js, sec, err := unpackValue(packValue([]byte(`{"v":2}`), &agg.Totals{Users: users}))
		if err == nil {
			sec, err = readLatencies(sec, &agg.Totals{})
		}
		if err != nil {
			t.Fatal(err)
		}
		if string(js) != `{"v":2}` {
			t.Errorf("json %q, want {\"v\":2}", js)
		}
		var got map[string]int64
		if err := addUsers(&got, sec); err != nil {
			t.Fatal(err)
		}
		if (got == nil) != (users == nil) || !maps.Equal(got, users) {
			t.Errorf("users %v (nil %v), want %v (nil %v)", got, got == nil, users, users == nil)
		}
		if users == nil {
			continue
		}
		sum := map[string]int64{"a": 10, "other": 1}
		want := maps.Clone(sum)
		for k, n := range users {
			want[k] += n
		}
		if err := addUsers(&sum, sec); err != nil || !maps.Equal(sum, want) {
			t.Errorf("added to a map: %v, %v; want %v", sum, err, want)
		}
	}
}

// TestPackedRefused: a value of another version, the JSON records of
// version 1, and cut or corrupt values are refused with one line, never
// misread.
func TestPackedRefused(t *testing.T) {
	good := packValue([]byte(`{"v":3}`), &agg.Totals{Users: map[string]int64{"alice": 3, "bob": 4}})
	other := append([]byte(nil), good...)
	other[len(valueMagic)] = recordVersion + 1
	for _, c := range []struct {
		name, val, want string
	}{
		{"version 1, JSON", `{"v":1,"batch":{"id":"x"},"result":{}}`, "record version 1; this logproc reads version 5"},
		{"a later version", string(other), "record version 6; this logproc reads version 5"},
		{"not a record", "hello", "neither a packed record nor JSON"},
		{"empty", "", "neither a packed record nor JSON"},
		{"cut", string(good[:len(good)-3]), "record:"},
		{"magic only", valueMagic + "\x05", "record:"},
		{"version 2, packed", valueMagic + "\x02" + string(good[len(valueMagic)+1:]), "record version 2; this logproc reads version 5"},
		// A consumer of version 3 counts a compressed batch as lines.
		{"version 3, packed", valueMagic + "\x03" + string(good[len(valueMagic)+1:]), "record version 3; this logproc reads version 5"},
		// A job of version 4 names its files by another hash.
		{"version 4, packed", valueMagic + "\x04" + string(good[len(valueMagic)+1:]), "record version 4; this logproc reads version 5"},
	} {
		_, _, err := decodeRecord([]byte(c.val))
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v, want one line with %q", c.name, err, c.want)
		}
	}
	// A users section cut anywhere is an error, not a panic or a count.
	_, sec, err := unpackValue(good)
	if err == nil {
		sec, err = readLatencies(sec, &agg.Totals{})
	}
	if err != nil {
		t.Fatal(err)
	}
	for n := range len(sec) {
		var m map[string]int64
		if err := addUsers(&m, sec[:n]); err == nil {
			t.Errorf("users cut to %d of %d bytes: no error (%v)", n, len(sec), m)
		}
	}
}

// TestRefSum: the sum of a batch's bytes (wantRefSum's, from the
// library) is the one a consumer computes of them in the file's mapping,
// in the middle of the file too, a byte changed anywhere changes it, and
// the header takes only such sums.
func TestRefSum(t *testing.T) {
	data := []byte(strings.Repeat("level=INFO user=a msg=x\n", 30000)) // over two leaves, not on their grid
	sum := wantRefSum(5, data)
	path := filepath.Join(t.TempDir(), "a.log")
	if err := os.WriteFile(path, append(append([]byte("head\n"), data...), "tail\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := scan.Map(path)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for _, mode := range []scan.ReadMode{scan.ReadMmap, scan.ReadPread} {
		o := scan.Options{Workers: 1, Read: mode, PartOfFile: true}
		bt := batch{Ref: path, Offset: 5, Length: int64(len(data)), Sum: sum}
		if _, reason, err := countRefIn(context.Background(), m, &bt, o); reason != "" || err != nil {
			t.Fatalf("read %s: countRefIn of the bytes published: %q, %v", mode, reason, err)
		}
		bt.Offset++
		if _, reason, err := countRefIn(context.Background(), m, &bt, o); !strings.Contains(reason, "changed since it was published") || err != nil {
			t.Fatalf("read %s: countRefIn of other bytes: %q, %v", mode, reason, err)
		}
	}
	if !validRefSum(sum) {
		t.Errorf("refSum's %q is not valid", sum)
	}
	for _, i := range []int{0, len(data) / 2, len(data) - 1} {
		changed := append([]byte(nil), data...)
		changed[i] ^= 1
		if wantRefSum(5, changed) == sum {
			t.Errorf("byte %d changed, same sum", i)
		}
	}
	for _, bad := range []string{"", sum[len(refSumPrefix):], "sha256:" + sum[len(refSumPrefix):], sum[:len(sum)-1], sum[:len(sum)-1] + "g"} {
		if validRefSum(bad) {
			t.Errorf("validRefSum(%q) = true", bad)
		}
	}
}

// TestPackedUserList: users listed (agg.MergeList, as consumers scan)
// pack as the map of the same users does.
func TestPackedUserList(t *testing.T) {
	users := map[string]int64{"a": 1, "bob@example.com": 7, "é": 1 << 33}
	var list []agg.UserCount
	for name, n := range users {
		list = append(list, agg.UserCount{Name: name, Count: n})
	}
	for _, c := range []struct {
		list []agg.UserCount
		want map[string]int64
	}{{list, users}, {[]agg.UserCount{}, map[string]int64{}}, {nil, nil}} {
		_, sec, err := unpackValue(packValue([]byte(`{}`), &agg.Totals{UserList: c.list}))
		if err == nil {
			sec, err = readLatencies(sec, &agg.Totals{})
		}
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]int64
		if err := addUsers(&got, sec); err != nil || (got == nil) != (c.want == nil) || !maps.Equal(got, c.want) {
			t.Errorf("list %v: users %v, %v; want %v", c.list, got, err, c.want)
		}
	}
}

// TestUserSums: users sections added up by userSums give the map the
// users' counts add up to, summed here from the lists; no section, or
// only sections without a map, give none, and an empty map gives an
// empty map, as addUsers does; a cut section is an error.
func TestUserSums(t *testing.T) {
	lists := [][]agg.UserCount{
		{{Name: "a", Count: 1}, {Name: "bob", Count: 2}},
		{},
		{{Name: "bob", Count: 5}, {Name: "é\x00", Count: -3}, {Name: "", Count: 7}},
		{{Name: "a", Count: 1 << 40}},
	}
	for k := 0; k <= len(lists); k++ {
		var u userSums
		var want, viaMap map[string]int64
		for _, l := range lists[:k] {
			if want == nil {
				want = map[string]int64{}
			}
			for _, c := range l {
				want[c.Name] += c.Count
			}
			sec := appendUserList(nil, l)
			if err := u.add(sec); err != nil {
				t.Fatal(err)
			}
			if err := addUsers(&viaMap, sec); err != nil {
				t.Fatal(err)
			}
		}
		if err := u.add(appendUsers(nil, nil)); err != nil { // a section with no map adds nothing
			t.Fatal(err)
		}
		var got map[string]int64
		u.fill(&got)
		if (got == nil) != (want == nil) || !maps.Equal(got, want) || !maps.Equal(viaMap, want) {
			t.Errorf("%d lists: %v (addUsers %v), want %v", k, got, viaMap, want)
		}
	}
	sec := appendUserList(nil, lists[2])
	for n := range len(sec) {
		var u userSums
		if err := u.add(sec[:n]); err == nil {
			t.Errorf("a section cut to %d of %d bytes: no error", n, len(sec))
		}
	}
}

// FuzzUsersSection: any users section is read by userSums as addUsers
// reads it (the same sums, or an error for both), and never panics;
// appendUserList is the independent writer of valid sections.
func FuzzUsersSection(f *testing.F) {
	f.Add(appendUserList(nil, []agg.UserCount{{Name: "alice", Count: 3}, {Name: "bob", Count: -1}}), []byte("x"))
	f.Add([]byte{1}, []byte{})
	f.Fuzz(func(t *testing.T, sec, name []byte) {
		for _, s := range [][]byte{sec, appendUserList(nil, []agg.UserCount{{Name: string(name), Count: int64(len(sec))}, {Name: "a", Count: 1}})} {
			var u userSums
			var viaMap, got map[string]int64
			errSums, errMap := u.add(s), addUsers(&viaMap, s)
			if (errSums == nil) != (errMap == nil) {
				t.Fatalf("%q: userSums %v, addUsers %v", s, errSums, errMap)
			}
			if errSums != nil {
				continue
			}
			u.fill(&got)
			if (got == nil) != (viaMap == nil) || !maps.Equal(got, viaMap) {
				t.Fatalf("%q: userSums %v, addUsers %v", s, got, viaMap)
			}
		}
	})
}
