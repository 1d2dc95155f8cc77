package logline

import "bytes"

// sampleLines is how many lines Detect reads at each of three places.
const sampleLines = 8

// Detect looks at a few whole lines of b, at its start, middle and end,
// and says whether Next may read all of it: no line sampled is of a form
// but logfmt or JSON (JSONLines then tells which of the two each line Next
// read was). A forced Form is never Next's. Detection runs once per range of a
// file or chunk of a stream, not per line, and changes only the speed: a
// line of another form among native ones is Malformed to Next (one that
// starts with a digit, which may be framed, always is) and its caller reads
// it with NextAny, as a range not native would.
func (p *Parser) Detect(b []byte) (ok bool) {
	mid, end := len(b)/2, len(b)-len(b)/8
	if mid == 0 || end == 0 { // no line of b is cut there: sample its start again
		return p.DetectSamples(b, nil, nil)
	}
	return p.DetectSamples(b, b[mid-1:], b[end-1:])
}

// DetectSamples is Detect over samples of a range read apart: head, its
// first bytes, and mid and end, each from one byte before its place in the
// range, whose first line (cut there, unless that byte is a '\n') is
// skipped. A nil sample is not looked at. A sample's last line cut short is
// not read either.
func (p *Parser) DetectSamples(head, mid, end []byte) (ok bool) {
	if p.want == 0 {
		*p = defaultParser()
	}
	if p.forced != 0 {
		return false
	}
	var rec Record
	for k, s := range [3][]byte{head, mid, end} {
		if k > 0 { // the line that holds s[0] is cut: begin after it
			i := bytes.IndexByte(s, '\n')
			if i < 0 {
				continue
			}
			s = s[i+1:]
		}
		for range sampleLines {
			i := bytes.IndexByte(s, '\n')
			if i < 0 {
				break
			}
			line := s[:i]
			s = s[i+1:]
			if plainlyNative(line) { // no other form starts so
				continue
			}
			if kind, form := p.ParseAny(line, &rec); (kind == Event || kind == NoLevel) && !form.Native() {
				return false
			}
		}
	}
	p.scratch = p.scratch[:0]
	return true
}

// plainlyNative says that line starts the way slog's, logrus', zap's and
// zerolog's logfmt and JSON lines start, which no framing or other format
// does, so that Detect need not parse it.
func plainlyNative(line []byte) bool {
	for _, prefix := range [...]string{"time=", "level=", "ts=", `{"time":`, `{"level":`, `{"ts":`} {
		if hasPrefixAt(line, 0, prefix) {
			return true
		}
	}
	return false
}
