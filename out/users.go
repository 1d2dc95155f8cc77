package out

import (
	"cmp"
	"context"
	"io"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
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
// positive, in the order of user_actions.
func listEntries(list []agg.UserCount, top int) []userEntry {
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
		users[i] = newEntry(jsonKey(u.Name), u.Count)
	}
	return sortEntries(users)
}

// mapEntries returns the users of m in the order of user_actions.
func mapEntries(m map[string]int64) []userEntry {
	users := make([]userEntry, 0, len(m))
	for name, n := range m {
		users = append(users, newEntry(jsonKey(name), n))
	}
	return sortEntries(users)
}

// sortEntries sorts users as goccy/go-json sorts a map's keys: by the
// bytes of each key as written, quotes included, so "ab" comes after "ab!"
// ('"' is 0x22, '!' 0x21). The words of the first 16 bytes are compared
// first: reading the keys themselves, a cache miss each, made up most of
// the sort's time with millions of users. Two halves are sorted at once
// and merged, into a new slice, when there are many.
func sortEntries(users []userEntry) []userEntry {
	if len(users) < 1<<16 || runtime.GOMAXPROCS(0) < 2 {
		slices.SortFunc(users, compareEntries)
		return users
	}
	a, b := users[:len(users)/2], users[len(users)/2:]
	var wg sync.WaitGroup
	wg.Go(func() { slices.SortFunc(a, compareEntries) })
	slices.SortFunc(b, compareEntries)
	wg.Wait()
	merged := make([]userEntry, 0, len(users))
	for len(a) > 0 && len(b) > 0 {
		if compareEntries(b[0], a[0]) < 0 {
			merged, b = append(merged, b[0]), b[1:]
		} else {
			merged, a = append(merged, a[0]), a[1:]
		}
	}
	return append(append(merged, a...), b...)
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
