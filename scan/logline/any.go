package logline

import "bytes"

// ParseAny parses one line (no '\n') of any form this package reads, and
// says what it was read as. It is the slow twin of Next: Next reads logfmt
// and JSON alone, fast; ParseAny tries, in order, the JSON envelopes and
// Docker's json-file, plain JSON, a CRI or time-prefixed line, the text
// formats that start with a time or a level, logfmt, and last the lines
// that continue a record (a Go panic's trace). A line no form takes is
// Malformed, with no form. ANSI colour escapes are dropped first.
//
// A line that holds several records (OTLP, CloudWatch) gives the first in
// rec; More and NextEvent give the others.
func (p *Parser) ParseAny(line []byte, rec *Record) (Kind, Form) {
	if p.want == 0 {
		*p = defaultParser()
	}
	p.dropQueued()
	raw := line
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	line = trimSpaceAndTab(line)
	if len(line) == 0 {
		*rec = Record{}
		return Blank, 0
	}
	if bytes.IndexByte(line, 0x1b) >= 0 {
		p.plain = appendWithoutANSI(p.plain[:0], line)
		if line = trimSpaceAndTab(p.plain); len(line) == 0 {
			*rec = Record{}
			return Blank, 0 // colour escapes alone
		}
	}
	p.scratch = p.scratch[:0]
	kind, form := p.parseForm(line, rec)
	if kind == Malformed {
		if isContinuation(raw) {
			kind = Continuation
		}
		form = 0
	}
	if kind != Event && kind != NoLevel {
		*rec = Record{}
		form = 0 // only records have a form
	}
	return kind, form
}

// parseForm parses a trimmed, non-empty line, as the forced form when the
// Config names one.
func (p *Parser) parseForm(line []byte, rec *Record) (Kind, Form) {
	if p.forced != 0 {
		return p.parseForced(line, rec)
	}
	if p.format != Auto { // -input-format logfmt or json
		sh := ShapeLogfmt
		if p.format == JSON {
			sh = ShapeJSON
		}
		kind := p.parseShape(sh, line, rec)
		return kind, formIf(kind, ShapeNone, sh)
	}
	if line[0] == '{' {
		if kind, ok := p.parseDocker(line, rec); ok {
			return kind, MakeForm(ShapeDocker, p.innerShape)
		}
		if kind, sh := p.parseEnvelope(line, rec); sh != ShapeNone {
			return kind, MakeForm(ShapeNone, sh)
		}
		kind := p.parseJSONAny(line, rec)
		return kind, formIf(kind, ShapeNone, ShapeJSON)
	}
	if isDigit(line[0]) {
		if kind, ok := p.parseCRI(line, rec); ok {
			return kind, MakeForm(ShapeCRI, p.innerShape)
		}
		// Formats that start with a time of their own (hclog, zap's
		// console) before a time prefix, whose inner line would take
		// theirs for level-less logfmt.
		if kind, sh := p.parseLevelFirst(line, rec); sh != ShapeNone {
			return kind, MakeForm(ShapeNone, sh)
		}
		if kind, ok := p.parseStamped(line, rec); ok {
			return kind, MakeForm(ShapeStamped, p.innerShape)
		}
	}
	kind, sh := p.parseTextAny(line, rec)
	return kind, formIf(kind, ShapeNone, sh)
}

// parseInner parses the line a framing or an envelope holds: any shape but
// a framing. line is not trimmed yet and may be empty.
func (p *Parser) parseInner(line []byte, rec *Record) (Kind, Shape) {
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	line = trimSpaceAndTab(line)
	if len(line) == 0 {
		*rec = Record{}
		return Blank, ShapeNone
	}
	if line[0] == '{' { // an envelope inside a framing is read as plain JSON
		kind := p.parseJSONAny(line, rec)
		return kind, shapeIf(kind, ShapeJSON)
	}
	return p.parseTextAny(line, rec)
}

// dropQueued forgets the records an envelope line queued: a line that
// parses anew makes them stale (Detect reads lines it does not count).
//
// Tested first: the stores, one with a write barrier's test, cost every
// framed line more than the test.
func (p *Parser) dropQueued() {
	if len(p.envRecs) != 0 || p.envLine != nil {
		p.envRecs, p.envAt, p.envLine = p.envRecs[:0], 0, nil
	}
}

// parseTextAny reads a line that is not JSON: a text format that starts
// with a time or a level, else logfmt.
func (p *Parser) parseTextAny(line []byte, rec *Record) (Kind, Shape) {
	if kind, sh := p.parseLevelFirst(line, rec); sh != ShapeNone {
		return kind, sh
	}
	p.noLevelOK = false
	kind := p.parseText(line, rec)
	if kind == Malformed && p.noLevelOK {
		kind = p.withoutLevelText(line, rec)
	}
	return kind, shapeIf(kind, ShapeLogfmt)
}

// withoutLevelText decides a line of text that has no level. Logfmt takes
// a bare word for a key with no value, so a message before the pairs
// ("user action user=bob") would give its words for fields: the pairs are
// read again from where a run of well-formed pairs reaches the end of the
// line, as the level-first formats read theirs (pairsFrom).
func (p *Parser) withoutLevelText(line []byte, rec *Record) Kind {
	lenient := *rec
	*rec = Record{} // pairsFrom appends to p.scratch: lenient's values stay whole
	if p.pairsFrom(line, 0, rec, 0, false) == len(line) {
		*rec = lenient // no run of pairs reaches the end: keep logfmt's reading
	}
	return p.withoutLevel(rec)
}

// parseJSONAny is parseJSON, with a line that has no level but fields
// taken counted as NoLevel.
func (p *Parser) parseJSONAny(line []byte, rec *Record) Kind {
	p.noLevelOK = false
	kind := p.parseJSON(line, rec)
	if kind == Malformed {
		kind = p.withoutLevel(rec)
	}
	return kind
}

// withoutLevel decides a line that parsed but had no level: NoLevel when
// it held a field taken besides the level (a user, an action, a latency or
// a time), Malformed when it held none. The parsers leave rec's fields
// set when only the level is missing, and say so in p.noLevelOK.
func (p *Parser) withoutLevel(rec *Record) Kind {
	if !p.noLevelOK {
		return Malformed
	}
	p.noLevelOK = false
	if len(rec.User) > 0 || len(rec.Action) > 0 || rec.Has != 0 {
		rec.Level = nil
		return NoLevel
	}
	return Malformed
}

func formIf(kind Kind, frame, inner Shape) Form {
	if kind == Event || kind == NoLevel {
		return MakeForm(frame, inner)
	}
	return 0
}

func shapeIf(kind Kind, sh Shape) Shape {
	if kind == Event || kind == NoLevel {
		return sh
	}
	return ShapeNone
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// appendWithoutANSI appends s to dst less its ANSI escape sequences: CSI
// (ESC '[' parameters, a final byte from '@' to '~'), which colour writers
// (logrus, zerolog, charm) put around levels and keys, and any other ESC
// byte alone.
func appendWithoutANSI(dst, s []byte) []byte {
	for len(s) > 0 {
		i := bytes.IndexByte(s, 0x1b)
		if i < 0 {
			return append(dst, s...)
		}
		dst = append(dst, s[:i]...)
		s = s[i+1:]
		if len(s) > 0 && s[0] == '[' {
			j := 1
			for j < len(s) && (s[j] < '@' || s[j] > '~') {
				j++
			}
			s = s[min(j+1, len(s)):]
		}
	}
	return dst
}

// parseForced parses a line as the Config's Form and nothing else.
func (p *Parser) parseForced(line []byte, rec *Record) (Kind, Form) {
	frame, inner := p.forced.Frame(), p.forced.Inner()
	var kind Kind
	var ok bool
	switch frame {
	case ShapeCRI:
		kind, ok = p.parseCRI(line, rec)
	case ShapeDocker:
		kind, ok = p.parseDocker(line, rec)
	case ShapeStamped:
		kind, ok = p.parseStamped(line, rec)
	default:
		kind, ok = p.parseShape(inner, line, rec), true
		return kind, formIf(kind, ShapeNone, inner)
	}
	if !ok || inner != ShapeNone && p.innerShape != inner {
		return Malformed, 0
	}
	return kind, formIf(kind, frame, p.innerShape)
}

// parseShape parses a trimmed line as the one shape sh.
func (p *Parser) parseShape(sh Shape, line []byte, rec *Record) Kind {
	switch sh {
	case ShapeLogfmt:
		p.noLevelOK = false
		if kind := p.parseText(line, rec); kind != Malformed {
			return kind
		}
		return p.withoutLevel(rec)
	case ShapeJSON:
		if line[0] != '{' {
			return Malformed
		}
		return p.parseJSONAny(line, rec)
	case ShapeJournald, ShapeOTLP, ShapeCloudWatch:
		if kind, got := p.parseEnvelope(line, rec); got == sh {
			return kind
		}
	default:
		if kind, got := p.parseLevelFirst(line, rec); got == sh {
			return kind
		}
	}
	return Malformed
}
