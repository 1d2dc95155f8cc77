package logline

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The oracles: time.Parse and time.ParseDuration for what they read, and
// exact rational arithmetic (math/big) for the bare numbers.

// refParseTime is what ParseTime must return for a value outside the epoch
// grammar: time.Parse's instant, when it has an int64 nanosecond time.
func refParseTime(s string) (int64, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		// zap's and hclog's offsets, without a colon.
		if t, err = time.Parse("2006-01-02T15:04:05.999999999Z0700", s); err != nil {
			return 0, false
		}
	}
	ns := new(big.Int).Mul(big.NewInt(t.Unix()), big.NewInt(1e9))
	ns.Add(ns, big.NewInt(int64(t.Nanosecond())))
	if !ns.IsInt64() {
		return 0, false
	}
	return ns.Int64(), true
}

var refEpochForm = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)

// refEpoch is what ParseTime must return for a value in the epoch grammar:
// the number's unit chosen by its integer part, the result truncated.
func refEpoch(s string) (int64, bool) {
	x, ok := new(big.Rat).SetString(s)
	if !ok {
		panic("refEpoch: " + s)
	}
	whole := new(big.Int).Quo(x.Num(), x.Denom())
	nsPerUnit := int64(1)
	switch {
	case whole.Cmp(big.NewInt(1e11)) < 0:
		nsPerUnit = 1e9
	case whole.Cmp(big.NewInt(1e14)) < 0:
		nsPerUnit = 1e6
	case whole.Cmp(big.NewInt(1e17)) < 0:
		nsPerUnit = 1e3
	}
	return ratTimes(x, nsPerUnit)
}

// ratTimes returns x*unit truncated, x >= 0, if it fits in an int64.
func ratTimes(x *big.Rat, unit int64) (int64, bool) {
	y := new(big.Rat).Mul(x, new(big.Rat).SetInt64(unit))
	n := new(big.Int).Quo(y.Num(), y.Denom())
	if !n.IsInt64() {
		return 0, false
	}
	return n.Int64(), true
}

var refNumberForm = regexp.MustCompile(`^[+-]?[0-9]+(\.[0-9]+)?([eE][+-]?([0-9]|[0-2][0-9]|30))?$`)

// refParseLatency is what ParseLatency must return: for a number, its
// exact product with unit, truncated toward zero; for anything else, what
// time.ParseDuration returns, if it is not negative. It holds for units
// that divide 1e9, where ignoring fraction digits past the ninth loses
// nothing.
func refParseLatency(s string, unit int64) (int64, bool) {
	if refNumberForm.MatchString(s) {
		x, ok := new(big.Rat).SetString(s)
		if !ok {
			panic("refParseLatency: " + s)
		}
		// The sign applies to the truncated product, as it does in
		// time.ParseDuration: -0.4 ns is 0.
		neg := x.Sign() < 0
		ns, ok := ratTimes(x.Abs(x), unit)
		if neg && ns != 0 {
			return 0, false
		}
		return ns, ok
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, false
	}
	return int64(d), true
}

func utc(year int, month time.Month, day, hour, minute, sec, nsec int) int64 {
	return time.Date(year, month, day, hour, minute, sec, nsec, time.UTC).UnixNano()
}

// The edge each case tests is in its input where it can be.
var parseTimeTests = []struct {
	in   string
	want int64
	ok   bool
}{
	// The forms slog, logrus and zerolog write.
	{"2026-11-26T08:00:00.123Z", utc(2026, 11, 26, 8, 0, 0, 123e6), true},
	{"2026-11-26T08:00:00Z", utc(2026, 11, 26, 8, 0, 0, 0), true},
	{"2026-11-26T09:00:00.123456789+01:00", utc(2026, 11, 26, 8, 0, 0, 123456789), true},
	{"2026-11-26T03:00:00-05:00", utc(2026, 11, 26, 8, 0, 0, 0), true},
	{"2026-11-26T13:30:00.5+05:30", utc(2026, 11, 26, 8, 0, 0, 5e8), true},
	{"2026-11-26T08:00:00.1Z", utc(2026, 11, 26, 8, 0, 0, 1e8), true},
	{"2026-11-26T08:00:00.000000001Z", utc(2026, 11, 26, 8, 0, 0, 1), true},
	{"2026-11-26T08:00:00.1234567899999Z", utc(2026, 11, 26, 8, 0, 0, 123456789), true},
	{"2026-11-26T08:00:00.999999999-00:00", utc(2026, 11, 26, 8, 0, 0, 999999999), true},
	{"1970-01-01T00:00:00Z", 0, true},
	{"1969-12-31T23:59:59.5Z", -5e8, true},
	{"2024-02-29T23:59:59Z", utc(2024, 2, 29, 23, 59, 59, 0), true},
	{"2000-02-29T00:00:00Z", utc(2000, 2, 29, 0, 0, 0, 0), true},
	{"2026-12-31T23:59:59Z", utc(2026, 12, 31, 23, 59, 59, 0), true},
	{"2026-04-30T00:00:00Z", utc(2026, 4, 30, 0, 0, 0, 0), true},
	// time.Parse's layout parser takes what its RFC 3339 path does not.
	{"2026-11-26T08:00:00,123Z", utc(2026, 11, 26, 8, 0, 0, 123e6), true},
	{"2026-11-26T8:00:00Z", utc(2026, 11, 26, 8, 0, 0, 0), true},
	{"2026-11-26T8:00:00.25+01:00", utc(2026, 11, 26, 7, 0, 0, 25e7), true},
	{"2026-11-26T08:00:00+24:00", utc(2026, 11, 25, 8, 0, 0, 0), true},
	{"2026-11-26T08:00:00-23:60", utc(2026, 11, 27, 8, 0, 0, 0), true},
	// Offsets without a colon: zap's ISO8601TimeEncoder, hclog.
	{"2026-11-26T09:00:00.123+0100", utc(2026, 11, 26, 8, 0, 0, 123e6), true},
	{"2026-11-26T03:00:00.000-0500", utc(2026, 11, 26, 8, 0, 0, 0), true},
	{"2026-11-26T13:30:05+0530", utc(2026, 11, 26, 8, 0, 5, 0), true},
	{"2026-11-26T08:00:00+0000", utc(2026, 11, 26, 8, 0, 0, 0), true},
	{"2026-11-26T08:00:00+2400", utc(2026, 11, 25, 8, 0, 0, 0), true},
	{"2026-11-26T08:00:00+100", 0, false},
	{"2026-11-26T08:00:00+01000", 0, false},
	{"2026-11-26T08:00:00+01:0", 0, false},
	{"2026-11-26T08:00:00 0100", 0, false},
	// The ends of the int64 range, offsets included.
	{"1677-09-21T00:12:43.145224192Z", math.MinInt64, true},
	{"1677-09-21T00:12:43.145224191Z", 0, false},
	{"1677-09-20T23:12:43.145224192-01:00", math.MinInt64, true},
	{"2262-04-11T23:47:16.854775807Z", math.MaxInt64, true},
	{"2262-04-11T23:47:16.854775808Z", 0, false},
	{"2262-04-12T00:47:16.854775807+01:00", math.MaxInt64, true},
	{"2262-04-11T23:47:17Z", 0, false},
	{"1600-01-01T00:00:00Z", 0, false},
	{"9999-12-31T23:59:59Z", 0, false},
	{"0000-01-01T00:00:00Z", 0, false},

	// Rejected by time.Parse too.
	{"2026-11-26T08:00:60Z", 0, false}, // no leap second
	{"2026-11-26T24:00:00Z", 0, false},
	{"2026-11-26T08:60:00Z", 0, false},
	{"2026-02-29T08:00:00Z", 0, false},
	{"2100-02-29T08:00:00Z", 0, false},
	{"2026-02-30T08:00:00Z", 0, false},
	{"2026-04-31T08:00:00Z", 0, false},
	{"2026-00-26T08:00:00Z", 0, false},
	{"2026-13-26T08:00:00Z", 0, false},
	{"2026-11-00T08:00:00Z", 0, false},
	{"2026-11-26t08:00:00Z", 0, false},
	{"2026-11-26T08:00:00z", 0, false},
	{"2026-11-26 08:00:00Z", 0, false},
	{"2026-11-26T08:00:00", 0, false},
	{"2026-11-26T8:00:00", 0, false},
	{"2026-11-26T08:00:00.Z", 0, false},
	{"2026-11-26T08:00:00.123", 0, false},
	{"2026-11-26T08:00:00.12xZ", 0, false},
	{"2026-11-26T08:00:00..1Z", 0, false},
	{"2026-11-26T08:00:00.123Z ", 0, false},
	{"2026-11-26T08:00:00.123ZZ", 0, false},
	{"2026-11-26T08:00:00+25:00", 0, false},
	{"2026-11-26T08:00:00+01:61", 0, false},
	{"2026-11-26T08:00:00+01:00:00", 0, false},
	{"2026-11-26T08:00:00+1:00", 0, false},
	{"2026-11-26T08:00:00+0x:00", 0, false},
	{"2026-11-26T08:00:00+01:x0", 0, false},
	{"2026-11-26T08:00:00 01:00", 0, false},
	{"2026-1-26T08:00:00Z", 0, false},
	{"2026-11-6T08:00:00Z", 0, false},
	{"2026-11-26T08:0:00Z", 0, false},
	{"2026-11-26T08:00:0Z", 0, false},
	{"2026-11-26Tx8:00:00Z", 0, false},
	{"2026-11-26T:8:00:00Z", 0, false},
	{"+026-11-26T08:00:00Z", 0, false},
	{"2026-11-26", 0, false},
	{"2026-", 0, false},

	// Epoch numbers: the unit follows the integer part.
	{"1732608000", 1732608000e9, true},
	{"1732608000.123456", 1732608000123456000, true},
	{"1732608000.1234567891", 1732608000123456789, true},
	{"1732608000123", 1732608000123e6, true},
	{"1732608000123.456789", 1732608000123456789, true},
	{"1732608000123456", 1732608000123456e3, true},
	{"1732608000123456.7891", 1732608000123456789, true},
	{"1732608000123456789", 1732608000123456789, true},
	{"1732608000123456789.9", 1732608000123456789, true},
	{"0", 0, true},
	{"0.5", 5e8, true},
	{"00000000000000000000001", 1e9, true},
	{"9223372036.854775807", math.MaxInt64, true},
	{"9223372036.854775808", 0, false},
	{"99999999999", 0, false},    // the last of the seconds: past 2262
	{"100000000000", 1e17, true}, // the first milliseconds
	{"9223372036854", 9223372036854e6, true},
	{"9223372036855", 0, false},        // past 2262 in milliseconds
	{"99999999999999", 0, false},       // the last of the milliseconds
	{"100000000000000", 1e17, true},    // the first microseconds
	{"99999999999999999", 0, false},    // the last of the microseconds
	{"100000000000000000", 1e17, true}, // the first nanoseconds
	{"9223372036854775807", math.MaxInt64, true},
	{"9223372036854775808", 0, false},
	{"99999999999999999999", 0, false},
	{"", 0, false},
	{"-1", 0, false},
	{"+1", 0, false},
	{"1e9", 0, false},
	{"1.7e9", 0, false},
	{"1.", 0, false},
	{".5", 0, false},
	{"1..2", 0, false},
	{"1.2.3", 0, false},
	{"0x10", 0, false},
	{"1_000", 0, false},
	{" 1", 0, false},
	{"1 ", 0, false},
	{"١٢", 0, false}, // Arabic-Indic digits
	{"NaN", 0, false},
}

func TestParseTime(t *testing.T) {
	for _, tt := range parseTimeTests {
		got, ok := ParseTime([]byte(tt.in))
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseTime(%q) = (%d, %t), want (%d, %t)", tt.in, got, ok, tt.want, tt.ok)
		}
		// The table is also a record of what time.Parse does.
		if !refEpochForm.MatchString(tt.in) {
			if want, wantOK := refParseTime(tt.in); want != tt.want || wantOK != tt.ok {
				t.Errorf("time.Parse(%q) gives (%d, %t); the table says (%d, %t)", tt.in, want, wantOK, tt.want, tt.ok)
			}
		} else if want, wantOK := refEpoch(tt.in); want != tt.want || wantOK != tt.ok {
			t.Errorf("refEpoch(%q) = (%d, %t); the table says (%d, %t)", tt.in, want, wantOK, tt.want, tt.ok)
		}
	}
}

// checkParseTime fails t when ParseTime disagrees with its oracle on s.
func checkParseTime(t *testing.T, s string) (accepted bool) {
	t.Helper()
	got, ok := ParseTime([]byte(s))
	want, wantOK, oracle := int64(0), false, ""
	if refEpochForm.MatchString(s) {
		want, wantOK = refEpoch(s)
		oracle = "refEpoch"
	} else {
		want, wantOK = refParseTime(s)
		oracle = "time.Parse"
	}
	if got != want || ok != wantOK {
		t.Fatalf("ParseTime(%q) = (%d, %t); %s says (%d, %t)", s, got, ok, oracle, want, wantOK)
	}
	return ok
}

// randomRFC3339 returns a time as time.Parse may or may not accept it: the
// fields mostly in range, sometimes just outside, with the variants its
// layout parser takes (',', a one-digit hour, offsets of 24h or 60m).
func randomRFC3339(r *rand.Rand) string {
	var b strings.Builder
	year := 1700 + r.IntN(501)
	if r.IntN(20) == 0 {
		year = 1676 + r.IntN(3) + 585*r.IntN(2) // around 1677 and 2262
	}
	fmt.Fprintf(&b, "%04d-%02d-%02dT", year, r.IntN(14), r.IntN(33))
	if hour := r.IntN(25); hour < 10 && r.IntN(4) == 0 {
		fmt.Fprintf(&b, "%d", hour)
	} else {
		fmt.Fprintf(&b, "%02d", hour)
	}
	fmt.Fprintf(&b, ":%02d:%02d", r.IntN(61), r.IntN(61))
	if r.IntN(3) > 0 {
		b.WriteByte(".,"[r.IntN(8)/7])
		for n := 1 + r.IntN(12); n > 0; n-- {
			b.WriteByte(byte('0' + r.IntN(10)))
		}
	}
	if r.IntN(2) == 0 {
		b.WriteByte('Z')
	} else {
		colon := ":"
		if r.IntN(3) == 0 {
			colon = "" // zap's and hclog's form
		}
		fmt.Fprintf(&b, "%c%02d%s%02d", "+-"[r.IntN(2)], r.IntN(26), colon, r.IntN(62))
	}
	return b.String()
}

func TestParseTimeAgreesWithTimeParse(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const n = 30_000
	accepted := 0
	for range n {
		if checkParseTime(t, randomRFC3339(r)) {
			accepted++
		}
	}
	// Both verdicts must be common for the test to say anything.
	if accepted < n/4 || accepted > n*3/4 {
		t.Errorf("%d of %d random times accepted; want between a quarter and three quarters", accepted, n)
	}
}

// TestParseTimeFormatted reads times as Go writes them, in random zones:
// each must come back as the instant formatted.
func TestParseTimeFormatted(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	lo := time.Date(1700, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	hi := time.Date(2200, 12, 31, 23, 59, 59, 999999999, time.UTC).UnixNano()
	for range 20_000 {
		ns := lo + int64(r.Uint64N(uint64(hi)-uint64(lo))) // the span overflows int64
		switch r.IntN(4) {
		case 0:
			ns -= ns % 1e9 // no fraction
		case 1:
			ns -= ns % 1e6 // milliseconds, as slog writes
		}
		tm := time.Unix(0, ns).In(time.FixedZone("", (r.IntN(48*60+1)-24*60)*60))
		if r.IntN(2) == 0 {
			tm = tm.UTC()
		}
		s := tm.Format(time.RFC3339Nano)
		if got, ok := ParseTime([]byte(s)); got != ns || !ok {
			t.Fatalf("ParseTime(%q) = (%d, %t), want (%d, true)", s, got, ok, ns)
		}
	}
}

// TestParseTimeMutated changes one byte of valid times, to reach the
// rejections a generator of whole fields does not.
func TestParseTimeMutated(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	const bytes = "0123456789-:.,TtZz+ \x00\xff"
	for range 20_000 {
		s := []byte(randomRFC3339(r))
		s[r.IntN(len(s))] = bytes[r.IntN(len(bytes))]
		if r.IntN(8) == 0 {
			s = s[:r.IntN(len(s))]
		}
		checkParseTime(t, string(s))
	}
}

// TestParseTimeEpochRandom writes random instants in each unit, with
// fractions of random length.
func TestParseTimeEpochRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for range 20_000 {
		// Integer parts of 1 to 20 digits: every unit and its overflow.
		s := fmt.Sprint(r.Uint64() >> r.IntN(64))
		if r.IntN(2) == 0 {
			s += "."
			for n := 1 + r.IntN(12); n > 0; n-- {
				s += string(rune('0' + r.IntN(10)))
			}
		}
		checkParseTime(t, s)
	}
}

var parseLatencyTests = []struct {
	in   string
	unit int64
	want int64
	ok   bool
}{
	// Bare numbers, in the unit given.
	{"42", 1e6, 42e6, true},
	{"53", 1, 53, true},
	{"0.053", 1e9, 53e6, true},
	{"1500.25", 1e6, 1500250000, true},
	{"1500.25", 1e3, 1500250, true},
	{"1500.25", 1, 1500, true},            // truncated below 1 ns
	{"0.0000000019", 1e9, 1, true},        // the tenth digit is ignored
	{"0.999999999999", 1e6, 999999, true}, // and truncation goes on
	{"007", 1e3, 7e3, true},
	{"0", 1e9, 0, true},
	{"+42", 1e6, 42e6, true},
	{"-0", 1e6, 0, true},
	{"-0.000", 1, 0, true},
	{"-0.4", 1, 0, true}, // -0.4 ns truncates to 0, as "-0.4ns" does
	{"9223372036854775807", 1, math.MaxInt64, true},
	{"9223372036854775808", 1, 0, false},
	{"9223372036854775807", 1e3, 0, false},
	{"9223372036.854775807", 1e9, math.MaxInt64, true},
	{"9223372036.854775808", 1e9, 0, false},
	{"99999999999999999999", 1, 0, false},
	{"9223372037", 1e9, 0, false},                        // short enough for the fast path
	{"1.5", 60e9, 90e9, true},                            // any positive unit
	{"0.1", math.MaxInt64 / 2, math.MaxInt64 / 20, true}, // the 128-bit product
	{"42", 0, 0, false},
	{"42", -1, 0, false},
	{"4.2", 0, 0, false},

	// Go durations: the unit does not apply.
	{"53ms", 1, 53e6, true},
	{"53ms", 1e9, 53e6, true},
	{"1.5s", 1e6, 15e8, true},
	{"1h2m3.5s", 1e6, 3723500e6, true},
	{"250µs", 1e6, 250e3, true},
	{"250μs", 1e6, 250e3, true},
	{"250us", 1e6, 250e3, true},
	{"100ns", 1e6, 100, true},
	{"0s", 1e6, 0, true},
	{"+5s", 1e6, 5e9, true},
	{"-0s", 1e6, 0, true},
	{"-0.4ns", 1e6, 0, true},
	{".5s", 1e6, 5e8, true},
	{"5.s", 1e6, 5e9, true},
	{"1.0000000001s", 1e6, 1e9, true},
	{"1s1s", 1e6, 2e9, true},
	{"0.1234567890123456789012345h", 1, 444444440444, true},
	// time.ParseDuration computes a fraction in float64, which rounds 18
	// nines up: exactly, these are 3599999999999 and 999999999.
	{"0.99999999999999999999h", 1e6, 3600e9, true},
	{"0.999999999999999999s", 1e6, 1e9, true},
	{"2562047h47m16.854775807s", 1e6, math.MaxInt64, true},
	{"2562047h47m16.854775808s", 1e6, 0, false},
	{"9223372036854775808ns", 1, 0, false},
	{"10000000000000000000ns", 1, 0, false},
	{"9223372036854775809ns", 1, 0, false}, // one digit past 1<<63
	{"9223372036.854775808s", 1, 0, false}, // 1<<63 ns: only -1<<63 is a duration
	{"9223372036.854775809s", 1, 0, false},
	{"1.9223372036854775809ns", 1, 1, true}, // a fraction stops at 1<<63

	// Rejected.
	{"", 1e6, 0, false},
	{"+", 1e6, 0, false},
	{"-", 1e6, 0, false},
	{"-1", 1e6, 0, false},
	{"-0.5", 1e6, 0, false},
	{"-1ms", 1e6, 0, false},
	{"1.", 1e6, 0, false},
	{".5", 1e6, 0, false},
	{"1e3", 1e6, 1e9, true}, // exponent form, as Go writes a float64
	{"0x10", 1e6, 0, false},
	{"1_000", 1e6, 0, false},
	{" 53", 1e6, 0, false},
	{"53 ", 1e6, 0, false},
	{"53 ms", 1e6, 0, false},
	{"53MS", 1e6, 0, false},
	{"53msx", 1e6, 0, false},
	{"53d", 1e6, 0, false},
	{"ms", 1e6, 0, false},
	{".s", 1e6, 0, false},
	{"1.5.5s", 1e6, 0, false},
	{"0.05x3", 1e6, 0, false},
	{"1ms+1s", 1e6, 0, false},
	{"1ms1", 1e6, 0, false},
	{"NaN", 1e6, 0, false},
	{"Inf", 1e6, 0, false},
}

func TestParseLatency(t *testing.T) {
	for _, tt := range parseLatencyTests {
		got, ok := ParseLatency([]byte(tt.in), tt.unit)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseLatency(%q, %d) = (%d, %t), want (%d, %t)", tt.in, tt.unit, got, ok, tt.want, tt.ok)
		}
		if 0 < tt.unit && tt.unit <= 1e9 && 1e9%tt.unit == 0 {
			if want, wantOK := refParseLatency(tt.in, tt.unit); want != tt.want || wantOK != tt.ok {
				t.Errorf("refParseLatency(%q, %d) = (%d, %t); the table says (%d, %t)", tt.in, tt.unit, want, wantOK, tt.want, tt.ok)
			}
		}
	}
}

var latencyUnits = [...]int64{1, 1e3, 1e6, 1e9}

// checkParseLatency fails t when ParseLatency disagrees with its oracle on s.
func checkParseLatency(t *testing.T, s string, unit int64) (accepted bool) {
	t.Helper()
	got, ok := ParseLatency([]byte(s), unit)
	if want, wantOK := refParseLatency(s, unit); got != want || ok != wantOK {
		t.Fatalf("ParseLatency(%q, %d) = (%d, %t); reference says (%d, %t)", s, unit, got, ok, want, wantOK)
	}
	return ok
}

func TestParseLatencyDurationString(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for range 20_000 {
		d := time.Duration(r.Int64() >> r.IntN(64))
		s := d.String()
		if got, ok := ParseLatency([]byte(s), 1e6); got != int64(d) || !ok {
			t.Fatalf("ParseLatency(%q) = (%d, %t), want (%d, true)", s, got, ok, d)
		}
	}
}

// randomDuration returns a string in or near time.ParseDuration's grammar:
// signed, with fractions of any length and every unit.
func randomDuration(r *rand.Rand) string {
	var b strings.Builder
	if r.IntN(4) == 0 {
		b.WriteByte("+-"[r.IntN(2)])
	}
	units := []string{"ns", "us", "µs", "μs", "ms", "s", "m", "h", "", "d", "S"}
	for n := 1 + r.IntN(3); n > 0; n-- {
		if r.IntN(8) > 0 {
			fmt.Fprint(&b, r.Uint64()>>r.IntN(64))
		}
		if r.IntN(3) == 0 {
			b.WriteByte('.')
			for n := r.IntN(25); n > 0; n-- {
				b.WriteByte(byte('0' + r.IntN(10)))
			}
		}
		b.WriteString(units[r.IntN(len(units))])
	}
	return b.String()
}

func TestParseLatencyAgreesWithParseDuration(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	const n = 30_000
	accepted := 0
	for range n {
		if checkParseLatency(t, randomDuration(r), latencyUnits[r.IntN(len(latencyUnits))]) {
			accepted++
		}
	}
	if accepted < n/10 || accepted > n*9/10 {
		t.Errorf("%d of %d random durations accepted; want between a tenth and nine tenths", accepted, n)
	}
}

func TestParseLatencyNumbers(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for range 20_000 {
		s := fmt.Sprint(r.Uint64() >> r.IntN(64))
		if r.IntN(2) == 0 {
			s += "."
			for n := 1 + r.IntN(12); n > 0; n-- {
				s += string(rune('0' + r.IntN(10)))
			}
		}
		checkParseLatency(t, s, latencyUnits[r.IntN(len(latencyUnits))])
	}
}

func TestValuesAllocs(t *testing.T) {
	times := []string{"2026-11-26T08:00:00.123Z", "2026-11-26T09:00:00.123456789+01:00", "2026-11-26T8:00:00,5Z", "1732608000.123456", "garbage"}
	latencies := []string{"42", "0.053", "53ms", "1h2m3.5s", "250µs", "-0", "garbage"}
	allocs := testing.AllocsPerRun(100, func() {
		for _, s := range times {
			ParseTime([]byte(s))
		}
		for _, s := range latencies {
			ParseLatency([]byte(s), 1e6)
		}
	})
	if allocs != 0 {
		t.Errorf("ParseTime and ParseLatency allocate %.1f times a run; want 0", allocs)
	}
}

func TestLatencyUnit(t *testing.T) {
	tests := []struct {
		key  string
		unit int64
		ok   bool
	}{
		{"latency_ns", 1, true},
		{"duration_nanos", 1, true},
		{"elapsed_nsec", 1, true},
		{"latency_us", 1e3, true},
		{"latency_µs", 1e3, true},
		{"latency_μs", 1e3, true},
		{"latency_micros", 1e3, true},
		{"latency_usec", 1e3, true},
		{"latency_ms", 1e6, true},
		{"response_time_ms", 1e6, true},
		{"took_millis", 1e6, true},
		{"latency_msec", 1e6, true},
		{"latency_s", 1e9, true},
		{"latency_sec", 1e9, true},
		{"latency_secs", 1e9, true},
		{"latency_seconds", 1e9, true},
		{"_ms", 1e6, true},
		{"latency", 0, false},
		{"latencyMs", 0, false},
		{"latency_MS", 0, false},
		{"latency_ms_total", 0, false},
		{"latency_", 0, false},
		{"latency_m", 0, false},
		{"latency_h", 0, false},
		{"latency-ms", 0, false},
		{"ms", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		if unit, ok := LatencyUnit(tt.key); unit != tt.unit || ok != tt.ok {
			t.Errorf("LatencyUnit(%q) = (%d, %t), want (%d, %t)", tt.key, unit, ok, tt.unit, tt.ok)
		}
	}
}

func TestParseUnit(t *testing.T) {
	for s, want := range map[string]int64{"ns": 1, "us": 1e3, "µs": 1e3, "μs": 1e3, "ms": 1e6, "s": 1e9} {
		if unit, err := ParseUnit(s); unit != want || err != nil {
			t.Errorf("ParseUnit(%q) = (%d, %v), want (%d, nil)", s, unit, err, want)
		}
		// A flag's unit is what the same unit means in a duration.
		if d, err := time.ParseDuration("1" + s); int64(d) != want || err != nil {
			t.Errorf("time.ParseDuration(%q) = (%d, %v), want (%d, nil)", "1"+s, d, err, want)
		}
	}
	for _, s := range []string{"", "MS", "m", "h", "sec", "1ms", " ms"} {
		if unit, err := ParseUnit(s); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%q", s)) {
			t.Errorf("ParseUnit(%q) = (%d, %v), want an error naming it", s, unit, err)
		}
	}
}

// benchmarkValue runs parse on in, whose value must be want.
func benchmarkValue(b *testing.B, in string, want int64, parse func([]byte) (int64, bool)) {
	v := []byte(in)
	b.SetBytes(int64(len(v)))
	b.ReportAllocs()
	var sum, n int64
	for b.Loop() {
		got, _ := parse(v)
		sum += got
		n++
	}
	if sum != n*want { // wraps alike on both sides
		b.Fatalf("parse(%q) summed to %d over %d runs, want %d each", in, sum, n, want)
	}
}

// The inputs of the benchmarks, run by the parsers here and, as the
// baseline, by the standard library's.
var (
	benchTimes = []struct{ name, in string }{
		{"slog", "2026-11-26T08:00:00.123Z"},
		{"seconds", "2026-11-26T08:00:00Z"},
		{"offset", "2026-11-26T09:00:00.123456789+01:00"},
		{"epoch", "1732608000.123456"},
	}
	benchLatencies = []struct{ name, in string }{
		{"int", "42"},
		{"decimal", "0.053"},
		{"duration", "53.2ms"},
		{"compound", "1h2m3.5s"},
	}
)

func BenchmarkParseTime(b *testing.B) {
	for _, bm := range benchTimes {
		want, ok := refParseTime(bm.in)
		if !ok {
			want, _ = refEpoch(bm.in)
		}
		b.Run(bm.name, func(b *testing.B) { benchmarkValue(b, bm.in, want, ParseTime) })
	}
}

// BenchmarkTimeParse is the baseline: time.Parse and Time.UnixNano, on the
// inputs it reads.
func BenchmarkTimeParse(b *testing.B) {
	for _, bm := range benchTimes {
		want, ok := refParseTime(bm.in)
		if !ok {
			continue
		}
		b.Run(bm.name, func(b *testing.B) {
			benchmarkValue(b, bm.in, want, func(v []byte) (int64, bool) {
				t, err := time.Parse(time.RFC3339Nano, string(v))
				return t.UnixNano(), err == nil
			})
		})
	}
}

func BenchmarkParseLatency(b *testing.B) {
	for _, bm := range benchLatencies {
		want, _ := refParseLatency(bm.in, 1e6)
		b.Run(bm.name, func(b *testing.B) {
			benchmarkValue(b, bm.in, want, func(v []byte) (int64, bool) { return ParseLatency(v, 1e6) })
		})
	}
}

// BenchmarkParseDuration is the baseline: time.ParseDuration, on the
// inputs it reads.
func BenchmarkParseDuration(b *testing.B) {
	for _, bm := range benchLatencies {
		d, err := time.ParseDuration(bm.in)
		if err != nil {
			continue
		}
		b.Run(bm.name, func(b *testing.B) {
			benchmarkValue(b, bm.in, int64(d), func(v []byte) (int64, bool) {
				d, err := time.ParseDuration(string(v))
				return int64(d), err == nil
			})
		})
	}
}

// TestParseLatencyExponent: the exponent forms Go writes for a float64
// latency (slog's %v, logrus, zap's JSON) read exactly, and what is not a
// latency (NaN, infinities, negatives) is unreadable.
func TestParseLatencyExponent(t *testing.T) {
	for _, c := range []struct {
		in   string
		unit int64
		want int64
		ok   bool
	}{
		{"1.234567e+06", 1e6, 1234567e6, true},
		{"2.5e+06", 1e6, 2500000e6, true},
		{"1.5E+06", 1e6, 1500000e6, true},
		{"2.5e-05", 1e6, 25, true},
		{"1e3", 1e9, 1000e9, true},
		{"1.25e1", 1, 12, true},
		{"9.3e+09", 1e9, 0, false}, // past MaxInt64 ns
		{"NaN", 1e6, 0, false},
		{"+Inf", 1e6, 0, false},
		{"-Inf", 1e6, 0, false},
		{"-3", 1e6, 0, false},
		{"-2.5e+06", 1e6, 0, false},
		{"1e400", 1e6, 0, false},
		{"1e", 1e6, 0, false},
		{"e5", 1e6, 0, false},
		{"1.e5", 1e6, 0, false},
		{"1.5e+0x", 1e6, 0, false},
	} {
		got, ok := ParseLatency([]byte(c.in), c.unit)
		if got != c.want || ok != c.ok {
			t.Errorf("ParseLatency(%q, %d) = %d, %v; want %d, %v", c.in, c.unit, got, ok, c.want, c.ok)
		}
	}
}
