package logline

import (
	"bytes"
)

// The framings platforms wrap around a program's lines:
//
//	cri     = time SP stream SP tag SP content   ; /var/log/pods, containerd and CRI-O
//	docker  = "{" DQUOTE "log" DQUOTE ":" string "," … DQUOTE "time" DQUOTE ":" string … "}"
//	stamped = time SP line                       ; kubectl logs --timestamps, docker logs -t, CloudWatch exports
//	time    = RFC 3339, as ParseTime reads it
//	stream  = "stdout" / "stderr"
//	tag     = "F" / "P" *(":" 1*ALPHA)           ; P: a piece, the line goes on in the stream's next line
//
// A record too long for one line is cut into pieces: containerd writes
// pieces of 16 KiB tagged P and the last tagged F, and Docker's json-file
// writes entries whose log does not end in "\n" until the one that does.
// The pieces of one stream follow each other, with lines of the other
// stream maybe between them. NextAny joins them, per stream, and parses
// the record once its last piece is read; scan cuts files only where no
// record is open (OpenRecords). A line that is neither CRI nor Docker
// (plain, blank, time-prefixed: not something containerd or Docker write
// between pieces) ends every open record, as OpenRecords reads it, so that
// a file counts the same however it is cut: the records go to Closed,
// parsed as they stand, and the pieces after the line start anew.
//
// The content is parsed as a line of its own (parseInner). The framing's
// time is the record's when the content has none.

// Stream numbers, for the joins.
const (
	streamOut = iota
	streamErr
	numStreams
)

// join is one stream's open record: the pieces read so far.
type join struct {
	buf   []byte
	frame Shape
	time  int64
	timed bool
	open  bool
	line  int // the physical line of its first piece, counted by the caller
}

// frameHead is what a framed line says around its content.
type frameHead struct {
	content []byte
	raw     []byte // the framing's time, not read yet (see headTime)
	time    int64
	timed   bool
	stream  int
	partial bool
}

// criHead reads a CRI line's head. ok is false when line is not one.
func (p *Parser) criHead(line []byte) (h frameHead, ok bool) {
	sp := bytes.IndexByte(line[:min(len(line), len("2006-01-02T15:04:05.000000000-07:00")+1)], ' ')
	if sp < len("2006-01-02T15:04:05Z") || sp > len("2006-01-02T15:04:05.000000000-07:00") || line[10] != 'T' {
		return h, false
	}
	rest := line[sp+1:]
	if len(rest) < len("stdout F") {
		return h, false
	}
	const (
		stdout = uint64('s') | 't'<<8 | 'd'<<16 | 'o'<<24 | 'u'<<32 | 't'<<40 | ' '<<48
		stderr = uint64('s') | 't'<<8 | 'd'<<16 | 'e'<<24 | 'r'<<32 | 'r'<<40 | ' '<<48
	)
	switch le64(rest) & (1<<56 - 1) {
	case stdout:
		h.stream = streamOut
	case stderr:
		h.stream = streamErr
	default:
		return h, false
	}
	rest = rest[len("stdout "):]
	if len(rest) > 1 && rest[1] == ' ' && (rest[0] == 'F' || rest[0] == 'P') { // the usual tag
		h.partial = rest[0] == 'P'
		if !rfc3339Shape(line[:sp]) {
			return h, false
		}
		h.raw, h.content = line[:sp], rest[2:]
		return h, true
	}
	tagEnd := bytes.IndexByte(rest[:min(len(rest), 8)], ' ')
	if tagEnd < 0 {
		tagEnd = len(rest) // an empty F line may lose its trailing SP to trimming
	}
	switch tag := rest[:tagEnd]; {
	case len(tag) > 0 && tag[0] == 'F':
	case len(tag) > 0 && tag[0] == 'P':
		h.partial = true
	default:
		return h, false
	}
	if t := rest[:tagEnd]; len(t) > 1 && t[1] != ':' {
		return h, false
	}
	if !rfc3339Shape(line[:sp]) {
		return h, false
	}
	h.raw = line[:sp] // read only when the content has no time of its own
	h.content = rest[min(tagEnd+1, len(rest)):]
	return h, true
}

// headTime reads h's time when it has not been read yet, and says
// whether it has one.
func (p *Parser) headTime(h *frameHead) bool {
	if h.raw != nil {
		h.time, h.timed = p.frameTime(h.raw)
		h.raw = nil
	}
	return h.timed
}

// rfc3339Shape says that v has the shape of an RFC 3339 time up to its
// seconds, 2006-01-02T15:04:05, and a zone or fraction after: enough to
// tell a CRI line, whose time is read only when it is needed. Three words
// are tested at once, not nineteen bytes one by one.
func rfc3339Shape(v []byte) bool {
	if len(v) < len("2006-01-02T15:04:05Z") {
		return false
	}
	const (
		ones = 0x0101010101010101
		high = ones * 0x80
	)
	check := func(w, sepMask, sepWant uint64) uint64 {
		d := (w&^sepMask | ones*'0'&sepMask) - ones*'0' // separators made digits
		return (d|(d+ones*0x76))&high | (w&sepMask ^ sepWant)
	}
	return check(le64(v[0:]), 0xff<<32|0xff<<56, '-'<<32|'-'<<56)| // 2006-01-
		check(le64(v[8:]), 0xff<<16|0xff<<40, 'T'<<16|':'<<40)| // 02T15:04
		check(le64(v[11:]), 0xff<<16|0xff<<40, ':'<<16|':'<<40) == 0 // 15:04:05
}

// frameTime reads a framing's time through a minute cache of its own: the
// content's times, read through p.minute, would evict it on every line.
func (p *Parser) frameTime(v []byte) (int64, bool) {
	if ns, ok := p.frameMinute.read(v); ok {
		return ns, true
	}
	ns, ok := ParseTime(v)
	if ok {
		p.frameMinute.remember(v, ns)
	}
	return ns, ok
}

// parseCRI parses a CRI line as a whole record, pieces included.
func (p *Parser) parseCRI(line []byte, rec *Record) (Kind, bool) {
	h, ok := p.criHead(line)
	if !ok {
		return Malformed, false
	}
	return p.parseFramed(h, rec), true
}

// parseDocker parses a json-file line as a whole record.
func (p *Parser) parseDocker(line []byte, rec *Record) (Kind, bool) {
	h, ok := p.dockerHead(line)
	if !ok {
		return Malformed, false
	}
	return p.parseFramed(h, rec), true
}

// parseStamped parses a line that starts with an RFC 3339 time and a
// space, when what follows is a record of its own; ok is false otherwise,
// so that formats that start with a time (hclog) are tried next.
func (p *Parser) parseStamped(line []byte, rec *Record) (Kind, bool) {
	sp := bytes.IndexByte(line, ' ')
	if sp < len("2006-01-02T15:04:05Z") || sp > len("2006-01-02T15:04:05.000000000-07:00") || line[10] != 'T' {
		return Malformed, false
	}
	ns, ok := p.frameTime(line[:sp])
	if !ok {
		return Malformed, false
	}
	kind := p.parseFramed(frameHead{content: line[sp+1:], time: ns, timed: true}, rec)
	if kind != Event && kind != NoLevel {
		return Malformed, false
	}
	return kind, true
}

// parseFramed parses a framing's content and gives it the framing's time
// when it has none of its own.
func (p *Parser) parseFramed(h frameHead, rec *Record) Kind {
	kind, inner := p.parseInner(h.content, rec)
	p.innerShape = inner
	switch kind {
	case Event, NoLevel:
		if rec.Has&HasTime == 0 && p.want&(1<<fieldTime) != 0 && p.headTime(&h) {
			rec.Time, rec.Has = h.time, rec.Has&^BadTime|HasTime
		}
	case Malformed:
		if isContinuation(h.content) {
			kind = Continuation
		}
	}
	return kind
}

// NextAny reads the first line of b, which holds at least one '\n' unless
// eof says b is the input's last line, and returns its length with its
// '\n', or 0 when there is no whole line. A framed piece of a longer
// record is Partial: the record is parsed, and its kind returned, with
// its last piece. Flush gives a record whose last piece never came.
func (p *Parser) NextAny(b []byte, eof bool, rec *Record) (int, Kind, Form) {
	if len(b) > 0 && p.forced == 0 && p.format == Auto {
		if isDigit(b[0]) {
			if n, kind, form := p.nextTimed(b, rec); n > 0 {
				if p.anyOpen { // a time-prefixed line: with a join open, no CRI line reads here
					p.closeOpen()
				}
				return n, kind, form
			}
		} else if b[0] == '{' {
			if n, kind := p.nextDocker(b, rec); n > 0 {
				return n, kind, MakeForm(ShapeDocker, p.innerShape)
			}
		}
	}
	n := bytes.IndexByte(b, '\n')
	line := b
	switch {
	case n >= 0:
		line, n = b[:n], n+1
	case eof && len(b) > 0:
		n = len(b)
	case eof && p.anyOpen: // a blank line, given without its '\n'
		p.closeOpen()
		return 0, Blank, 0
	default:
		return 0, Blank, 0
	}
	if len(line) > 0 && (isDigit(line[0]) || line[0] == '{') && p.forced == 0 && p.format == Auto {
		p.dropQueued()
		if kind, form, ok := p.nextPiece(line, b[:n], rec); ok {
			return n, kind, form
		}
		if kind, ok := p.nextStamped(line, b[:n], rec); ok {
			if p.anyOpen {
				p.closeOpen()
			}
			return n, kind, MakeForm(ShapeStamped, p.innerShape)
		}
	}
	if p.anyOpen {
		p.closeOpen()
	}
	kind, form := p.ParseAny(line, rec)
	return n, kind, form
}

// closeOpen ends the records open in p.joins, which a line that is not
// framed follows: Closed parses them.
func (p *Parser) closeOpen() {
	for s := range p.joins {
		if j := &p.joins[s]; j.open {
			p.closed = append(p.closed, *j)
			var buf []byte
			if n := len(p.spareBufs); n > 0 {
				buf, p.spareBufs = p.spareBufs[n-1], p.spareBufs[:n-1]
			}
			*j = join{buf: buf}
		}
	}
	p.setAnyOpen(false)
}

// LimitPieces makes a line longer than n bytes no framed piece: NextAny
// reads it as a line that is not framed, which ends the records open, so
// that a caller that skips such lines unread (scan's -max-line) and
// ends the records there (EndOpen) counts as NextAny does. 0 is no limit.
func (p *Parser) LimitPieces(n int) {
	if p.want == 0 {
		*p = defaultParser()
	}
	p.maxPiece = n
}

// EndOpen ends the records open, as a line that is not framed does in
// NextAny, for a caller that does not give NextAny such a line (one it
// skips unread): Closed then reads them.
func (p *Parser) EndOpen() {
	if p.anyOpen {
		p.closeOpen()
	}
}

// HasClosed reports whether a record NextAny ended at a line not framed
// waits for Closed.
func (p *Parser) HasClosed() bool { return len(p.closed) > 0 }

// Closed parses the oldest record that a line not framed ended before its
// last piece came, as Flush parses one the input's end left open, and
// reports whether there was one. rec is valid until the next call that
// parses. A caller reads them after the line NextAny returned (or else
// Flush reads them first), before the next NextAny.
func (p *Parser) Closed(rec *Record) (Kind, Form, bool) {
	if len(p.closed) == 0 {
		return 0, 0, false
	}
	j := p.closed[0]
	copy(p.closed, p.closed[1:])
	p.closed = p.closed[:len(p.closed)-1]
	kind, form := p.closeJoin(&j, rec)
	p.spareBufs = append(p.spareBufs, j.buf[:0]) // rec may read it until the next parse
	return kind, form, true
}

// setAnyOpen notes whether a join is open. While one is, Next reads every
// line as its slow path does, and its slow path leaves each Malformed, for
// NextAny: a line that is not framed ends the record there too.
func (p *Parser) setAnyOpen(open bool) {
	p.anyOpen = open
	p.nextFast = !open && p.slogFast && p.format != JSON
}

// nextTimed reads the first line of b when it is a whole CRI record (an F
// line with no piece of its stream open) or a time-prefixed line, of plain
// logfmt or JSON: its head, then its content through Next, which finds the
// line's end as it parses, so the line is not searched for its '\n' first.
// It returns 0 for any other line, and for the input's last bytes. It is
// criHead, parseStamped and fastFramed made one, with no frameHead to copy
// (docs/performance.md).
func (p *Parser) nextTimed(b []byte, rec *Record) (int, Kind, Form) {
	const (
		stdoutF = uint64('s') | 't'<<8 | 'd'<<16 | 'o'<<24 | 'u'<<32 | 't'<<40 | ' '<<48 | 'F'<<56
		stderrF = uint64('s') | 't'<<8 | 'd'<<16 | 'e'<<24 | 'r'<<32 | 'r'<<40 | ' '<<48 | 'F'<<56
	)
	if len(b) < timedView {
		return 0, 0, 0
	}
	v := (*[timedView]byte)(b)
	// The SP after the time, found a word at a time by belowBang, whose
	// first mark is exact: two calls of bytes.IndexByte cost more than the
	// rest of the CRI head. Times of up to six fractional digits end in
	// the first word.
	sp := 19
	if m := belowBang(le64(v[19:])); m != 0 {
		sp += firstMarked(m)
	} else if m := belowBang(le64(v[27:])); m != 0 {
		sp = 27 + firstMarked(m)
	} else {
		sp = stampMax
	}
	if sp < len("2006-01-02T15:04:05Z") || v[sp] != ' ' {
		return 0, 0, 0
	}
	// The time's shape: its minute, most often the last prefix's
	// (stampShape), and two digits of seconds.
	if lo, hi := le64(v[0:]), le64(v[8:]); lo != p.stampMinute[0] || lo == 0 || hi != p.stampMinute[1] || v[16] != ':' {
		if !p.stampShape((*[stampView]byte)(v[:stampView])) {
			return 0, 0, 0
		}
	} else if v[17]-'0' > 9 || v[18]-'0' > 9 {
		return 0, 0, 0
	}
	off, form := sp+1, MakeForm(ShapeStamped, ShapeLogfmt)
	if w := le64(v[off:]); w == stdoutF || w == stderrF {
		if v[off+len("stdout F")] != ' ' || p.anyOpen {
			return 0, 0, 0
		}
		off += len("stdout F ")
		form = MakeForm(ShapeCRI, ShapeLogfmt)
	} else if !p.stampReads || !zuluSeconds(v, sp) {
		if !p.stampRead(b, sp) {
			return 0, 0, 0 // a bare prefix is told by a time that reads, as parseStamped tells it
		}
	}
	body := b[off:]
	if !plainStart(body) {
		return 0, 0, 0
	}
	inner := ShapeLogfmt
	if body[0] == '{' {
		inner, form = ShapeJSON, form+Form(ShapeJSON-ShapeLogfmt)
	}
	m, kind := p.Next(body, rec) // an Event ends at its '\n'
	if kind != Event {
		return 0, 0, 0
	}
	p.innerShape = inner
	if rec.Has&HasTime == 0 && p.want&(1<<fieldTime) != 0 {
		ns, ok := p.frameTime(b[:sp])
		if !ok {
			return 0, 0, 0 // not a time after all: the general path decides
		}
		rec.Time, rec.Has = ns, rec.Has&^BadTime|HasTime
	}
	return off + m, Event, form
}

// timedView is how much of a line nextTimed looks at: the longest time,
// a SP and the word after it.
const timedView = stampMax + 1 + 8 + 4

// stampShape is rfc3339Shape for a prefix, whose first 16 bytes (the date,
// hour and minute) are most often the last prefix's: then only the
// seconds are tested.
func (p *Parser) stampShape(v *[stampView]byte) bool {
	lo, hi := le64(v[0:]), le64(v[8:])
	if lo == p.stampMinute[0] && lo != 0 && hi == p.stampMinute[1] && v[16] == ':' && isDigit(v[17]) && isDigit(v[18]) {
		return true // lo != 0: the cache's zero value is no time's
	}
	if !rfc3339Shape(v[:]) {
		return false
	}
	p.stampMinute, p.stampReads = [2]uint64{lo, hi}, false
	return true
}

// stampView is as much of a prefix as stampShape looks at.
const stampView = stampMax + 8 - 3

// stampRead says that the time of a bare prefix, b[:sp], reads, and
// remembers whether every time of its minute of zuluSeconds's form does:
// then the next prefixes of that minute are told without being read.
// b holds timedView bytes at least.
func (p *Parser) stampRead(b []byte, sp int) bool {
	_, ok := p.frameTime(b[:sp])
	// In the years 1677 and 2262 ParseTime's range ends within a minute.
	p.stampReads = ok && le64(b) == p.stampMinute[0] && le64(b[8:]) == p.stampMinute[1] &&
		zuluSeconds((*[timedView]byte)(b), sp) && string(b[:4]) > "1677" && string(b[:4]) < "2262"
	return ok
}

// zuluSeconds says that the time v[:sp], whose minute and seconds' digits
// have their shape, has seconds below 60, a fraction of one to nine digits
// and Z: a form ParseTime reads in any minute it reads. The fraction's
// digits are tested a word at a time, the ninth on its own. A time with
// no fraction is left to stampRead.
func zuluSeconds(v *[timedView]byte, sp int) bool {
	k := uint(sp-len("2006-01-02T15:04:05.Z")) & 15           // the fraction's digits
	d := le64(v[20:])&fracKeep[k] | fracFill[k] - lowBits*'0' // the digits' bytes among the eight at 20, '0' in the others
	return (d|(d+lowBits*0x76))&highBits == 0 && v[19+k]-'0' <= 9 && v[20+k] == 'Z' &&
		v[19] == '.' && v[17] <= '5'
}

// fracKeep[k] keeps the bytes of k fractional digits among a word's, and
// fracFill[k] puts '0' in the others; for k not of 1 to 9, it puts 0xff
// in all, which no digit test passes. Read only.
var fracKeep, fracFill = func() (keep, fill [16]uint64) {
	for k := range keep {
		switch {
		case k == 0 || k > 9:
			fill[k] = ^uint64(0)
		case k >= 8:
			keep[k] = ^uint64(0)
		default:
			keep[k] = 1<<(8*k) - 1
			fill[k] = lowBits * '0' &^ keep[k]
		}
	}
	return keep, fill
}()

// stampMax is the longest RFC 3339 time a prefix may have.
const stampMax = len("2006-01-02T15:04:05.000000000-07:00")

// criHeadMax bounds a CRI line's head: the longest RFC 3339 time, a
// stream, a tag and their spaces.
const criHeadMax = len("2006-01-02T15:04:05.000000000-07:00 stdout F:x ")

// nextStamped reads a line with a time prefix whose rest is plainly logfmt
// or JSON through Next; ok is false for anything else, which ParseAny reads.
func (p *Parser) nextStamped(line, withNL []byte, rec *Record) (Kind, bool) {
	sp := bytes.IndexByte(line, ' ')
	if sp < len("2006-01-02T15:04:05Z") || sp > len("2006-01-02T15:04:05.000000000-07:00") || line[10] != 'T' {
		return 0, false
	}
	ns, ok := p.frameTime(line[:sp])
	if !ok {
		return 0, false
	}
	body := withNL[sp+1:]
	kind, ok := p.fastFramed(frameHead{content: line[sp+1:], time: ns, timed: true}, body, rec)
	return kind, ok && p.fastLen == len(body)
}

// fastFramed reads a framing's content, body being the content and its
// '\n', through Next, the fused fast path, when the content plainly is
// logfmt or JSON (plainStart) and Next finds an event in the whole of it.
// ok is false otherwise, and the caller reads the content the general
// way.
func (p *Parser) fastFramed(h frameHead, body []byte, rec *Record) (Kind, bool) {
	if !plainStart(h.content) {
		return 0, false
	}
	m, kind := p.Next(body, rec)
	if kind != Event || m == 0 || m != len(body) && body[m-1] != '\n' {
		return 0, false
	}
	p.fastLen = m
	p.innerShape = ShapeLogfmt
	if h.content[0] == '{' {
		p.innerShape = ShapeJSON
	}
	if rec.Has&HasTime == 0 && p.want&(1<<fieldTime) != 0 && p.headTime(&h) {
		rec.Time, rec.Has = h.time, rec.Has&^BadTime|HasTime
	}
	return Event, true
}

// plainStart says that s starts as only logfmt or JSON does: with '{', or
// with a key and '=' before any space or quote. A text format's time or
// level ("2026-…", "[INFO]", "I1126") never does.
func plainStart(s []byte) bool {
	if len(s) >= 8 && le64(s)&(1<<40-1) == uint64('t')|'i'<<8|'m'<<16|'e'<<24|'='<<32 { // slog's time=
		return true
	}
	if len(s) == 0 {
		return false
	}
	if s[0] == '{' {
		return true
	}
	for i, c := range s {
		switch c {
		case '=':
			return i > 0
		case ' ', '"', '\t', '\n', '\r': // innerLine trims a leading '\r'; Next reads it as the key's
			return false
		}
	}
	return false
}

// nextPiece takes a CRI or Docker line into its stream's join, or reads it
// whole when it is a record of its own; withNL is line and its '\n'. ok is
// false for any other line.
func (p *Parser) nextPiece(line, withNL []byte, rec *Record) (Kind, Form, bool) {
	if p.want == 0 {
		// A zero Parser is made the default one before a join opens: made
		// later, on the way to another line, it would drop the join.
		*p = defaultParser()
	}
	if p.maxPiece > 0 && len(line) > p.maxPiece {
		return 0, 0, false // a line the caller skips as long: no piece
	}
	var h frameHead
	var ok bool
	frame := ShapeCRI
	if line[0] == '{' {
		frame = ShapeDocker
		h, ok = p.dockerHead(line)
	} else {
		h, ok = p.criHead(trimCR(line))
	}
	if !ok {
		return 0, 0, false
	}
	j := &p.joins[h.stream]
	if !j.open && !h.partial {
		body := withNL[len(trimCR(line))-len(h.content):] // CRI: the content is the line's tail
		if frame == ShapeDocker {
			p.frameBuf = append(h.content, '\n') // h.content is p.frameBuf's start
			body = p.frameBuf
		}
		if kind, ok := p.fastFramed(h, body, rec); ok && p.fastLen == len(body) {
			return kind, MakeForm(frame, p.innerShape), true
		}
		kind := p.parseFramed(h, rec)
		if kind != Event && kind != NoLevel {
			*rec = Record{}
			return kind, 0, true
		}
		return kind, MakeForm(frame, p.innerShape), true
	}
	if !j.open {
		p.headTime(&h)
		j.open, j.frame, j.time, j.timed = true, frame, h.time, h.timed
		p.setAnyOpen(true)
		j.buf = j.buf[:0]
	}
	j.buf = append(j.buf, h.content...)
	if h.partial {
		*rec = Record{}
		return Partial, 0, true
	}
	kind, form := p.closeJoin(j, rec)
	return kind, form, true
}

// closeJoin parses a join's record and empties it.
func (p *Parser) closeJoin(j *join, rec *Record) (Kind, Form) {
	j.open = false
	p.setAnyOpen(p.joins[streamOut].open || p.joins[streamErr].open)
	p.scratch = p.scratch[:0]
	kind := p.parseFramed(frameHead{content: j.buf, time: j.time, timed: j.timed}, rec)
	if kind != Event && kind != NoLevel {
		*rec = Record{}
		return kind, 0
	}
	return kind, MakeForm(j.frame, p.innerShape)
}

// Flush parses a record whose pieces NextAny took but whose last piece
// never came (the input ended), if there is one, and reports whether there
// was; the records Closed has not read come first. Call it until it
// reports false at the end of every range.
func (p *Parser) Flush(rec *Record) (Kind, Form, bool) {
	if kind, form, ok := p.Closed(rec); ok {
		return kind, form, true
	}
	for s := range p.joins {
		if j := &p.joins[s]; j.open {
			kind, form := p.closeJoin(j, rec)
			return kind, form, true
		}
	}
	return 0, 0, false
}

func trimCR(line []byte) []byte {
	if n := len(line); n > 0 && line[n-1] == '\r' {
		return line[:n-1]
	}
	return line
}
