// Package logline parses one log line, as Go's log/slog, logrus, zap and
// zerolog write them (logfmt or JSON), without allocating.
//
// Parse takes the fields a Config names from a line, the level and the user
// always and the action, latency and time when asked, and says whether the
// line is an Event, Blank or Malformed. A trailing '\r' (CRLF files) is
// dropped first, then the spaces and tabs at both ends. What is left is
// empty (Blank), or a JSON object if it starts with '{' (unless the Config
// forces a format), or else logfmt pairs. A line is an Event when it matches
// the grammar of its format and its level is not empty; anything else is
// Malformed.
//
// Next does the same for the first line of a buffer of many, finding the
// line's end as it parses (next.go): that is what scan's workers call.
//
// Keys are compared byte for byte; by default they are "level" and "user".
// Only the first occurrence of a field counts: later ones, under the same
// key or an alternative, are skipped like any other key.
//
// The latency and the time are read into numbers. A latency is a bare
// number of the Config's unit (53, 0.053) or a Go duration (53ms, 1.5s);
// a time is RFC 3339 (slog's 2026-11-26T08:00:00.123Z, logrus' offsets) or
// an epoch number whose size gives its unit (zap's 1732608000.123 seconds,
// or milli-, micro- or nanoseconds); see ParseLatency and ParseTime. A value
// that is neither is marked in Record.Has (BadLatency, BadTime), not a
// reason to call the line Malformed: the line's level and user still count.
//
// # logfmt
//
//	line   = pair *(1*SP pair)
//	pair   = key [ "=" value ]  ; a key without "=" has an empty value (as in go-logfmt)
//	key    = 1*(any byte except SP, "=", DQUOTE)
//	value  = quoted / bare
//	quoted = DQUOTE *(any byte except DQUOTE and "\" / "\" any byte) DQUOTE
//	bare   = [ (any byte except SP and DQUOTE) *(any byte except SP) ]
//	SP     = " "  ; only a space separates pairs: a tab inside the line is an ordinary byte
//
// So a quoted value ends at the first DQUOTE with an even number of
// backslashes before it and must be followed by SP or the end of the line.
//
// Parsing stops as soon as every field taken has been read: nothing after
// them can change the record, and a malformed line is one with no parsable
// level. So the grammar is checked up to that point, and on the whole line
// only when it lacks a field. Taking the level and user alone, this skips
// the attributes after the user on slog's lines (action, latency_ms), a
// third of the work.
// Bare values are lenient: slog quotes any value holding SP, "=", DQUOTE or
// a non-printable, but a bare value here is any run of bytes up to the next
// SP. A key cannot be quoted: slog quotes a key that is empty or holds such
// bytes, and a line with one is Malformed.
//
// A quoted value taken is unquoted as strconv.Unquote does it, with the
// escapes strconv.Quote writes: \a \b \f \n \r \t \v \\ \" \xHH, \ooo up to
// \377, and \uHHHH and \UHHHHHHHH naming a valid rune. Any other escape makes
// the line Malformed (in a latency or time, only that value unreadable). Unlike strconv.Unquote, every byte outside an escape is
// kept as it is, a newline or invalid UTF-8 included, so that a value holds
// the same bytes whether or not it has escapes. Quoted values of other keys
// are only skipped, not checked.
//
// # JSON
//
//	line   = object ws
//	object = "{" ws [ member *(ws "," ws member) ] ws "}"
//	member = string ws ":" ws value
//	value  = string / object / array / scalar
//	array  = "[" ws [ value *(ws "," ws value) ] ws "]"
//	string = DQUOTE *(any byte except DQUOTE and "\" / "\" any byte) DQUOTE
//	scalar = 1*(any byte except ws, ",", ":", "[", "]", "{", "}", DQUOTE)
//	ws     = *(SP / HTAB / LF / CR)
//
// This is JSON's structure with the leaves left unchecked: skipped strings
// are not unescaped and scalars are not checked to be numbers, true, false
// or null. So every line encoding/json accepts as an object is accepted, and
// some it rejects are too.
//
// Only the top-level members are looked at. Their keys, and the string
// values taken, are decoded as encoding/json decodes a string: the
// escapes \" \\ \/ \b \f \n \r \t and \uXXXX, where a surrogate pair makes one
// rune and a lone surrogate becomes U+FFFD, and each byte of invalid UTF-8
// becomes U+FFFD. Any other escape in them makes the line Malformed; a raw
// control byte is kept (encoding/json would reject the line). The level must
// be a string, or the line is Malformed. The user and the action may be a
// string, or a scalar starting with '-' or a digit (a numeric ID), taken as
// its raw text; the latency and the time a string or such a number; null,
// true, false, objects and arrays give the field no value.
package logline

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Kind says what a line holds.
type Kind uint8

const (
	// Event is a line with a non-empty level.
	Event Kind = iota
	// Blank is an empty line or one of only spaces and tabs.
	Blank
	// Malformed is any other line.
	Malformed
)

// Record is what Parse takes from a line. Its slices point into the line or
// into the Parser's scratch buffer: valid until the next call to Parse.
type Record struct {
	Level  []byte // raw level value, unquoted; never empty for an Event
	User   []byte // unquoted user value; empty when the line names no user (or user="")
	Action []byte // unquoted action value; empty when there is none or it is not taken
	// Latency is in nanoseconds and Time in Unix nanoseconds; each is
	// valid when Has says so.
	Latency int64
	Time    int64
	Has     Has
}

// Has says which of a Record's numbers hold a value, and which fields were
// there but held no value that could be read.
type Has uint8

const (
	HasLatency Has = 1 << iota
	HasTime
	BadLatency // the latency key held neither a number nor a duration
	BadTime    // the time key held neither an RFC 3339 time nor an epoch number
)

// Format says how a Parser tells the format of a line.
type Format uint8

const (
	// Auto reads a line that starts with '{' as JSON and any other as
	// logfmt, so files of both kinds, and files that mix them, just work.
	Auto Format = iota
	// Logfmt reads every line as logfmt, '{' or not.
	Logfmt
	// JSON reads every line as a JSON object: a line that is not one is
	// Malformed.
	JSON
)

// ParseFormat returns the Format named auto, logfmt or json.
func ParseFormat(s string) (Format, error) {
	switch s {
	case "auto":
		return Auto, nil
	case "logfmt":
		return Logfmt, nil
	case "json":
		return JSON, nil
	}
	return 0, fmt.Errorf("unknown input format %q (want auto, logfmt or json)", s)
}

// Config says what a Parser takes from a line and how it reads it.
//
// Each key may list alternatives separated by commas, "time,ts" say: the
// first of them on a line gives the field, as when zap's "ts" and slog's
// "time" meet in one run. A key a field does not take is skipped like any
// other.
type Config struct {
	// LevelKey and UserKey name the level and the user; empty means
	// "level" and "user".
	LevelKey, UserKey string
	// ActionKey, LatencyKey and TimeKey name the action, the latency and
	// the time; empty means the field is not taken, and costs nothing.
	ActionKey, LatencyKey, TimeKey string
	// LatencyUnit is the nanoseconds in one unit of a latency written as a
	// bare number. Zero takes it from the key's suffix (_ns, _us, _ms, _s,
	// see LatencyUnit) and milliseconds when the key has none. A latency
	// written as a Go duration ("1.5s") carries its own unit.
	LatencyUnit int64
	Format      Format
}

// Default key names.
const (
	defaultLevelKey = "level"
	defaultUserKey  = "user"
)

// The fields a Parser can take, as bit positions in a set.
type field uint8

const (
	fieldLevel field = iota
	fieldUser
	fieldAction
	fieldLatency
	fieldTime
)

// maxKeys bounds the key names of a Config, alternatives included.
const maxKeys = 16

// Parser parses lines. The zero Parser is ready to use and takes slog's
// "level" and "user"; NewParser makes one for other keys. A Parser is not
// safe for concurrent use: each worker owns one.
type Parser struct {
	keys  [maxKeys]keyName
	nkeys int
	want  uint8 // the set of fields taken
	// slogFast says that parseSlogText may read a line: the level and
	// user keys are slog's and no key taken is "time" or "msg" but the
	// time's.
	slogFast bool
	// slogTail says that parseSlogTail may read what follows the user:
	// the action or the latency or both are taken, under "action" and
	// "latency_ms" (in milliseconds) alone, and neither key names another
	// field. tailAction and tailLatency say which of the two are taken.
	slogTail, tailAction, tailLatency bool
	// nextFast says that Next may read a line the way parseSlogText does:
	// slogFast, unless every line must be JSON.
	nextFast bool
	// skipTime says that no key taken is "time", so a leading slog time
	// pair may be skipped unread.
	skipTime bool
	format   Format
	// byFirst maps a key's first byte to the keys taken that start with
	// it, as a bit set of indexes into keys: most keys on a line (msg,
	// component) start with no key taken's byte and cost one load.
	byFirst [256]uint16
	// minute remembers the minute of the last time read (see minuteCache).
	minute minuteCache
	// scratch holds the values that had to be unquoted in the last line.
	scratch []byte
	// nest is the stack of open '{' and '[' while a JSON value is skipped.
	// It keeps the capacity of the deepest nesting seen.
	nest []byte
}

// NewParser returns a Parser that takes the fields c names, or an error
// that says which key is not valid.
func NewParser(c Config) (Parser, error) {
	if c.LevelKey == "" {
		c.LevelKey = defaultLevelKey
	}
	if c.UserKey == "" {
		c.UserKey = defaultUserKey
	}
	if c.Format > JSON {
		return Parser{}, fmt.Errorf("unknown input format %d", c.Format)
	}
	if c.LatencyUnit < 0 {
		return Parser{}, fmt.Errorf("latency unit %d ns, want > 0", c.LatencyUnit)
	}
	p := Parser{format: c.Format}
	owner := map[string]string{}
	for _, k := range []struct {
		what  string
		list  string
		field field
	}{
		{"level", c.LevelKey, fieldLevel},
		{"user", c.UserKey, fieldUser},
		{"action", c.ActionKey, fieldAction},
		{"latency", c.LatencyKey, fieldLatency},
		{"time", c.TimeKey, fieldTime},
	} {
		if k.list == "" {
			continue
		}
		for name := range strings.SplitSeq(k.list, ",") {
			if err := CheckKey(name); err != nil {
				return Parser{}, fmt.Errorf("%s key %q: %w", k.what, k.list, err)
			}
			if other, dup := owner[name]; dup {
				return Parser{}, fmt.Errorf("%q is both a %s key and a %s key: each needs keys of its own", name, other, k.what)
			}
			owner[name] = k.what
			if p.nkeys == maxKeys {
				return Parser{}, fmt.Errorf("more than %d key names", maxKeys)
			}
			kn := newKeyName(name, k.field)
			if k.field == fieldLatency {
				kn.unit = c.LatencyUnit
				if kn.unit == 0 {
					if kn.unit, _ = LatencyUnit(name); kn.unit == 0 {
						kn.unit = 1e6 // milliseconds, the common unit of a bare latency
					}
				}
			}
			p.keys[p.nkeys] = kn
			p.byFirst[name[0]] |= 1 << p.nkeys
			p.nkeys++
			p.want |= 1 << k.field
		}
	}
	p.skipTime = owner["time"] == ""
	p.slogFast = c.LevelKey == defaultLevelKey && c.UserKey == defaultUserKey &&
		owner["msg"] == "" && (p.skipTime || owner["time"] == "time")
	p.nextFast = p.slogFast && p.format != JSON
	p.tailAction = c.ActionKey == "action"
	// latency_ms's suffix makes milliseconds unless a unit is given.
	p.tailLatency = c.LatencyKey == "latency_ms" && (c.LatencyUnit == 0 || c.LatencyUnit == 1e6)
	p.slogTail = p.slogFast && (p.tailAction || p.tailLatency) &&
		(p.tailAction || c.ActionKey == "" && owner["action"] == "") &&
		(p.tailLatency || c.LatencyKey == "" && owner["latency_ms"] == "")
	return p, nil
}

// CheckKey reports why name cannot be a key to take: empty, or holding a
// space, '=', '"' or ',' (which separates alternatives), which logfmt keys
// cannot.
func CheckKey(name string) error {
	if name == "" {
		return errors.New("a key name cannot be empty")
	}
	if i := strings.IndexAny(name, ` =",`); i >= 0 {
		return fmt.Errorf("a key name cannot hold %q", name[i])
	}
	return nil
}

// defaultParser is what the zero Parser becomes on first use.
func defaultParser() Parser {
	p, err := NewParser(Config{})
	if err != nil {
		panic(err) // the defaults are valid keys
	}
	return p
}

// TakesLevelAndUserOnly says that p takes the level and the user and no
// other field: a Record it fills never has an Action, a Latency or a Time.
// The zero Parser takes the default keys, the level and the user.
func (p *Parser) TakesLevelAndUserOnly() bool {
	return p.want == 0 || p.want == 1<<fieldLevel|1<<fieldUser
}

// Parse parses one line into rec and says what it holds; rec is all zero
// unless the line is an Event. The line has no trailing '\n'; a trailing
// '\r' is ignored. Any input is safe: Parse reads only within line and
// never panics. The record is the caller's, not a result, so that a
// worker's one Record is reused line after line: returned by value, its
// twelve words went through memory on every line (9 % more instructions
// for scan).
func (p *Parser) Parse(line []byte, rec *Record) Kind {
	if p.want == 0 {
		*p = defaultParser()
	}
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	if len(line) == 0 {
		*rec = Record{}
		return Blank
	}
	if isSpaceOrTab(line[0]) || isSpaceOrTab(line[len(line)-1]) {
		line = trimSpaceAndTab(line)
		if len(line) == 0 {
			*rec = Record{}
			return Blank
		}
	}
	p.scratch = p.scratch[:0]
	var kind Kind
	switch {
	case line[0] == '{' && p.format != Logfmt:
		kind = p.parseJSON(line, rec)
	case p.format == JSON:
		kind = Malformed // rec is cleared below
	default:
		kind = p.parseText(line, rec)
	}
	if kind != Event {
		*rec = Record{}
	}
	return kind
}

// parseText parses a logfmt line, through parseSlogText when it can. Each
// path sets every field of rec, so Parse need not clear it first.
func (p *Parser) parseText(line []byte, rec *Record) Kind {
	if p.slogFast {
		if i, ok := parseSlogText(line, rec); ok {
			found := p.takeSlogTime(line, rec)
			if found == p.want || i == len(line) {
				return Event
			}
			return p.afterSlogUser(line, i, rec, found)
		}
	}
	*rec = Record{}
	i := 0
	if p.skipTime {
		i = skipSlogTime(line)
	}
	return p.parseLogfmt(line, i, rec, 0)
}

// takeSlogTime reads the time of a line parseSlogText or Next took, when
// the time is taken, and returns the fields read by then: level, user and
// maybe time. It is small enough to be inlined: the seed's counters take no
// time and pay one test.
func (p *Parser) takeSlogTime(line []byte, rec *Record) (found uint8) {
	if p.want&(1<<fieldTime) == 0 {
		return 1<<fieldLevel | 1<<fieldUser
	}
	p.readSlogTime(line[len("time="):len(slogTimePair)], rec)
	return 1<<fieldLevel | 1<<fieldUser | 1<<fieldTime
}

// readSlogTime reads v, the value of slog's time pair.
func (p *Parser) readSlogTime(v []byte, rec *Record) {
	if ns, ok := p.minute.readMillis(v); ok {
		rec.Time, rec.Has = ns, HasTime
		return
	}
	p.takeTime(rec, v)
}

// afterSlogUser reads what follows the user on a line parseSlogText or
// Next took, from line[i], the SP after the user's value, which is not the
// end of line: through parseSlogTail when it can, else parseLogfmt.
func (p *Parser) afterSlogUser(line []byte, i int, rec *Record, found uint8) Kind {
	if p.slogTail {
		if action, latency, has, ok := parseSlogTail(line, i); ok {
			// Both are in the line; only those taken count.
			if p.tailAction {
				rec.Action = action
			}
			if p.tailLatency {
				rec.Latency, rec.Has = latency, rec.Has|has
			}
			return Event // every field is read
		}
	}
	for line[i] == ' ' { // line does not end in SP
		i++
	}
	return p.parseLogfmt(line, i, rec, found)
}

// parseSlogText reads a line of exactly the shape slog's TextHandler gives
// a record in UTC with a user as its first attribute:
//
//	time=<24 bytes> level=<bare> msg=<quoted or bare> user=<bare> …
//
// and reports false for anything else, leaving it to parseLogfmt. On the
// lines it takes, its level and user are the ones parseLogfmt would take:
// the first of their keys, both bare and not empty. It returns the index
// after the user's value, where parseLogfmt goes on when more fields are
// taken. It saves matching each key against every name:
// BenchmarkParseLogfmt ran 540 instructions a line instead of 819
// (cachegrind).
func parseSlogText(s []byte, rec *Record) (int, bool) {
	i := skipSlogTime(s)
	if i == 0 || !hasPrefixAt(s, i, "level=") {
		return 0, false
	}
	i += len("level=")
	level := bareValue(s, i)
	if len(level) == 0 || level[0] == '"' {
		return 0, false
	}
	i += len(level)
	if !hasPrefixAt(s, i, " msg=") {
		return 0, false
	}
	i += len(" msg=")
	if i < len(s) && s[i] == '"' {
		e := closingQuote(s, i+1)
		if e < 0 {
			return 0, false
		}
		i = e + 1
	} else {
		i += len(bareValue(s, i))
	}
	if !hasPrefixAt(s, i, " user=") {
		return 0, false
	}
	i += len(" user=")
	user := bareValue(s, i)
	if len(user) == 0 || user[0] == '"' {
		return 0, false
	}
	*rec = Record{Level: level, User: user}
	return i + len(user), true
}

// parseSlogTail reads the two attributes a line of logproc gen, and of any
// service that logs them so, has after the user, from s[i] (the space
// where the user's value ends), and returns the action and the latency:
//
//	SP "action=" <bare> SP "latency_ms=" <bare>
//
// It reports false for anything else. The level,
// user and time are read by then, so the line is complete after these two
// and parseLogfmt would stop there too. Taking them here instead of in
// parseLogfmt's general loop saves matching each key against the keys
// taken: a line of slog's with every field taken ran 1,590 instructions
// instead of 2,090 (cachegrind).
func parseSlogTail(s []byte, i int) (action []byte, latency int64, has Has, ok bool) {
	// The keys are compared as words: " action=" is one, " latency_ms="
	// one and a half; string comparison called memequal for the second.
	const (
		actionKey   = " action="
		latencyKey  = " latency_ms="
		actionWord  = uint64(' ') | 'a'<<8 | 'c'<<16 | 't'<<24 | 'i'<<32 | 'o'<<40 | 'n'<<48 | '='<<56
		latencyWord = uint64(' ') | 'l'<<8 | 'a'<<16 | 't'<<24 | 'e'<<32 | 'n'<<40 | 'c'<<48 | 'y'<<56
		latencyEnd  = uint32('_') | 'm'<<8 | 's'<<16 | '='<<24
	)
	if len(s)-i < len(actionKey) || binary.LittleEndian.Uint64(s[i:]) != actionWord {
		return nil, 0, 0, false
	}
	i += len(actionKey)
	action = s[i:bareEnd(s, i)]
	if len(action) == 0 || action[0] == '"' {
		return nil, 0, 0, false
	}
	i += len(action)
	if len(s)-i < len(latencyKey) || binary.LittleEndian.Uint64(s[i:]) != latencyWord || binary.LittleEndian.Uint32(s[i+8:]) != latencyEnd {
		return nil, 0, 0, false
	}
	i += len(latencyKey)
	// Most latencies are a few digits of milliseconds at the end of the
	// line: read their value while looking for their end, and anything
	// else with ParseLatency.
	start, n := i, int64(0)
	for ; i < len(s) && i-start < 10; i++ {
		d := s[i] - '0'
		if d > 9 {
			break
		}
		n = n*10 + int64(d)
	}
	if i > start && (i == len(s) || s[i] == ' ') {
		return action, n * 1e6, HasLatency, true
	}
	value := s[start:bareEnd(s, start)]
	if len(value) == 0 || value[0] == '"' {
		return nil, 0, 0, false
	}
	if ns, ok := ParseLatency(value, 1e6); ok {
		return action, ns, HasLatency, true
	}
	return action, 0, BadLatency, true
}

func hasPrefixAt(s []byte, i int, prefix string) bool {
	return len(s)-i >= len(prefix) && string(s[i:i+len(prefix)]) == prefix
}

// bareEnd returns the index of the first SP at or after s[i], or len(s),
// a word at a time: the short values after slog's user end in the first
// word, where bytes.IndexByte costs a call and its setup.
func bareEnd(s []byte, i int) int {
	for ; i+8 <= len(s); i += 8 {
		if m := byteMask(binary.LittleEndian.Uint64(s[i:]), ' '); m != 0 {
			return i + firstMarked(m)
		}
	}
	for i < len(s) && s[i] != ' ' {
		i++
	}
	return i
}

// bareValue returns the bytes of s from i up to the next SP or the end.
func bareValue(s []byte, i int) []byte {
	v := s[i:]
	if j := bytes.IndexByte(v, ' '); j >= 0 {
		return v[:j]
	}
	return v
}

func isSpaceOrTab(c byte) bool { return c == ' ' || c == '\t' }

func trimSpaceAndTab(s []byte) []byte {
	for len(s) > 0 && isSpaceOrTab(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isSpaceOrTab(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

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
// with the key's first byte are compared: looping over every key taken
// cost 240 of the 2,400 instructions of a line with every field taken.
func (p *Parser) keyOf(s []byte, start, n int, word uint64, found uint8) *keyName {
	for cands := p.byFirst[byte(word)]; cands != 0; cands &= cands - 1 {
		kn := &p.keys[bits.TrailingZeros16(cands)%maxKeys]
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

// minuteCache remembers the minute of the last time read in UTC, the
// bytes `2026-11-26T08:00:` and that minute's start. Log lines come in
// time order, so most share their minute with the line before, and
// reading only the seconds and their fraction takes a fraction of the
// work of reading and checking a date: a line of slog's ran 2,400
// instructions with every field taken, of which ParseTime was 280; the
// cache's hit costs about 30.
type minuteCache struct {
	// The minute's bytes, `2026-11-26T08:00:`, as two words and a byte:
	// comparing them is three compares, not a call to memequal.
	date, clock uint64
	colon       byte
	start       int64 // Unix nanoseconds
	valid       bool
}

// minutePrefix is the length of the bytes that name a minute.
const minutePrefix = len("2006-01-02T15:04:")

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
	if len(v) != len("2006-01-02T15:04:05.000Z") || !c.valid ||
		binary.LittleEndian.Uint64(v) != c.date || binary.LittleEndian.Uint64(v[8:]) != c.clock || v[16] != c.colon ||
		v[19] != '.' || v[23] != 'Z' {
		return 0, false
	}
	// The digits of `SS.mmm`, as one word: v[17:19] and v[20:23] less
	// '0' each, checked at once (a byte over 9 sets its high bit when
	// 0x76 is added) instead of five compares.
	w := binary.LittleEndian.Uint64(v[16:]) - 0x0030303000303000 // bytes 1, 2, 4, 5, 6
	const digitBytes = 0x00ffffff00ffff00
	if (w+0x0076767600767600|w)&0x0080808000808000 != 0 || v[17] > '5' {
		return 0, false
	}
	w &= digitBytes
	sec := int64(w>>8&0xff)*10 + int64(w>>16&0xff)
	ms := int64(w>>32&0xff)*100 + int64(w>>40&0xff)*10 + int64(w>>48&0xff)
	return c.start + sec*1e9 + ms*1e6, true
}

// remember keeps the minute of v, which ParseTime read as ns, when v has
// the form read takes.
func (c *minuteCache) remember(v []byte, ns int64) {
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

// fracScale[n] turns a fraction of n digits into nanoseconds. Read only.
var fracScale = [10]int64{1e9, 1e8, 1e7, 1e6, 1e5, 1e4, 1e3, 1e2, 1e1, 1}

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

// parseLogfmt is the hot loop. It reads the pairs of s from s[i], which
// starts a key, into rec, which holds the fields in found already. s is
// trimmed and not empty.
//
// It reads the line a word (eight bytes) at a time: keys are short and most
// bare values are too, so one or a few words find their end where a call to
// bytes.IndexByte costs more than the search. Quoted values, which tend to be
// long, are searched with bytes.IndexByte. On the typical line of
// BenchmarkParseLogfmt this takes about a quarter less time than a
// byte-at-a-time key loop with bytes.IndexByte for every value: 1,310
// instructions a line instead of 1,710 (valgrind --tool=cachegrind), 105 ns
// instead of 145 ns on the shared 2-core build machine.
func (p *Parser) parseLogfmt(s []byte, i int, rec *Record, found uint8) Kind {
	for {
		k := i // the key is s[k:k+n]
		keyWord := wordAt(s, i)
		if m := keyStops(keyWord); m != 0 {
			i += firstMarked(m)
		} else {
			i = keyEnd(s, i+8)
		}
		n := i - k
		if n == 0 {
			return Malformed // "=" or DQUOTE where a key starts
		}
		v, e := i, i // the value is s[v:e]
		quoted := false
		if i < len(s) && s[i] == '=' {
			i++
			v = i
			if i < len(s) && s[i] == '"' {
				v = i + 1
				if e = closingQuote(s, v); e < 0 {
					return Malformed
				}
				quoted = true
				i = e + 1
			} else {
				for {
					if m := byteMask(wordAt(s, i), ' '); m != 0 {
						i += firstMarked(m)
						break
					}
					i += 8
				}
				e = i
			}
		}
		if kn := p.keyOf(s, k, n, keyWord, found); kn != nil {
			found |= 1 << kn.field
			switch {
			case quoted || kn.field >= fieldLatency:
				if !p.take(rec, kn, s[v:e], quoted) {
					return Malformed
				}
			case kn.field == fieldAction: // the one text field taken after slog's user
				rec.Action = s[v:e]
			default:
				p.takeValue(rec, kn, s[v:e])
			}
		}
		if i == len(s) || found == p.want {
			break // the rest of the line cannot change the record
		}
		if s[i] != ' ' {
			return Malformed // DQUOTE in a key, or a byte after a quoted value
		}
		for s[i] == ' ' { // s does not end in SP
			i++
		}
	}
	if len(rec.Level) == 0 {
		return Malformed
	}
	return Event
}

// slogTimePair is the shape of the time pair slog writes first on a line.
const slogTimePair = "time=2026-11-26T08:00:00.123Z"

// skipSlogTime returns where the second pair of s starts when s begins
// with the time as slog writes it in UTC, `time=2026-11-26T08:00:00.123Z `,
// and 0 otherwise. The pair is not one taken, so only its grammar matters:
// a bare value of 24 bytes with no SP that does not start with DQUOTE.
// Checking that costs three word tests, where the loop below would match
// the key against both names and search the value word by word:
// BenchmarkParseLogfmt ran 819 instructions a line instead of 978
// (cachegrind).
func skipSlogTime(s []byte) int {
	const n = len(slogTimePair)
	if len(s) <= n || s[n] != ' ' || string(s[:5]) != "time=" || s[5] == '"' {
		return 0
	}
	// byteMask marks nothing only when the word holds no SP at all.
	if byteMask(wordAt(s, 5), ' ')|byteMask(wordAt(s, 13), ' ')|byteMask(wordAt(s, 21), ' ') != 0 {
		return 0
	}
	i := n + 1
	for s[i] == ' ' { // s does not end in SP
		i++
	}
	return i
}

// keyEnd returns the index of the first SP, "=" or DQUOTE at or after s[i],
// or len(s): the rest of a key longer than eight bytes.
func keyEnd(s []byte, i int) int {
	for {
		if m := keyStops(wordAt(s, i)); m != 0 {
			return i + firstMarked(m)
		}
		i += 8
	}
}

// wordAt returns the eight bytes of s from s[i], little-endian. Past the end
// of s it reads spaces, which end a key and a bare value: a search that
// finds one there stops at len(s).
func wordAt(s []byte, i int) uint64 {
	if i+8 <= len(s) {
		return binary.LittleEndian.Uint64(s[i : i+8])
	}
	return wordAtEnd(s, i)
}

// wordAtEnd is wordAt for the last word of s, len(s)-8 < i <= len(s). It
// is kept out of line so that wordAt, which runs for every word, stays small
// enough to be inlined.
//
//go:noinline
func wordAtEnd(s []byte, i int) uint64 {
	const spaces = 0x2020202020202020
	if len(s) >= 8 {
		past := uint(i+8-len(s)) * 8 // the bits of the word past the end
		return binary.LittleEndian.Uint64(s[len(s)-8:])>>past | spaces<<(64-past)
	}
	w := uint64(spaces)
	for j := len(s) - 1; j >= i; j-- {
		w = w<<8 | uint64(s[j])
	}
	return w
}

const (
	lowBits  = 0x0101010101010101
	highBits = 0x8080808080808080
)

// byteMask sets the high bit of the first byte of w (in memory order) that
// equals c. It may set the high bit of later bytes as well: only the first
// mark is exact.
func byteMask(w uint64, c byte) uint64 {
	x := w ^ lowBits*uint64(c)
	return (x - lowBits) &^ x & highBits
}

// keyStops marks the first SP, "=" or DQUOTE in w, as byteMask does. SP
// (0x20) and DQUOTE (0x22) differ only in bit 1, and no other byte becomes
// 0x22 when bit 1 is set, so one test finds both.
func keyStops(w uint64) uint64 {
	return byteMask(w|0x0202020202020202, '"') | byteMask(w, '=')
}

// firstMarked returns the index of the byte holding the first mark of m.
func firstMarked(m uint64) int { return bits.TrailingZeros64(m) / 8 }

// closingQuote returns the index of the '"' that ends the quoted string whose
// content starts at s[i], or -1 if there is none. s[i-1] is the opening quote.
func closingQuote(s []byte, i int) int {
	q := bytes.IndexByte(s[i:], '"')
	if q < 0 {
		return -1
	}
	q += i
	if s[q-1] != '\\' { // s[q-1] is the opening quote when the string is empty
		return q
	}
	return closingQuoteSlow(s, q)
}

// closingQuoteSlow goes on from s[q], a quote with a backslash before it. A
// run of backslashes starts after a byte that is not one, so its parity says
// whether it escapes the quote.
func closingQuoteSlow(s []byte, q int) int {
	for {
		run := 0
		for s[q-1-run] == '\\' { // stops at the opening quote at the latest
			run++
		}
		if run%2 == 0 {
			return q
		}
		next := bytes.IndexByte(s[q+1:], '"')
		if next < 0 {
			return -1
		}
		q += 1 + next
	}
}

// unquoteGo returns the content of a Go-quoted string, given without its
// quotes: v itself when it holds no backslash, else its unquoted form in
// p.scratch.
func (p *Parser) unquoteGo(v []byte) ([]byte, bool) {
	if bytes.IndexByte(v, '\\') < 0 {
		return v, true
	}
	start := len(p.scratch)
	var ok bool
	p.scratch, ok = appendUnquotedGo(p.scratch, v)
	return p.scratch[start:len(p.scratch):len(p.scratch)], ok
}

// appendUnquotedGo appends to dst the content of the Go-quoted string v,
// decoding the escapes strconv.UnquoteChar accepts between double quotes and
// copying every other byte as it is.
func appendUnquotedGo(dst, v []byte) ([]byte, bool) {
	for len(v) > 0 {
		b := bytes.IndexByte(v, '\\')
		if b < 0 {
			return append(dst, v...), true
		}
		dst = append(dst, v[:b]...)
		v = v[b:]
		if len(v) < 2 {
			return dst, false
		}
		n := 2 // bytes taken by the escape
		switch c := v[1]; c {
		case 'a':
			dst = append(dst, '\a')
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'v':
			dst = append(dst, '\v')
		case '\\', '"':
			dst = append(dst, c)
		case 'x', 'u', 'U':
			digits := 2
			if c == 'u' {
				digits = 4
			} else if c == 'U' {
				digits = 8
			}
			r, ok := parseHex(v[2:], digits)
			if !ok {
				return dst, false
			}
			n += digits
			if c == 'x' {
				dst = append(dst, byte(r))
				break
			}
			if !utf8.ValidRune(r) {
				return dst, false
			}
			dst = utf8.AppendRune(dst, r)
		case '0', '1', '2', '3', '4', '5', '6', '7':
			if len(v) < 4 {
				return dst, false
			}
			r := rune(0)
			for _, d := range v[1:4] {
				if d < '0' || d > '7' {
					return dst, false
				}
				r = r<<3 | rune(d-'0')
			}
			if r > 0377 {
				return dst, false
			}
			dst = append(dst, byte(r))
			n = 4
		default:
			return dst, false
		}
		v = v[n:]
	}
	return dst, true
}

// parseHex reads exactly n hex digits from the start of s.
func parseHex(s []byte, n int) (rune, bool) {
	if len(s) < n {
		return 0, false
	}
	var r rune
	for _, c := range s[:n] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// parseJSON parses a line that starts with '{'. s is trimmed.
func (p *Parser) parseJSON(s []byte, rec *Record) Kind {
	*rec = Record{}
	var found uint8
	i := skipJSONSpace(s, 1)
	if i < len(s) && s[i] == '}' {
		i++
	} else {
		for {
			if i >= len(s) || s[i] != '"' {
				return Malformed
			}
			end, plain := jsonStringEnd(s, i+1)
			if end < 0 {
				return Malformed
			}
			kn, ok := p.matchJSONKey(s[i+1:end], plain, found)
			if !ok {
				return Malformed
			}
			i = skipJSONSpace(s, end+1)
			if i >= len(s) || s[i] != ':' {
				return Malformed
			}
			i = skipJSONSpace(s, i+1)
			if i >= len(s) {
				return Malformed
			}
			if kn == nil {
				i, ok = p.skipJSONValue(s, i)
			} else {
				found |= 1 << kn.field
				i, ok = p.takeJSON(rec, kn, s, i)
			}
			if !ok {
				return Malformed
			}
			i = skipJSONSpace(s, i)
			if i < len(s) && s[i] == ',' {
				i = skipJSONSpace(s, i+1)
				continue
			}
			if i < len(s) && s[i] == '}' {
				i++
				break
			}
			return Malformed
		}
	}
	if skipJSONSpace(s, i) != len(s) || len(rec.Level) == 0 {
		return Malformed
	}
	return Event
}

// matchJSONKey returns the key taken that the raw (still escaped) key names,
// or nil. ok is false when the key holds an invalid escape.
func (p *Parser) matchJSONKey(raw []byte, plain bool, found uint8) (kn *keyName, ok bool) {
	key := raw
	if !plain {
		start := len(p.scratch)
		p.scratch, ok = appendUnquotedJSON(p.scratch, raw)
		key = p.scratch[start:]
		p.scratch = p.scratch[:start] // key is read before anything is appended again
		if !ok {
			return nil, false
		}
	}
	return p.keyOf(key, 0, len(key), wordAt(key, 0), found), true
}

// takeJSON reads the value at s[i] as the field kn names and returns the
// index after it. The level must be a string. The user and the action may
// be a string or a number, taken as its text; the latency and the time a
// number or a string. Any other value (null, true, false, an object or an
// array) is skipped and gives the field no value.
func (p *Parser) takeJSON(rec *Record, kn *keyName, s []byte, i int) (int, bool) {
	switch c := s[i]; {
	case c == '"':
		value, end, ok := p.jsonString(s, i)
		if ok {
			p.takeValue(rec, kn, value)
		}
		return end, ok
	case kn.field == fieldLevel:
		return 0, false // the level is not a string
	case c == '-' || '0' <= c && c <= '9':
		end, ok := p.skipJSONValue(s, i)
		if ok {
			p.takeValue(rec, kn, s[i:end])
		}
		return end, ok
	}
	return p.skipJSONValue(s, i)
}

// jsonString decodes the JSON string starting at s[i] (a '"') and returns its
// value and the index after it.
func (p *Parser) jsonString(s []byte, i int) ([]byte, int, bool) {
	end, plain := jsonStringEnd(s, i+1)
	if end < 0 {
		return nil, 0, false
	}
	raw := s[i+1 : end]
	if plain {
		return raw, end + 1, true
	}
	return p.jsonStringSlow(raw, end)
}

func (p *Parser) jsonStringSlow(raw []byte, end int) ([]byte, int, bool) {
	if bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
		return raw, end + 1, true
	}
	start := len(p.scratch)
	var ok bool
	p.scratch, ok = appendUnquotedJSON(p.scratch, raw)
	return p.scratch[start:len(p.scratch):len(p.scratch)], end + 1, ok
}

// jsonStringEnd returns the index of the DQUOTE that ends the JSON string
// whose content starts at s[i], or -1, and whether the content is plain:
// ASCII with no backslash, so that it is its own value. It reads a word at a
// time, as parseLogfmt does: JSON strings are mostly short keys, and one pass
// answers both questions (2,320 instructions for the line of
// BenchmarkParseJSON instead of 2,900 with bytes.IndexByte and utf8.Valid).
func jsonStringEnd(s []byte, i int) (end int, plain bool) {
	for ; i+8 <= len(s); i += 8 {
		w := binary.LittleEndian.Uint64(s[i : i+8])
		if m := byteMask(w, '"') | byteMask(w, '\\') | w&highBits; m != 0 {
			i += firstMarked(m)
			break
		}
	}
	for i < len(s) && s[i] != '"' && s[i] != '\\' && s[i] < utf8.RuneSelf {
		i++
	}
	if i < len(s) && s[i] == '"' {
		return i, true
	}
	return closingQuote(s, i), false
}

// skipJSONSpace returns the index of the first byte at or after s[i] that is
// not JSON white space.
func skipJSONSpace(s []byte, i int) int {
	if i < len(s) && s[i] > ' ' {
		return i
	}
	return skipJSONSpaceSlow(s, i)
}

func skipJSONSpaceSlow(s []byte, i int) int {
	for i < len(s) {
		switch s[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// skipJSONValue returns the index after the value that starts at s[i], which
// is not white space. It checks the value's structure only (see the grammar
// in the package comment). The open objects and arrays are kept in p.nest,
// so nesting depth costs no stack and, once nest has grown, no allocation.
func (p *Parser) skipJSONValue(s []byte, i int) (int, bool) {
	nest := p.nest[:0]
	for {
		// At the start of a value.
		if i >= len(s) {
			return 0, false
		}
		switch c := s[i]; c {
		case '"':
			end, _ := jsonStringEnd(s, i+1)
			if end < 0 {
				return 0, false
			}
			i = end + 1
		case '{', '[':
			i = skipJSONSpace(s, i+1)
			if i < len(s) && s[i] == closing(c) {
				i++
				break
			}
			nest = append(nest, c)
			p.nest = nest // keep what the stack grew to
			if c == '{' {
				var ok bool
				if i, ok = skipJSONKey(s, i); !ok {
					return 0, false
				}
			}
			continue
		default:
			start := i
			for i < len(s) && !endsScalar(s[i]) {
				i++
			}
			if i == start {
				return 0, false
			}
		}
		// After a value: close what ends here, then go on after a ','.
		for {
			if len(nest) == 0 {
				return i, true
			}
			i = skipJSONSpace(s, i)
			if i >= len(s) {
				return 0, false
			}
			open := nest[len(nest)-1]
			if s[i] == closing(open) {
				nest = nest[:len(nest)-1]
				i++
				continue
			}
			if s[i] != ',' {
				return 0, false
			}
			i = skipJSONSpace(s, i+1)
			if open == '{' {
				var ok bool
				if i, ok = skipJSONKey(s, i); !ok {
					return 0, false
				}
			}
			break
		}
	}
}

// closing returns the byte that closes the object or array opened by c.
func closing(c byte) byte {
	if c == '{' {
		return '}'
	}
	return ']'
}

// skipJSONKey skips `string ws ":" ws` from s[i] and returns the index of the
// value that follows.
func skipJSONKey(s []byte, i int) (int, bool) {
	if i >= len(s) || s[i] != '"' {
		return 0, false
	}
	end, _ := jsonStringEnd(s, i+1)
	if end < 0 {
		return 0, false
	}
	i = skipJSONSpace(s, end+1)
	if i >= len(s) || s[i] != ':' {
		return 0, false
	}
	return skipJSONSpace(s, i+1), true
}

// endsScalar reports whether c cannot be part of a JSON scalar.
func endsScalar(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', ',', ':', '[', ']', '{', '}', '"':
		return true
	}
	return false
}

// appendUnquotedJSON appends to dst the content of the JSON string raw,
// given without its quotes, decoded as encoding/json decodes it.
func appendUnquotedJSON(dst, raw []byte) ([]byte, bool) {
	for i := 0; i < len(raw); {
		c := raw[i]
		if c == '\\' {
			if i+1 >= len(raw) {
				return dst, false
			}
			switch e := raw[i+1]; e {
			case '"', '\\', '/':
				dst = append(dst, e)
			case 'b':
				dst = append(dst, '\b')
			case 'f':
				dst = append(dst, '\f')
			case 'n':
				dst = append(dst, '\n')
			case 'r':
				dst = append(dst, '\r')
			case 't':
				dst = append(dst, '\t')
			case 'u':
				r, ok := parseHex(raw[i+2:], 4)
				if !ok {
					return dst, false
				}
				i += 6
				if utf16.IsSurrogate(r) {
					low := rune(-1)
					if i+1 < len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
						if l, ok := parseHex(raw[i+2:], 4); ok {
							low = l
						}
					}
					if pair := utf16.DecodeRune(r, low); pair != utf8.RuneError {
						r = pair
						i += 6
					} else {
						r = utf8.RuneError
					}
				}
				dst = utf8.AppendRune(dst, r)
				continue
			default:
				return dst, false
			}
			i += 2
			continue
		}
		if c < utf8.RuneSelf {
			dst = append(dst, c)
			i++
			continue
		}
		r, size := utf8.DecodeRune(raw[i:])
		dst = utf8.AppendRune(dst, r) // U+FFFD for each invalid byte
		i += size
	}
	return dst, true
}
