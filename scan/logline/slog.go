package logline

import (
	"encoding/binary"
)

// parseText parses a logfmt line, through parseSlogText when it can. Each
// path sets every field of rec, so Parse need not clear it first.
func (p *Parser) parseText(line []byte, rec *Record) Kind {
	if p.slogFast {
		if i, ok := parseSlogText(line, rec); ok {
			found := p.takeSlogTime(line, rec)
			if found == p.want || i == len(line) {
				return Event
			}
			return p.afterSlogUser(line, i, rec, found)
		}
	}
	*rec = Record{}
	i := 0
	if p.skipTime {
		i = skipSlogTime(line)
	}
	return p.parseLogfmt(line, i, rec, 0)
}

// takeSlogTime reads the time of a line parseSlogText or Next took, when
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

// afterSlogUser reads what follows the user on a line parseSlogText or
// Next took, from line[i], the SP after the user's value, which is not the
// end of line: through parseSlogTail when it can, else parseLogfmt.
func (p *Parser) afterSlogUser(line []byte, i int, rec *Record, found uint8) Kind {
	if p.slogTail {
		if action, latency, has, ok := parseSlogTail(line, i); ok {
			// Both are in the line; only those taken count.
			if p.tailAction {
				rec.Action = action
			}
			if p.tailLatency {
				rec.Latency, rec.Has = latency, rec.Has|has
			}
			return Event // every field is read
		}
	}
	for line[i] == ' ' { // line does not end in SP
		i++
	}
	return p.parseLogfmt(line, i, rec, found)
}

// parseSlogText reads a line of exactly the shape slog's TextHandler gives
// a record in UTC with a user as its first attribute:
//
//	time=<24 bytes> level=<bare> msg=<quoted or bare> user=<bare> …
//
// and reports false for anything else, leaving it to parseLogfmt. On the
// lines it takes, its level and user are the ones parseLogfmt would take:
// the first of their keys, both bare and not empty. It returns the index
// after the user's value, where parseLogfmt goes on when more fields are
// taken. It saves matching each key against every name.
func parseSlogText(s []byte, rec *Record) (int, bool) {
	i := skipSlogTime(s)
	if i == 0 || !hasPrefixAt(s, i, "level=") {
		return 0, false
	}
	i += len("level=")
	level := bareValue(s, i)
	if len(level) == 0 || level[0] == '"' {
		return 0, false
	}
	i += len(level)
	if !hasPrefixAt(s, i, " msg=") {
		return 0, false
	}
	i += len(" msg=")
	if i < len(s) && s[i] == '"' {
		e := closingQuote(s, i+1)
		if e < 0 {
			return 0, false
		}
		i = e + 1
	} else {
		i += len(bareValue(s, i))
	}
	if !hasPrefixAt(s, i, " user=") {
		return 0, false
	}
	i += len(" user=")
	user := bareValue(s, i)
	if len(user) == 0 || user[0] == '"' {
		return 0, false
	}
	*rec = Record{Level: level, User: user}
	return i + len(user), true
}

// parseSlogTail reads the two attributes a line of logproc gen, and of any
// service that logs them so, has after the user, from s[i] (the space
// where the user's value ends), and returns the action and the latency:
//
//	SP "action=" <bare> SP "latency_ms=" <bare>
//
// It reports false for anything else. The level,
// user and time are read by then, so the line is complete after these two
// and parseLogfmt would stop there too. Taking them here instead of in
// parseLogfmt's general loop saves matching each key against the keys
// taken.
func parseSlogTail(s []byte, i int) (action []byte, latency int64, has Has, ok bool) {
	// The keys are compared as words: " action=" is one, " latency_ms="
	// one and a half; string comparison called memequal for the second.
	const (
		actionKey   = " action="
		latencyKey  = " latency_ms="
		actionWord  = uint64(' ') | 'a'<<8 | 'c'<<16 | 't'<<24 | 'i'<<32 | 'o'<<40 | 'n'<<48 | '='<<56
		latencyWord = uint64(' ') | 'l'<<8 | 'a'<<16 | 't'<<24 | 'e'<<32 | 'n'<<40 | 'c'<<48 | 'y'<<56
		latencyEnd  = uint32('_') | 'm'<<8 | 's'<<16 | '='<<24
	)
	if len(s)-i < len(actionKey) || binary.LittleEndian.Uint64(s[i:]) != actionWord {
		return nil, 0, 0, false
	}
	i += len(actionKey)
	action = s[i:bareEnd(s, i)]
	if len(action) == 0 || action[0] == '"' {
		return nil, 0, 0, false
	}
	i += len(action)
	if len(s)-i < len(latencyKey) || binary.LittleEndian.Uint64(s[i:]) != latencyWord || binary.LittleEndian.Uint32(s[i+8:]) != latencyEnd {
		return nil, 0, 0, false
	}
	i += len(latencyKey)
	// Most latencies are a few digits of milliseconds at the end of the
	// line: read their value while looking for their end, and anything
	// else with ParseLatency.
	start, n := i, int64(0)
	for ; i < len(s) && i-start < 10; i++ {
		d := s[i] - '0'
		if d > 9 {
			break
		}
		n = n*10 + int64(d)
	}
	if i > start && (i == len(s) || s[i] == ' ') {
		return action, n * 1e6, HasLatency, true
	}
	value := s[start:bareEnd(s, start)]
	if len(value) == 0 || value[0] == '"' {
		return nil, 0, 0, false
	}
	if ns, ok := ParseLatency(value, 1e6); ok {
		return action, ns, HasLatency, true
	}
	return action, 0, BadLatency, true
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
