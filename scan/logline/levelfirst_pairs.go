package logline

// The fields that end a level-first line: logfmt pairs after a raw message,
// or zap's JSON object.
//
// A raw message (klog's printf style, hclog, logrus, zerolog's and charm's
// console, slog's default logger) is written as it is, so it may hold
// `key=value` text itself. The pairs are the longest run at the end of the
// line in which every token is a well-formed pair:
//
//	pairs = pair *(1*SP pair)          ; reaching the end of the line
//	pair  = key "=" value              ; "=" required: a bare word is message
//	key   = 1*(any byte except SP, "=", DQUOTE)
//	value = quoted / bare              ; as in logfmt.go
//
// so `user=ghost after "timeout" user=alice` gives the user alice: the first
// user=ghost is followed by words that are not pairs.

import "bytes"

// pairAt returns the end of the key and of the pair that start at s[i],
// or e = -1 when no well-formed pair starts there.
func pairAt(s []byte, i int) (k, e int) {
	k = keyEnd(s, i) // a word at a time, as parseLogfmt
	if k == i || k == len(s) || s[k] != '=' {
		return k, -1
	}
	v := k + 1
	if v < len(s) && s[v] == '"' {
		q := closingQuote(s, v+1)
		if q < 0 || q+1 < len(s) && s[q+1] != ' ' {
			return k, -1
		}
		return k, q + 1
	}
	return k, bareEnd(s, v)
}

// nextPair returns the start of the pair after the one that ends at s[e],
// or len(s) at the end of the line, or -1 when something other than spaces
// follows the pair.
func nextPair(s []byte, e int) int {
	if e == len(s) {
		return e
	}
	if s[e] != ' ' {
		return -1
	}
	for e < len(s) && s[e] == ' ' {
		e++
	}
	return e
}

// pairsFrom reads into rec, which holds the fields in found already, the
// run of pairs that ends s, searched from s[i], which starts a word, and
// returns where the run starts: len(s) when there is none.
//
// Each word that starts a pair is a candidate, left to right; the first
// whose run reaches the end wins, its fields read on the way (a run that
// fails gives back what it read). A run that fails marks its pair starts
// in p.pairFail, and a later run that lands on one stops there: so each
// byte is read a bounded number of times however the message is made, not
// once per candidate.
//
// A quoted value is unquoted as Go quotes it (zerolog, logrus, klog, slog),
// or as hclog and charm do when lenient: they escape '"' but not '\\', so
// a backslash that starts none of the escapes they write is itself. A
// Go-quoted value with an escape Go cannot write is read leniently too: the
// line is of a known shape, and its record counts.
func (p *Parser) pairsFrom(s []byte, i int, rec *Record, found uint8, lenient bool) int {
	saved, scratch := *rec, len(p.scratch)
	marked := false
	for c := i; c < len(s); {
		if _, e := pairAt(s, c); e >= 0 {
			if p.readRun(s, c, rec, found, lenient, marked) {
				return c
			}
			*rec, p.scratch = saved, p.scratch[:scratch]
			if !marked {
				p.clearPairFail(len(s))
				marked = true
			}
			p.markRun(s, c)
		}
		// The next word.
		j := bytes.IndexByte(s[c:], ' ')
		if j < 0 {
			break
		}
		c += j
		for c < len(s) && s[c] == ' ' {
			c++
		}
	}
	return len(s)
}

// readRun reads the pairs from s[c] into rec, and says whether they run to
// the end of s.
func (p *Parser) readRun(s []byte, c int, rec *Record, found uint8, lenient, marked bool) bool {
	for c < len(s) {
		if marked && p.pairFail[c/64]&(1<<(c%64)) != 0 {
			return false
		}
		k, e := pairAt(s, c)
		if e < 0 {
			return false
		}
		if found != p.want {
			if kn := p.keyOf(s, c, k-c, wordAt(s, c), found); kn != nil {
				found |= 1 << kn.field
				v := s[k+1 : e]
				if len(v) > 0 && v[0] == '"' {
					v = p.unquoteValue(v[1:len(v)-1], lenient)
				}
				p.takeValue(rec, kn, v)
			}
		}
		if c = nextPair(s, e); c < 0 {
			return false
		}
	}
	return true
}

// markRun marks the pair starts of the failed run from s[c].
func (p *Parser) markRun(s []byte, c int) {
	for c >= 0 && c < len(s) {
		bit := uint64(1) << (c % 64)
		if p.pairFail[c/64]&bit != 0 {
			return // marked by an earlier run, and so is the rest
		}
		p.pairFail[c/64] |= bit
		_, e := pairAt(s, c)
		if e < 0 {
			return
		}
		c = nextPair(s, e)
	}
}

func (p *Parser) clearPairFail(n int) {
	words := n/64 + 1
	if cap(p.pairFail) < words {
		p.pairFail = make([]uint64, words)
		return
	}
	p.pairFail = p.pairFail[:words]
	clear(p.pairFail)
}

// unquoteValue returns the content of a quoted value, given without its
// quotes, as pairsFrom says.
func (p *Parser) unquoteValue(v []byte, lenient bool) []byte {
	if !lenient {
		start := len(p.scratch)
		if u, ok := p.unquoteGo(v); ok {
			return u
		}
		p.scratch = p.scratch[:start]
	}
	return p.unquoteLenient(v)
}

// jsonFields reads the members of the JSON object s, which must be all of
// s, as parseJSON does but with no level required: zap's console encoder
// ends a line with its fields as one.
func (p *Parser) jsonFields(s []byte, rec *Record, found uint8) bool {
	if len(s) == 0 || s[0] != '{' {
		return false
	}
	i := skipJSONSpace(s, 1)
	if i < len(s) && s[i] == '}' {
		return skipJSONSpace(s, i+1) == len(s)
	}
	for {
		if i >= len(s) || s[i] != '"' {
			return false
		}
		end, plain := jsonStringEnd(s, i+1)
		if end < 0 {
			return false
		}
		kn, ok := p.matchJSONKey(s[i+1:end], plain, found)
		if !ok {
			return false
		}
		i = skipJSONSpace(s, end+1)
		if i >= len(s) || s[i] != ':' {
			return false
		}
		if i = skipJSONSpace(s, i+1); i >= len(s) {
			return false
		}
		if kn == nil {
			i, ok = p.skipJSONValue(s, i)
		} else {
			found |= 1 << kn.field
			i, ok = p.takeJSON(rec, kn, s, i)
		}
		if !ok {
			return false
		}
		i = skipJSONSpace(s, i)
		if i < len(s) && s[i] == ',' {
			i = skipJSONSpace(s, i+1)
			continue
		}
		return i < len(s) && s[i] == '}' && skipJSONSpace(s, i+1) == len(s)
	}
}

// unquoteLenient returns the content of a value quoted by hclog or charm
// (writeEscapedForOutput), without its quotes: v itself when it holds no
// backslash, else its unquoted form in p.scratch.
func (p *Parser) unquoteLenient(v []byte) []byte {
	if bytes.IndexByte(v, '\\') < 0 {
		return v
	}
	start := len(p.scratch)
	for {
		b := bytes.IndexByte(v, '\\')
		if b < 0 {
			p.scratch = append(p.scratch, v...)
			break
		}
		p.scratch = append(p.scratch, v[:b]...)
		v = v[b:]
		n := lenientEscape(v)
		if n == 0 {
			p.scratch = append(p.scratch, '\\')
			v = v[1:]
			continue
		}
		var ok bool
		if p.scratch, ok = appendUnquotedGo(p.scratch, v[:n]); !ok {
			p.scratch = append(p.scratch, v[:n]...) // \u naming no rune: as written
		}
		v = v[n:]
	}
	return p.scratch[start:len(p.scratch):len(p.scratch)]
}

// lenientEscape returns the length of the escape hclog writes that starts
// v, or 0 when v starts with a backslash that is itself.
func lenientEscape(v []byte) int {
	if len(v) < 2 {
		return 0
	}
	digits := 0
	switch v[1] {
	case '"', 'a', 'b', 'f', 'n', 'r', 't', 'v':
		return 2
	case 'x':
		digits = 2
	case 'u':
		digits = 4
	case 'U':
		digits = 8
	default:
		return 0
	}
	if _, ok := parseHex(v[2:], digits); !ok {
		return 0
	}
	return 2 + digits
}
