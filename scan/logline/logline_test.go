package logline

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// parse is Parse with the record returned, for tests.
func parse(p *Parser, line []byte) (Record, Kind) {
	var rec Record
	kind := p.Parse(line, &rec)
	return rec, kind
}

var kindNames = [...]string{Event: "Event", Blank: "Blank", Malformed: "Malformed"}

func (k Kind) name() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", k)
}

type parseTest struct {
	line  string
	kind  Kind
	level string
	user  string
}

const typicalLogfmt = `time=2026-11-26T08:00:00.123Z level=INFO msg="user action" user=jane.smith42@example.com action=login latency_ms=42`

const typicalJSON = `{"time":"2026-11-26T08:00:00.123Z","level":"INFO","msg":"user action","user":"jane.smith42@example.com","action":"login","latency_ms":42}`

// The edge each case tests is spelled out in its line where the grammar
// allows it.
var parseTests = []parseTest{
	// Blank.
	{"", Blank, "", ""},
	{"   ", Blank, "", ""},
	{"\t\t", Blank, "", ""},
	{" \t \r", Blank, "", ""},
	{"\r", Blank, "", ""},

	// logfmt: the common shapes.
	{typicalLogfmt, Event, "INFO", "jane.smith42@example.com"},
	{"level=WARN", Event, "WARN", ""},
	{"user=first level=ERROR", Event, "ERROR", "first"},
	{"a=1 b=2 user=u c=3 level=DEBUG d=4", Event, "DEBUG", "u"},

	// logfmt: parsing stops once the level and the user are both read, so
	// what follows them is not checked; without a user the whole line is.
	{`level=INFO user=a action="unterminated`, Event, "INFO", "a"},
	{`user=a level=INFO "quoted key"=x`, Event, "INFO", "a"},
	{`level=INFO user="a"b`, Event, "INFO", "a"},
	{`level=INFO action="unterminated`, Malformed, "", ""},
	{`level=INFO "quoted key"=x`, Malformed, "", ""},
	{`level=INFO user="unterminated`, Malformed, "", ""},

	// logfmt: near misses of slog's exact shape, which Next must leave to
	// the general loop.
	{`time=2026-11-26T08:00:00.123Z level=INFO msg="a b" user="Jane Q. <j@x>" x=1`, Event, "INFO", "Jane Q. <j@x>"},
	{`time=2026-11-26T08:00:00.123Z level=INFO msg="a b user=x`, Malformed, "", ""},
	{`time=2026-11-26T08:00:00.123Z level=INFO msg="a"user=x`, Malformed, "", ""},
	{`time=2026-11-26T08:00:00.123Z level=INFO msg=a  user=x`, Event, "INFO", "x"},
	{`time=2026-11-26T08:00:00.123Z level= msg=a user=x`, Malformed, "", ""},
	{`time=2026-11-26T08:00:00.123Z level="WARN" msg=a user=x`, Event, "WARN", "x"},
	{`time=2026-11-26T08:00:00.123Z level=INFO msg=a user= level=WARN`, Event, "INFO", ""},
	{`time=2026-11-26T08:00:00.123Z level=INFO msg="q \" user=x" user=y`, Event, "INFO", "y"},
	{`time=2026-11-26 08:00:00.123Z level=INFO msg=a user=x`, Event, "INFO", "x"},
	{`time="2026-11-26T08:00:00.12" level=INFO msg=a user=x`, Event, "INFO", "x"},
	{`time=2026-11-26T08:00:00.123Z level=INFO msg=a user=x`, Event, "INFO", "x"},
	{"level=INFO+2 user=x", Event, "INFO+2", "x"},
	{`level=INFO user="Jane Q. Public <jane@example.com>"`, Event, "INFO", "Jane Q. Public <jane@example.com>"},
	{`level=INFO user=""`, Event, "INFO", ""},
	{`level="INFO" user="quoted"`, Event, "INFO", "quoted"},
	{`level="" user=x`, Malformed, "", ""},

	// logfmt: keys and values inside quotes are not looked at.
	{`msg="retry level=ERROR user=x" level=INFO`, Event, "INFO", ""},
	{`msg="a \"level=ERROR\" b" level=INFO user=u`, Event, "INFO", "u"},
	{`msg="ends in backslash \\" level=INFO`, Event, "INFO", ""},
	{`msg="\\\\\"\\" level=INFO`, Event, "INFO", ""},
	{`msg="" level=INFO`, Event, "INFO", ""},
	{`msg="skipped, not checked: \q \x" level=INFO`, Event, "INFO", ""},

	// logfmt: every escape in a quoted user.
	{`level=INFO user="tab\there"`, Event, "INFO", "tab\there"},
	{`level=INFO user="\a\b\f\n\r\t\v\\\""`, Event, "INFO", "\a\b\f\n\r\t\v\\\""},
	{`level=INFO user="\x41\xff\x00"`, Event, "INFO", "A\xff\x00"},
	{`level=INFO user="\101\377\000"`, Event, "INFO", "A\xff\x00"},
	{`level=INFO user="\u00e9\u65e5"`, Event, "INFO", "é日"},
	{`level=INFO user="\U0001F600"`, Event, "INFO", "😀"},
	{`level="IN\x46O" user=x`, Event, "INFO", "x"},
	{`level=INFO user="bad \q escape"`, Malformed, "", ""},
	{`level=INFO user="short \x4"`, Malformed, "", ""},
	{`level=INFO user="octal \400 too big"`, Malformed, "", ""},
	{`level=INFO user="surrogate \ud800"`, Malformed, "", ""},
	{`level=INFO user="past max \U00110000"`, Malformed, "", ""},
	{`level=INFO user="apostrophe \' is Go-rune only"`, Malformed, "", ""},
	{`level="bad \z" user=x`, Malformed, "", ""},

	// logfmt: missing, empty, valueless and repeated keys.
	{"msg=hello user=x", Malformed, "", ""},
	{"level= user=x", Malformed, "", ""},
	{"level", Malformed, "", ""},
	{"level user=x", Malformed, "", ""},
	{"flag level=INFO user", Event, "INFO", ""},
	{"level=INFO level=ERROR user=a user=b", Event, "INFO", "a"},
	{"level= level=ERROR", Malformed, "", ""},
	{`level=INFO user=a user="bad \q later ones are only skipped"`, Event, "INFO", "a"},
	{"LEVEL=INFO", Malformed, "", ""},
	{"xlevel=INFO levelx=WARN", Malformed, "", ""},

	// logfmt: white space.
	{"level=INFO user=u\r", Event, "INFO", "u"},
	{"level=INFO user=u\r\r", Event, "INFO", "u\r"},
	{"   level=INFO   user=u   ", Event, "INFO", "u"},
	{"\t level=INFO user=u \t", Event, "INFO", "u"},
	{"level=INFO\tuser=u", Event, "INFO\tuser=u", ""},
	{"level=INFO user=a\tb", Event, "INFO", "a\tb"},

	// logfmt: keys and values found a word at a time, with their ends at
	// each offset and at the end of the line.
	{"level=INFO a=1", Event, "INFO", ""},
	{"level=INFO abcdefg=1", Event, "INFO", ""},
	{"level=INFO abcdefgh=1", Event, "INFO", ""},
	{"level=INFO abcdefghijklmnopq=1", Event, "INFO", ""},
	{"level=INFO abcdefghijklmnopq", Event, "INFO", ""},
	{"level=INFO user=abcdefg", Event, "INFO", "abcdefg"},
	{"level=INFO user=abcdefgh", Event, "INFO", "abcdefgh"},
	{"level=INFO user=abcdefghi", Event, "INFO", "abcdefghi"},
	{"level=INFO user=abcdefghijklmnopqrstuvwxyz x=1", Event, "INFO", "abcdefghijklmnopqrstuvwxyz"},
	{"user=u level=I", Event, "I", "u"},
	{"level=I", Event, "I", ""},
	{"a level=I", Event, "I", ""},
	{"level=INFO abcdefgh\"=1", Malformed, "", ""},
	{"level=INFO abcdefghijklmn\"=1", Malformed, "", ""},
	{"level=INFO user=\xffabcdefgh\x80", Event, "INFO", "\xffabcdefgh\x80"},

	// logfmt: lenient bare values.
	{`level=INFO user=a=b"c`, Event, "INFO", `a=b"c`},
	{`level==INFO`, Event, "=INFO", ""},

	// logfmt: broken syntax.
	{`level=INFO msg="unterminated`, Malformed, "", ""},
	{`level=INFO msg="escaped end\"`, Malformed, "", ""},
	{`level=INFO msg="backslash at end\`, Malformed, "", ""},
	{`level=INFO msg="x"y`, Malformed, "", ""},
	{`level=INFO msg="x"="y"`, Malformed, "", ""},
	{`level=INFO "quoted key"=x`, Malformed, "", ""},
	{`level=INFO ke"y=x`, Malformed, "", ""},
	{`level=INFO =x`, Malformed, "", ""},
	{`level=INFO user="a"`, Event, "INFO", "a"},
	{`"level"=INFO`, Malformed, "", ""},

	// logfmt: bytes slog would never write unquoted.
	{"level=INFO user=\xff\xfe", Event, "INFO", "\xff\xfe"},
	{"level=INFO user=\"\xff\\n\"", Event, "INFO", "\xff\n"},
	{"level=INFO user=a\x00b", Event, "INFO", "a\x00b"},
	{"\x00level=INFO", Malformed, "", ""},
	{"level=\x00", Event, "\x00", ""},
	{"level=INFO msg=\"raw\nnewline\"", Event, "INFO", ""},

	// JSON: keys in any order, white space, nesting.
	{typicalJSON, Event, "INFO", "jane.smith42@example.com"},
	{`{"user":"u","level":"WARN"}`, Event, "WARN", "u"},
	{` { "level" : "ERROR" , "user" : "u" } `, Event, "ERROR", "u"},
	{"{\n\"level\":\t\"INFO\"\r}", Event, "INFO", ""},
	{`{"level":"INFO","user":"u"}` + "\r", Event, "INFO", "u"},
	{`{"a":{"user":"nested","level":"X"},"level":"INFO"}`, Event, "INFO", ""},
	{`{"a":["}","]","{","\"",{"b":[[],{}]}],"user":"u","level":"INFO"}`, Event, "INFO", "u"},
	{`{"a":"brace } and bracket ] and \"quote\"","level":"INFO"}`, Event, "INFO", ""},
	{`{"a":[1,2,{"c":"d"}],"b":{},"c":[],"level":"INFO"}`, Event, "INFO", ""},
	{`{"level":"INFO","level":"ERROR","user":"a","user":"b"}`, Event, "INFO", "a"},
	{`{"msg":"{\"level\":\"ERROR\"}","level":"INFO"}`, Event, "INFO", ""},

	// JSON: escapes.
	{`{"level":"INFO","user":"a\"b\\c\/d\b\f\n\r\t"}`, Event, "INFO", "a\"b\\c/d\b\f\n\r\t"},
	{`{"level":"INFO","user":"\u00e9\u65E5"}`, Event, "INFO", "é日"},
	{`{"level":"INFO","user":"\ud83d\ude00 pair"}`, Event, "INFO", "😀 pair"},
	{`{"level":"INFO","user":"lone \ud83d high"}`, Event, "INFO", "lone \uFFFD high"},
	{`{"level":"INFO","user":"lone \ude00 low"}`, Event, "INFO", "lone \uFFFD low"},
	{`{"level":"INFO","user":"high then non-low \ud83d\u0041"}`, Event, "INFO", "high then non-low \uFFFDA"},
	{`{"level":"INFO","user":"end \ud83d"}`, Event, "INFO", "end \uFFFD"},
	{"{\"level\":\"INFO\",\"user\":\"bad \xff utf8\"}", Event, "INFO", "bad \uFFFD utf8"},
	{`{"lev\u0065l":"INFO","\u0075ser":"u"}`, Event, "INFO", "u"},
	{`{"level":"\u0049NFO"}`, Event, "INFO", ""},
	{`{"level":"INFO","user":"bad \x escape"}`, Malformed, "", ""},
	{`{"level":"INFO","user":"short \u12"}`, Malformed, "", ""},
	{`{"level":"INFO","user":"go-only \'"}`, Malformed, "", ""},
	{`{"bad \q key":1,"level":"INFO"}`, Malformed, "", ""},
	{`{"skipped":"\q not checked","level":"INFO"}`, Event, "INFO", ""},

	// JSON: strings found a word at a time, with their stops at each offset.
	{`{"level":"INFO","user":"é"}`, Event, "INFO", "é"},
	{`{"level":"INFO","user":"0123456789é"}`, Event, "INFO", "0123456789é"},
	{`{"level":"INFO","user":"0123456789\\"}`, Event, "INFO", `0123456789\`},
	{`{"level":"INFO","user":"01234567\"89"}`, Event, "INFO", `01234567"89`},
	{`{"level":"INFO","ké":"v","user":"u"}`, Event, "INFO", "u"},
	{`{"level":"INFO","k\u00e9":"v","user":"u"}`, Event, "INFO", "u"},
	{`{"level":"INFO","user":"0123456789abcdef"}`, Event, "INFO", "0123456789abcdef"},
	{`{"level":"INFO","user":"0123456789abcdef`, Malformed, "", ""},
	{`{"level":"INFO","user":"0123456789abcdef\"}`, Malformed, "", ""},

	// JSON: user and level types.
	{`{"level":"INFO","user":12345}`, Event, "INFO", "12345"},
	{`{"level":"INFO","user":-1.5e3}`, Event, "INFO", "-1.5e3"},
	{`{"level":"INFO","user":null}`, Event, "INFO", ""},
	{`{"level":"INFO","user":true}`, Event, "INFO", ""},
	{`{"level":"INFO","user":{"id":"u"}}`, Event, "INFO", ""},
	{`{"level":"INFO","user":["u"]}`, Event, "INFO", ""},
	{`{"level":"INFO","user":""}`, Event, "INFO", ""},
	{`{"level":30}`, Malformed, "", ""},
	{`{"level":null,"level":"INFO"}`, Malformed, "", ""},
	{`{"level":""}`, Malformed, "", ""},
	{`{"user":"u"}`, Malformed, "", ""},
	{`{}`, Malformed, "", ""},

	// JSON: malformed objects.
	{`{"level":"INFO"`, Malformed, "", ""},
	{`{"level":"INFO",}`, Malformed, "", ""},
	{`{"level":"INFO"} trailing`, Malformed, "", ""},
	{`{"level":"INFO"}{}`, Malformed, "", ""},
	{`{"level":"INFO""user":"u"}`, Malformed, "", ""},
	{`{"level" "INFO"}`, Malformed, "", ""},
	{`{"level":"INFO";"user":"u"}`, Malformed, "", ""},
	{`{level:"INFO"}`, Malformed, "", ""},
	{`{"level":"INFO","a":}`, Malformed, "", ""},
	{`{"level":"INFO","a":[1,2}`, Malformed, "", ""},
	{`{"level":"INFO","a":{"b":1]}`, Malformed, "", ""},
	{`{"level":"INFO","a":{"b"}}`, Malformed, "", ""},
	{`{"level":"INFO","a":{1:2}}`, Malformed, "", ""},
	{`{"level":"INFO","a":[1 2]}`, Malformed, "", ""},
	{`{"level":"INFO","a":"unterminated}`, Malformed, "", ""},
	{`{"level":"INFO\"}`, Malformed, "", ""},
	{`{"level":"INFO","a":1:2}`, Malformed, "", ""},
	{`[{"level":"INFO"}]`, Malformed, "", ""},
	{`"level":"INFO"`, Malformed, "", ""},
	{`{`, Malformed, "", ""},

	// JSON: what the lenient grammar accepts that encoding/json rejects.
	{`{"level":"INFO","a":not-a-number}`, Event, "INFO", ""},
	{`{"level":"INFO","user":12abc}`, Event, "INFO", "12abc"},
	{"{\"level\":\"INFO\",\"user\":\"raw\tcontrol\"}", Event, "INFO", "raw\tcontrol"},
}

func TestParse(t *testing.T) {
	var p Parser
	for _, tt := range parseTests {
		checkParse(t, &p, tt)
	}
}

func checkParse(t *testing.T, p *Parser, tt parseTest) {
	t.Helper()
	rec, kind := parse(p, []byte(tt.line))
	if kind != tt.kind || string(rec.Level) != tt.level || string(rec.User) != tt.user {
		t.Errorf("Parse(%q) = (level %q, user %q, %s); want (level %q, user %q, %s)",
			tt.line, rec.Level, rec.User, kind.name(), tt.level, tt.user, tt.kind.name())
	}
}

// TestReference checks the reference parser against the same table, so that
// the fuzz test compares Parse with something known to be right.
func TestReference(t *testing.T) {
	for _, tt := range parseTests {
		level, user, kind := refParse(tt.line)
		if kind != tt.kind || level != tt.level || user != tt.user {
			t.Errorf("refParse(%q) = (level %q, user %q, %s); want (level %q, user %q, %s)",
				tt.line, level, user, kind.name(), tt.level, tt.user, tt.kind.name())
		}
	}
}

func TestParseLongLine(t *testing.T) {
	const mb = 1 << 20
	long := strings.Repeat("x", mb)
	escaped := strings.Repeat(`\"`, mb/2)
	nested := strings.Repeat("[", mb/2) + strings.Repeat("]", mb/2)
	var p Parser
	for _, tt := range []parseTest{
		{"level=INFO msg=" + long + " user=u", Event, "INFO", "u"},
		{`level=INFO msg="` + long + `" user=u`, Event, "INFO", "u"},
		{`level=INFO msg="` + escaped + `" user=u`, Event, "INFO", "u"},
		{`level=INFO user="` + escaped + `"`, Event, "INFO", strings.Repeat(`"`, mb/2)},
		{"level=INFO user=" + long, Event, "INFO", long},
		{`level=INFO msg="` + long, Malformed, "", ""},
		{strings.Repeat("k=v ", mb/4) + "level=INFO", Event, "INFO", ""},
		{`{"a":` + nested + `,"level":"INFO"}`, Event, "INFO", ""},
		{`{"a":` + nested + `],"level":"INFO"}`, Malformed, "", ""},
		{`{"level":"INFO","user":"` + long + `"}`, Event, "INFO", long},
	} {
		checkParse(t, &p, tt)
	}
}

// TestParseReusesScratch checks that a value unquoted into the scratch buffer
// of one call does not leak into the next.
func TestParseReusesScratch(t *testing.T) {
	var p Parser
	for range 3 {
		for _, tt := range []parseTest{
			{`level="I\x4eFO" user="J\x61ne"`, Event, "INFO", "Jane"},
			{`{"level":"W\u0041RN","us\u0065r":"B\u006fb"}`, Event, "WARN", "Bob"},
			{`level=ERROR user="x\ty"`, Event, "ERROR", "x\ty"},
		} {
			checkParse(t, &p, tt)
		}
	}
}

func mustParser(t testing.TB, c Config) Parser {
	t.Helper()
	p, err := NewParser(c)
	if err != nil {
		t.Fatalf("NewParser(%+v): %v", c, err)
	}
	return p
}

func TestParseKeys(t *testing.T) {
	p := mustParser(t, Config{LevelKey: "severity", UserKey: "uid"})
	checkParse(t, &p, parseTest{"level=INFO user=u severity=WARN uid=7", Event, "WARN", "7"})
	checkParse(t, &p, parseTest{`{"level":"INFO","severity":"WARN","uid":7}`, Event, "WARN", "7"})
	// slog's own shape must not be taken by the fast path when the keys
	// are not slog's.
	checkParse(t, &p, parseTest{`time=2026-11-26T08:00:00.123Z level=INFO msg=a user=x severity=ERROR`, Event, "ERROR", ""})
	checkParse(t, &p, parseTest{`time=2026-11-26T08:00:00.123Z level=INFO msg=a user=x`, Malformed, "", ""})

	// zerolog names the message "message"; the user key is the service's.
	z := mustParser(t, Config{UserKey: "account"})
	checkParse(t, &z, parseTest{`{"level":"warn","account":"acme","time":"2026-11-26T08:00:00Z","message":"slow"}`, Event, "warn", "acme"})
	// Naming the defaults is the same as naming nothing.
	if d, zero := mustParser(t, Config{LevelKey: "level", UserKey: "user"}), defaultParser(); !reflect.DeepEqual(d, zero) {
		t.Errorf("NewParser(level, user) = %+v, want the zero Parser's %+v", d, zero)
	}
	// A custom key longer than a word is compared in full.
	l := mustParser(t, Config{LevelKey: "log.level", UserKey: "user.email"})
	checkParse(t, &l, parseTest{`log.levelx=INFO log.level=ERROR user.emailx=a user.email=b`, Event, "ERROR", "b"})
	// Alternatives: the first of them on the line counts.
	a := mustParser(t, Config{LevelKey: "level,severity", UserKey: "user,uid"})
	checkParse(t, &a, parseTest{`severity=WARN uid=7 level=INFO user=u`, Event, "WARN", "7"})
	checkParse(t, &a, parseTest{`{"uid":7,"level":"INFO","severity":"WARN","user":"u"}`, Event, "INFO", "7"})
}

func TestNewParserRejects(t *testing.T) {
	for _, c := range []Config{
		{LevelKey: "a b"},
		{UserKey: "level"},
		{ActionKey: "user"},
		{TimeKey: "time,"},
		{LatencyKey: "x", TimeKey: "y,x"},
		{LatencyUnit: -1},
		{Format: JSON + 1},
		{ActionKey: "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u,v,w,x,y,z,A,B,C,D,E"},
	} {
		if _, err := NewParser(c); err == nil {
			t.Errorf("NewParser(%+v) = nil error, want one", c)
		}
	}
}

func TestCheckKey(t *testing.T) {
	for _, bad := range []string{"", "a b", "a=b", `a"b`, "a,b"} {
		if CheckKey(bad) == nil {
			t.Errorf("CheckKey(%q) = nil, want an error", bad)
		}
	}
	for _, good := range []string{"level", "severity", "log.level", "@l"} {
		if err := CheckKey(good); err != nil {
			t.Errorf("CheckKey(%q) = %v", good, err)
		}
	}
}

// allocLines are the lines of TestParseAllocs: the shapes seen in production
// and the slow paths.
var allocLines = []string{
	typicalLogfmt,
	typicalJSON,
	`time=2026-11-26T08:00:00.123Z level=WARN msg="quota \"exceeded\"" user="Jane Q. Public <jane@example.com>"`,
	`level=INFO user="tab\there \u00e9 \\ \x41"`,
	`{"level":"INFO","user":"\u00e9\ud83d\ude00\"\\","nested":[{"a":[1,{"b":"]"}]}]}`,
	"{\"level\":\"INFO\",\"user\":\"bad \xff utf8\"}",
	`{"lev\u0065l":"INFO"}`,
	`level=INFO msg="unterminated`,
	`{"level":"INFO"} trailing`,
	"   ",
	"",
}

func TestParseAllocs(t *testing.T) {
	var p Parser
	for _, line := range allocLines {
		b := []byte(line)
		// AllocsPerRun runs the function once before it counts: that run
		// grows the Parser's buffers.
		if n := testing.AllocsPerRun(100, func() { parse(&p, b) }); n != 0 {
			t.Errorf("Parse(%q) allocated %v times per call", line, n)
		}
	}
}

// slogUsers are user names with every byte class slog treats specially.
var slogUsers = []string{
	"jane.smith42@example.com",
	"",
	"Jane Q. Public <jane@example.com>",
	"with space",
	"a=b",
	"=",
	`"quoted"`,
	`back\slash`,
	`\`,
	"new\nline",
	"tab\there",
	"cr\rhere",
	"nul\x00",
	"bell\a",
	"del\x7f",
	"日本語",
	"é",
	"😀",
	"\u2028\u2029",
	"\u00a0nbsp",
	"\xff",
	"bad\x80utf8",
	"\xed\xa0\x80", // a surrogate encoded in UTF-8: invalid
	"level=ERROR",
	"user=x",
	`msg="x"`,
	"{}",
	`{"level":"ERROR"}`,
	"-42",
	"trailing space ",
	" leading space",
	"\t",
	"\ufffd",
}

var slogLevels = []slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError, slog.LevelInfo + 2, slog.LevelDebug - 3}

// slogLine writes one record with the handler made by newHandler, as a
// program would: the user is also the message and a second attribute, and a
// group holds another "user" that must not be taken.
func slogLine(newHandler func(*bytes.Buffer) slog.Handler, level slog.Level, user string) []byte {
	var buf bytes.Buffer
	h := newHandler(&buf)
	r := slog.NewRecord(time.Date(2026, 11, 26, 8, 0, 0, 123e6, time.UTC), level, user, 0)
	r.AddAttrs(
		slog.String("note", user),
		slog.Group("g", slog.String("user", "group "+user), slog.String("level", "X")),
		slog.String("user", user),
		slog.Int("latency_ms", 42),
		slog.String("user", "second"),
	)
	if err := h.Handle(context.Background(), r); err != nil {
		panic(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func newTextHandler(buf *bytes.Buffer) slog.Handler { return slog.NewTextHandler(buf, nil) }
func newJSONHandler(buf *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(buf, nil) }

// jsonString is s as encoding/json writes and reads it back: each byte of
// invalid UTF-8 replaced with U+FFFD.
func jsonString(s string) string {
	var b []byte
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		b = utf8.AppendRune(b, r)
		i += size
	}
	return string(b)
}

func checkSlogRoundTrip(t *testing.T, p *Parser, level slog.Level, user string) {
	t.Helper()
	for _, format := range []struct {
		name       string
		newHandler func(*bytes.Buffer) slog.Handler
		want       string
	}{
		{"text", newTextHandler, user},
		{"json", newJSONHandler, jsonString(user)},
	} {
		line := slogLine(format.newHandler, level, user)
		rec, kind := parse(p, line)
		if kind != Event || string(rec.Level) != level.String() || string(rec.User) != format.want {
			t.Errorf("%s: Parse(%q) = (level %q, user %q, %s); want (level %q, user %q, Event)",
				format.name, line, rec.Level, rec.User, kind.name(), level.String(), format.want)
		}
	}
}

func TestSlogRoundTrip(t *testing.T) {
	var p Parser
	for _, level := range slogLevels {
		for _, user := range slogUsers {
			checkSlogRoundTrip(t, &p, level, user)
		}
	}
}

// TestTakesLevelAndUserOnly: only a Config that names no action, latency
// or time key leaves a Parser that takes the level and the user alone.
func TestTakesLevelAndUserOnly(t *testing.T) {
	for _, tc := range []struct {
		c    Config
		want bool
	}{
		{Config{}, true},
		{Config{LevelKey: "severity", UserKey: "uid,user_id"}, true},
		{Config{ActionKey: "action"}, false},
		{Config{LatencyKey: "latency_ms"}, false},
		{Config{TimeKey: "time,ts"}, false},
	} {
		p, err := NewParser(tc.c)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.TakesLevelAndUserOnly(); got != tc.want {
			t.Errorf("NewParser(%+v).TakesLevelAndUserOnly() = %v, want %v", tc.c, got, tc.want)
		}
	}
	var zero Parser
	if !zero.TakesLevelAndUserOnly() {
		t.Error("the zero Parser takes more than the level and the user")
	}
}
