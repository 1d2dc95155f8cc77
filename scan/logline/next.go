package logline

import (
	"bytes"
	"encoding/binary"
	"math/bits"
)

// Next parses the first line of b, the bytes before its first '\n', exactly
// as Parse parses it (but a line that starts with a digit, perhaps framed,
// and any line while NextAny holds a framed record open, is Malformed, for
// NextAny), and returns the line's length with its '\n': where the
// next line starts. When b holds no '\n' it returns 0 and rec holds
// nothing of use: the line is unfinished, and the caller, once it knows
// the line is the last, gives it to Parse.
//
// Finding a line's end and parsing the line are one pass over slog's lines,
// the one reader of their shape,
//
//	time=<24 bytes> level=<bare> msg=<quoted> user=<bare> …
//
// with no byte below '!' in the time, the level and the user (so none of
// them runs past the '\n'), no '\n' in the msg, and a user of at most 31 bytes. Only the rest of the line,
// after the last field taken, is searched for the '\n'. Cutting the line
// first with bytes.IndexByte and then parsing it read every byte before the
// user twice (docs/performance.md has the cost). Any other line, and
// a line that holds the same bytes up to its user's end but a '\r', a tab
// or a control byte there, which Parse would trim or read otherwise, goes
// to nextSlow. What follows the user, when more fields are taken, is read
// by nextSlogTail or else by parseLogfmt, as parseText does.
func (p *Parser) Next(b []byte, rec *Record) (int, Kind) {
	// esc is true in nextEscaped, this function generated for a line
	// inside a JSON string (next_escaped.go): the code for the other mode
	// is dropped from each at compile time.
	const esc = false
	// The head of the line, time to msg, and then the user, are read
	// through array pointers at fixed offsets, which need no bounds
	// checks: slicing b for every word cost more than the words' tests.
	const (
		timeWord  = uint64('t') | 'i'<<8 | 'm'<<16 | 'e'<<24 | '='<<32
		timeMask  = 1<<40 - 1
		levelWord = uint64('l') | 'e'<<8 | 'v'<<16 | 'e'<<24 | 'l'<<32 | '='<<40
		msgWord   = uint64(' ') | 'm'<<8 | 's'<<16 | 'g'<<24 | '='<<32 | '"'<<40
		userWord  = uint64(' ') | 'u'<<8 | 's'<<16 | 'e'<<24 | 'r'<<32 | '='<<40
		sixBytes  = 1<<48 - 1
		// escMsgWord is msgWord in a JSON string.
		escMsgWord = uint64(' ') | 'm'<<8 | 's'<<16 | 'g'<<24 | '='<<32 | '\\'<<40 | '"'<<48
		sevenBytes = 1<<56 - 1
		levelAt    = len(slogTimePair) + len(" level=") // 36
		// headView holds the time, the level, " msg=" and 24 bytes of
		// the msg, and more.
		headView = 96
		// userView is msg's closing quote, " user=" and 32 bytes.
		userAt   = len(`" user=`)
		userView = userAt + 32
	)
	if !p.nextFast || len(b) < headView {
		if esc {
			return 0, 0
		}
		return p.nextSlow(b, rec)
	}
	h := (*[headView]byte)(b)
	if esc {
		// A time's bytes, '+' to 'Z', hold no SP, quote, backslash or
		// high byte.
		if le64(h[0:])&timeMask != timeWord || h[29] != ' ' ||
			outsideTime(le64(h[5:]))|outsideTime(le64(h[13:]))|outsideTime(le64(h[21:])) != 0 ||
			le64(h[30:])&sixBytes != levelWord {
			return 0, 0
		}
	} else if le64(h[0:])&timeMask != timeWord || h[5] == '"' || h[29] != ' ' ||
		belowBang(le64(h[5:]))|belowBang(le64(h[13:]))|belowBang(le64(h[21:])) != 0 ||
		le64(h[30:])&sixBytes != levelWord {
		return p.nextSlow(b, rec)
	}
	var m uint64
	if esc {
		m = escEnd(le64(h[levelAt:]))
	} else {
		m = belowBang(le64(h[levelAt:]))
	}
	if m == 0 || h[levelAt] == '"' {
		if esc {
			return 0, 0
		}
		return p.nextSlow(b, rec)
	}
	e := levelAt + firstMarked(m) // the level has one to seven bytes
	if esc {
		if e == levelAt || le64(h[e:])&sevenBytes != escMsgWord {
			return 0, 0
		}
	} else if e == levelAt || le64(h[e:])&sixBytes != msgWord {
		return p.nextSlow(b, rec)
	}
	level := b[levelAt:e]
	// The msg's closing quote, most often in its first 24 bytes: with 16,
	// gen's longer messages ("slow user action", "user action failed")
	// went on to plainQuoteEnd through a mispredicted branch.
	j := e + len(` msg="`)
	if esc {
		j++ // \"
	}
	v := (*[24]byte)(h[j:])
	var q int
	if esc {
		// The msg's first backslash, quote or newline must be its
		// closing \": q is that quote, as in the bare line.
		marks := packMarks(escMsgStops(le64(v[0:]))) | packMarks(escMsgStops(le64(v[8:])))<<8 |
			packMarks(escMsgStops(le64(v[16:])))<<16
		k := j + bits.TrailingZeros64(marks)
		if marks == 0 {
			if k = escMsgMark(b, j+24); k < 0 {
				return 0, 0
			}
		}
		if len(b)-k < userView+1 || binary.LittleEndian.Uint16(b[k:]) != '\\'|'"'<<8 {
			return 0, 0
		}
		q = k + 1
	} else {
		if marks := packMarks(quoteOrNewline(le64(v[0:]))) | packMarks(quoteOrNewline(le64(v[8:])))<<8 |
			packMarks(quoteOrNewline(le64(v[16:])))<<16; marks != 0 {
			q = quoteAt(b, j+bits.TrailingZeros64(marks))
		} else {
			q = plainQuoteEnd(b, j+24)
		}
		if q < 0 {
			q = msgEnd(b, j)
		}
		if q < 0 || len(b)-q < userView {
			return p.nextSlow(b, rec)
		}
	}
	u := (*[userView]byte)(b[q:])
	if le64(u[1:])&sixBytes != userWord || u[userAt] == '"' {
		if esc {
			return 0, 0
		}
		if u[1] == ' ' && le64(u[1:])&sixBytes != userWord {
			// A key other than the user after the msg (gen's
			// `component=` lines): the pairs after the msg are read as
			// logfmt, as nextAfterTail reads those after the user.
			// nextSlow read the whole line again, and its logfmt
			// reader's mispredicted branches, on 2 % of gen's lines,
			// cost more than the other 98 % of lines had mispredicted
			// in all (docs/performance.md). Written out here, not a
			// call: profile-guided optimisation inlined it, and finds a
			// hot call by its line in the function.
			rec.Level, rec.User, rec.Action = level, nil, nil
			rec.Latency, rec.Time, rec.Has = 0, 0, 0
			found := uint8(1 << fieldLevel)
			if p.want&(1<<fieldTime) != 0 {
				found |= 1 << fieldTime
				p.nextSlogTime((*[24]byte)(h[len("time="):]), rec)
			}
			return p.nextAfterTail(b, q+1, rec, found)
		}
		return p.nextSlow(b, rec)
	}
	// The user ends at the first byte below '!' in the next 32, which
	// must be a SP or the '\n' (in a JSON string, the backslash of \n"); a
	// longer user is left to nextSlow.
	var marks uint64
	if esc {
		marks = packMarks(escEnd(le64(u[userAt:]))) | packMarks(escEnd(le64(u[userAt+8:])))<<8 |
			packMarks(escEnd(le64(u[userAt+16:])))<<16 | packMarks(escEnd(le64(u[userAt+24:])))<<24
	} else {
		marks = packMarks(belowBang(le64(u[userAt:]))) | packMarks(belowBang(le64(u[userAt+8:])))<<8 |
			packMarks(belowBang(le64(u[userAt+16:])))<<16 | packMarks(belowBang(le64(u[userAt+24:])))<<24
	}
	if marks&1 != 0 || marks == 0 {
		if esc {
			return 0, 0
		}
		return p.nextSlow(b, rec)
	}
	i := q + userAt
	e = i + bits.TrailingZeros64(marks)
	if esc {
		if b[e] != ' ' && !escLineEnd(b, e) {
			return 0, 0
		}
	} else if b[e] != ' ' && b[e] != '\n' {
		return p.nextSlow(b, rec)
	}
	// Field by field: a Record literal was built on the stack and then
	// copied.
	rec.Level, rec.User, rec.Action = level, b[i:e], nil
	rec.Latency, rec.Time, rec.Has = 0, 0, 0
	found := uint8(1<<fieldLevel | 1<<fieldUser)
	// The time, when taken, is read here or else, when nextSlogTail
	// reads on, by it: one call for both.
	var tailTime *[40]byte
	if p.want&(1<<fieldTime) != 0 {
		found |= 1 << fieldTime
		// Every metric's line, tested first: the tests below cost it 20
		// instructions.
		if p.timedTail && b[e] == ' ' {
			if end := p.nextSlogTail(b, e, (*[40]byte)(h[len("time="):]), rec); end > 0 {
				return end, Event
			}
			if esc {
				return 0, 0
			}
			return p.nextAfterTail(b, e, rec, found)
		}
		if t := (*[40]byte)(h[len("time="):]); !p.slogTail || found == p.want || b[e] == '\n' || esc && b[e] != ' ' {
			p.nextSlogTime((*[24]byte)(t[:24]), rec)
		} else {
			tailTime = t
		}
	}
	if esc {
		if b[e] != ' ' {
			return e + len(`\n"`), Event
		}
		if found == p.want {
			if end := escLineRest(b, e); end > 0 {
				return end, Event
			}
			return 0, 0
		}
		if p.slogTail {
			if end := p.nextSlogTail(b, e, tailTime, rec); end > 0 {
				return end, Event
			}
		}
		return 0, 0
	}
	if b[e] == '\n' {
		return e + 1, Event
	}
	if found == p.want {
		if len(b)-e >= 64 {
			if k := newlineIn64((*[64]byte)(b[e:])); k < 64 {
				return e + k + 1, Event
			}
		}
		nl := bytes.IndexByte(b[e:], '\n')
		if nl < 0 {
			return p.nextSlow(b, rec)
		}
		return e + nl + 1, Event
	}
	if p.slogTail {
		if end := p.nextSlogTail(b, e, tailTime, rec); end > 0 {
			return end, Event
		}
	}
	return p.nextAfterTail(b, e, rec, found)
}

// nextAfterTail is Next on a line of slog's shape whose fields after the
// user, from b[e], nextSlogTail did not read or does not take: it cuts the
// line and reads the rest as logfmt. found holds the fields read so far.
func (p *Parser) nextAfterTail(b []byte, e int, rec *Record, found uint8) (int, Kind) {
	nl := bytes.IndexByte(b[e:], '\n')
	if nl < 0 {
		return p.nextSlow(b, rec)
	}
	end := e + nl + 1
	line := b[:end-1]
	if k := len(line); line[k-1] == '\r' {
		line = line[:k-1]
	}
	line = trimSpaceAndTab(line) // b[0] is 't': only the end is trimmed
	if e == len(line) {
		return end, Event
	}
	kind := p.afterSlogUser(line, e, rec, found)
	if kind != Event {
		*rec = Record{} // as Parse leaves it
		p.last = b[:end-1]
	}
	return end, kind
}

// nextSlogTime reads the time as takeSlogTime does, from Next's view of
// the line's head: the minute cache's hit without a bounds check. It is a
// call of its own: inlined, its registers cost the seed's counters, which
// take no time.
func (p *Parser) nextSlogTime(v *[24]byte, rec *Record) {
	if ns, ok := p.minute.readMillis24(v); ok {
		rec.Time, rec.Has = ns, HasTime
		return
	}
	p.readSlogTime(v[:], rec)
}

// nextSlow is Next on a line its fast path does not take: it cuts the line
// at its '\n' and parses it with Parse.
func (p *Parser) nextSlow(b []byte, rec *Record) (int, Kind) {
	if p.want == 0 {
		*p = defaultParser()
	}
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return 0, Blank
	}
	if i > 0 && b[0]-'0' < 10 || p.anyOpen {
		// A time first may frame the line (CRI, a time prefix), which
		// Parse would read unframed: the caller's ParseAny reads it, as
		// NextAny would where Detect saw one, so no count hangs on that.
		// While a framed record is open every line goes there, as the
		// line may end it.
		*rec = Record{}
		p.last = b[:i]
		return i + 1, Malformed
	}
	kind := p.Parse(b[:i], rec)
	if kind != Event {
		p.last = b[:i]
	}
	if p.readJSON && kind != Malformed && kind != Blank {
		p.jsonLines++
	}
	return i + 1, kind
}

// JSONLines is how many lines Next has read as JSON, neither blank nor
// malformed: its fast path reads only logfmt, so a caller that counts the
// lines Next read tells the two forms apart by the growth of this count
// (less what a framed line's body, read through Next, added to it).
func (p *Parser) JSONLines() int64 { return p.jsonLines }

// LastLine is the line, without its '\n', that Next last found not to be
// an Event: so that a caller reads it again (ParseAny) without keeping
// every line's bounds in its loop.
func (p *Parser) LastLine() []byte { return p.last }

// nextSlogTail reads what gen writes after the user, from b[i] (the SP
// after the user's value), when it ends the line, and then the time from t,
// when t is not nil, as nextSlogTime does (and so on every return):
//
//	SP "action=" <bare, 1 to 32 bytes> SP "latency_ms=" <1 to 7 digits> SP or '\n'
//
// and returns the index after the line's '\n', or 0 for anything else (and
// for a line with no '\n', or fewer than 64 bytes from b[i]), which Next
// then reads as parseText does. As in parseLogfmt, nothing after the
// latency can change the record.
//
// It stays a call of its own: inlined into Next by profile-guided
// optimisation, its registers cost the seed's counters, which take no tail.
//
// With esc (nextSlogTailEscaped) the action ends at a quote, a backslash or a
// high byte as well (then no latency follows it), and the line at \n".
//
//go:noinline
func (p *Parser) nextSlogTail(b []byte, i int, t *[40]byte, rec *Record) int {
	const esc = false // true in nextSlogTailEscaped
	const (
		actionWord  = uint64(' ') | 'a'<<8 | 'c'<<16 | 't'<<24 | 'i'<<32 | 'o'<<40 | 'n'<<48 | '='<<56
		latencyWord = uint64(' ') | 'l'<<8 | 'a'<<16 | 't'<<24 | 'e'<<32 | 'n'<<40 | 'c'<<48 | 'y'<<56
		latencyEnd  = uint32('_') | 'm'<<8 | 's'<<16 | '='<<24
		actionAt    = len(" action=")
		latencyAt   = len(" latency_ms=")
		// The latency's key and 8 bytes from the action's end.
		latencyView = latencyAt + 8
	)
	// One fixed view holds both fields: an action of 32 bytes, the
	// latency's key and 8 bytes end 60 bytes in. Slicing b for each
	// field cost a bounds check and a length per slice.
	if len(b)-i < 64 {
		return p.noTail(t, rec)
	}
	v := (*[64]byte)(b[i:])
	if le64(v[0:]) != actionWord || v[actionAt] == '"' {
		return p.noTail(t, rec)
	}
	// The action ends at its first byte below '!' (belowBang's first
	// mark is exact), most often within its first 16 bytes: found there
	// with no branch on which word holds it (firstMarked of no mark is
	// 8), as a loop's exit was mispredicted on about half of gen's lines.
	var k int
	if esc {
		k = actionAt + bits.TrailingZeros16(uint16(packMarks(escEnd(le64(v[actionAt:])))|
			packMarks(escEnd(le64(v[actionAt+8:])))<<8))
	} else {
		k = actionAt + bits.TrailingZeros16(uint16(packMarks(belowBang(le64(v[actionAt:])))|
			packMarks(belowBang(le64(v[actionAt+8:])))<<8))
	}
	// One test for an action of 1 to 15 bytes, the most common.
	if uint(k-actionAt-1) >= 15 { // empty, or no end in its first 16 bytes
		if k == actionAt {
			return p.noTail(t, rec)
		}
		for ; k < actionAt+32; k += 8 {
			m := belowBang(le64(v[k:]))
			if esc {
				m = escEnd(le64(v[k:]))
			}
			if m != 0 {
				k += firstMarked(m)
				break
			}
		}
		if k >= actionAt+32 { // no end in 32 bytes
			return p.noTail(t, rec)
		}
	}
	// k is 9 to 39: the mask, which changes nothing, lets Go prove it and
	// drop the bounds checks of the views below.
	k = actionAt + (k-actionAt)&31
	l := (*[latencyView]byte)(v[k:])
	if le64(l[0:]) != latencyWord || binary.LittleEndian.Uint32(l[8:]) != latencyEnd {
		return p.noTail(t, rec)
	}
	// The digits end at the first byte that is not one: less '0', a
	// digit's byte is 0 to 9, and any other has its high bit set, or gets
	// it when 0x76 is added (as in byteMask, the first mark is exact).
	// At most seven digits; the switch below checks the byte after them.
	x := le64(l[latencyAt:]) - lowBits*'0'
	nd := (x + lowBits*0x76 | x) & highBits
	// The top bit, set, reads eight digits as seven, and the switch
	// below refuses the eighth: no test of nd for 0.
	digits := firstMarked(nd | 1<<63)
	if digits == 0 {
		return p.noTail(t, rec)
	}
	// The shift is 8 to 56: &63 spares Go's test for 64 and more.
	ms := int64(decimalWord(x << ((64 - 8*digits) & 63)))
	end := i + k + latencyAt + digits + 1
	if esc {
		switch l[latencyAt+digits&7] { // digits is 1 to 7
		case '\\':
			if !escLineEnd(b, end-1) {
				return p.noTail(t, rec)
			}
			end += len(`n"`)
		case ' ':
			if end = escLineRest(b, end-1); end < 0 {
				return p.noTail(t, rec)
			}
		default:
			return p.noTail(t, rec)
		}
	} else {
		switch l[latencyAt+digits&7] { // digits is 1 to 7
		case '\n':
		case '\r': // CRLF, which Parse trims; a '\r' inside the line is not
			if end == len(b) || b[end] != '\n' {
				return p.noTail(t, rec)
			}
			end++
		case ' ':
			nl := bytes.IndexByte(b[end:], '\n')
			if nl < 0 {
				return p.noTail(t, rec)
			}
			end += nl + 1
		default:
			return p.noTail(t, rec)
		}
	}
	var has Has
	if p.tailBoth {
		rec.Action = v[actionAt:k] // its capacity lets actionTable read whole words
		rec.Latency, rec.Millis, has = ms*1e6, uint32(ms), HasLatency|WholeMillis
	} else {
		if p.tailAction {
			rec.Action = v[actionAt:k]
		}
		if p.tailLatency {
			rec.Latency, rec.Millis, has = ms*1e6, uint32(ms), HasLatency|WholeMillis
		}
	}
	// The time last, and any call in tail position: reading it first kept
	// every argument on the stack across nextSlogTime's call.
	if t == nil {
		rec.Has |= has
		return end
	}
	// The level, which ends where " msg=" starts 31 bytes after the time,
	// as one word with those bytes: agg need not match it again.
	if w := le64(t[31:]); levelWords[w*levelMul>>62] == w {
		rec.Slot, has = uint8(w*levelMul>>62), has|KnownLevel
	}
	if ns, ok := p.minute.sameSecond((*[24]byte)(t[:24])); ok {
		rec.Time, rec.Has = ns, has|HasTime
		return end
	}
	return p.tailTime((*[24]byte)(t[:24]), rec, has, end)
}

// tailTime is nextSlogTail's end for a time not in the cache's second: a
// call there in tail position keeps none of its values across it.
//
//go:noinline
func (p *Parser) tailTime(t *[24]byte, rec *Record, has Has, end int) int {
	p.nextSlogTime(t, rec)
	rec.Has |= has
	return end
}

// noTail is nextSlogTail's answer for a line whose tail it does not read:
// the time, when t is not nil, is read all the same, as Next then counts
// it found.
func (p *Parser) noTail(t *[40]byte, rec *Record) int {
	if t != nil {
		p.nextSlogTime((*[24]byte)(t[:24]), rec)
	}
	return 0
}

// decimalWord is the number whose eight decimal digits, values 0 to 9,
// are w's bytes, the first the most significant: pairs, then fours, then
// the eight, by three multiplications, not a multiplication per digit.
// Next shifts a shorter number's digits up, zeros before them.
func decimalWord(w uint64) uint64 {
	w = w*10 + w>>8
	w = (w & 0x00ff00ff00ff00ff) * (100<<16 + 1) >> 16
	return (w & 0x0000ffff0000ffff) * (10000<<32 + 1) >> 32
}

func le64(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }

// belowBang marks the bytes of w below '!': SP, '\n', '\r', tab and the
// other control bytes. As in byteMask, the first mark is exact and the
// ones after it may not be; a byte of 0x80 or more is never marked.
func belowBang(w uint64) uint64 {
	return (w - lowBits*'!') &^ w & highBits
}

// packMarks gathers the marks of a mask made by belowBang or byteMask into
// the low byte, bit j for byte j (x86's PMOVMSKB, by multiplication): the
// high bit of byte j moves to bit 56+j, and no two of the partial products
// meet, so nothing carries.
func packMarks(m uint64) uint64 {
	return (m >> 7) * 0x0102040810204080 >> 56
}

// plainQuoteEnd returns the index of the DQUOTE that ends the quoted string
// whose content starts at b[i], or -1 when a '\n' (or a '*' or STX, as
// quoteOrNewline marks) comes first, when the first DQUOTE has a backslash
// before it (it may be escaped: closingQuote decides), or when there is none.
func plainQuoteEnd(b []byte, i int) int {
	for ; i+8 <= len(b); i += 8 {
		if m := quoteOrNewline(le64(b[i : i+8])); m != 0 {
			return quoteAt(b, i+firstMarked(m))
		}
	}
	for ; i < len(b); i++ {
		if c := b[i] | 0x28; c == 0x2A {
			return quoteAt(b, i)
		}
	}
	return -1
}

// quoteOrNewline marks the first DQUOTE or '\n' of w, as byteMask does, and
// as well a '*' or STX before them: the four bytes that OR 0x28 makes 0x2A.
// One mask costs 5 instructions a word less than two; quoteAt refuses the
// other two bytes, and msgEnd then reads the msg.
func quoteOrNewline(w uint64) uint64 { return byteMask(w|lowBits*0x28, 0x2A) }

// quoteAt returns i if b[i] is a DQUOTE that no backslash comes before,
// else -1. b[i-1] is the opening quote at the least.
func quoteAt(b []byte, i int) int {
	if b[i] == '"' && b[i-1] != '\\' {
		return i
	}
	return -1
}

// msgEnd is the slow twin of Next's search for the msg's closing quote,
// for a msg with a backslash before a quote (`msg="say \"hi\""`): the
// quote that closes the msg whose content starts at b[j], by the parity of
// the backslashes, or -1 when a '\n' comes first.
func msgEnd(b []byte, j int) int {
	q := closingQuote(b, j)
	if q < 0 || bytes.IndexByte(b[j:q], '\n') >= 0 {
		return -1
	}
	return q
}

//go:generate go test -run ^TestNextTimedGenerated$ -update-escaped

// tailMiss is NextTimed's end for a line whose tail its written-in
// nextSlogTail does not read: noTail, and then Next's code after its call.
//
//go:noinline
func (p *Parser) tailMiss(b []byte, e int, t *[40]byte, rec *Record, found uint8) (int, Kind) {
	p.noTail(t, rec)
	return p.nextAfterTail(b, e, rec, found)
}
