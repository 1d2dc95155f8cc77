package logline

// logfmt
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

import (
	"bytes"
	"encoding/binary"
)

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

// parseLogfmt is the general logfmt loop, for the pairs that slog's own
// shape (read by Next) does not cover. It reads the pairs
// of s from s[i], which starts a key, into rec, which holds the fields in
// found already. s is trimmed and not empty.
//
// It reads the line a word (eight bytes) at a time: keys are short and most
// bare values are too, so one or a few words find their end where a call to
// bytes.IndexByte costs more than the search. Quoted values, which tend to be
// long, are searched with bytes.IndexByte. (docs/performance.md has the
// measurements.)
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
		p.noLevelOK = found&(1<<fieldLevel) == 0 // no level key, not an empty one
		return Malformed
	}
	return Event
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
