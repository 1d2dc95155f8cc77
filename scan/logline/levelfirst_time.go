package logline

// The times that start level-first lines: klog's date without a year, the
// log package's date with slashes, and any token ParseTime reads.

import (
	"bytes"
	"time"
)

// klogTime reads `0102 15:04:05.000000`. The year is the one of now, or
// the year before when that would put the line more than a day after now:
// a file read on January 1st holds December's lines. The minute's start in
// both years is remembered: lines come in time order, and most share the
// minute of the line before.
func (p *Parser) klogTime(b []byte, rec *Record) {
	m := &p.klogMinute
	if !m.valid || string(b[:len("0102 15:04")]) != string(m.key[:]) {
		p.klogRemember(b)
	}
	s0, s1 := b[11]-'0', b[12]-'0'
	var nsec int64
	for _, c := range b[14:20] {
		nsec = nsec*10 + int64(c-'0')
	}
	sec := int64(s0)*10 + int64(s1)
	this, last := m.this+sec, m.last+sec
	var ns int64
	ok := s0 <= 5 && s1 <= 9
	switch {
	case !ok:
	case m.thisOK && this <= p.yearNow+secPerDay:
		ns, ok = unixNano(this, nsec*1e3)
	case m.lastOK:
		ns, ok = unixNano(last, nsec*1e3)
	default:
		ok = false
	}
	if ok {
		rec.Time, rec.Has = ns, rec.Has|HasTime
	} else {
		rec.Has |= BadTime
	}
}

// klogMinute is the minute of the last klog time read, `0102 15:04`, and
// its start in now's year and the year before, in Unix seconds.
type klogMinute struct {
	key                   [len("0102 15:04")]byte
	this, last            int64
	thisOK, lastOK, valid bool
}

// klogRemember reads the minute of b and remembers it.
func (p *Parser) klogRemember(b []byte) {
	if p.year == 0 {
		if p.now.IsZero() {
			p.now = time.Now()
		}
		u := p.now.UTC()
		p.year, p.yearNow = int64(u.Year()), u.Unix()
	}
	m := &p.klogMinute
	copy(m.key[:], b)
	var wall [19]byte // 2006-01-02T15:04:00
	wall[4], wall[7], wall[10] = '-', '-', 'T'
	copy(wall[5:7], b[0:2])
	copy(wall[8:10], b[2:4])
	copy(wall[11:16], b[5:10])
	wall[16], wall[17], wall[18] = ':', '0', '0'
	putYear(wall[:4], p.year)
	m.this, m.thisOK = wallSeconds(wall[:])
	putYear(wall[:4], p.year-1)
	m.last, m.lastOK = wallSeconds(wall[:])
	m.valid = true
}

func putYear(b []byte, y int64) {
	if y < 0 || y > 9999 {
		y = 0 // wallSeconds rejects it
	}
	b[0], b[1], b[2], b[3] = byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10)
}

// tokenTime reads t, the time a line starts with, when the time is taken:
// a date, RFC 3339 or zap's and hclog's `2006-01-02T15:04:05.000Z0700`, or
// an epoch number. A clock with no date gives no time.
func (p *Parser) tokenTime(rec *Record, t []byte) {
	if p.want&(1<<fieldTime) == 0 {
		return
	}
	switch {
	case len(t) > 4 && t[4] == '-' || isEpoch(t):
		p.takeTime(rec, t)
	case bytes.IndexByte(t, 'e') > 0 && isDigit(t[0]):
		// zap's console encoder prints float seconds with %v.
		if plain, ok := p.epochWithoutExponent(t); ok {
			p.takeTime(rec, plain)
		} else {
			rec.Has |= BadTime
		}
	}
}

// epochWithoutExponent writes zap's console time, float seconds printed
// with %v (1.7956799771230001e+09), in ParseTime's epoch grammar
// (1795679977.1230001) into p.epoch: moving the point keeps every digit,
// where a float would round them.
func (p *Parser) epochWithoutExponent(t []byte) ([]byte, bool) {
	e := bytes.IndexByte(t, 'e')
	if e+2 >= len(t) || t[e+1] != '+' || !isDigits(t[e+2:]) || len(t)-e-2 > 2 {
		return nil, false
	}
	exp := 0
	for _, c := range t[e+2:] {
		exp = exp*10 + int(c-'0')
	}
	out := p.epoch[:0]
	point := -1 // the digits before the point in t
	for i, c := range t[:e] {
		switch {
		case c == '.' && point < 0 && i > 0:
			point = len(out)
		case isDigit(c):
			out = append(out, c)
		default:
			return nil, false
		}
	}
	if point < 0 {
		point = len(out)
	}
	point += exp
	if len(out)+exp+1 > len(p.epoch) {
		return nil, false
	}
	for len(out) < point {
		out = append(out, '0')
	}
	if point < len(out) {
		out = append(out[:point+1], out[point:]...)
		out[point] = '.'
	}
	return out, true
}

func isEpoch(t []byte) bool {
	dot := false
	for i, c := range t {
		if c == '.' && !dot && i > 0 {
			dot = true
		} else if !isDigit(c) {
			return false
		}
	}
	return len(t) > 0
}

// slashTime reads `2006/01/02 15:04:05` and an optional fraction (the log
// package's Lmicroseconds writes six digits) at the start of line, and
// returns it in Unix seconds and nanoseconds, with its length.
func slashTime(line []byte) (sec, nsec int64, n int, ok bool) {
	const size = len("2006/01/02 15:04:05")
	if len(line) < size || line[4] != '/' || line[7] != '/' || line[10] != ' ' {
		return 0, 0, 0, false
	}
	var wall [size]byte
	copy(wall[:], line[:size])
	wall[4], wall[7], wall[10] = '-', '-', 'T'
	if sec, ok = wallSeconds(wall[:]); !ok {
		return 0, 0, 0, false
	}
	n = size
	if n+1 < len(line) && line[n] == '.' && isDigit(line[n+1]) {
		d := 0
		for n++; n < len(line) && isDigit(line[n]); n++ {
			if d < 9 {
				nsec = nsec*10 + int64(line[n]-'0')
				d++
			}
		}
		nsec *= pow10[9-d]
	}
	return sec, nsec, n, true
}
