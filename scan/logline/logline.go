// Package logline parses one log line, as Go's log/slog writes them (logfmt
// from TextHandler, JSON from JSONHandler), without allocating.
//
// Parse takes the level and the user from a line and says whether the line
// is an Event, Blank or Malformed. A trailing '\r' (CRLF files) is dropped
// first, then the spaces and tabs at both ends. What is left is empty
// (Blank), or a JSON object if it starts with '{', or else logfmt pairs. A
// line is an Event when it matches the grammar of its format and its level
// is not empty; anything else is Malformed.
//
// The keys taken are "level" and "user", compared byte for byte. Only the
// first occurrence of each counts: later ones are skipped like any other key.
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
// Parsing stops as soon as the first level and the first user have both
// been read: nothing after them can change the record, and a malformed line
// is one with no parsable level. So the grammar is checked up to that
// point, and on the whole line only when it lacks a level or a user. On
// slog's lines this skips the attributes after user (action, latency_ms),
// a third of the work.
// Bare values are lenient: slog quotes any value holding SP, "=", DQUOTE or
// a non-printable, but a bare value here is any run of bytes up to the next
// SP. A key cannot be quoted: slog quotes a key that is empty or holds such
// bytes, and a line with one is Malformed.
//
// A quoted level or user is unquoted as strconv.Unquote does it, with the
// escapes strconv.Quote writes: \a \b \f \n \r \t \v \\ \" \xHH, \ooo up to
// \377, and \uHHHH and \UHHHHHHHH naming a valid rune. Any other escape makes
// the line Malformed. Unlike strconv.Unquote, every byte outside an escape is
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
// Only the top-level members are looked at. Their keys, and the values taken
// as level or user, are decoded as encoding/json decodes a string: the
// escapes \" \\ \/ \b \f \n \r \t and \uXXXX, where a surrogate pair makes one
// rune and a lone surrogate becomes U+FFFD, and each byte of invalid UTF-8
// becomes U+FFFD. Any other escape in them makes the line Malformed; a raw
// control byte is kept (encoding/json would reject the line). The level must
// be a string, or the line is Malformed. The user may be a string, or a
// scalar starting with '-' or a digit (a numeric user ID), taken as its raw
// text; null, true, false, objects and arrays name no user.
package logline

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
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
	Level []byte // raw level value, unquoted; never empty for an Event
	User  []byte // unquoted user value; empty when the line names no user (or user="")
}

// Default key names.
const (
	defaultLevelKey = "level"
	defaultUserKey  = "user"
)

// Parser parses lines. The zero Parser is ready to use. A Parser is not safe
// for concurrent use: each worker owns one.
type Parser struct {
	// levelKey and userKey name the keys taken; empty means
	// defaultLevelKey and defaultUserKey (see NewParser).
	levelKey, userKey string
	// scratch holds the values that had to be unquoted in the last line.
	scratch []byte
	// nest is the stack of open '{' and '[' while a JSON value is skipped.
	// It keeps the capacity of the deepest nesting seen.
	nest []byte
}

// NewParser returns a Parser that takes the level and the user from the
// keys named, at the top level of a line; an empty name means the default,
// "level" or "user". The names must differ and be valid logfmt keys, which
// CheckKey tells.
func NewParser(levelKey, userKey string) Parser {
	if levelKey == defaultLevelKey {
		levelKey = "" // keeps the fast path for slog's own lines
	}
	if userKey == defaultUserKey {
		userKey = ""
	}
	return Parser{levelKey: levelKey, userKey: userKey}
}

// CheckKey reports why name cannot be a key to take: empty, or holding a
// space, '=' or '"', which logfmt keys cannot.
func CheckKey(name string) error {
	if name == "" {
		return errors.New("a key name cannot be empty")
	}
	if i := strings.IndexAny(name, " =\""); i >= 0 {
		return fmt.Errorf("a key name cannot hold %q", name[i])
	}
	return nil
}

// Parse parses one line. The line has no trailing '\n'; a trailing '\r' is
// ignored. Any input is safe: Parse reads only within line and never panics.
func (p *Parser) Parse(line []byte) (Record, Kind) {
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	if len(line) == 0 {
		return Record{}, Blank
	}
	if isSpaceOrTab(line[0]) || isSpaceOrTab(line[len(line)-1]) {
		line = trimSpaceAndTab(line)
		if len(line) == 0 {
			return Record{}, Blank
		}
	}
	p.scratch = p.scratch[:0]
	if line[0] == '{' {
		return p.parseJSON(line)
	}
	if p.levelKey == "" && p.userKey == "" {
		if rec, ok := parseSlogText(line); ok {
			return rec, Event
		}
	}
	return p.parseLogfmt(line)
}

// parseSlogText reads a line of exactly the shape slog's TextHandler gives
// a record in UTC with a user as its first attribute:
//
//	time=<24 bytes> level=<bare> msg=<quoted or bare> user=<bare> …
//
// and reports false for anything else, leaving it to parseLogfmt. On the
// lines it takes, its record is the one parseLogfmt would return: the
// level and user are the first of their keys, both bare and not empty, and
// parsing would stop after the user anyway. It saves matching each key
// against both names: BenchmarkParseLogfmt ran 540 instructions a line
// instead of 819 (cachegrind).
func parseSlogText(s []byte) (Record, bool) {
	i := skipSlogTime(s)
	if i == 0 || !hasPrefixAt(s, i, "level=") {
		return Record{}, false
	}
	i += len("level=")
	level := bareValue(s, i)
	if len(level) == 0 || level[0] == '"' {
		return Record{}, false
	}
	i += len(level)
	if !hasPrefixAt(s, i, " msg=") {
		return Record{}, false
	}
	i += len(" msg=")
	if i < len(s) && s[i] == '"' {
		e := closingQuote(s, i+1)
		if e < 0 {
			return Record{}, false
		}
		i = e + 1
	} else {
		i += len(bareValue(s, i))
	}
	if !hasPrefixAt(s, i, " user=") {
		return Record{}, false
	}
	i += len(" user=")
	user := bareValue(s, i)
	if len(user) == 0 || user[0] == '"' {
		return Record{}, false
	}
	return Record{Level: level, User: user}, true
}

func hasPrefixAt(s []byte, i int, prefix string) bool {
	return len(s)-i >= len(prefix) && string(s[i:i+len(prefix)]) == prefix
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
	name string
	word uint64 // the first eight bytes of name, little-endian, zero padded
	mask uint64 // the bits of word that name fills
}

func newKeyName(name string) keyName {
	k := keyName{name: name}
	for i := min(len(name), 8) - 1; i >= 0; i-- {
		k.word = k.word<<8 | uint64(name[i])
		k.mask = k.mask<<8 | 0xff
	}
	return k
}

// The words and masks of the default keys, as newKeyName makes them.
const (
	defaultLevelWord = 'l' | 'e'<<8 | 'v'<<16 | 'e'<<24 | 'l'<<32
	defaultLevelMask = 1<<40 - 1
	defaultUserWord  = 'u' | 's'<<8 | 'e'<<16 | 'r'<<24
	defaultUserMask  = 1<<32 - 1
)

// matches reports whether the key s[start:start+n], whose first eight bytes
// (as wordAt reads them) are word, is kn's name.
func (kn *keyName) matches(s []byte, start, n int, word uint64) bool {
	return n == len(kn.name) && word&kn.mask == kn.word && (n <= 8 || string(s[start:start+n]) == kn.name)
}

// keyNames returns the keys to take.
func (p *Parser) keyNames() (level, user keyName) {
	level = keyName{defaultLevelKey, defaultLevelWord, defaultLevelMask}
	user = keyName{defaultUserKey, defaultUserWord, defaultUserMask}
	if p.levelKey != "" {
		level = newKeyName(p.levelKey)
	}
	if p.userKey != "" {
		user = newKeyName(p.userKey)
	}
	return level, user
}

// parseLogfmt is the hot loop. s is trimmed and not empty.
//
// It reads the line a word (eight bytes) at a time: keys are short and most
// bare values are too, so one or a few words find their end where a call to
// bytes.IndexByte costs more than the search. Quoted values, which tend to be
// long, are searched with bytes.IndexByte. On the typical line of
// BenchmarkParseLogfmt this takes about a quarter less time than a
// byte-at-a-time key loop with bytes.IndexByte for every value: 1,310
// instructions a line instead of 1,710 (valgrind --tool=cachegrind), 105 ns
// instead of 145 ns on the shared 2-core build machine.
func (p *Parser) parseLogfmt(s []byte) (Record, Kind) {
	levelKey, userKey := p.keyNames()
	var rec Record
	haveLevel, haveUser := false, false
	i := 0
	if levelKey.name != "time" && userKey.name != "time" {
		i = skipSlogTime(s)
	}
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
			return Record{}, Malformed // "=" or DQUOTE where a key starts
		}
		v, e := i, i // the value is s[v:e]
		quoted := false
		if i < len(s) && s[i] == '=' {
			i++
			v = i
			if i < len(s) && s[i] == '"' {
				v = i + 1
				if e = closingQuote(s, v); e < 0 {
					return Record{}, Malformed
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
		if !haveLevel && levelKey.matches(s, k, n, keyWord) {
			haveLevel = true
			rec.Level = s[v:e]
			if quoted {
				var ok bool
				if rec.Level, ok = p.unquoteGo(rec.Level); !ok {
					return Record{}, Malformed
				}
			}
		} else if !haveUser && userKey.matches(s, k, n, keyWord) {
			haveUser = true
			rec.User = s[v:e]
			if quoted {
				var ok bool
				if rec.User, ok = p.unquoteGo(rec.User); !ok {
					return Record{}, Malformed
				}
			}
		}
		if i == len(s) || haveLevel && haveUser {
			break // the rest of the line cannot change the record
		}
		if s[i] != ' ' {
			return Record{}, Malformed // DQUOTE in a key, or a byte after a quoted value
		}
		for s[i] == ' ' { // s does not end in SP
			i++
		}
	}
	if len(rec.Level) == 0 {
		return Record{}, Malformed
	}
	return rec, Event
}

// skipSlogTime returns where the second pair of s starts when s begins
// with the time as slog writes it in UTC, `time=2026-11-26T08:00:00.123Z `,
// and 0 otherwise. The pair is not one taken, so only its grammar matters:
// a bare value of 24 bytes with no SP that does not start with DQUOTE.
// Checking that costs three word tests, where the loop below would match
// the key against both names and search the value word by word:
// BenchmarkParseLogfmt ran 819 instructions a line instead of 978
// (cachegrind).
func skipSlogTime(s []byte) int {
	const n = len("time=2026-11-26T08:00:00.123Z")
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
func (p *Parser) parseJSON(s []byte) (Record, Kind) {
	levelKey, userKey := p.keyNames()
	var rec Record
	haveLevel, haveUser := false, false
	i := skipJSONSpace(s, 1)
	if i < len(s) && s[i] == '}' {
		i++
	} else {
		for {
			if i >= len(s) || s[i] != '"' {
				return Record{}, Malformed
			}
			end, plain := jsonStringEnd(s, i+1)
			if end < 0 {
				return Record{}, Malformed
			}
			isLevel, isUser, ok := p.matchJSONKey(s[i+1:end], plain, levelKey.name, userKey.name)
			if !ok {
				return Record{}, Malformed
			}
			i = skipJSONSpace(s, end+1)
			if i >= len(s) || s[i] != ':' {
				return Record{}, Malformed
			}
			i = skipJSONSpace(s, i+1)
			if i >= len(s) {
				return Record{}, Malformed
			}
			switch {
			case isLevel && !haveLevel:
				haveLevel = true
				if s[i] != '"' {
					return Record{}, Malformed // the level is not a string
				}
				rec.Level, i, ok = p.jsonString(s, i)
			case isUser && !haveUser:
				haveUser = true
				rec.User, i, ok = p.jsonUser(s, i)
			default:
				i, ok = p.skipJSONValue(s, i)
			}
			if !ok {
				return Record{}, Malformed
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
			return Record{}, Malformed
		}
	}
	if skipJSONSpace(s, i) != len(s) || len(rec.Level) == 0 {
		return Record{}, Malformed
	}
	return rec, Event
}

// matchJSONKey says whether the raw (still escaped) key names the level or
// the user. ok is false when the key holds an invalid escape.
func (p *Parser) matchJSONKey(raw []byte, plain bool, levelKey, userKey string) (isLevel, isUser, ok bool) {
	if plain {
		return string(raw) == levelKey, string(raw) == userKey, true
	}
	start := len(p.scratch)
	p.scratch, ok = appendUnquotedJSON(p.scratch, raw)
	key := p.scratch[start:]
	p.scratch = p.scratch[:start]
	return ok && string(key) == levelKey, ok && string(key) == userKey, ok
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

// jsonUser returns the user named by the JSON value starting at s[i] and the
// index after the value: a string's content, a number's raw text, or nothing.
func (p *Parser) jsonUser(s []byte, i int) ([]byte, int, bool) {
	switch c := s[i]; {
	case c == '"':
		return p.jsonString(s, i)
	case c == '-' || '0' <= c && c <= '9':
		end, ok := p.skipJSONValue(s, i)
		if !ok {
			return nil, 0, false
		}
		return s[i:end], end, true
	}
	end, ok := p.skipJSONValue(s, i)
	return nil, end, ok
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
