package logline

// journald's `journalctl -o json`: one object per entry, in hash order, each
// field's value a string, an array of byte numbers when it is not printable
// UTF-8 (colours, binary), an array of values when the entry has the field
// more than once, or null when it is 4,096 bytes or more (systemd's
// src/shared/logs-show.c, output_json and update_json_data):
//
//	{"__CURSOR":"s=…","__REALTIME_TIMESTAMP":"1732608000123456","PRIORITY":"6",
//	 "_SYSTEMD_UNIT":"app.service","MESSAGE":"level=info user=ann", …}
//
// MESSAGE is the inner line. When it has no level, PRIORITY (0..7) gives
// one; when it has no time, __REALTIME_TIMESTAMP (microseconds) does.

// parseJournald reads a line whose first key is a journal field name. It is
// journald's when it has an address field ("__CURSOR",
// "__REALTIME_TIMESTAMP": journalctl always writes them), or a MESSAGE with
// a PRIORITY or a trusted field ("_PID", "_SYSTEMD_UNIT": what a forwarder
// that drops the address fields keeps).
func (p *Parser) parseJournald(s []byte, rec *Record) (Kind, Shape) {
	prio, realtime := -1, -1
	var text []byte
	var address, trusted, message bool
	i, empty, ok := openAt(s, 0, '{')
	for more := ok && !empty; more; {
		var key []byte
		var v int
		if key, v, ok = memberAt(s, i); !ok {
			break
		}
		end := -1 // the index after the value, when reading it gave it
		switch string(key) {
		case "MESSAGE":
			text, end = p.journalText(s, v)
			message = true
		case "PRIORITY":
			prio = v
		case "__REALTIME_TIMESTAMP":
			realtime = v
		}
		if len(key) > 0 && key[0] == '_' {
			trusted = true
			address = address || len(key) > 1 && key[1] == '_'
		}
		if end < 0 {
			if end, ok = p.skipJSONValue(s, v); !ok {
				break
			}
		}
		i, more, ok = nextItem(s, end, '}')
	}
	if !ok || skipJSONSpace(s, i) != len(s) || !address && (!message || prio < 0 && !trusted) {
		return Malformed, ShapeNone
	}
	kind, ok := p.journalNext(text, rec)
	if !ok {
		kind = p.innerLine(text, rec)
	}
	if kind == NoLevel && prio >= 0 {
		if n, ok := p.journalPriority(s, prio); ok {
			rec.Level = syslogLevels[n]
			kind = Event
		}
	}
	if rec.Has&HasTime == 0 && realtime >= 0 {
		if us, ok := p.numberAt(s, realtime); ok && us <= maxMicros {
			p.setTime(rec, us*1000)
		}
	}
	return kind, ShapeJournald
}

// journalNext reads MESSAGE's text through Next, the fused fast path, when
// it plainly is one line of logfmt and Next finds an event in the
// whole of it, as fastFramed does for a framing's content; ok is false
// otherwise, and innerLine reads it. The text is copied with its '\n' and
// nextSlack bytes after it: Next reads words past a line's end.
func (p *Parser) journalNext(text []byte, rec *Record) (Kind, bool) {
	if len(text) == 0 || text[0] == '{' || !plainStart(text) {
		return 0, false // Next reads JSON through Parse, as innerLine does, and the copy would be lost
	}
	for n := len(text); n > 0 && (text[n-1] == ' ' || text[n-1] == '\t' || text[n-1] == '\r'); n-- {
		text = text[:n-1] // innerLine trims any mix of these; Next only one '\r', then SP and tab
	}
	n := len(text) + 1
	p.frameBuf = append(append(p.frameBuf[:0], text...), '\n')
	if cap(p.frameBuf)-n < nextSlack {
		p.frameBuf = append(p.frameBuf, make([]byte, nextSlack)...)
	}
	m, kind := p.Next(p.frameBuf[:n+nextSlack], rec)
	return kind, kind == Event && m == n
}

// maxMicros is the largest time in microseconds that fits in Unix nanoseconds.
const maxMicros = 1<<63/1000 - 1

// maxMillis is the largest time in milliseconds that fits in Unix nanoseconds.
const maxMillis = 1<<63/1000000 - 1

// journalValue returns the index of the value of a field at s[v]: the first
// of an array of values (a field the entry has more than once), else v.
func (p *Parser) journalValue(s []byte, v int) int {
	if v >= len(s) || s[v] != '[' {
		return v
	}
	i, empty, ok := openAt(s, v, '[')
	if !ok || empty || i >= len(s) || s[i] != '"' && s[i] != '[' {
		return v // an array of byte numbers, or nothing
	}
	return i
}

// journalText returns MESSAGE's value at s[v], or nil when it has none
// (null, or not a string or array of bytes), and the index after a string
// read (else -1: the caller skips the value).
func (p *Parser) journalText(s []byte, v int) ([]byte, int) {
	if w := p.journalValue(s, v); w < len(s) && s[w] == '"' {
		text, end := p.innerString(s, w)
		if w != v {
			end = -1 // inside an array of values
		}
		return text, end
	}
	v = p.journalValue(s, v)
	if v >= len(s) || s[v] != '[' {
		return nil, -1
	}
	p.envText = p.envText[:0]
	i, empty, ok := openAt(s, v, '[')
	for more := ok && !empty; more; {
		end, ok := p.skipJSONValue(s, i)
		if !ok {
			return nil, -1
		}
		b, ok := digits(s[i:end])
		if !ok || b > 255 {
			return nil, -1
		}
		p.envText = append(p.envText, byte(b))
		if i, more, ok = nextItem(s, end, ']'); !ok {
			return nil, -1
		}
	}
	return stripANSI(p.envText), -1
}

// journalPriority reads PRIORITY's value at s[v], a string "0".."7".
func (p *Parser) journalPriority(s []byte, v int) (int, bool) {
	v = p.journalValue(s, v)
	if v+2 < len(s) && s[v] == '"' && '0' <= s[v+1] && s[v+1] <= '7' && s[v+2] == '"' {
		return int(s[v+1] - '0'), true
	}
	return 0, false
}

// isJournalField reports whether key may name a journal field: upper-case
// letters, digits and '_', not starting with a digit.
func isJournalField(key []byte) bool {
	if len(key) == 0 || '0' <= key[0] && key[0] <= '9' {
		return false
	}
	for _, c := range key {
		if !('A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}
