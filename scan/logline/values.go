package logline

import (
	"bytes"
	"fmt"
	"math"
	"math/bits"
	"strings"
)

// This file parses the values of two fields, the time and the latency of a
// line, without allocating: Parse's caller runs them on every line.

// ParseTime returns the instant a time value names, in nanoseconds since
// the Unix epoch. b is the value with its quotes removed. ok is false for
// anything it does not accept, and for instants outside the int64
// nanosecond range (1677-09-21T00:12:43.145224192Z to
// 2262-04-11T23:47:16.854775807Z).
//
// # RFC 3339
//
// A value whose fifth byte is '-' is read as time.Parse(time.RFC3339Nano,
// string(b)) reads it, as log/slog, logrus and zerolog write it:
//
//	time   = year "-" month "-" day "T" hour ":" minute ":" second [ frac ] zone
//	year   = 4DIGIT
//	month  = 2DIGIT          ; 01-12
//	day    = 2DIGIT          ; 01-28, 29, 30 or 31 as the month and year allow
//	hour   = 1*2DIGIT        ; 0-23; one digit only where time.Parse takes it
//	minute = 2DIGIT          ; 00-59
//	second = 2DIGIT          ; 00-59: a leap second (60) is rejected
//	frac   = ("." / ",") 1*DIGIT  ; digits past the ninth are dropped
//	zone   = "Z" / ("+" / "-") 2DIGIT [":"] 2DIGIT  ; hours 00-24, minutes 00-60
//
// This is the union of what time.Parse's two paths take: its RFC 3339 fast
// path rejects ',', a one-digit hour and an offset of 24 hours or 60
// minutes, and then the general layout parser accepts them. 'T' and 'Z' must
// be upper case. An offset without its colon, +0100, is what zap's
// ISO8601TimeEncoder and hclog write: it is read as time.Parse reads it with
// the layout "2006-01-02T15:04:05.999999999Z0700". The result is always the
// one time.Parse gives with one of the two layouts; the tests and
// FuzzParseTime check that both accept the same strings.
//
// # Epoch numbers
//
// Any other value is read as a number of seconds, milliseconds,
// microseconds or nanoseconds since the epoch, as zap ("ts":1732608000.123456)
// and zerolog's TimeFormatUnix* formats write it:
//
//	epoch = 1*DIGIT [ "." 1*DIGIT ]
//
// Nothing says which unit a number is in, so its integer part decides:
// below 1e11 it is seconds, below 1e14 milliseconds, below 1e17 microseconds,
// and nanoseconds from there. The ranges of the finer units start in March
// 1973 (1e11 ms, 1e14 µs, 1e17 ns) and every range reaches past 2262, where
// int64 nanoseconds end, so any timestamp from March 1973 on is read in its
// own unit; one from before, in a unit finer than seconds, is misread or
// rejected. Fraction digits below a nanosecond are dropped. A sign or an exponent (1.7e9) is rejected: the loggers above
// never write one for a time, and a negative time in a log is more likely
// garbage than a record from before 1970.
func ParseTime(b []byte) (unixNano int64, ok bool) {
	if len(b) > 4 && b[4] == '-' {
		return parseRFC3339(b)
	}
	return parseEpoch(b)
}

const (
	nsPerSec   = 1_000_000_000
	secPerDay  = 24 * 60 * 60
	minYear    = 1677 // the years that can hold a representable instant, whatever the offset
	maxYear    = 2262
	maxUnixSec = math.MaxInt64 / nsPerSec // 2262-04-11T23:47:16Z, the last whole second
	minUnixSec = math.MinInt64/nsPerSec - 1
	// The nanoseconds that fit in the last and the first second.
	maxNsecAtMax = math.MaxInt64 % nsPerSec
	minNsecAtMin = math.MinInt64 - minUnixSec*nsPerSec
)

// parseRFC3339 reads a value with '-' as its fifth byte. The length test
// and wallSeconds read slog's UTC form, `2026-11-26T08:00:00.123Z`, at fixed
// positions; a shorter value or a one-digit hour goes to the slow path.
func parseRFC3339(b []byte) (int64, bool) {
	if len(b) < len("2006-01-02T15:04:05Z") || b[12] == ':' {
		return parseRFC3339ShortHour(b)
	}
	sec, ok := wallSeconds(b[:19])
	if !ok {
		return 0, false
	}
	if len(b) == len("2006-01-02T15:04:05.000Z") && b[19] == '.' && b[23] == 'Z' {
		d0, d1, d2 := b[20]-'0', b[21]-'0', b[22]-'0'
		if d0 > 9 || d1 > 9 || d2 > 9 {
			return 0, false
		}
		return unixNano(sec, (int64(d0)*100+int64(d1)*10+int64(d2))*1e6)
	}
	return withFracAndZone(sec, b[19:])
}

// parseRFC3339ShortHour reads a value with a one-digit hour,
// `2026-11-26T8:00:00Z`, which time.Parse accepts (its layout's hour "15"
// takes one or two digits). It parses a copy of the date and clock with the
// hour padded to two digits.
func parseRFC3339ShortHour(b []byte) (int64, bool) {
	if len(b) < len("2006-01-02T1:04:05Z") || b[12] != ':' {
		return 0, false
	}
	var wall [19]byte
	copy(wall[:11], b[:11])
	wall[11] = '0'
	copy(wall[12:], b[11:18])
	sec, ok := wallSeconds(wall[:])
	if !ok {
		return 0, false
	}
	return withFracAndZone(sec, b[18:])
}

// daysIn holds the length of each month in a common year. Read only.
var daysIn = [13]int64{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

// wallSeconds reads `2006-01-02T15:04:05` (len(b) == 19) and returns it in
// seconds since the epoch, taken as UTC. It checks every field's range as
// time.Parse does, and rejects the years in which no instant has an int64
// nanosecond time.
func wallSeconds(b []byte) (int64, bool) {
	_ = b[18]
	if b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' {
		return 0, false
	}
	y0, y1, y2, y3 := b[0]-'0', b[1]-'0', b[2]-'0', b[3]-'0'
	mo0, mo1, d0, d1 := b[5]-'0', b[6]-'0', b[8]-'0', b[9]-'0'
	h0, h1, mi0, mi1, s0, s1 := b[11]-'0', b[12]-'0', b[14]-'0', b[15]-'0', b[17]-'0', b[18]-'0'
	// A byte below '0' wraps to 208 or more, so one test per digit does.
	if y0 > 9 || y1 > 9 || y2 > 9 || y3 > 9 || mo0 > 9 || mo1 > 9 || d0 > 9 || d1 > 9 ||
		h0 > 9 || h1 > 9 || mi0 > 9 || mi1 > 9 || s0 > 9 || s1 > 9 {
		return 0, false
	}
	year := int64(y0)*1000 + int64(y1)*100 + int64(y2)*10 + int64(y3)
	month := int64(mo0)*10 + int64(mo1)
	day := int64(d0)*10 + int64(d1)
	hour := int64(h0)*10 + int64(h1)
	minute := int64(mi0)*10 + int64(mi1)
	second := int64(s0)*10 + int64(s1)
	if year < minYear || year > maxYear || month < 1 || month > 12 || day < 1 ||
		hour > 23 || minute > 59 || second > 59 {
		return 0, false
	}
	if day > daysIn[month] && !(month == 2 && day == 29 && isLeap(year)) {
		return 0, false
	}
	return daysFromCivil(year, month, day)*secPerDay + hour*3600 + minute*60 + second, true
}

func isLeap(year int64) bool {
	return year%4 == 0 && (year%100 != 0 || year%400 == 0)
}

// daysFromCivil returns the number of days from 1970-01-01 to the
// proleptic Gregorian date y-m-d, for y >= 1: Howard Hinnant's
// days_from_civil (https://howardhinnant.github.io/date_algorithms.html).
// The year is taken to start on March 1, so that the leap day ends it, and
// a 400-year era has a fixed length.
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
		m += 12
	}
	era := y / 400
	yoe := y - era*400                     // [0, 399]
	doy := (153*(m-3)+2)/5 + d - 1         // [0, 365], from March 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy // [0, 146096]
	return era*146097 + doe - 719468
}

// withFracAndZone reads what follows the seconds: an optional fraction and
// the zone, and returns the instant in nanoseconds. sec is the wall clock
// in seconds, taken as UTC.
func withFracAndZone(sec int64, t []byte) (int64, bool) {
	var nsec int64
	if len(t) >= 2 && (t[0] == '.' || t[0] == ',') && t[1]-'0' <= 9 {
		i := 1
		for ; i < len(t) && t[i]-'0' <= 9; i++ {
			if i <= 9 {
				nsec = nsec*10 + int64(t[i]-'0')
			}
		}
		if i <= 9 { // i-1 digits read, 10-i missing
			nsec *= pow10[10-i]
		}
		t = t[i:]
	}
	if len(t) == 1 && t[0] == 'Z' {
		return unixNano(sec, nsec)
	}
	var h0, h1, m0, m1 byte
	switch {
	case len(t) == len("+07:00") && t[3] == ':':
		h0, h1, m0, m1 = t[1]-'0', t[2]-'0', t[4]-'0', t[5]-'0'
	case len(t) == len("+0700"): // zap's ISO8601TimeEncoder, hclog
		h0, h1, m0, m1 = t[1]-'0', t[2]-'0', t[3]-'0', t[4]-'0'
	default:
		return 0, false
	}
	if h0 > 9 || h1 > 9 || m0 > 9 || m1 > 9 {
		return 0, false
	}
	hours, minutes := int64(h0)*10+int64(h1), int64(m0)*10+int64(m1)
	// time.Parse's layout parser takes 24 hours and 60 minutes ("some
	// people do write offsets of 24 hours or 60 minutes").
	if hours > 24 || minutes > 60 {
		return 0, false
	}
	offset := (hours*60 + minutes) * 60
	switch t[0] {
	case '+':
		sec -= offset
	case '-':
		sec += offset
	default:
		return 0, false
	}
	return unixNano(sec, nsec)
}

// pow10 holds the powers of ten that scale a fraction to nanoseconds. Read
// only.
var pow10 = [...]int64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9}

// unixNano returns sec*1e9 + nsec, 0 <= nsec < 1e9, unless it overflows.
func unixNano(sec, nsec int64) (int64, bool) {
	if minUnixSec < sec && sec < maxUnixSec ||
		sec == maxUnixSec && nsec <= maxNsecAtMax ||
		sec == minUnixSec && nsec >= minNsecAtMin {
		return sec*nsPerSec + nsec, true
	}
	return 0, false
}

// parseEpoch reads a value in the epoch grammar of ParseTime.
func parseEpoch(b []byte) (int64, bool) {
	n, i, ok := leadingUint(b)
	if !ok {
		return 0, false
	}
	frac := b[i:]
	if len(frac) > 0 {
		if frac[0] != '.' || len(frac) == 1 {
			return 0, false
		}
		frac = frac[1:]
	}
	switch {
	case n < 1e11:
		return epochNano(n, 1e9, 9, frac)
	case n < 1e14:
		return epochNano(n, 1e6, 6, frac)
	case n < 1e17:
		return epochNano(n, 1e3, 3, frac)
	}
	return epochNano(n, 1, 0, frac)
}

// leadingUint reads the digits at the start of b, at least one, and returns
// their value and the index after them. ok is false when there are none or
// the value exceeds math.MaxInt64.
func leadingUint(b []byte) (n uint64, i int, ok bool) {
	for ; i < len(b); i++ {
		d := b[i] - '0'
		if d > 9 {
			break
		}
		if n > math.MaxInt64/10 {
			return 0, 0, false
		}
		n = n*10 + uint64(d) // at most MaxInt64 + 9: no wrap
	}
	return n, i, i > 0 && n <= math.MaxInt64
}

// epochNano returns n units of unit = 10^digits nanoseconds plus the
// fraction whose digits are frac, truncated to whole nanoseconds, unless
// frac holds anything but digits or the sum overflows.
func epochNano(n, unit uint64, digits int, frac []byte) (int64, bool) {
	var f uint64 // the fraction in nanoseconds
	for k, c := range frac {
		d := c - '0'
		if d > 9 {
			return 0, false
		}
		if k < digits {
			f = f*10 + uint64(d)
		}
	}
	if len(frac) < digits {
		f *= uint64(pow10[digits-len(frac)])
	}
	hi, lo := bits.Mul64(n, unit)
	if hi != 0 || lo > math.MaxInt64 || lo+f > math.MaxInt64 {
		return 0, false
	}
	return int64(lo + f), true
}

// ParseLatency returns the duration a latency value names, in nanoseconds.
// b is the value with its quotes removed; unit is the number of
// nanoseconds a bare number counts (1, 1e3, 1e6 or 1e9: see LatencyUnit and
// ParseUnit). Two forms are read:
//
//	latency  = [ sign ] ( number / duration )
//	number   = 1*DIGIT [ "." 1*DIGIT ]        ; in units of unit
//	duration = 1*( ( 1*DIGIT [ "." *DIGIT ] / "." 1*DIGIT ) dunit )
//	dunit    = "ns" / "us" / "µs" / "μs" / "ms" / "s" / "m" / "h"
//	sign     = "+" / "-"
//
// A duration is read exactly as time.ParseDuration reads it, as
// time.Duration.String writes it (53ms, 1.5s, 1h2m3.5s, 250µs), with the
// same result, fractions included: ParseDuration computes a fraction in
// float64 and so does this, where exact arithmetic would sometimes differ
// by a nanosecond. unit does not apply to it.
//
// A number is multiplied by unit exactly, in integers, and truncated to
// whole nanoseconds. Fraction digits past the ninth are ignored, which
// loses nothing when unit divides 1e9. Its sign is read as
// time.ParseDuration reads the sign of a duration ("0", "+0" and "-0" are
// durations to it).
//
// Latency cannot be negative, so a negative result is rejected: "-1ms" and
// "-1" give ok=false. As in time.ParseDuration, the sign applies to the
// result truncated to nanoseconds, so "-0", "-0s", "-0.4ns" and "-0.4" in
// nanoseconds give 0. ok is false as well for an empty value, anything
// outside the grammar, a number with a unit that is not positive, and a
// result past math.MaxInt64 nanoseconds.
func ParseLatency(b []byte, unit int64) (ns int64, ok bool) {
	// The usual value is a small integer in the key's unit, latency_ms=42.
	if len(b) == 0 || len(b) > 19 || unit <= 0 { // 19 digits fit a uint64
		return parseLatencySlow(b, unit)
	}
	var n uint64
	for _, c := range b {
		d := c - '0'
		if d > 9 {
			return parseLatencySlow(b, unit)
		}
		n = n*10 + uint64(d)
	}
	hi, lo := bits.Mul64(n, uint64(unit))
	if hi != 0 || lo > math.MaxInt64 {
		return 0, false
	}
	return int64(lo), true
}

// parseLatencySlow reads a latency value that is not a short integer.
func parseLatencySlow(b []byte, unit int64) (int64, bool) {
	neg := false
	if len(b) > 0 && (b[0] == '+' || b[0] == '-') {
		neg = b[0] == '-'
		b = b[1:]
	}
	// A number ends in a digit, a duration in a unit.
	var ns uint64
	var ok bool
	var plain [maxPlainDigits]byte
	if len(b) > 0 && b[len(b)-1]-'0' <= 9 {
		if e := bytes.IndexAny(b, "eE"); e >= 0 { // 1.234567e+06, as Go's %v writes a float64
			if b, ok = withoutExponent(plain[:0], b[:e], b[e+1:]); !ok {
				return 0, false
			}
		}
		ns, ok = scaleNumber(b, unit)
	} else {
		ns, ok = parseDuration(b)
	}
	if !ok || ns > math.MaxInt64 || neg && ns != 0 {
		return 0, false
	}
	return int64(ns), true
}

// maxPlainDigits bounds a number withoutExponent writes: exponents past
// ±30 are refused (no latency needs them; the result would overflow or
// round to nothing).
const maxPlainDigits = 96

// withoutExponent appends mantissa × 10^exp (exp: [+-]digits) to dst as a
// plain decimal, digit for digit, so that scaleNumber reads it exactly, as
// it reads any other decimal: no float64 rounding.
func withoutExponent(dst, mantissa, exp []byte) ([]byte, bool) {
	neg := false
	if len(exp) > 0 && (exp[0] == '+' || exp[0] == '-') {
		neg, exp = exp[0] == '-', exp[1:]
	}
	if len(exp) == 0 || len(exp) > 2 || len(mantissa) == 0 {
		return nil, false
	}
	e := 0
	for _, c := range exp {
		if c-'0' > 9 {
			return nil, false
		}
		e = e*10 + int(c-'0')
	}
	if e > 30 {
		return nil, false
	}
	if neg {
		e = -e
	}
	intPart, frac, _ := bytes.Cut(mantissa, []byte("."))
	if len(intPart) == 0 || len(frac) == 0 && bytes.IndexByte(mantissa, '.') >= 0 {
		return nil, false
	}
	digits := append(append(make([]byte, 0, 80), intPart...), frac...)
	for _, c := range digits {
		if c-'0' > 9 {
			return nil, false
		}
	}
	point := len(intPart) + e // where the point goes in digits
	switch {
	case point <= 0:
		dst = append(dst, '0', '.')
		for range -point {
			dst = append(dst, '0')
		}
		dst = append(dst, digits...)
	case point >= len(digits):
		dst = append(dst, digits...)
		for range point - len(digits) {
			dst = append(dst, '0')
		}
	default:
		dst = append(append(append(dst, digits[:point]...), '.'), digits[point:]...)
	}
	return dst, true
}

// scaleNumber returns the number b, in the grammar of ParseLatency, times
// unit, truncated to an integer, if b is one and the result is at most
// 1<<63.
func scaleNumber(b []byte, unit int64) (uint64, bool) {
	n, i, ok := leadingUint(b)
	if !ok || unit <= 0 {
		return 0, false
	}
	var f9 uint64 // the first nine fraction digits: the fraction in billionths
	if i < len(b) {
		frac := b[i+1:]
		if b[i] != '.' || len(frac) == 0 {
			return 0, false
		}
		for k, c := range frac {
			d := c - '0'
			if d > 9 {
				return 0, false
			}
			if k < 9 {
				f9 = f9*10 + uint64(d)
			}
		}
		if len(frac) < 9 {
			f9 *= uint64(pow10[9-len(frac)])
		}
	}
	hi, whole := bits.Mul64(n, uint64(unit))
	if hi != 0 || whole > 1<<63 {
		return 0, false
	}
	var part uint64 // f9 * unit / 1e9
	if unit <= math.MaxUint64/nsPerSec {
		part = f9 * uint64(unit) / nsPerSec
	} else {
		hi, lo := bits.Mul64(f9, uint64(unit))
		part, _ = bits.Div64(hi, lo, nsPerSec) // hi < 1e9 as f9 < 1e9
	}
	sum := whole + part // at most 2^63 + 2^63: no wrap
	return sum, sum <= 1<<63
}

// parseDuration is time.ParseDuration after the sign, on bytes and without
// its error values: the same steps, overflow checks and float64 fraction,
// so that it accepts the same strings with the same result. The result may
// be 1<<63, which only a negative duration can be.
func parseDuration(s []byte) (uint64, bool) {
	if len(s) == 0 {
		return 0, false
	}
	var d uint64
	for len(s) > 0 {
		if c := s[0]; c != '.' && c-'0' > 9 {
			return 0, false
		}
		// [0-9]*, failing past 1<<63 as leadingInt does.
		var v uint64
		i := 0
		for ; i < len(s) && s[i]-'0' <= 9; i++ {
			if v > 1<<63/10 {
				return 0, false
			}
			v = v*10 + uint64(s[i]-'0')
			if v > 1<<63 {
				return 0, false
			}
		}
		pre := i > 0
		s = s[i:]
		// (\.[0-9]*)?, keeping the digits that fit as leadingFraction does.
		var f uint64
		scale := 1.0 // 10^(the digits kept in f), exact up to 1e22
		post := false
		if len(s) > 0 && s[0] == '.' {
			i = 1
			full := false
			for ; i < len(s) && s[i]-'0' <= 9; i++ {
				if full {
					continue
				}
				if f > (1<<63-1)/10 {
					full = true
					continue
				}
				y := f*10 + uint64(s[i]-'0')
				if y > 1<<63 {
					full = true
					continue
				}
				f = y
				scale *= 10
			}
			post = i > 1
			s = s[i:]
		}
		if !pre && !post {
			return 0, false
		}
		i = 0
		for i < len(s) && s[i] != '.' && s[i]-'0' > 9 {
			i++
		}
		unit, ok := durationUnit(s[:i])
		if !ok {
			return 0, false
		}
		s = s[i:]
		hi, lo := bits.Mul64(v, unit)
		if hi != 0 || lo > 1<<63 {
			return 0, false
		}
		v = lo
		if f > 0 {
			v += uint64(float64(f) * (float64(unit) / scale))
			if v > 1<<63 {
				return 0, false
			}
		}
		d += v
		if d > 1<<63 {
			return 0, false
		}
	}
	return d, true
}

// durationUnit returns the nanoseconds in a unit of time.ParseDuration.
func durationUnit(u []byte) (uint64, bool) {
	switch string(u) { // compiled to comparisons: no allocation
	case "ns":
		return 1, true
	case "us", "µs", "μs": // U+00B5 micro sign, U+03BC Greek mu
		return 1e3, true
	case "ms":
		return 1e6, true
	case "s":
		return 1e9, true
	case "m":
		return 60e9, true
	case "h":
		return 3600e9, true
	}
	return 0, false
}

// LatencyUnit returns the nanoseconds per unit that the suffix of a key
// names, for the bare numbers of ParseLatency:
//
//	_ns _nanos _nsec                     1
//	_us _µs _μs _micros _usec            1e3
//	_ms _millis _msec                    1e6
//	_s _sec _secs _seconds               1e9
//
// The suffix is what follows the last '_', compared case-sensitively.
// ok is false when the key has no such suffix (latency, took): the caller
// then takes a unit from elsewhere, a flag or a default.
func LatencyUnit(key string) (unit int64, ok bool) {
	i := strings.LastIndexByte(key, '_')
	if i < 0 {
		return 0, false
	}
	switch key[i+1:] {
	case "ns", "nanos", "nsec":
		return 1, true
	case "us", "µs", "μs", "micros", "usec":
		return 1e3, true
	case "ms", "millis", "msec":
		return 1e6, true
	case "s", "sec", "secs", "seconds":
		return 1e9, true
	}
	return 0, false
}

// ParseUnit returns the nanoseconds per unit that a -latency-unit flag
// names: ns, us (or µs, μs), ms or s, as time.ParseDuration spells them.
func ParseUnit(s string) (int64, error) {
	switch s {
	case "ns":
		return 1, nil
	case "us", "µs", "μs":
		return 1e3, nil
	case "ms":
		return 1e6, nil
	case "s":
		return 1e9, nil
	}
	return 0, fmt.Errorf("unknown latency unit %q: want ns, us, ms or s", s)
}
