package logline

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/logproc/logproc/internal/record"
)

// nextConfigs are the Configs Next is checked with: the seed's two fields,
// which stop after the user; every field, which goes through nextSlogTail;
// each tail field alone; an action key the tail cannot take, which goes on
// in parseLogfmt; and both forced formats.
var nextConfigs = []Config{
	{},
	allFields,
	{ActionKey: "action"},
	{LatencyKey: "latency_ms", TimeKey: "time"},
	{ActionKey: "op", TimeKey: "time"},
	{Format: JSON},
	{Format: Logfmt, ActionKey: "action"},
}

// checkNext walks buf with Next and checks every step against cutting the
// line at its '\n' and parsing it with Parse: the same length, kind and
// record, and 0 once no '\n' is left.
// nextParse is what Next reads line as: what Parse does, but for a line
// that starts with a digit, which may be framed and is left Malformed for
// ParseAny.
func nextParse(p *Parser, line []byte) (Record, Kind) {
	if startsWithDigit(line) {
		return Record{}, Malformed
	}
	return parse(p, line)
}

func startsWithDigit(line []byte) bool { return len(line) > 0 && '0' <= line[0] && line[0] <= '9' }

func checkNext(t *testing.T, c Config, buf []byte) {
	t.Helper()
	p, pt, ref := mustParser(t, c), mustParser(t, c), mustParser(t, c)
	orig := bytes.Clone(buf)
	for b := buf; ; {
		var rec, rect Record
		n, kind := p.Next(b, &rec)
		// NextTimed, Next with nextSlogTail written in, on its own parser.
		nt, kindt := pt.NextTimed(b, &rect)
		end := bytes.IndexByte(b, '\n')
		if end < 0 {
			if n != 0 || nt != 0 {
				t.Fatalf("%+v: Next(%q) = %d, NextTimed %d, want 0: there is no '\\n'", c, b, n, nt)
			}
			break
		}
		want, wantKind := nextParse(&ref, b[:end])
		if n != end+1 || kind != wantKind || recordOf(rec) != recordOf(want) {
			t.Fatalf("%+v: Next(%q) = %d, %s; Parse of the line says %d, %s",
				c, b, n, describe(recordOf(rec), kind), end+1, describe(recordOf(want), wantKind))
		}
		if nt != end+1 || kindt != wantKind || recordOf(rect) != recordOf(want) ||
			rect.Has != rec.Has || rect.Millis != rec.Millis || rect.Slot != rec.Slot ||
			kind != Event && !bytes.Equal(pt.LastLine(), p.LastLine()) {
			t.Fatalf("%+v: NextTimed(%q) = %d, %s (has %b, millis %d, slot %d); Next says %d, %s (%b, %d, %d)",
				c, b, nt, describe(recordOf(rect), kindt), rect.Has, rect.Millis, rect.Slot,
				n, describe(recordOf(rec), kind), rec.Has, rec.Millis, rec.Slot)
		}
		b = b[n:]
	}
	if !bytes.Equal(buf, orig) {
		t.Fatalf("Next changed its input %q to %q", orig, buf)
	}
}

// nextLines are lines on the edges of the slog shape Next reads fast: each alone, each
// followed by another line, and all of them in one buffer.
var nextLines = []string{
	typicalLogfmt,
	`time=2026-11-26T08:00:00.000Z level=INFO msg="user action" user=robert.ramirez@example.com action=add_to_cart latency_ms=53`,
	`time=2026-11-26T08:00:00.000Z level=ERROR msg="user action failed" user=a action=b latency_ms=1234567890`,
	`time=2026-11-26T08:00:00.000Z level=WARN msg="slow user action" user=ann latency_ms=5 action=x`,
	// The msg's quote at the last byte Next tests at once, and just past it.
	`time=2026-11-26T08:00:00.000Z level=DEBUG msg="twenty-three bytes long" user=ann`,
	`time=2026-11-26T08:00:00.000Z level=DEBUG msg="exactly twenty-four byte" user=ann`,
	`time=2026-11-26T08:00:00.000Z level=DEBUG msg="twenty-five bytes of text" user=ann`,
	`time=2026-11-26T08:00:00.000Z level=DEBUG msg="twenty-three, \" escaped" user=ann`,
	// Escaped quotes and backslashes before the msg's closing quote (msgEnd).
	`time=2026-11-26T08:00:00.000Z level=WARN msg="retry level=ERROR user=ghost@example.com after \"timeout\"" user=james@example.com action=download latency_ms=449`,
	`time=2026-11-26T08:00:00.000Z level=WARN msg="a backslash at the end \\" user=ann action=x latency_ms=1`,
	`time=2026-11-26T08:00:00.000Z level=WARN msg="an escaped \\\" and more" user=ann action=x latency_ms=1`,
	`time=2026-11-26T08:00:00.000Z level=WARN msg="unclosed \" user=ann action=x latency_ms=1`,
	`time=2026-11-26T08:00:00.000Z level=INFO msg="user action" user=ann action=login latency_ms=53` + "\r",
	`time=2026-11-26T08:00:00.000Z level=INFO msg="user action" user=ann action=login latency_ms=53 ` + "\t",
	`time=2026-11-26T08:00:00.000Z level=INFO msg="user action" user=ann action=login latency_ms=53` + "\rx",
	`time=2026-11-26T08:00:00.000Z level=INFO msg="user action" user=ann action=login latency_ms=12345678901`,
	`time=2026-11-26T08:00:00.000Z level=INFO msg="user action" user=ann action=login latency_ms=1234567`,
	`time=2026-11-26T08:00:00.000Z level=INFO msg="user action" user=ann action=login latency_ms=12345678`,
	`time=2026-11-26T08:00:00.000Z level=INFO msg="user action" user=ann action=login latency_ms=5:`,
	`time=2026-11-26T08:00:00.000Z level=INFO msg="user action" user=ann action=login latency_ms=9` + "\xff",
	`time=2026-11-26T08:00:00.000Z level=INFO msg="user action" user=ann action=login latency_ms=09 x=1`,
	`time=2026-11-26T08:00:00.000Z level=INFO msg="user action" user=ann action=a.very.long.action.name.over.32.bytes latency_ms=1`,
	`time=2026-11-26T08:00:00.000Z level=INFO msg="user action" user=ann action="login" latency_ms=1`,
	`time=2026-11-26T08:00:00.000Z level=INFO msg="user action" user=ann action=abcdefg latency_ms=7`,                           // an action of 7 bytes
	`time=2026-11-26T08:00:00.000Z level=INFO msg="user action" user=ann action=abcdefgh latency_ms=7`,                          // an action of 8 bytes
	`time=2026-11-26T08:00:00.000Z level=INFO msg="user action" user=ann action=abcdefghi latency_ms=7`,                         // an action of 9 bytes
	`time=2026-11-26T08:00:00.000Z level=INFO msg="user action" user=ann action=abcdefghijabcde latency_ms=7`,                   // an action of 15 bytes
	`time=2026-11-26T08:00:00.000Z level=INFO msg="user action" user=ann action=abcdefghijabcdef latency_ms=7`,                  // an action of 16 bytes
	`time=2026-11-26T08:00:00.000Z level=INFO msg="user action" user=ann action=abcdefghijabcdefg latency_ms=7`,                 // an action of 17 bytes
	`time=2026-11-26T08:00:00.000Z level=INFO msg="user action" user=ann action=abcdefgh` + "\t" + `latency_ms=7`,               // a tab ends the action's first word
	`time=2026-11-26T08:00:00.000Z level=INFO msg="user action" user=ann action=abcdefghijabcdefghijabcd latency_ms=7`,          // an action of 24 bytes
	`time=2026-11-26T08:00:00.000Z level=INFO msg="user action" user=ann action=abcdefghijabcdefghijabcde latency_ms=7`,         // an action of 25 bytes
	`time=2026-11-26T08:00:00.000Z level=INFO msg="user action" user=ann action=abcdefghijabcdefghijabcdefghija latency_ms=7`,   // an action of 31 bytes
	`time=2026-11-26T08:00:00.000Z level=INFO msg="user action" user=ann action=abcdefghijabcdefghijabcdefghijab latency_ms=7`,  // an action of 32 bytes
	`time=2026-11-26T08:00:00.000Z level=INFO msg="user action" user=ann action=abcdefghijabcdefghijabcdefghijabc latency_ms=7`, // an action of 33 bytes
	`time=2026-11-26T08:00:00.000Z level=INFO msg="user action" user=ann action=abcdefghijabcdefghijabcdefghijab latency_ms=1234567 x=1`,
	`time=2026-11-26T08:00:00.000Z level=INFO msg="user action" user=ann action=login latency_ms=1.5s`,
	`time=2026-11-26T08:00:00.000Z level=INFO msg="user action" user=ann action=login latency_ms=`,
	`time=2026-11-26T08:00:00.000Z level=INFO msg="user action" user=ann action=login`,
	`time=2026-11-26T08:00:00.000Z level=INFO msg="user action" user=ann action= latency_ms=5`,
	`time=2026-11-26T08:00:00.000Z level=INFO msg="user action" user=ann op=login latency_ms=5 bad"key=1`,
	`time=2026-11-26T08:00:00.000Z level=INFO msg="user action" user=verylongusername.with.many.parts@example.com`,
	`time=2026-11-26T08:00:00.000Z level=INFO msg="user action" user=ann` + "\r",
	`time=2026-11-26T08:00:00.000Z level=INFO msg="user action" user=ann ` + "  ",
	`time=2026-11-26T08:00:00.000Z level=INFO msg="user action" user=ann` + "\tx",
	`time=2026-11-26T08:00:00.000Z level=INFO msg="user action" user="ann"`,
	`time=2026-11-26T08:00:00.000Z level=INFO msg="user action" user=`,
	`time=2026-11-26T08:00:00.000Z level=INFO msg="quota \"exceeded\"" user=ann action=login latency_ms=5`,
	`time=2026-11-26T08:00:00.000Z level=INFO msg="ends in a backslash\\" user=ann`,
	// A '*' or STX in the msg: quoteOrNewline marks them, msgEnd reads on.
	`time=2026-11-26T08:00:00.000Z level=INFO msg="GET /api/* done" user=ann action=login latency_ms=5`,
	`time=2026-11-26T08:00:00.000Z level=INFO msg="a message longer than 24 bytes, * then" user=ann action=login latency_ms=5`,
	`time=2026-11-26T08:00:00.000Z level=INFO msg="*" user=ann action=login latency_ms=5`,
	`time=2026-11-26T08:00:00.000Z level=INFO msg="stx ` + "\x02" + `" user=ann action=login latency_ms=5`,
	`time=2026-11-26T08:00:00.000Z level=INFO msg=bare user=ann action=login latency_ms=5`,
	`time=2026-11-26T08:00:00.000Z level=INFO msg= user=ann action=login latency_ms=5`,
	`time=2026-11-26T08:00:00.000Z level="INFO" msg="user action" user=ann`,
	`time=2026-11-26T08:00:00.000Z level=INFORMATIONAL msg="user action" user=ann`,
	`time=2026-11-26T08:00:00.000Z  level=INFO msg="user action" user=ann`,
	`time=2026-11-26T08:00:00.000Z level=INFO msg="user action" component=cache user=ann`,
	// Some key other than the user after the msg: nextNoUser.
	`time=2026-11-26T08:00:00.000Z level=INFO msg="cache refreshed" component=cache latency_ms=18`,
	`time=2026-11-26T08:00:00.000Z level=WARN msg="cron job finished" component=scheduler latency_ms=541` + "\r",
	`time=2026-11-26T08:00:00.000Z level=INFO msg="user action" component=scheduler user=ann action=login latency_ms=5 x=1`,
	`time=2026-11-26T08:00:00.000Z level=INFO msg="user action"  user=ann action=login latency_ms=5`,
	`time=2026-11-26T08:00:00.000Z level=INFO msg="user action" user2=ann action=login latency_ms=5 user=bob`,
	`time=2026-11-26T08:00:00.000Z level=INFO msg="user action" component="a b" latency_ms=5 action=x`,
	`time=2026-11-26T08:00:00.000Z level=INFO msg="user action" component=cache bad"key=1 user=ann latency_ms=5`,
	`time=2026-11-26T08:00:00.000Z level=INFO msg="user action" level=ERROR time=2020-01-01T00:00:00Z user=ann`,
	`time=2026-11-26T08:00:00.000Z level=INFO msg="user action" component=cache latency_ms=18 ` + "\t ",
	`time=2026-11-26T08:00:00.000Z level=INFO msg="user action"` + "\t" + `component=cache latency_ms=18 user=ann action=x`,
	`time=2026-11-26T08:00:00.000Z level=INFO msg="user action"x=1 component=cache latency_ms=18 user=ann action=x`,
	`time=2026-11-26T08:00:00+01:00 level=INFO msg="user action" user=ann action=login latency_ms=5`,
	`time="2026-11-26T08:00:00.000" level=INFO msg="user action" user=ann action=login`,
	`time=2026-11-26T08:00:00.000Z level=INFO msg="a message longer than thirty-two bytes, with, commas" user=ann`,
	`time=2026-11-26T08:00:00.000Z level=INFO msg="user action"`,
	`time=2026-11-26T08:00:00.000Z level=INFO`,
	`time=2026-11-26T08:00:00.000Z level=I`,
	`time=2026-11-26T08:00:00.000Z`,
	`{"time":"2026-11-26T08:00:00.000Z","level":"INFO","msg":"user action","user":"ann","action":"login","latency_ms":5}`,
	`level=INFO user=ann`,
	"",
	"   ",
	"\r",
	"garbage",
}

func TestNext(t *testing.T) {
	var all []byte
	for _, line := range nextLines {
		all = append(append(all, line...), '\n')
	}
	for _, c := range nextConfigs {
		for _, line := range nextLines {
			checkNext(t, c, []byte(line))
			checkNext(t, c, []byte(line+"\n"))
			checkNext(t, c, []byte(line+"\n"+typicalLogfmt+"\n"))
			// Cut in the middle: the rest is in the next window.
			for cut := range len(line) {
				checkNext(t, c, []byte(line[:cut]))
			}
		}
		checkNext(t, c, all)
		checkNext(t, c, slogBlock(1<<16, newTextHandler))
		checkNext(t, c, slogBlock(1<<16, newJSONHandler))
	}
}

// TestNextNewlineInAField: a '\n' anywhere in a line of slog's shape ends
// the line there, however the fields before it look.
func TestNextNewlineInAField(t *testing.T) {
	line := `time=2026-11-26T08:00:00.000Z level=INFO msg="user action" user=ann action=login latency_ms=53`
	for _, c := range nextConfigs {
		for i := range len(line) {
			b := []byte(line + "\n" + line + "\n")
			b[i] = '\n'
			checkNext(t, c, b)
		}
	}
}

func TestNextAllocs(t *testing.T) {
	block := slogBlock(1<<16, newTextHandler)
	for _, c := range nextConfigs {
		p := mustParser(t, c)
		var rec Record
		for _, f := range []struct {
			name string
			next func([]byte, *Record) (int, Kind)
		}{{"Next", p.Next}, {"NextTimed", p.NextTimed}} {
			if n := testing.AllocsPerRun(10, func() {
				for b := block; ; {
					n, _ := f.next(b, &rec)
					if n == 0 {
						break
					}
					b = b[n:]
				}
			}); n != 0 {
				t.Errorf("%+v: %s allocated %v times per block", c, f.name, n)
			}
		}
	}
}

// FuzzNext checks Next on any bytes, cut into lines at each '\n', with
// every Config of nextConfigs: against Parse, which knows the same shapes,
// and against the reference parser, which shares no code with either.
// checkNext and checkNextRef make fresh Parsers, so a saved input fails
// alone as it failed in the run.
func FuzzNext(f *testing.F) {
	for _, line := range nextLines {
		f.Add([]byte(line + "\n" + line))
	}
	f.Add([]byte(strings.Join(nextLines, "\n")))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, c := range nextConfigs {
			checkNext(t, c, b)
			checkNextRef(t, c, b)
		}
	})
}

// checkNextRef walks buf with Next and checks each line it steps over
// against refParseWith of the line cut at its '\n'.
func checkNextRef(t *testing.T, c Config, buf []byte) {
	t.Helper()
	p := mustParser(t, c)
	for b := buf; ; {
		var rec Record
		n, kind := p.Next(b, &rec)
		if n == 0 {
			return
		}
		line := b[:n-1]
		want, wantKind := refParseWith(string(line), c)
		if startsWithDigit(line) {
			want, wantKind = recordOf(Record{}), Malformed
		}
		if got := recordOf(rec); kind != wantKind || got != want {
			t.Fatalf("%+v: Next(%q) = %s; the reference parser says %s", c, line, describe(got, kind), describe(want, wantKind))
		}
		b = b[n:]
	}
}

// BenchmarkNext is BenchmarkParseBlock with Next finding each line's end.
func BenchmarkNext(b *testing.B) {
	for _, bc := range []struct {
		name string
		c    Config
	}{{"seed", Config{}}, {"all", allFields}} {
		b.Run(bc.name, func(b *testing.B) {
			block := slogBlock(64<<20, newTextHandler)
			p := mustParser(b, bc.c)
			var rec Record
			lines, events := 0, 0
			for rest := block; ; lines++ {
				n, kind := p.Next(rest, &rec)
				if n == 0 {
					break
				}
				if kind == Event {
					events++
				}
				rest = rest[n:]
			}
			if events != lines || lines != bytes.Count(block, []byte{'\n'}) {
				b.Fatalf("%d events in %d lines, %d newlines", events, lines, bytes.Count(block, []byte{'\n'}))
			}
			b.SetBytes(int64(len(block)))
			b.ReportAllocs()
			for b.Loop() {
				for rest := block; ; {
					n, _ := p.Next(rest, &rec)
					if n == 0 {
						break
					}
					sink += len(rec.User)
					rest = rest[n:]
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(lines), "ns/line")
		})
	}
}

// TestWordTests checks the word tricks Next stands on against a loop over
// the bytes: belowBang's and byteMask's first mark is the first byte they
// look for, packMarks gathers a mask's marks to the bit of their byte, and
// printableEnd and plainQuoteEnd stop where a byte-at-a-time search does.
// The words are random but rich in the bytes that matter.
func TestWordTests(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	alphabet := []byte{' ', '\n', '\r', '\t', '"', '\\', '!', '0', '9', ':', 'a', 0x00, 0x7f, 0x80, 0xff, 0xa0, '*', 0x02}
	randomBytes := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			if r.IntN(3) == 0 {
				b[i] = alphabet[r.IntN(len(alphabet))]
			} else {
				b[i] = byte(r.IntN(256))
			}
		}
		return b
	}
	firstMatch := func(b []byte, match func(byte) bool) int {
		for i, c := range b {
			if match(c) {
				return i
			}
		}
		return len(b)
	}
	for range 100000 {
		b := randomBytes(8)
		w := le64(b)
		want := firstMatch(b, func(c byte) bool { return c < '!' })
		if m := belowBang(w); (m == 0) != (want == 8) || m != 0 && firstMarked(m) != want {
			t.Fatalf("belowBang(%q): first mark %d, want %d", b, firstMarked(m), want)
		}
		want = firstMatch(b, quoteStop)
		if m := quoteOrNewline(w); (m == 0) != (want == 8) || m != 0 && firstMarked(m) != want {
			t.Fatalf("quoteOrNewline(%q): first mark %d, want %d", b, firstMarked(m), want)
		}
		// packMarks of an exact mask puts byte j's mark at bit j.
		var exact uint64
		var bitsWant uint64
		for j, c := range b {
			if c&1 != 0 {
				exact |= 0x80 << (8 * j)
				bitsWant |= 1 << j
			}
		}
		if got := packMarks(exact); got != bitsWant {
			t.Fatalf("packMarks(%#x) = %08b, want %08b", exact, got, bitsWant)
		}
	}
	for range 20000 {
		b := randomBytes(1 + r.IntN(80))
		i := r.IntN(len(b))
		want := i + firstMatch(b[i:], func(c byte) bool { return c < '!' })
		if got := printableEnd(b, i); got != want {
			t.Fatalf("printableEnd(%q, %d) = %d, want %d", b, i, got, want)
		}
		if i == 0 {
			continue // plainQuoteEnd's content starts after an opening quote
		}
		want = -1
		if q := i + firstMatch(b[i:], quoteStop); q < len(b) && b[q] == '"' && b[q-1] != '\\' {
			want = q
		}
		if got := plainQuoteEnd(b, i); got != want {
			t.Fatalf("plainQuoteEnd(%q, %d) = %d, want %d", b, i, got, want)
		}
	}
}

// quoteStop is the byte-at-a-time twin of quoteOrNewline's marks.
func quoteStop(c byte) bool { return c == '"' || c == '\n' || c == '*' || c == 0x02 }

// TestNewlineIn64: newlineIn64 finds the first '\n' of 64 bytes, at every
// position, with more after it or none, and 64 when there is none.
func TestNewlineIn64(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var b [64]byte
	for round := range 20000 {
		for i := range b {
			b[i] = byte(r.IntN(256))
			if b[i] == '\n' {
				b[i] = 'x'
			}
		}
		want := 64
		if round%65 != 64 {
			want = round % 65
			b[want] = '\n'
			for range r.IntN(3) {
				b[want+r.IntN(64-want)] = '\n'
			}
		}
		if got := newlineIn64(&b); got != want {
			t.Fatalf("newlineIn64(%q) = %d, want %d", b[:], got, want)
		}
	}
}

// printableEnd returns the index of the first byte below '!' at or after
// b[i], or len(b), testing the 32 bytes from b[i] at once as Next and
// nextSlogTail do inline. Only TestWordTests calls it: it checks the word
// tests those fixed views stand on against a byte-at-a-time search.
func printableEnd(b []byte, i int) int {
	if i >= 0 && len(b)-i >= 32 {
		v := (*[32]byte)(b[i:])
		marks := packMarks(belowBang(le64(v[0:]))) | packMarks(belowBang(le64(v[8:])))<<8 |
			packMarks(belowBang(le64(v[16:])))<<16 | packMarks(belowBang(le64(v[24:])))<<24
		if marks != 0 {
			return i + bits.TrailingZeros64(marks)
		}
		i += 32
	}
	for ; i+8 <= len(b); i += 8 {
		if m := belowBang(le64(b[i:])); m != 0 {
			return i + firstMarked(m)
		}
	}
	for i < len(b) && b[i] >= '!' {
		i++
	}
	return i
}

// TestDecimalWord: every count of digits Next hands over, one to seven,
// read as strconv reads them.
func TestDecimalWord(t *testing.T) {
	cases := []string{"0", "7", "10", "99", "100", "4096", "65535", "99999", "123456", "1000000", "9999999", "0000001", "0120"}
	for n := 1; n < 1e7; n = n*7 + 3 {
		cases = append(cases, strconv.Itoa(n))
	}
	for _, s := range cases {
		var w [8]byte
		copy(w[:], s)
		word := binary.LittleEndian.Uint64(w[:]) - lowBits*'0'
		got := decimalWord(word << (64 - 8*len(s)))
		want, err := strconv.ParseUint(s, 10, 64)
		if err != nil || got != want {
			t.Errorf("decimalWord(%q) = %d, want %d", s, got, want)
		}
	}
}

// TestNextTimes: lines in time order, milliseconds apart, across seconds,
// minutes, hours and days, with jumps back and forth to the same second of
// another minute and broken milliseconds: Next, which keeps the last
// second and minute, against Parse and the reference parser.
func TestNextTimes(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	t0 := time.Date(2026, 11, 26, 23, 58, 59, 0, time.UTC)
	jumps := []time.Duration{time.Minute, -time.Minute, time.Hour, -time.Hour, 24 * time.Hour}
	broken := []string{"12aZ", "1/3Z", "123z", "12:Z", "999Z", "000Z", "1230", "12.Z"}
	var buf []byte
	for range 5000 {
		ts := ""
		switch r.IntN(40) {
		case 0:
			t0 = t0.Add(jumps[r.IntN(len(jumps))])
		case 1:
			ts = t0.Format("2006-01-02T15:04:05.") + broken[r.IntN(len(broken))]
		default:
			t0 = t0.Add(time.Duration(r.IntN(40)) * time.Millisecond)
		}
		if ts == "" {
			ts = t0.Format("2006-01-02T15:04:05.000Z")
		}
		buf = fmt.Appendf(buf, "time=%s level=INFO msg=\"user action\" user=u%d action=login latency_ms=%d\n", ts, r.IntN(100), r.IntN(3000))
	}
	for _, c := range nextConfigs {
		checkNext(t, c, buf)
		checkNextRef(t, c, buf)
	}
}

// TestNextKnownLevel: on every metric's line Next marks slog's four levels
// KnownLevel with their index in record.LevelNames, and no other level.
func TestNextKnownLevel(t *testing.T) {
	slots := map[string]int{"DEBUG": 0, "INFO": 1, "WARN": 2, "ERROR": 3}
	levels := []string{"DEBUG", "INFO", "WARN", "ERROR", "I", "INF", "INFOS", "info", "WARNING", "DEBU",
		"ERRO", "ERRORS", "TRACE", "FATAL", "NOTICE", "INFO+2", "EROR", "JNFO", "WARM", "SEVEN77"}
	p := mustParser(t, allFields)
	for _, level := range levels {
		line := `time=2026-11-26T08:00:00.000Z level=` + level + ` msg="user action" user=ann action=login latency_ms=53` + "\n"
		var rec Record
		n, kind := p.Next([]byte(line+line), &rec)
		if n != len(line) || kind != Event || string(rec.Level) != level {
			t.Fatalf("Next(%q) = %d, %v, level %q", line, n, kind, rec.Level)
		}
		slot, known := slots[level]
		if got := rec.Has&KnownLevel != 0; got != known || known && int(rec.Slot) != slot {
			t.Errorf("level %s: KnownLevel %v, Slot %d; want %v, %d", level, got, rec.Slot, known, slot)
		}
		if known && record.LevelNames[slot] != level {
			t.Errorf("record.LevelNames[%d] = %q, want %q", slot, record.LevelNames[slot], level)
		}
	}
}
