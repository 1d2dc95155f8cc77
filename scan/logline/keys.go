package logline

import (
	"math/bits"
)

// keyName is a key to take, with its first eight bytes as a word so that a
// key read as a word is compared in one step.
type keyName struct {
	name        string
	word, word2 uint64 // bytes 0-7 and 8-15 of name, little-endian, zero padded
	mask, mask2 uint64 // the bits of word and word2 that name fills
	field       field  // what the key's value is
	unit        int64  // of a latency key: nanoseconds per unit of a bare number
}

func newKeyName(name string, f field) keyName {
	k := keyName{name: name, field: f}
	for i := min(len(name), 8) - 1; i >= 0; i-- {
		k.word = k.word<<8 | uint64(name[i])
		k.mask = k.mask<<8 | 0xff
	}
	for i := min(len(name), 16) - 1; i >= 8; i-- {
		k.word2 = k.word2<<8 | uint64(name[i])
		k.mask2 = k.mask2<<8 | 0xff
	}
	return k
}

// matches reports whether the key s[start:start+n], whose first eight bytes
// (as wordAt reads them) are word, is kn's name. A name of up to sixteen
// bytes is compared as two words, not with a call to memequal
// ("latency_ms" is ten).
func (kn *keyName) matches(s []byte, start, n int, word uint64) bool {
	if n != len(kn.name) || word&kn.mask != kn.word {
		return false
	}
	if n <= 8 {
		return true
	}
	if n <= 16 {
		return wordAt(s, start+8)&kn.mask2 == kn.word2
	}
	return string(s[start:start+n]) == kn.name
}

// keyOf returns the key taken that s[start:start+n] names, or nil when it
// names none or only a field already in found. Only the keys that start
// with the key's first byte are compared, not every key taken.
func (p *Parser) keyOf(s []byte, start, n int, word uint64, found uint8) *keyName {
	for cands := p.byFirst[byte(word)]; cands != 0; cands &= cands - 1 {
		kn := &p.keys[bits.TrailingZeros32(cands)%maxKeys]
		if found&(1<<kn.field) == 0 && kn.matches(s, start, n, word) {
			return kn
		}
	}
	return nil
}

// take stores value, unquoted, as the field kn names. It reports false
// when a level, user or action holds an escape Go's quoting cannot write.
func (p *Parser) take(rec *Record, kn *keyName, value []byte, quoted bool) bool {
	if quoted {
		var ok bool
		if value, ok = p.unquoteGo(value); !ok {
			if kn.field == fieldLatency || kn.field == fieldTime {
				p.markBad(rec, kn.field)
				return true
			}
			return false
		}
	}
	p.takeValue(rec, kn, value)
	return true
}

// takeValue stores value, decoded already, as the field kn names.
func (p *Parser) takeValue(rec *Record, kn *keyName, value []byte) {
	switch kn.field {
	case fieldLevel:
		rec.Level = value
	case fieldUser:
		rec.User = value
	case fieldAction:
		rec.Action = value
	case fieldLatency:
		if len(value) == 0 {
			return
		}
		if ns, ok := ParseLatency(value, kn.unit); ok {
			rec.Latency, rec.Has = ns, rec.Has|HasLatency
		} else {
			rec.Has |= BadLatency
		}
	case fieldTime:
		p.takeTime(rec, value)
	}
}

func (p *Parser) takeTime(rec *Record, value []byte) {
	if ns, ok := p.minute.read(value); ok {
		rec.Time, rec.Has = ns, rec.Has|HasTime
		return
	}
	if len(value) == 0 {
		return
	}
	ns, ok := ParseTime(value)
	if !ok {
		rec.Has |= BadTime
		return
	}
	rec.Time, rec.Has = ns, rec.Has|HasTime
	p.minute.remember(value, ns)
}

// markBad records that the latency or time field held a value that could
// not be read: such a value is counted, not a reason to call the line
// Malformed.
func (p *Parser) markBad(rec *Record, f field) {
	if f == fieldLatency {
		rec.Has |= BadLatency
	} else {
		rec.Has |= BadTime
	}
}
