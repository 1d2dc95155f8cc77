package logline

// JSON envelopes: one JSON object per line that holds one log record
// (journald's `journalctl -o json`) or a batch of them (the OpenTelemetry
// collector's file exporter, CloudWatch Logs subscription payloads), each
// with an inner line that is parsed as a line of its own (parseInner).
//
// The first key tells the envelope, so that a plain JSON line costs one key:
//
//	"resourceLogs"                           OTLP (batch.go)
//	"messageType", "logEvents", "logGroup",  CloudWatch (batch.go)
//	"logStream", "owner", "subscriptionFilters"
//	a journal field name, [A-Z_][A-Z0-9_]*   journald (journald.go); journalctl
//	                                         writes its fields in hash order
//
// and the whole object must then have the envelope's keys. Any other line is
// (Malformed, ShapeNone), for the dispatcher to read as plain JSON. The whole
// line's JSON structure is checked before a record is returned, so that a
// truncated batch is one Malformed line and never half counted.
//
// A batch's first record fills the Record; the others are queued as the
// offsets of their objects in the line and read one by one by NextEvent.

import "bytes"

// Canonical level names for the numeric levels of envelopes. Read-only: a
// Record's Level may point into them.
var (
	// syslogLevels names journald's PRIORITY 0..7.
	syslogLevels = [8][]byte{
		[]byte("EMERGENCY"), []byte("ALERT"), []byte("CRITICAL"), []byte("ERROR"),
		[]byte("WARN"), []byte("NOTICE"), []byte("INFO"), []byte("DEBUG"),
	}
	// otelLevels names OpenTelemetry's severityNumber 1..24, four numbers a name.
	otelLevels = [6][]byte{
		[]byte("TRACE"), []byte("DEBUG"), []byte("INFO"), []byte("WARN"), []byte("ERROR"), []byte("FATAL"),
	}
)

// parseEnvelope parses a line that starts with '{' (trimmed, without ANSI
// escapes) when it is a journald, OTLP or CloudWatch envelope, and returns
// its first record's Kind (Event or NoLevel; Blank for a batch without
// records) and its Shape. Any other line is (Malformed, ShapeNone). The
// records queued after the first are dropped by the next call.
func (p *Parser) parseEnvelope(line []byte, rec *Record) (Kind, Shape) {
	if p.want == 0 {
		*p = defaultParser()
	}
	p.envRecs, p.envAt, p.envLine = p.envRecs[:0], 0, nil
	p.scratch = p.scratch[:0]
	*rec = Record{}
	if p.inEnvelope || len(line) == 0 || line[0] != '{' {
		return Malformed, ShapeNone // an envelope inside an envelope is plain JSON
	}
	i := skipJSONSpace(line, 1)
	if i >= len(line) || line[i] != '"' {
		return Malformed, ShapeNone
	}
	end, plain := jsonStringEnd(line, i+1)
	if end < 0 || !plain {
		return Malformed, ShapeNone
	}
	key := line[i+1 : end]
	switch {
	case string(key) == "resourceLogs":
		return p.parseOTLP(line, rec)
	case isCloudWatchKey(key):
		return p.parseCloudWatch(line, rec)
	case isJournalField(key):
		return p.parseJournald(line, rec)
	}
	return Malformed, ShapeNone
}

// More reports whether the last envelope line has records that NextEvent
// has not returned yet. They are read from that line, which must stay
// unchanged until they are.
func (p *Parser) More() bool { return p.envAt < len(p.envRecs) }

// NextEvent parses the next queued record of the last envelope line into rec
// and returns Event or NoLevel, or Blank when there is none left. rec's
// slices are valid until the next call that parses.
func (p *Parser) NextEvent(rec *Record) Kind {
	if !p.More() {
		*rec = Record{}
		return Blank
	}
	at := p.envRecs[p.envAt]
	p.envAt++
	p.scratch = p.scratch[:0]
	if p.envShape == ShapeOTLP {
		return p.otlpRecord(p.envLine, at, rec)
	}
	return p.cloudWatchEvent(p.envLine, at, rec)
}

// queue keeps the records after the first of a batch read from line, and
// returns the first's offset.
func (p *Parser) queue(line []byte, shape Shape) int {
	p.envLine, p.envShape, p.envAt = line, shape, 1
	return p.envRecs[0]
}

// innerString returns the content of the JSON string at s[at] (a '"'), as
// the inner line of a record: decoded into p.envText when it has escapes,
// and the index after the string. It returns (nil, -1) when at < 0 or there
// is no string there, and a nil text when it holds an invalid escape.
func (p *Parser) innerString(s []byte, at int) (text []byte, end int) {
	if at < 0 || at >= len(s) || s[at] != '"' {
		return nil, -1
	}
	end, plain := jsonStringEnd(s, at+1)
	if end < 0 {
		return nil, -1
	}
	if plain {
		return s[at+1 : end], end + 1
	}
	var e int
	if p.envText, e = appendJSONText(p.envText[:0], s[:end+1], at+1); e < 0 {
		return nil, end + 1
	}
	if bytes.IndexByte(p.envText, 0x1b) >= 0 {
		p.envText = stripANSI(p.envText) // colours are written as \u001b escapes
	}
	return p.envText, end + 1
}

// innerLine parses the first line of text as a record's inner line and
// returns Event or NoLevel. rec holds what the inner line gave, or is zero
// when it is no log line of a known shape (free text, a stack line): the
// envelope's own fields may still make it a record.
func (p *Parser) innerLine(text []byte, rec *Record) Kind {
	if i := bytes.IndexByte(text, '\n'); i >= 0 {
		text = text[:i] // the first line of a multi-line message is its record
	}
	text = bytes.Trim(text, " \t\r")
	if len(text) == 0 {
		*rec = Record{}
		return NoLevel
	}
	p.inEnvelope = true
	kind, _ := p.parseInner(text, rec)
	p.inEnvelope = false
	if kind != Event && kind != NoLevel {
		*rec = Record{}
		return NoLevel
	}
	return kind
}

// setTime gives rec the envelope's time ns (Unix nanoseconds) when the
// Parser takes the time. It replaces an unreadable inner time.
func (p *Parser) setTime(rec *Record, ns int64) {
	if p.want&(1<<fieldTime) != 0 {
		rec.Time, rec.Has = ns, rec.Has&^BadTime|HasTime
	}
}

// kindOf says whether rec, read from an envelope, has a level.
func kindOf(rec *Record) Kind {
	if len(rec.Level) == 0 {
		return NoLevel
	}
	return Event
}

// stripANSI removes the ANSI escapes from b, in place (appendWithoutANSI
// writes no byte past the one it reads).
func stripANSI(b []byte) []byte { return appendWithoutANSI(b[:0], b) }

// The JSON walkers below read the structure of json.go's grammar.

// openAt checks that s[i] opens an object or array with c and returns the
// index of its first item, or with empty set the index after it.
func openAt(s []byte, i int, c byte) (next int, empty, ok bool) {
	if i >= len(s) || s[i] != c {
		return 0, false, false
	}
	i = skipJSONSpace(s, i+1)
	if i < len(s) && s[i] == closing(c) {
		return i + 1, true, true
	}
	return i, false, true
}

// memberAt reads `string ws ":" ws` at s[i] and returns the raw key and the
// index of the value.
func memberAt(s []byte, i int) (key []byte, value int, ok bool) {
	if i >= len(s) || s[i] != '"' {
		return nil, 0, false
	}
	end, _ := jsonStringEnd(s, i+1)
	if end < 0 {
		return nil, 0, false
	}
	j := skipJSONSpace(s, end+1)
	if j >= len(s) || s[j] != ':' {
		return nil, 0, false
	}
	return s[i+1 : end], skipJSONSpace(s, j+1), true
}

// nextItem reads what follows an item at s[i]: a ',' (more: the index of the
// next item) or c, which closes the object or array (the index after it).
func nextItem(s []byte, i int, c byte) (next int, more, ok bool) {
	i = skipJSONSpace(s, i)
	if i < len(s) {
		switch s[i] {
		case ',':
			return skipJSONSpace(s, i+1), true, true
		case c:
			return i + 1, false, true
		}
	}
	return 0, false, false
}

// collectObjects queues the offset of each object in the array at s[i] and
// returns the index after the array.
func (p *Parser) collectObjects(s []byte, i int) (int, bool) {
	if end, ok := nullAt(s, i); ok {
		return end, true
	}
	i, empty, ok := openAt(s, i, '[')
	for more := ok && !empty; more; {
		if i >= len(s) || s[i] != '{' {
			return 0, false
		}
		p.envRecs = append(p.envRecs, i)
		if i, ok = p.skipJSONValue(s, i); !ok {
			return 0, false
		}
		if i, more, ok = nextItem(s, i, ']'); !ok {
			return 0, false
		}
	}
	return i, ok
}

// nullAt reports whether the value at s[i] is null, which proto3 JSON
// writes for an empty array, and returns the index after it.
func nullAt(s []byte, i int) (int, bool) {
	if hasPrefixAt(s, i, "null") && (i+4 == len(s) || endsScalar(s[i+4])) {
		return i + 4, true
	}
	return 0, false
}

// digits reads b, a run of decimal digits, as a non-negative int64.
func digits(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, n >= 0 // 19 digits may pass MaxInt64
}

// numberAt returns the digits of the JSON number or string at s[i], as
// OTLP writes a 64-bit integer either way.
func (p *Parser) numberAt(s []byte, i int) (int64, bool) {
	if i < len(s) && s[i] == '"' {
		end, plain := jsonStringEnd(s, i+1)
		if end < 0 || !plain {
			return 0, false
		}
		return digits(s[i+1 : end])
	}
	end, ok := p.skipJSONValue(s, i)
	if !ok {
		return 0, false
	}
	return digits(s[i:end])
}

// stringAt decodes the JSON string at s[i], or returns nil when there is
// none there or it holds an invalid escape.
func (p *Parser) stringAt(s []byte, i int) []byte {
	if i < 0 || i >= len(s) || s[i] != '"' {
		return nil
	}
	v, _, ok := p.jsonString(s, i)
	if !ok {
		return nil
	}
	if v == nil {
		v = s[i+1 : i+1] // an empty string is a value
	}
	return v
}
