package out

import (
	"cmp"
	"context"
	"io"
	"math/bits"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	json "github.com/goccy/go-json"

	"github.com/logproc/logproc/agg"
)

// userEntry is one line of user_actions: the name as the JSON between its
// quotes, and its count, with the key's first 16 bytes as two words that
// compare as the bytes do (see keyWord).
type userEntry struct {
	hi, lo uint64
	key    string
	count  int64
}

func newEntry(key string, count int64) userEntry {
	return userEntry{hi: keyWord(key, 0), lo: keyWord(key, 8), key: key, count: count}
}

// listEntries returns the users of list, or the top of them when top is
// positive, unsorted: encode sorts them.
func listEntries(ctx context.Context, list []agg.UserCount, top int) ([]userEntry, error) {
	if top > 0 && len(list) > top {
		list = slices.Clone(list)
		slices.SortFunc(list, func(a, b agg.UserCount) int {
			if c := cmp.Compare(b.Count, a.Count); c != 0 {
				return c
			}
			return strings.Compare(a.Name, b.Name)
		})
		list = list[:top]
	}
	users := make([]userEntry, len(list))
	for i, u := range list {
		if i%listCheck == 0 && ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		users[i] = newEntry(jsonKey(u.Name), u.Count)
	}
	return users, nil
}

// listCheck is how many entries listEntries builds between looks at its
// context.
const listCheck = 1 << 14

// mapEntries returns the users of m, unsorted.
func mapEntries(m map[string]int64) []userEntry {
	users := make([]userEntry, 0, len(m))
	for name, n := range m {
		users = append(users, newEntry(jsonKey(name), n))
	}
	return users
}

// sortRun is the most entries sortEntries sorts in one call of
// slices.SortFunc, between looks at its context: a few milliseconds' work.
const sortRun = 1 << 15

// sortEntries sorts users in place as goccy/go-json sorts a map's keys: by
// the bytes of each key as written, quotes included, so "ab" comes after
// "ab!" ('"' is 0x22, '!' 0x21). The words of the first 16 bytes are
// compared first: reading the keys themselves, a cache miss each, made up
// most of the sort's time with millions of users. It partitions users
// around pivots, looking at ctx between partitions, until the parts are
// of sortRun entries at most, then sorts the parts on two goroutines: so
// that it stops soon after ctx's end. A merge sort of runs stopped as
// soon, but its merges compare neighbours, whose first 16 bytes are most
// often equal, so it read the keys and took longer.
func sortEntries(ctx context.Context, users []userEntry) error {
	type part struct {
		s     []userEntry
		depth int
	}
	maxDepth := 2 * bits.Len(uint(len(users)))
	var small [][]userEntry
	stack := []part{{users, 0}}
	for len(stack) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		p := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if len(p.s) <= sortRun || p.depth > maxDepth { // past maxDepth, the pivots were bad: pdqsort copes
			small = append(small, p.s)
			continue
		}
		lt, gt := partition(p.s)
		stack = append(stack, part{p.s[:lt], p.depth + 1}, part{p.s[gt:], p.depth + 1})
	}
	var next atomic.Int64
	work := func() {
		for i := int(next.Add(1)) - 1; i < len(small) && ctx.Err() == nil; i = int(next.Add(1)) - 1 {
			slices.SortFunc(small[i], compareEntries)
		}
	}
	var wg sync.WaitGroup
	if runtime.GOMAXPROCS(0) >= 2 && len(small) > 1 {
		wg.Go(work)
	}
	work()
	wg.Wait()
	return ctx.Err()
}

// partition reorders s into the entries less than a pivot, s[:lt], those
// equal to it, and those greater, s[gt:]. The pivot is the median of the
// first, middle and last entries.
func partition(s []userEntry) (lt, gt int) {
	a, b, c := s[0], s[len(s)/2], s[len(s)-1]
	if compareEntries(a, b) > 0 {
		a, b = b, a
	}
	if compareEntries(b, c) > 0 {
		b = c
		if compareEntries(a, b) > 0 {
			b = a
		}
	}
	pivot := b
	lt, gt = 0, len(s)
	for i := 0; i < gt; {
		switch c := compareEntries(s[i], pivot); {
		case c < 0:
			s[lt], s[i] = s[i], s[lt]
			lt++
			i++
		case c > 0:
			gt--
			s[i], s[gt] = s[gt], s[i]
		default:
			i++
		}
	}
	return lt, gt
}

func compareEntries(a, b userEntry) int {
	if a.hi != b.hi {
		return cmp.Compare(a.hi, b.hi)
	}
	if a.lo != b.lo {
		return cmp.Compare(a.lo, b.lo)
	}
	return compareKeys(a.key, b.key)
}

// keyWord returns the 8 bytes of key+`"` from offset at, big-endian, zeros
// past the quote: words compare as the bytes do.
func keyWord(key string, at int) uint64 {
	var w uint64
	for i := at; i < at+8; i++ {
		w <<= 8
		switch {
		case i < len(key):
			w |= uint64(key[i])
		case i == len(key):
			w |= '"'
		}
	}
	return w
}

// compareKeys compares a+`"` with b+`"`; the keys hold no bare quote.
func compareKeys(a, b string) int {
	n := min(len(a), len(b))
	if c := strings.Compare(a[:n], b[:n]); c != 0 {
		return c
	}
	switch {
	case len(a) == len(b):
		return 0
	case len(a) < len(b):
		return cmp.Compare('"', b[n])
	}
	return cmp.Compare(a[n], '"')
}

// jsonKey returns name as goccy/go-json writes it between quotes; name
// itself, without a copy, when that needs no escape.
func jsonKey(name string) string {
	ascii := true
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 0x20 || c == '"' || c == '\\' {
			return string(appendEscaped(make([]byte, 0, len(name)+8), name))
		} else if c >= utf8.RuneSelf {
			ascii = false
		}
	}
	if ascii || utf8.ValidString(name) && !strings.Contains(name, "\u2028") && !strings.Contains(name, "\u2029") {
		return name
	}
	return string(appendEscaped(make([]byte, 0, len(name)+8), name))
}

// appendEscaped appends s as goccy/go-json's encoder writes a string with
// HTML escaping off and UTF-8 normalised (MarshalIndentWithOption's
// default), without the quotes: \n, \r and \t short, other control bytes
// as \u00xx, each invalid byte as \ufffd, U+2028 and U+2029 escaped.
func appendEscaped(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
		case c < utf8.RuneSelf:
			dst = append(dst, c)
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			switch {
			case r == utf8.RuneError && size == 1:
				dst = append(dst, `\ufffd`...)
			case r == '\u2028':
				dst = append(dst, `\u2028`...)
			case r == '\u2029':
				dst = append(dst, `\u2029`...)
			default:
				dst = append(dst, s[i:i+size]...)
			}
			i += size
			continue
		}
		i++
	}
	return dst
}

// unquoteKey returns the name a key of user_actions writes.
func unquoteKey(key string) string {
	if !strings.Contains(key, `\`) {
		return key
	}
	var name string
	if err := json.Unmarshal([]byte(`"`+key+`"`), &name); err != nil {
		return key
	}
	return name
}

// usersCheck is how many users writeUsers writes between looks at its
// context.
const usersCheck = 1 << 14

// writeUsers writes users as the value of user_actions, at the indent of
// a top-level key, and stops with ctx's cause once ctx is done.
func writeUsers(ctx context.Context, w io.Writer, users []userEntry) error {
	if len(users) == 0 {
		_, err := io.WriteString(w, "{}")
		return err
	}
	buf := make([]byte, 0, 64<<10)
	buf = append(buf, '{')
	for i, u := range users {
		if i%usersCheck == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, "\n    \""...)
		buf = append(buf, u.key...)
		buf = append(buf, "\": "...)
		buf = strconv.AppendInt(buf, u.count, 10)
		if len(buf) > cap(buf)-256 {
			if _, err := w.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	buf = append(buf, "\n  }"...)
	_, err := w.Write(buf)
	return err
}
