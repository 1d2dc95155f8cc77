package logline

import (
	"encoding/binary"
	"math"
)

// minuteCache remembers the minute of the last time read in UTC, the
// bytes `2026-11-26T08:00:` and that minute's start. Log lines come in
// time order, so most share their minute with the line before, and
// reading only the seconds and their fraction takes a fraction of the
// work of reading and checking a date.
type minuteCache struct {
	// The minute's bytes, `2026-11-26T08:00:`, as two words and a byte:
	// comparing them is three compares, not a call to memequal.
	date, clock uint64
	colon       byte
	start       int64 // Unix nanoseconds
	valid       bool
	// The last second readMillis24 read in that minute, `:05.000Z` as a
	// word, 0 for none, and its start: lines a millisecond apart share
	// it, and only their milliseconds are read.
	second      uint64
	secondStart int64
}

// read returns the time of v when v is in the remembered minute, in UTC
// with seconds of two digits and a fraction of at most nine: the forms
// slog, logrus and zerolog write. Any other value is left to ParseTime.
func (c *minuteCache) read(v []byte) (int64, bool) {
	if !c.valid || len(v) < len("2006-01-02T15:04:05Z") ||
		binary.LittleEndian.Uint64(v) != c.date || binary.LittleEndian.Uint64(v[8:]) != c.clock || v[16] != c.colon {
		return 0, false
	}
	ns, ok := secondsOfMinute(v[minutePrefix:])
	return c.start + ns, ok
}

// readMillis is read for the 24 bytes of slog's TextHandler,
// `2026-11-26T08:00:05.123Z`, with the digits at fixed places.
func (c *minuteCache) readMillis(v []byte) (int64, bool) {
	if len(v) != len("2006-01-02T15:04:05.000Z") {
		return 0, false
	}
	return c.readMillis24((*[24]byte)(v))
}

// readMillis24 is readMillis on an array, which Next hands over from its
// fixed view of the line's head: no length or bounds checks.
func (c *minuteCache) readMillis24(v *[24]byte) (int64, bool) {
	if c.second != 0 { // else v's NULs could match it
		if ns, ok := c.sameSecond(v); ok {
			return ns, true
		}
	}
	return c.readSecond(v)
}

// sameSecond is readMillis24 on a line in the cache's second, small
// enough to inline: only the milliseconds are read. A cache with no second
// (nor a minute: remember clears it) holds 0: the caller tests that, or
// hands over a v with no NUL in its bytes 16 to 19, which never matches it.
func (c *minuteCache) sameSecond(v *[24]byte) (int64, bool) {
	// `:05.mmmZ` xor `:05.000Z` is zero but for the digits' values in
	// bytes 4 to 6, each at most 9 (a byte over 9 sets its high bit when
	// 0x76 is added; '0' to '9' are the bytes whose xor with '0' is): the
	// second, the digits and the 'Z' checked with the minute by one branch.
	x := binary.LittleEndian.Uint64(v[16:]) ^ c.second
	// ^ and | bind alike in Go, left to right: the parentheses keep each
	// xor whole, or a bit one word lacks could be OR-ed in from the other.
	if (binary.LittleEndian.Uint64(v[0:])^c.date)|(binary.LittleEndian.Uint64(v[8:])^c.clock)|
		((x+0x0076_7676_0000_0000|x)&0xff80_8080_ffff_ffff) != 0 {
		return 0, false
	}
	// d₀ | d₁<<8 | d₂<<16, times 1 + 10<<8: byte 1 is 10d₀ + d₁, at most
	// 99, so no byte carries.
	d := x >> 32
	ms := (d*(10<<8|1)>>8&0xff)*10 + d>>16
	return c.secondStart + int64(ms)*1e6, true
}

// readSecond is readMillis24 on a line whose second is not the cache's:
// it reads the seconds too, and remembers the second.
func (c *minuteCache) readSecond(v *[24]byte) (int64, bool) {
	if !c.valid || binary.LittleEndian.Uint64(v[0:]) != c.date || binary.LittleEndian.Uint64(v[8:]) != c.clock ||
		v[16] != c.colon || v[19] != '.' || v[23] != 'Z' {
		return 0, false
	}
	// The digits of `SS.mmm`, as one word: v[17:19] and v[20:23] less
	// '0' each, checked at once (a byte over 9 sets its high bit when
	// 0x76 is added) instead of five compares.
	w := binary.LittleEndian.Uint64(v[16:]) - 0x0030303000303000 // bytes 1, 2, 4, 5, 6
	if (w+0x0076767600767600|w)&0x0080808000808000 != 0 || v[17] > '5' {
		return 0, false
	}
	c.second = uint64(binary.LittleEndian.Uint32(v[16:])) | uint64(0x5a303030)<<32 // `:05.` and `000Z`
	c.secondStart = c.start + int64(w>>8&0xff*10+w>>16&0xff)*1e9
	// SS and mmm side by side in the last five bytes, read as one
	// number of milliseconds.
	ms := decimalWord(w&0x0000_0000_00ff_ff00<<16 | w&0x00ff_ffff_0000_0000<<8)
	return c.start + int64(ms)*1e6, true
}

// remember keeps the minute of v, which ParseTime read as ns, when v has
// the form read takes.
func (c *minuteCache) remember(v []byte, ns int64) {
	c.second = 0 // a second of the minute before
	if len(v) < len("2006-01-02T15:04:05Z") {
		return
	}
	within, ok := secondsOfMinute(v[minutePrefix:])
	// Near the end of int64's range a later second of the minute would
	// overflow; ParseTime rejects it, so the cache must not take it.
	if !ok || ns-within > math.MaxInt64-60e9 {
		c.valid = false
		return
	}
	c.date, c.clock, c.colon = binary.LittleEndian.Uint64(v), binary.LittleEndian.Uint64(v[8:]), v[16]
	c.start, c.valid = ns-within, true
}

// secondsOfMinute reads `05Z`, `05.1Z` … `05.123456789Z`: the seconds
// within the minute and their fraction, in nanoseconds.
func secondsOfMinute(t []byte) (int64, bool) {
	if len(t) < 3 || len(t) > 13 || t[len(t)-1] != 'Z' {
		return 0, false
	}
	s0, s1 := t[0]-'0', t[1]-'0'
	if s0 > 5 || s1 > 9 {
		return 0, false
	}
	ns := int64(s0*10+s1) * 1e9
	frac := t[2 : len(t)-1]
	if len(frac) == 0 {
		return ns, true
	}
	if frac[0] != '.' || len(frac) == 1 {
		return 0, false
	}
	digits := frac[1:]    // 1 to 9 of them
	if len(digits) == 3 { // milliseconds, slog's TextHandler
		d0, d1, d2 := digits[0]-'0', digits[1]-'0', digits[2]-'0'
		if d0 > 9 || d1 > 9 || d2 > 9 {
			return 0, false
		}
		return ns + (int64(d0)*100+int64(d1)*10+int64(d2))*1e6, true
	}
	f := int64(0)
	for _, c := range digits {
		d := c - '0'
		if d > 9 {
			return 0, false
		}
		f = f*10 + int64(d)
	}
	return ns + f*fracScale[len(digits)], true
}

// minutePrefix is the length of the bytes that name a minute.
const minutePrefix = len("2006-01-02T15:04:")

// fracScale[n] turns a fraction of n digits into nanoseconds. Read only.
var fracScale = [10]int64{1e9, 1e8, 1e7, 1e6, 1e5, 1e4, 1e3, 1e2, 1e1, 1}
