package gen

import (
	"log/slog"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"
)

// The keys gen writes a line's fields under, as slog names them. A reader
// that takes them all (run, checking every metric against the truth) is
// configured from these, not from copies.
const (
	LevelKey   = "level"
	UserKey    = "user"
	ActionKey  = "action"
	LatencyKey = "latency_ms"
	TimeKey    = "time"
)

// Event is one log record: slog's built-in time, level and message, then
// the attributes user, action, component and latency_ms, in that order.
type Event struct {
	// Time is written in UTC, in the years 0000 to 9999. The zero Time
	// writes no time attribute, as in slog.
	Time      time.Time
	Level     slog.Level
	Msg       string
	User      string // omitted when empty
	Action    string // omitted when empty
	Component string // omitted when empty
	LatencyMS int64  // always written
}

// AppendLine appends e to dst as one line, '\n' included, byte for byte as
// slog.NewTextHandler (Logfmt) or slog.NewJSONHandler (JSON) with default
// options writes a record holding the same fields. It allocates nothing
// when dst has room and the level is one of slog's four.
//
// A line is built from the pieces below, which the generator also uses to
// pre-encode the parts of its lines that repeat.
func AppendLine(dst []byte, e *Event, f Format) []byte {
	dst = appendLineStart(dst, f)
	if !e.Time.IsZero() {
		dst = appendTimeKey(dst, f)
		dst = appendDateTime(dst, e.Time.Unix())
		dst = appendTimeEnd(dst, e.Time.Nanosecond(), f)
		dst = appendSep(dst, f)
	}
	dst = appendLevelMsg(dst, e.Level, e.Msg, f)
	if e.User != "" {
		dst = appendKey(dst, UserKey, f)
		dst = appendString(dst, e.User, f)
	}
	if e.Action != "" {
		dst = appendKey(dst, ActionKey, f)
		dst = appendString(dst, e.Action, f)
	}
	if e.Component != "" {
		dst = appendKey(dst, "component", f)
		dst = appendString(dst, e.Component, f)
	}
	dst = appendKey(dst, LatencyKey, f)
	dst = strconv.AppendInt(dst, e.LatencyMS, 10)
	return appendLineEnd(dst, f)
}

func appendLineStart(b []byte, f Format) []byte {
	if f == JSON {
		return append(b, '{')
	}
	return b
}

func appendLineEnd(b []byte, f Format) []byte {
	if f == JSON {
		return append(b, '}', '\n')
	}
	return append(b, '\n')
}

// appendSep appends what separates two attributes.
func appendSep(b []byte, f Format) []byte {
	if f == JSON {
		return append(b, ',')
	}
	return append(b, ' ')
}

// appendKey appends a separator and key, ready for the value.
func appendKey(b []byte, key string, f Format) []byte {
	b = appendSep(b, f)
	b = appendString(b, key, f)
	if f == JSON {
		return append(b, ':')
	}
	return append(b, '=')
}

// appendString appends a string value: in logfmt as it is, or Go-quoted
// when slog would quote it; in JSON quoted and escaped.
func appendString(b []byte, s string, f Format) []byte {
	if f == JSON {
		b = append(b, '"')
		b = appendJSONString(b, s)
		return append(b, '"')
	}
	if needsQuoting(s) {
		return strconv.AppendQuote(b, s)
	}
	return append(b, s...)
}

// appendLevelMsg appends the level and msg attributes, with no separator
// before them.
func appendLevelMsg(b []byte, level slog.Level, msg string, f Format) []byte {
	b = appendString(b, LevelKey, f)
	if f == JSON {
		b = append(b, ':')
	} else {
		b = append(b, '=')
	}
	b = appendString(b, levelName(level), f)
	b = appendKey(b, "msg", f)
	return appendString(b, msg, f)
}

// levelName is slog.Level.String without the allocation for the four
// levels slog names.
func levelName(l slog.Level) string {
	switch l {
	case slog.LevelDebug:
		return "DEBUG"
	case slog.LevelInfo:
		return "INFO"
	case slog.LevelWarn:
		return "WARN"
	case slog.LevelError:
		return "ERROR"
	}
	return l.String()
}

// The time attribute is appendTimeKey, appendDateTime, appendTimeEnd.
// The text handler truncates the fraction of the second to exactly three
// digits. The JSON handler writes time.RFC3339Nano, whose fraction drops
// its trailing zeros, and the dot too when nothing is left.

// appendTimeKey appends the time key, with no separator before it.
func appendTimeKey(b []byte, f Format) []byte {
	if f == JSON {
		return append(b, `"`+TimeKey+`":"`...)
	}
	return append(b, TimeKey+"="...)
}

// appendTimeEnd appends the fraction of the second, nsec nanoseconds, and
// what closes the time value.
func appendTimeEnd(b []byte, nsec int, f Format) []byte {
	if f != JSON {
		ms := nsec / 1e6
		return append(b, '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10), 'Z')
	}
	if nsec == 0 {
		return append(b, 'Z', '"')
	}
	digits := 9
	for nsec%10 == 0 {
		nsec /= 10
		digits--
	}
	var frac [10]byte
	frac[0] = '.'
	for i := digits; i >= 1; i-- {
		frac[i] = byte('0' + nsec%10)
		nsec /= 10
	}
	b = append(b, frac[:digits+1]...)
	return append(b, 'Z', '"')
}

// appendUint is strconv.AppendUint(b, n, 10), about twice as quick for the
// numbers below 10000 that a line holds (BenchmarkAppendUint): it writes
// two digits at a time without a loop.
func appendUint(b []byte, n uint64) []byte {
	const pairs = "00010203040506070809101112131415161718192021222324252627282930313233343536373839" +
		"404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"
	switch {
	case n < 10:
		return append(b, byte('0'+n))
	case n < 100:
		return append(b, pairs[2*n], pairs[2*n+1])
	case n < 1000:
		lo := n % 100
		return append(b, byte('0'+n/100), pairs[2*lo], pairs[2*lo+1])
	case n < 10000:
		hi, lo := n/100, n%100
		return append(b, pairs[2*hi], pairs[2*hi+1], pairs[2*lo], pairs[2*lo+1])
	}
	return strconv.AppendUint(b, n, 10)
}

// dateTimeLayout is what appendDateTime writes, in time.Format's terms.
const dateTimeLayout = "2006-01-02T15:04:05"

// appendDateTime appends the UTC date and time of the Unix time sec as
// dateTimeLayout. It is several times quicker than time.Time.AppendFormat:
// the date comes from Howard Hinnant's days-to-civil algorithm, a handful
// of integer operations.
func appendDateTime(b []byte, sec int64) []byte {
	days, secOfDay := sec/86400, sec%86400
	if secOfDay < 0 {
		days--
		secOfDay += 86400
	}
	// Shift the epoch to 0000-03-01 so that leap days end each 400-year era.
	z := days + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097                                  // day of era, [0, 146096]
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365 // year of era, [0, 399]
	doy := doe - (365*yoe + yoe/4 - yoe/100)               // day of year from March 1, [0, 365]
	mp := (5*doy + 2) / 153                                // month from March, [0, 11]
	day := doy - (153*mp+2)/5 + 1
	month := mp + 3
	year := yoe + era*400
	if month > 12 {
		month -= 12
		year++
	}
	b = append(b,
		byte('0'+year/1000%10), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10), '-',
		byte('0'+month/10), byte('0'+month%10), '-',
		byte('0'+day/10), byte('0'+day%10), 'T')
	h, m, s := secOfDay/3600, secOfDay/60%60, secOfDay%60
	return append(b,
		byte('0'+h/10), byte('0'+h%10), ':',
		byte('0'+m/10), byte('0'+m%10), ':',
		byte('0'+s/10), byte('0'+s%10))
}

// needsQuoting reports whether the text handler quotes s: when it is
// empty or holds a space, '=', '"', a control character or a rune that
// does not print.
func needsQuoting(s string) bool {
	if s == "" {
		return true
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return needsQuotingSlow(s[i:])
		}
		if c <= ' ' || c == '=' || c == '"' {
			return true
		}
	}
	return false
}

// needsQuotingSlow is needsQuoting past the first non-ASCII byte. Like
// slog it quotes a literal U+FFFD as well as an invalid byte.
func needsQuotingSlow(s string) bool {
	for _, r := range s {
		if r < utf8.RuneSelf {
			if r <= ' ' || r == '=' || r == '"' {
				return true
			}
			continue
		}
		if r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return true
		}
	}
	return false
}

// appendJSONString appends s escaped as the JSON handler escapes a string,
// without the surrounding quotes.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			return appendJSONStringSlow(append(b, s[:i]...), s[i:])
		}
	}
	return append(b, s...)
}

// appendJSONStringSlow escapes '"', '\\' and control characters, writes
// each invalid byte as \ufffd, and escapes U+2028 and U+2029, which
// JavaScript does not accept in a string literal.
func appendJSONStringSlow(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < ' ':
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return b
}
