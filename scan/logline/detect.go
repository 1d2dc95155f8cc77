package logline

import "bytes"

// sampleLines is how many lines Detect reads at each of three places.
const sampleLines = 8

// Detect looks at a few whole lines of b, at its start, middle and end,
// and says whether Next may read all of it: no line sampled is of a form
// but logfmt or JSON. It also gives the native form most sampled lines
// had, which is what the lines Next reads are counted as. A forced Form
// that is not native is never Next's. Detection runs once per range of a
// file or chunk of a stream, not per line: a line of another form among
// native ones still reaches ParseAny when Next finds it Malformed, and only
// a framed line (CRI, a time prefix) that logfmt would take unframed is
// missed when no sample sees its kind.
func (p *Parser) Detect(b []byte) (native Form, ok bool) {
	if p.want == 0 {
		*p = defaultParser()
	}
	if p.forced != 0 {
		return 0, false
	}
	var counts [2]int // logfmt, JSON
	var rec Record
	for _, at := range [3]int{0, len(b) / 2, len(b) - len(b)/8} {
		start := at
		if at > 0 { // the line that holds b[at-1] is cut: begin after it
			i := bytes.IndexByte(b[at-1:], '\n')
			if i < 0 {
				continue
			}
			start = at + i
		}
		s := b[start:]
		for range sampleLines {
			i := bytes.IndexByte(s, '\n')
			if i < 0 {
				break
			}
			line := s[:i]
			s = s[i+1:]
			if native, ok := plainlyNative(line); ok { // no other form starts so
				counts[native]++
				continue
			}
			kind, form := p.ParseAny(line, &rec)
			switch {
			case kind != Event && kind != NoLevel:
			case form == MakeForm(ShapeNone, ShapeLogfmt):
				counts[0]++
			case form == MakeForm(ShapeNone, ShapeJSON):
				counts[1]++
			default:
				return 0, false
			}
		}
	}
	p.scratch = p.scratch[:0]
	if counts[1] > counts[0] {
		return MakeForm(ShapeNone, ShapeJSON), true
	}
	return MakeForm(ShapeNone, ShapeLogfmt), true
}

// plainlyNative says that line starts the way slog's, logrus', zap's and
// zerolog's logfmt and JSON lines start, which no framing or other format
// does, so that Detect need not parse it: 0 for logfmt, 1 for JSON.
func plainlyNative(line []byte) (int, bool) {
	for _, prefix := range [...]string{"time=", "level=", "ts="} {
		if hasPrefixAt(line, 0, prefix) {
			return 0, true
		}
	}
	for _, prefix := range [...]string{`{"time":`, `{"level":`, `{"ts":`} {
		if hasPrefixAt(line, 0, prefix) {
			return 1, true
		}
	}
	return 0, false
}
