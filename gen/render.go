package gen

// Rendering: the pieces of text that repeat from line to line, encoded
// once in the generator's format, and renderBatch, which copies them into
// a batch's buffer with stores of fixed width.

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
)

// pieces are the parts of the lines that repeat, encoded once in the
// generator's format with the helpers of AppendLine. A user's line is
//
//	head msText[ms] userHead[slot][msg] names[user%992] roundText[user/992]
//	    actionTail[action] latText
//
// where head (line start, time key, date and time) changes once a second,
// msText is the fraction of the second and what closes the time value,
// names holds first.last, roundText the round's digits (none in round 0),
// actionTail the domain, closing quote, action attribute and latency key,
// and latText (in the generator's latency tables) the latency and lineEnd.
// A system job's line is
//
//	head msText[ms] jobHead[slot][job] latText
//
// so that rendering a line is a few copies, with no quoting decisions.
//
// Every piece is copied with one store of fixed width into the buffer's
// spare room, then the end moves on by the piece's length; the next piece
// overwrites what the store wrote past it. A store of a whole array is a
// few vector moves where append of a slice calls memmove, and the length
// is known without a branch (docs/performance.md has the gain).
type pieces struct {
	userHead   [numSlots][1 + len(trickyMsg)]piece // level, msg (see lineDraw.msg), user key, opening quote
	actionTail []piece                             // domain, closing quote, action attribute, latency key
	jobHead    [numSlots][]piece                   // level, msg, component attribute, latency key
	names      [len(firstNames) * len(lastNames)]name
	roundText  []word     // by user/992: the round's digits, none for round 0
	msText     [1000]word // by millisecond: fraction of the second, end of the time value
}

// pieceWidth is the width of a piece's store, enough for all but the
// tricky messages and a few of JSON's job heads.
const pieceWidth = 64

// A line is rendered into a lineBuf, the buffer's spare room viewed as an
// array. Every store masks its offset with lineMask: newPieces checks that
// no line comes near it, so the mask changes nothing, but it tells the
// compiler that the store fits the array, and the stores go without
// bounds checks.
const (
	lineMask = 511
	lineCap  = lineMask + 1 + pieceWidth
)

type lineBuf = [lineCap]byte

// A piece is up to pieceWidth bytes of text, stored with one copy of the
// padded array, or a longer text copied as a slice.
type piece struct {
	pad  [pieceWidth]byte
	n    int
	long []byte // the text when it does not fit pad, else nil
}

func newPiece(text []byte) piece {
	p := piece{n: len(text)}
	if len(text) > pieceWidth {
		p.long = text
	} else {
		copy(p.pad[:], text)
	}
	return p
}

// put writes p at l[k:] and returns the end of p.
func (p *piece) put(l *lineBuf, k int) int {
	k &= lineMask
	if p.long != nil {
		return k + copy(l[k:], p.long)
	}
	*(*[pieceWidth]byte)(l[k:]) = p.pad
	return k + p.n
}

// A name is up to 31 bytes of text padded to 32, with its length in the
// last byte. (A field, not the array itself: the compiler copies a
// dereferenced array pointer, which may overlap, with memmove.)
type name struct{ text [32]byte }

func (p *name) put(l *lineBuf, k int) int {
	k &= lineMask
	*(*[32]byte)(l[k:]) = p.text
	return k + int(p.text[31])
}

// A word is up to 7 bytes of text in the low bytes of a little-endian
// uint64, with the length in the top byte: one 8-byte store writes it. The
// zero word is the empty text.
type word uint64

// newWord returns text as a word, or false if it is longer than 7 bytes.
func newWord(text []byte) (word, bool) {
	if len(text) > 7 {
		return 0, false
	}
	var a [8]byte
	copy(a[:], text)
	a[7] = byte(len(text))
	return word(binary.LittleEndian.Uint64(a[:])), true
}

func (w word) put(l *lineBuf, k int) int {
	k &= lineMask
	binary.LittleEndian.PutUint64(l[k:], uint64(w))
	return k + int(w>>56)
}

func mustWord(text []byte) word {
	w, ok := newWord(text)
	if !ok {
		panic("gen: " + string(text) + " does not fit a word")
	}
	return w
}

func newPieces(f Format, users int) *pieces {
	// An address needs no quoting or escaping, so its encoded form is the
	// address between quote and quote, which the pieces around it carry.
	quote := ""
	if f == JSON {
		quote = `"`
	}
	p := new(pieces)
	longest := pieceWidth
	add := func(text []byte) piece {
		longest = max(longest, len(text))
		return newPiece(text)
	}
	for slot, level := range levels {
		for msg := range p.userHead[slot] {
			b := appendSep(nil, f)
			b = appendLevelMsg(b, level, userMsgOf(slot, msg), f)
			b = appendKey(b, UserKey, f)
			p.userHead[slot][msg] = add(append(b, quote...))
		}
		for _, job := range jobs {
			b := appendSep(nil, f)
			b = appendLevelMsg(b, level, job.msg, f)
			b = appendKey(b, "component", f)
			b = appendString(b, job.name, f)
			p.jobHead[slot] = append(p.jobHead[slot], add(appendKey(b, LatencyKey, f)))
		}
	}
	for _, a := range actions {
		b := append([]byte(userDomain+quote), appendKey(nil, ActionKey, f)...)
		b = appendString(b, a.name, f)
		p.actionTail = append(p.actionTail, add(appendKey(b, LatencyKey, f)))
	}
	for i := range p.names {
		b := append([]byte(firstNames[i%len(firstNames)]), '.')
		b = append(b, lastNames[i%len(lastNames)]...)
		t := &p.names[i].text
		if len(b) >= len(t) {
			panic("gen: name " + string(b) + " too long")
		}
		copy(t[:], b)
		t[len(t)-1] = byte(len(b))
	}
	p.roundText = make([]word, (users-1)/len(p.names)+1)
	for round := 1; round < len(p.roundText); round++ {
		p.roundText[round] = mustWord(appendUint(nil, uint64(round)))
	}
	for ms := range p.msText {
		p.msText[ms] = mustWord(appendTimeEnd(nil, ms*1e6, f))
	}
	// The longest line: head, msText, two pieces, a name, a round, and a
	// latency of 20 digits and lineEnd.
	if n := 32 + 7 + 2*longest + 31 + 7 + 22; n > lineMask {
		panic("gen: lines may reach " + strconv.Itoa(n) + " bytes, more than lineMask")
	}
	return p
}

// latencyTexts returns the latencies of tables as words holding the
// digits and lineEnd, or 0 when that does not fit a word.
func latencyTexts(tables [][latencySteps]int32, f Format) [][latencySteps]word {
	texts := make([][latencySteps]word, len(tables))
	for i := range tables {
		for k, ms := range tables[i] {
			texts[i][k], _ = newWord(appendLineEnd(appendUint(nil, uint64(ms)), f))
		}
	}
	return texts
}

// renderBatch appends the lines of batch b to dst, counts them into t and
// returns the extended buffer. The batch's randomness depends only on the
// seed and b. Each line is the line of its lineDraw d, equal to
// AppendLine(nil, g.event(d), g.format), rendered from the generator's
// pieces into the buffer's spare room.
func (g *generator) renderBatch(dst []byte, b int64, t *tally) []byte {
	first := b * batchLines
	end := min(first+batchLines, g.records)
	var r rand.PCG
	r.Seed(batchSeed(g.seed, b))
	p := g.pieces
	// head[:headLen] is the start of the lines in the second that starts
	// at secMS: the line start, time key, date and time, at most 28 bytes.
	// Lines are about 2 ms apart, so some 500 in a row share it, and
	// formatting a date costs as much as the rest of the line.
	// No line is in the second of secMS, so the first one sets head: for
	// d.ms in years 1 to 9999, uint64(d.ms-secMS) wraps to some 2⁶³.
	var head [32]byte
	headLen, secMS := 0, int64(math.MinInt64)
	buf, n := dst, len(dst) // lines go to buf[n:cap(buf)]
	var block [64]lineDraw
	for start := first; start < end; start += int64(len(block)) {
		ds := block[:min(int64(len(block)), end-start)]
		g.drawLines(ds, &r, start)
		for i := range ds {
			d := &ds[i]
			if n+lineCap > cap(buf) {
				buf = slices.Grow(buf[:n], max(lineCap, n))
			}
			l := (*lineBuf)(buf[n : n+lineCap])
			ms := d.ms - secMS
			if uint64(ms) >= 1000 {
				sec := d.ms / 1000
				if d.ms%1000 < 0 { // before 1970
					sec--
				}
				headLen = len(g.appendHead(head[:0], sec))
				secMS = sec * 1000
				ms = d.ms - secMS
			}
			*(*[32]byte)(l[:]) = head
			k := p.msText[ms].put(l, headLen)
			if d.user < 0 {
				k = p.jobHead[d.slot][d.act].put(l, k)
				t.noUser[d.slot]++
				t.steps[d.step&(len(t.steps)-1)]++
			} else {
				k = p.userHead[d.slot][d.msg].put(l, k)
				u := uint(d.user) // unsigned: name needs no bounds check (331 to 329)
				round, name := u/uint(len(p.names)), u%uint(len(p.names))
				k = p.names[name].put(l, k)
				k = p.roundText[round].put(l, k)
				k = p.actionTail[d.act].put(l, k)
				t.users[d.user]++
				t.actions[d.levelAct&(len(t.actions)-1)]++
				t.steps[d.step&(len(t.steps)-1)]++
			}
			if d.latText != 0 {
				k = d.latText.put(l, k)
			} else {
				k = g.putLatency(l, k, d)
			}
			n += k
			t.levels[d.slot]++
		}
		t.lastMS = max(t.lastMS, ds[len(ds)-1].ms)
	}
	return buf[:n]
}

// putLatency writes the latency of d and lineEnd at l[k:] when they do
// not fit a word, and returns their end. (Out of renderBatch's loop, where
// it would hold g.format in a register.)
func (g *generator) putLatency(l *lineBuf, k int, d *lineDraw) int {
	// Within l's capacity: append does not reallocate.
	return len(appendLineEnd(appendUint(l[:k&lineMask], uint64(g.latency(d))), g.format))
}

// appendHead appends the start of a line in second sec: the line start,
// time key, date and time.
func (g *generator) appendHead(b []byte, sec int64) []byte {
	b = appendLineStart(b, g.format)
	b = appendTimeKey(b, g.format)
	return appendDateTime(b, sec)
}
