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
// The grammars of logfmt.go and json.go say exactly what each reads.
package logline

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/logproc/logproc/internal/record"
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
	// NoLevel is a record with no level: a line of a format that has
	// none (the log package's), or logfmt or JSON that holds a field taken
	// but no level. Only ParseAny and NextAny return it; Record.Level is
	// empty, its other fields are read.
	NoLevel
	// Continuation is a line that goes on the record before it: a Go
	// panic's trace, a stack's lines (see isContinuation).
	Continuation
	// Partial is a framed piece of a record that goes on in a later line
	// (CRI's P, Docker's split entries): the record counts with its last
	// piece, which NextAny returns.
	Partial
)

// Record is what Parse takes from a line (record.Record, which agg counts).
// Its slices point into the line or into the Parser's scratch buffer: valid
// until the next call to Parse.
type Record = record.Record

// Has says which of a Record's numbers hold a value, and which fields were
// there but held no value that could be read.
type Has = record.Has

const (
	HasLatency = record.HasLatency
	HasTime    = record.HasTime
	BadLatency = record.BadLatency // the latency key held neither a number nor a duration
	BadTime    = record.BadTime    // the time key held neither an RFC 3339 time nor an epoch number
	// WholeMillis, with HasLatency: Record.Millis holds the latency in whole
	// milliseconds. Only Next's slog fast path sets it.
	WholeMillis = record.WholeMillis
	// KnownLevel: Record.Slot holds the level's index in record.LevelNames.
	KnownLevel = record.KnownLevel
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
	// Form, when not zero, reads every line as that form (ParseForm):
	// no other is tried. Logfmt and JSON set Format instead.
	Form Form
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
const maxKeys = 32

// Parser parses lines. The zero Parser is ready to use and takes slog's
// "level" and "user"; NewParser makes one for other keys. A Parser is not
// safe for concurrent use: each worker owns one.
type Parser struct {
	keys  [maxKeys]keyName
	nkeys int
	want  uint8 // the set of fields taken
	// slogFast says that slog's shape may be read as Next reads it: the level and
	// user keys are slog's and no key taken is "time" or "msg" but the
	// time's.
	slogFast bool
	// slogTail says that nextSlogTail may read what follows the user:
	// the action or the latency or both are taken, under "action" and
	// "latency_ms" (in milliseconds) alone, and neither key names another
	// field. tailAction and tailLatency say which of the two are taken,
	// tailBoth both (one test for the common case).
	slogTail, tailAction, tailLatency, tailBoth bool
	// timedTail says slogTail and the time taken, every metric: Next
	// hands nextSlogTail the time before any other test.
	timedTail bool
	// nextFast says that Next may read slog's shape: slogFast, unless
	// every line must be JSON.
	nextFast bool
	// skipTime says that no key taken is "time", so a leading slog time
	// pair may be skipped unread.
	skipTime bool
	format   Format
	// byFirst maps a key's first byte to the keys taken that start with
	// it, as a bit set of indexes into keys: most keys on a line (msg,
	// component) start with no key taken's byte and cost one load.
	byFirst [256]uint32
	// minute remembers the minute of the last time read (see minuteCache).
	minute minuteCache
	// scratch holds the values that had to be unquoted in the last line.
	scratch []byte
	// nest is the stack of open '{' and '[' while a JSON value is skipped.
	// It keeps the capacity of the deepest nesting seen.
	nest []byte

	// last is the line Next last found not an Event (LastLine).
	last []byte
	// readJSON says that Parse read its last line, neither blank nor
	// malformed, as JSON; jsonLines counts the lines Next so read
	// (JSONLines).
	readJSON  bool
	jsonLines int64

	// The forms beyond logfmt and JSON (any.go, framed.go).
	forced      Form   // the Config's Form: every line is read as it
	innerShape  Shape  // what the last framed line held
	noLevelOK   bool   // the last line parsed failed only for want of a level
	plain       []byte // the line less its ANSI escapes
	frameBuf    []byte // a Docker line's log, unescaped
	frameMinute minuteCache
	joins       [numStreams]join
	anyOpen     bool      // some join is open: the fast paths step aside (setAnyOpen)
	closed      []join    // joins a line not framed ended, for Closed
	spareBufs   [][]byte  // buffers of the closed joins read, for the next joins
	maxPiece    int       // a longer line is no piece (LimitPieces)
	stampMinute [2]uint64 // the first 16 bytes of the last prefix stampShape passed
	stampReads  bool      // every time of stampMinute's minute in zuluSeconds's form reads
	fastLen     int       // the bytes Next read in fastFramed's last success
	// shape state (H4)
	// now places klog's dates, which have no year (see klogTime); the
	// zero value means time.Now, read once. Tests set it.
	now time.Time
	// year and yearNow cache now's UTC year and Unix seconds once a klog
	// line needed them; year is 0 until then.
	year, yearNow int64
	klogMinute    klogMinute
	// epoch holds zap's console time rewritten without its exponent.
	epoch [40]byte
	// pairFail marks, one bit a byte of the message, the starts of pair
	// runs known not to reach the end of the line (see pairsFrom).
	pairFail []uint64
	// envelope state (H5): see envelope.go.
	// envText holds the decoded inner line of the envelope record read last.
	envText []byte
	// envLine is the last batch line, envRecs the offsets of its records'
	// objects, envAt the next to read, envShape the batch's shape.
	envLine    []byte
	envRecs    []int
	envAt      int
	envShape   Shape
	inEnvelope bool // parseInner is reading an envelope's inner line
	// nested JSON keys (H5): see json.go. dotted says that a key taken
	// has a dot; nested queues the objects to read for them, dotKey
	// holds the dotted name of the member being read.
	dotted bool
	nested []int
	dotKey []byte
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
	switch c.Form {
	case MakeForm(ShapeNone, ShapeLogfmt):
		c.Format, c.Form = Logfmt, 0
	case MakeForm(ShapeNone, ShapeJSON):
		c.Format, c.Form = JSON, 0
	}
	p := Parser{format: c.Format, forced: c.Form}
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
				return Parser{}, &KeyError{Field: k.what, Keys: k.list, Key: name, Err: err}
			}
			if other, dup := owner[name]; dup {
				return Parser{}, &KeyError{Field: k.what, Keys: k.list, Key: name, Other: other}
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
			p.dotted = p.dotted || strings.IndexByte(name[1:], '.') >= 0
			p.byFirst[name[0]] |= 1 << p.nkeys
			p.nkeys++
			p.want |= 1 << k.field
		}
	}
	p.skipTime = owner["time"] == ""
	// slog's shape puts time, level, msg and user first: its level and
	// user are the first of their keys on the line whatever alternatives
	// the Config lists beside "level" and "user".
	p.slogFast = slices.Contains(strings.Split(c.LevelKey, ","), defaultLevelKey) &&
		slices.Contains(strings.Split(c.UserKey, ","), defaultUserKey) &&
		owner["msg"] == "" && (p.skipTime || owner["time"] == "time")
	p.nextFast = p.slogFast && p.format != JSON
	// The tail's action and latency are the first of their keys on a line
	// of its shape, whatever alternatives are listed beside them.
	p.tailAction = slices.Contains(strings.Split(c.ActionKey, ","), "action")
	// latency_ms's suffix makes milliseconds unless a unit is given.
	p.tailLatency = slices.Contains(strings.Split(c.LatencyKey, ","), "latency_ms") && (c.LatencyUnit == 0 || c.LatencyUnit == 1e6)
	p.slogTail = p.slogFast && (p.tailAction || p.tailLatency) &&
		(p.tailAction || c.ActionKey == "" && owner["action"] == "") &&
		(p.tailLatency || c.LatencyKey == "" && owner["latency_ms"] == "")
	p.timedTail = p.slogTail && p.want&(1<<fieldTime) != 0
	p.tailBoth = p.tailAction && p.tailLatency
	return p, nil
}

// A KeyError is a key list of a Config that NewParser refuses, with the
// field it was for ("level", "user", "action", "latency", "time"), so that
// a caller can name the setting it came from.
type KeyError struct {
	Field string // whose list holds the key
	Keys  string // the list as given
	Key   string // the key refused
	Other string // when the key is also in another field's list: that field
	Err   error  // why the key itself is refused, when Other is empty
}

func (e *KeyError) Error() string {
	if e.Other != "" {
		return fmt.Sprintf("%q is both a %s key and a %s key: each needs keys of its own", e.Key, e.Other, e.Field)
	}
	return fmt.Sprintf("%s key %q: %v", e.Field, e.Keys, e.Err)
}

func (e *KeyError) Unwrap() error { return e.Err }

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
// twelve words went through memory on every line.
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
		p.readJSON = true
		kind = p.parseJSON(line, rec)
	case p.format == JSON:
		kind = Malformed // rec is cleared below
	default:
		p.readJSON = false
		kind = p.parseText(line, rec)
	}
	if kind != Event {
		*rec = Record{}
	}
	return kind
}
