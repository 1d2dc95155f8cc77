package logline

// parseText parses a logfmt line through the general loop. slog's own
// shape has one reader, Next's fused one; Parse reads the lines Next leaves
// to it, and any other caller's, as logfmt. It sets every field of rec, so
// Parse need not clear it first.
func (p *Parser) parseText(line []byte, rec *Record) Kind {
	*rec = Record{}
	i := 0
	if p.skipTime {
		i = skipSlogTime(line)
	}
	return p.parseLogfmt(line, i, rec, 0)
}

// takeSlogTime reads the time of a line Next took, when
// the time is taken, and returns the fields read by then: level, user and
// maybe time. It is small enough to be inlined: the seed's counters take no
// time and pay one test.
func (p *Parser) takeSlogTime(line []byte, rec *Record) (found uint8) {
	if p.want&(1<<fieldTime) == 0 {
		return 1<<fieldLevel | 1<<fieldUser
	}
	p.readSlogTime(line[len("time="):len(slogTimePair)], rec)
	return 1<<fieldLevel | 1<<fieldUser | 1<<fieldTime
}

// readSlogTime reads v, the value of slog's time pair.
func (p *Parser) readSlogTime(v []byte, rec *Record) {
	if ns, ok := p.minute.readMillis(v); ok {
		rec.Time, rec.Has = ns, HasTime
		return
	}
	p.takeTime(rec, v)
}

// afterSlogUser reads what follows the user on a line Next took, from
// line[i], the SP after the user's value, which is not the end of line,
// when nextSlogTail did not take it.
func (p *Parser) afterSlogUser(line []byte, i int, rec *Record, found uint8) Kind {
	for line[i] == ' ' { // line does not end in SP
		i++
	}
	return p.parseLogfmt(line, i, rec, found)
}

// slogTimePair is the shape of the time pair slog writes first on a line.
const slogTimePair = "time=2026-11-26T08:00:00.123Z"

// skipSlogTime returns where the second pair of s starts when s begins
// with the time as slog writes it in UTC, `time=2026-11-26T08:00:00.123Z `,
// and 0 otherwise. The pair is not one taken, so only its grammar matters:
// a bare value of 24 bytes with no SP that does not start with DQUOTE.
// Checking that costs three word tests, where the loop below would match
// the key against both names and search the value word by word.
func skipSlogTime(s []byte) int {
	const n = len(slogTimePair)
	if len(s) <= n || s[n] != ' ' || string(s[:5]) != "time=" || s[5] == '"' {
		return 0
	}
	// byteMask marks nothing only when the word holds no SP at all.
	if byteMask(wordAt(s, 5), ' ')|byteMask(wordAt(s, 13), ' ')|byteMask(wordAt(s, 21), ' ') != 0 {
		return 0
	}
	i := n + 1
	for s[i] == ' ' { // s does not end in SP
		i++
	}
	return i
}
