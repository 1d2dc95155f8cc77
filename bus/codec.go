package bus

import (
	"encoding/binary"
	stdjson "encoding/json"
	"errors"
	"fmt"

	json "github.com/goccy/go-json"
	"github.com/klauspost/compress/s2"

	"github.com/logproc/logproc/agg"
)

// A value in the bucket that holds counts (a batch's record, report's
// checkpoint) is packed so that its users, most of its size, cost little
// to write and to read:
//
//	value  = magic version s2(body)
//	body   = uvarint(len(json)) json hists users
//	hists  = hist uvarint(n) n × (uvarint(len(action)) action hist)
//	users  = uvarint(0) (none: a nil map)
//	       | uvarint(n+1) n × (uvarint(len(name)) name varint(count))
//
// json is the value with its users and its latency histograms left out
// (packTotals); hist is agg.AppendBinary's form: the latency of every
// event, then of the n actions whose latency is not empty.
const valueMagic = "\x00LP"

// packTotals marshals v, which holds t, as JSON but for t's users and
// histograms, then packs it with them (packValue). t is left as it was.
func packTotals(v any, t *agg.Totals) ([]byte, error) {
	users, list, lat, acts := t.Users, t.UserList, t.Latency, t.Actions
	t.Users, t.UserList, t.Latency, t.Actions = nil, nil, agg.Histogram{}, withoutLatency(acts)
	js, err := json.MarshalWithOption(v, json.UnorderedMap(), json.DisableHTMLEscape())
	t.Users, t.UserList, t.Latency, t.Actions = users, list, lat, acts
	if err != nil {
		return nil, err
	}
	return packValue(js, t), nil
}

// withoutLatency copies acts with empty latencies, for JSON.
func withoutLatency(acts map[string]*agg.ActionTotals) map[string]*agg.ActionTotals {
	if acts == nil {
		return nil
	}
	out := make(map[string]*agg.ActionTotals, len(acts))
	for name, a := range acts {
		c := *a
		c.Latency = agg.Histogram{}
		out[name] = &c
	}
	return out
}

// unpackTotals undoes packTotals: it reads the JSON into v, which holds
// t, and the histograms into t; it returns the users section, for addUsers
// to add where they are wanted.
func unpackTotals(val []byte, v any, t *agg.Totals) ([]byte, error) {
	js, sec, err := unpackValue(val)
	if err != nil {
		return nil, err
	}
	if err := decodeJSON(js, v); err != nil {
		return nil, err
	}
	return readLatencies(sec, t)
}

// decodeJSON is json.Unmarshal for what is read back from the bucket: only
// valid JSON reaches goccy/go-json v0.10.5, which can panic on some
// malformed input (goccy/go-json#604), and a bucket's value may be damaged.
func decodeJSON(b []byte, v any) error {
	if !stdjson.Valid(b) {
		return errors.New("not valid JSON")
	}
	return json.Unmarshal(b, v)
}

// packValue packs js and t's histograms and users as the layout above
// says: the users of t.Users if it is not nil, else of t.UserList.
func packValue(js []byte, t *agg.Totals) []byte {
	users, list := t.Users, t.UserList
	body := make([]byte, 0, len(js)+40*max(len(users), len(list))+1024*(1+len(t.Actions)))
	body = binary.AppendUvarint(body, uint64(len(js)))
	body = append(body, js...)
	body = appendLatencies(body, t)
	if users == nil && list != nil {
		body = appendUserList(body, list)
	} else {
		body = appendUsers(body, users)
	}
	head := len(valueMagic) + 1
	val := make([]byte, head+s2.MaxEncodedLen(len(body)))
	copy(val, valueMagic)
	val[len(valueMagic)] = recordVersion
	return val[:head+len(s2.Encode(val[head:], body))]
}

// errNotPacked is unpackValue's answer to a value in another layout.
var errNotPacked = errors.New("not a packed value")

// appendLatencies appends the hists section of t to dst.
func appendLatencies(dst []byte, t *agg.Totals) []byte {
	dst = agg.AppendBinary(dst, &t.Latency)
	n := 0
	for _, a := range t.Actions {
		if a.Latency.Count() > 0 {
			n++
		}
	}
	dst = binary.AppendUvarint(dst, uint64(n))
	for name, a := range t.Actions {
		if a.Latency.Count() > 0 {
			dst = binary.AppendUvarint(dst, uint64(len(name)))
			dst = append(dst, name...)
			dst = agg.AppendBinary(dst, &a.Latency)
		}
	}
	return dst
}

// readLatencies reads a hists section into t, whose actions the JSON
// before it made, and returns what follows it.
func readLatencies(src []byte, t *agg.Totals) ([]byte, error) {
	src, err := agg.DecodeBinary(src, &t.Latency)
	if err != nil {
		return nil, err
	}
	n, k := binary.Uvarint(src)
	if k <= 0 || n > uint64(len(src)) {
		return nil, errors.New("latency: no count of actions")
	}
	src = src[k:]
	for i := range n {
		size, k := binary.Uvarint(src)
		if k <= 0 || size > uint64(len(src)-k) {
			return nil, fmt.Errorf("latency: action %d: bad name length", i)
		}
		name := src[k : k+int(size)]
		a := t.Actions[string(name)]
		if a == nil {
			return nil, fmt.Errorf("latency: action %q has no counts", name)
		}
		if src, err = agg.DecodeBinary(src[k+int(size):], &a.Latency); err != nil {
			return nil, fmt.Errorf("latency: action %q: %w", name, err)
		}
	}
	return src, nil
}

// unpackValue undoes packValue: the value's JSON and what follows it,
// its hists and users sections.
// A value of another version is refused; one of no known layout is
// errNotPacked.
func unpackValue(val []byte) (js, users []byte, err error) {
	if len(val) < len(valueMagic)+1 || string(val[:len(valueMagic)]) != valueMagic {
		return nil, nil, errNotPacked
	}
	if v := int(val[len(valueMagic)]); v != recordVersion {
		return nil, nil, versionError("record", v)
	}
	body, err := s2.Decode(nil, val[len(valueMagic)+1:])
	if err != nil {
		return nil, nil, fmt.Errorf("record: %w", err)
	}
	n, k := binary.Uvarint(body)
	if k <= 0 || n > uint64(len(body)-k) {
		return nil, nil, errors.New("record: its JSON's length is cut or too long")
	}
	body = body[k:]
	return body[:n], body[n:], nil
}

func versionError(what string, v int) error {
	return &otherVersionError{what, v, fmt.Sprintf("version %d", recordVersion)}
}

// otherVersionError is a value in the bucket of another version than
// this logproc reads (recordVersion, or manifestVersion): no retry mends
// it.
type otherVersionError struct {
	what  string
	v     int
	reads string // "version 5"
}

func (e *otherVersionError) Error() string {
	return fmt.Sprintf("%s version %d; this logproc reads %s ('logproc reset' starts the job over)", e.what, e.v, e.reads)
}

// appendUsers appends the users section of users to dst, in the map's
// order: sorting them cost more than the rest of the record (see
// docs/distributed.md), and report adds them to a map anyway.
func appendUsers(dst []byte, users map[string]int64) []byte {
	if users == nil {
		return binary.AppendUvarint(dst, 0)
	}
	dst = binary.AppendUvarint(dst, uint64(len(users))+1)
	for name, n := range users {
		dst = binary.AppendUvarint(dst, uint64(len(name)))
		dst = append(dst, name...)
		dst = binary.AppendVarint(dst, n)
	}
	return dst
}

// appendUserList is appendUsers for a list.
func appendUserList(dst []byte, list []agg.UserCount) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(list))+1)
	for _, u := range list {
		dst = binary.AppendUvarint(dst, uint64(len(u.Name)))
		dst = append(dst, u.Name...)
		dst = binary.AppendVarint(dst, u.Count)
	}
	return dst
}

// addUsers adds the counts of a users section to *dst, making the map
// when the section has users (or is an empty map) and *dst is nil. A name
// is copied each time it is added (m[string(name)] += n copies it): report
// adds up many sections with userSums instead.
func addUsers(dst *map[string]int64, src []byte) error {
	return readUsers(src, func(n int) {
		if *dst == nil {
			*dst = make(map[string]int64, n)
		}
	}, func(name []byte, count int64) { (*dst)[string(name)] += count })
}

// readUsers reads a users section: start with the number of users, if
// the section holds a map (even an empty one), then add with each user.
func readUsers(src []byte, start func(n int), add func(name []byte, count int64)) error {
	n, k := binary.Uvarint(src)
	if k <= 0 {
		return errors.New("users: no count")
	}
	src = src[k:]
	if n == 0 {
		return nil
	}
	n--
	if n > uint64(len(src)) {
		return fmt.Errorf("users: %d users in %d bytes", n, len(src))
	}
	start(int(n))
	for i := range n {
		size, k1 := binary.Uvarint(src)
		if k1 <= 0 || size > uint64(len(src)-k1) {
			return fmt.Errorf("users: user %d: bad name length", i)
		}
		name := src[k1 : k1+int(size)]
		src = src[k1+int(size):]
		count, k2 := binary.Varint(src)
		if k2 <= 0 {
			return fmt.Errorf("users: user %d: no count", i)
		}
		src = src[k2:]
		add(name, count)
	}
	if len(src) != 0 {
		return fmt.Errorf("users: %d bytes after the last user", len(src))
	}
	return nil
}

// userSums adds up users sections by index: a name already there is
// found by a lookup that copies nothing, and only a new one is copied.
// fill writes the sums into a map, which report's result holds.
type userSums struct {
	made   bool // a section held a map: the result has one, if empty
	idx    map[string]int32
	names  []string
	counts []int64
}

func (u *userSums) add(src []byte) error {
	return readUsers(src, func(n int) {
		u.made = true
		if u.idx == nil {
			u.idx = make(map[string]int32, n)
		}
	}, func(name []byte, count int64) {
		if i, ok := u.idx[string(name)]; ok {
			u.counts[i] += count
			return
		}
		s := string(name)
		u.idx[s] = int32(len(u.names))
		u.names, u.counts = append(u.names, s), append(u.counts, count)
	})
}

// fill sets *dst to the sums, making the map if there is none.
func (u *userSums) fill(dst *map[string]int64) {
	if !u.made {
		return
	}
	if *dst == nil {
		*dst = make(map[string]int64, len(u.names))
	}
	for i, name := range u.names {
		(*dst)[name] = u.counts[i]
	}
}
