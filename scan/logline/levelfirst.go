package logline

// Level-first text: the console formats of Go's logging libraries, which
// start with a time or a level and end with the fields (issue 11). Each
// shape, as its library writes it with the defaults (the fields are read as
// levelfirst_pairs.go says):
//
//	klog, glog  L MMDD SP hh:mm:ss.uuuuuu 1*SP thread SP file:line "]" SP msg pairs
//	            ; L is I, W, E or F; msg is quoted (InfoS) or raw (printf style)
//	hclog       time SP "[" LEVEL "]" 1*SP [name ": "] msg [": " pairs]
//	            ; time "2006-01-02T15:04:05.000Z0700"; TRACE DEBUG INFO WARN ERROR
//	stdlog      YYYY/MM/DD SP hh:mm:ss[.uuuuuu] SP [word ":" SP] [LEVEL SP] msg pairs
//	            ; the log package, slog's default logger: DEBUG INFO WARN ERROR,
//	            ; with slog's offsets (INFO+2, DEBUG-4); no level word is NoLevel;
//	            ; the word before the level is Lshortfile's file:line or Lmsgprefix's
//	charm       [time SP] LEVEL SP [prefix ":" SP] [<caller> SP] msg pairs
//	            ; DEBU INFO WARN ERRO FATA; time "2006/01/02 15:04:05" or any token
//	zerolog     time SP LVL SP [caller " > "] msg pairs
//	            ; ConsoleWriter: TRC DBG INF WRN ERR FTL PNC, "???" for no level
//	            ; (NoLevel); time "3:04PM" (no date: no time), "<nil>" or RFC 3339
//	            ; (a time is one token: any that is not a date gives no time)
//	zap         [time TAB] LEVEL TAB [name TAB] [caller TAB] msg [TAB json-object]
//	            ; the console encoder: DEBUG INFO WARN ERROR DPANIC PANIC FATAL
//	            ; (development) or in lower case (production, whose time is
//	            ; float seconds with an exponent: 1.7956799771230001e+09)
//	logrus      LEVL "[" (seconds / time) "]" SP msg pairs
//	            ; TextFormatter with colours: INFO WARN ERRO DEBU TRAC FATA PANI
//
// Times without a zone (klog, stdlog) are local times that the line does not
// name; they are read as UTC. klog's date has no year: see klogTime. A time
// that looks like a date but cannot be read is BadTime; a clock with no date
// (zerolog's "8:00AM", logrus' [0042] seconds since start) gives no time.
//
// The level, as written, goes to Record.Level (klog's letter as the name it
// stands for); agg normalises it. Only the first `2026/11/26 08:00:00 INFO`
// shape is ambiguous: INFO and WARN are both slog's and charm's words, and
// such a line is called ShapeStdlog; charm's own words (DEBU, ERRO, FATA)
// make ShapeCharm. The fields are the same either way.

import "bytes"

// Canonical level names for the levels written as letters. Read only.
var (
	levelInfo  = []byte("INFO")
	levelWarn  = []byte("WARN")
	levelError = []byte("ERROR")
	levelFatal = []byte("FATAL")
)

// parseLevelFirst reads a line of one of the level-first shapes into rec and
// says which: Event when the line has a level, NoLevel when the shape has
// none, and (Malformed, ShapeNone) when the line is none of these shapes.
// line is trimmed, free of
// ANSI escapes, not empty and holds no '\n'. Values unquoted are appended
// to p.scratch, which is not reset: the line may be in it.
func (p *Parser) parseLevelFirst(line []byte, rec *Record) (Kind, Shape) {
	if p.want == 0 {
		now := p.now
		*p = defaultParser()
		p.now = now
	}
	*rec = Record{}
	var kind Kind
	var shape Shape
	switch c := line[0]; {
	case '0' <= c && c <= '9':
		kind, shape = p.timeFirst(line, rec)
	case 'A' <= c && c <= 'Z':
		kind, shape = p.levelFirst(line, rec)
	case 'a' <= c && c <= 'z': // zap's LowercaseLevelEncoder, with no time
		kind, shape = p.zap(line, 0, rec)
	case c == '<' && hasPrefixAt(line, 0, "<nil> "): // zerolog with no timestamp
		kind, shape = p.zerolog(line, len("<nil> "), rec)
	case c == '?':
		kind, shape = p.zerolog(line, 0, rec)
	default:
		kind, shape = Malformed, ShapeNone
	}
	if kind == Malformed {
		*rec = Record{}
	}
	return kind, shape
}

// timeFirst reads a line that starts with a digit.
func (p *Parser) timeFirst(line []byte, rec *Record) (Kind, Shape) {
	if sec, nsec, n, ok := slashTime(line); ok {
		return p.stdlog(line, n, sec, nsec, rec)
	}
	e := tokenEnd(line, 0)
	if e+1 >= len(line) {
		return Malformed, ShapeNone
	}
	t := line[:e]
	if line[e] == '\t' {
		p.tokenTime(rec, t) // before the fields, which then skip a time key
		return p.zap(line, e+1, rec)
	}
	i := e + 1
	if line[i] == '[' {
		if k := bytes.IndexByte(line[i:], ']'); k > 0 && isHclogLevel(line[i+1:i+k]) {
			p.tokenTime(rec, t)
			rec.Level = line[i+1 : i+k]
			return p.finish(line, skipSpaces(line, i+k+1), rec, ShapeHclog)
		}
		return Malformed, ShapeNone
	}
	w := line[i:tokenEnd(line, i)]
	switch {
	case isZerologLevel(w) || string(w) == "???":
		p.tokenTime(rec, t)
		return p.zerolog(line, i, rec)
	case isCharmLevel(w):
		p.tokenTime(rec, t)
		rec.Level = w
		return p.finish(line, skipSpaces(line, i+len(w)), rec, ShapeCharm)
	}
	return Malformed, ShapeNone
}

// levelFirst reads a line that starts with an upper-case letter: klog,
// logrus, or charm, zerolog or zap without a time.
func (p *Parser) levelFirst(line []byte, rec *Record) (Kind, Shape) {
	switch line[0] {
	case 'I', 'W', 'E', 'F':
		if len(line) > len("I0102 15:04:05") && line[5] == ' ' && isDigits(line[1:5]) && isDigit(line[6]) {
			return p.klog(line, rec)
		}
	}
	e := 0
	for e < len(line) && 'A' <= line[e] && line[e] <= 'Z' {
		e++
	}
	w := line[:e]
	if e == len(line) {
		return p.levelOnly(line, w, rec)
	}
	switch line[e] {
	case '[':
		if isLogrusLevel(w) {
			return p.logrus(line, rec)
		}
	case '\t':
		return p.zap(line, 0, rec)
	case ' ':
		if isCharmLevel(w) {
			rec.Level = w
			return p.finish(line, skipSpaces(line, e), rec, ShapeCharm)
		}
		if isZerologLevel(w) {
			return p.zerolog(line, 0, rec)
		}
	}
	return Malformed, ShapeNone
}

// levelOnly reads a line that is one upper-case word: a record with an
// empty message and no fields, when the word is a level.
func (p *Parser) levelOnly(line, w []byte, rec *Record) (Kind, Shape) {
	switch {
	case isCharmLevel(w):
		rec.Level = w
		return Event, ShapeCharm
	case isZerologLevel(w):
		rec.Level = w
		return Event, ShapeZerologConsole
	case isZapLevel(w):
		rec.Level = w
		return Event, ShapeZapConsole
	}
	return Malformed, ShapeNone
}

// finish reads the message and pairs from line[i] and returns the verdict
// for a line whose level (if any) and time are in rec.
func (p *Parser) finish(line []byte, i int, rec *Record, shape Shape) (Kind, Shape) {
	found := uint8(1 << fieldLevel)
	if rec.Has&(HasTime|BadTime) != 0 {
		found |= 1 << fieldTime
	}
	p.pairsFrom(line, i, rec, found, shape == ShapeHclog || shape == ShapeCharm)
	if len(rec.Level) == 0 {
		return NoLevel, shape
	}
	return Event, shape
}

// klog reads `I1126 08:00:00.123456    1 file.go:12] msg`, its header
// checked from the date to the ']' that ends it.
func (p *Parser) klog(line []byte, rec *Record) (Kind, Shape) {
	const clock = len("I0102 15:04:05.000000")
	if len(line) < clock+len(" 1 f]") || line[8] != ':' || line[11] != ':' || line[14] != '.' ||
		!isDigits(line[6:8]) || !isDigits(line[9:11]) || !isDigits(line[12:14]) || !isDigits(line[15:clock]) {
		return Malformed, ShapeNone
	}
	i := skipSpaces(line, clock)
	if i == clock || i == len(line) || !isDigit(line[i]) {
		return Malformed, ShapeNone // the thread id
	}
	for i < len(line) && isDigit(line[i]) {
		i++
	}
	if i == len(line) || line[i] != ' ' {
		return Malformed, ShapeNone
	}
	file := i + 1 // file:line, up to the ']' that ends the header
	r := bytes.IndexByte(line[file:], ']')
	if r <= 0 || bytes.IndexByte(line[file:file+r], ' ') >= 0 {
		return Malformed, ShapeNone
	}
	msg := file + r + 1
	if msg < len(line) {
		if line[msg] != ' ' {
			return Malformed, ShapeNone
		}
		msg++
	}
	switch line[0] {
	case 'I':
		rec.Level = levelInfo
	case 'W':
		rec.Level = levelWarn
	case 'E':
		rec.Level = levelError
	default:
		rec.Level = levelFatal
	}
	if p.want&(1<<fieldTime) != 0 {
		p.klogTime(line[1:clock], rec)
	}
	if msg < len(line) && line[msg] == '"' { // InfoS: a quoted message, then the pairs
		if q := closingQuote(line, msg+1); q > 0 && (q+1 == len(line) || line[q+1] == ' ') {
			msg = skipSpaces(line, q+1)
		}
	}
	return p.finish(line, msg, rec, ShapeKlog)
}

// stdlog reads what follows `2026/11/26 08:00:00.123456` (line[:i]): the log
// package's line, or slog's default logger's, or charm's with its default
// time.
func (p *Parser) stdlog(line []byte, i int, sec, nsec int64, rec *Record) (Kind, Shape) {
	if p.want&(1<<fieldTime) != 0 {
		if ns, ok := unixNano(sec, nsec); ok {
			rec.Time, rec.Has = ns, HasTime
		} else {
			rec.Has = BadTime
		}
	} else {
		rec.Has = 0
	}
	if i < len(line) {
		if line[i] != ' ' {
			return Malformed, ShapeNone
		}
		i = skipSpaces(line, i)
	}
	w := line[i:tokenEnd(line, i)]
	if len(w) > 1 && w[len(w)-1] == ':' {
		// log.Lshortfile's `file.go:12: ` or Lmsgprefix's prefix before
		// the level.
		j := skipSpaces(line, i+len(w))
		if v := line[j:tokenEnd(line, j)]; isSlogLevel(v) || isCharmLevel(v) {
			i, w = j, v
		}
	}
	shape := ShapeStdlog
	switch {
	case isSlogLevel(w):
		rec.Level = w
	case isCharmLevel(w):
		rec.Level, shape = w, ShapeCharm
	default:
		return p.finish(line, i, rec, ShapeStdlog) // no level: the log package
	}
	return p.finish(line, skipSpaces(line, i+len(w)), rec, shape)
}

// zerolog reads ConsoleWriter's line from its level, at line[i]; the time
// before it is the caller's.
func (p *Parser) zerolog(line []byte, i int, rec *Record) (Kind, Shape) {
	e := tokenEnd(line, i)
	w := line[i:e]
	switch {
	case isZerologLevel(w):
		rec.Level = w
	case string(w) != "???":
		return Malformed, ShapeNone
	}
	if e < len(line) && line[e] != ' ' {
		return Malformed, ShapeNone
	}
	return p.finish(line, skipSpaces(line, e), rec, ShapeZerologConsole)
}

// zap reads the development console encoder's line from its level, at
// line[i], after the time if there is one (the caller's). The fields are
// the JSON object after the last tab, when the line ends with one; a line
// whose object cannot be read has no fields.
func (p *Parser) zap(line []byte, i int, rec *Record) (Kind, Shape) {
	e := i
	for e < len(line) && line[e] != '\t' && e-i < len("DPANIC") {
		e++ // a logfmt line, which has no tab, costs a few bytes
	}
	w := line[i:e]
	if e < len(line) && line[e] != '\t' || !isZapLevel(w) && !isZapLowerLevel(w) {
		return Malformed, ShapeNone
	}
	rec.Level = w
	if line[len(line)-1] == '}' {
		if t := bytes.LastIndexByte(line, '\t'); t >= e && line[t+1] == '{' {
			saved := *rec
			if !p.jsonFields(line[t+1:], rec, 1<<fieldLevel|1<<fieldTime) {
				*rec = saved
			}
		}
	}
	return Event, ShapeZapConsole
}

// logrus reads `INFO[0042] msg   k=v` or `INFO[2026-11-26T08:00:00Z] msg`.
func (p *Parser) logrus(line []byte, rec *Record) (Kind, Shape) {
	const open = len("INFO[")
	k := bytes.IndexByte(line[open:], ']')
	if k < 0 {
		return Malformed, ShapeNone
	}
	rec.Level = line[:open-1]
	if t := line[open : open+k]; !isDigits(t) {
		p.tokenTime(rec, t)
	}
	i := open + k + 1
	if i < len(line) && line[i] != ' ' {
		return Malformed, ShapeNone
	}
	return p.finish(line, skipSpaces(line, i), rec, ShapeLogrusText)
}
