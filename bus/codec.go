package bus

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/klauspost/compress/s2"

	"github.com/logproc/logproc/agg"
)

// A value in the bucket that holds counts (a batch's record, report's
// checkpoint) is packed so that its users, most of its size, cost little
// to write and to read:
//
//	value  = magic version s2(body)
//	body   = uvarint(len(json)) json users
//	users  = uvarint(0) (none: a nil map)
//	       | uvarint(n+1) n × (uvarint(len(name)) name varint(count))
//
// json is the value with its users map left out.
const valueMagic = "\x00LP"

// packValue packs js and the users as the layout above says: those of
// the map if it is not nil, else those of the list (agg.MergeList's).
func packValue(js []byte, users map[string]int64, list []agg.UserCount) []byte {
	body := make([]byte, 0, len(js)+40*max(len(users), len(list))+binary.MaxVarintLen64)
	body = binary.AppendUvarint(body, uint64(len(js)))
	body = append(body, js...)
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

// unpackValue undoes packValue: the value's JSON and its users section.
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
	return fmt.Errorf("%s version %d; this logproc reads version %d ('logproc reset' starts the job over)", what, v, recordVersion)
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
// is copied only when it is new to the map.
func addUsers(dst *map[string]int64, src []byte) error {
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
	if *dst == nil {
		*dst = make(map[string]int64, n)
	}
	m := *dst
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
		m[string(name)] += count
	}
	if len(src) != 0 {
		return fmt.Errorf("users: %d bytes after the last user", len(src))
	}
	return nil
}
