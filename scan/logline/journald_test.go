package logline

import (
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// journalField is one field of a journal entry, as sd_journal_enumerate_data
// gives it.
type journalField struct{ name, value string }

// journalctlJSON writes an entry as `journalctl -o json` does, re-implemented
// from systemd's src/shared/logs-show.c (output_json, update_json_data,
// update_json_data_split): the address fields (__CURSOR,
// __REALTIME_TIMESTAMP, __MONOTONIC_TIMESTAMP, _BOOT_ID, __SEQNUM,
// __SEQNUM_ID) and then the entry's fields go into a hashmap by name; a
// field seen again makes its value an array; a value is null when
// name=value is JSON_THRESHOLD (4096) bytes or more, a string when it is
// printable UTF-8 (utf8_is_printable: no control character but '\n' and
// '\t'), else an array of its bytes. The hashmap's order is not the order of
// insertion: seed shuffles the fields. Strings are escaped as sd-json's
// json_format_string does: \" \\ \b \f \n \r \t, and \u00XX below 0x20.
func journalctlJSON(realtimeUS uint64, fields []journalField, seed uint64) []byte {
	all := []journalField{
		{"__CURSOR", "s=739ad463348b4ceca5a9e69c95a3c93f;i=4ece7;b=6c7c6013a8674dcc8d8a3b4e56ad1ee6;m=2e3e4b0b;t=5c7d1f4a4e2d2;x=2b4fb4c4a9e6b9b9"},
		{"__REALTIME_TIMESTAMP", strconv.FormatUint(realtimeUS, 10)},
		{"__MONOTONIC_TIMESTAMP", "775875339"},
		{"_BOOT_ID", "6c7c6013a8674dcc8d8a3b4e56ad1ee6"},
		{"__SEQNUM", "323815"},
		{"__SEQNUM_ID", "739ad463348b4ceca5a9e69c95a3c93f"},
	}
	all = append(all, fields...)
	var names []string
	values := map[string][]string{}
	for _, f := range all {
		if _, seen := values[f.name]; !seen {
			names = append(names, f.name)
		}
		values[f.name] = append(values[f.name], f.value)
	}
	rand.New(rand.NewPCG(seed, 0)).Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
	var b strings.Builder
	b.WriteByte('{')
	for i, name := range names {
		if i > 0 {
			b.WriteByte(',')
		}
		writeJournalString(&b, name)
		b.WriteByte(':')
		vs := values[name]
		if len(vs) > 1 {
			b.WriteByte('[')
		}
		for j, v := range vs {
			if j > 0 {
				b.WriteByte(',')
			}
			switch {
			case len(name)+1+len(v) >= 4096:
				b.WriteString("null")
			case journalPrintable(v):
				writeJournalString(&b, v)
			default:
				b.WriteByte('[')
				for k := 0; k < len(v); k++ {
					if k > 0 {
						b.WriteByte(',')
					}
					b.WriteString(strconv.Itoa(int(v[k])))
				}
				b.WriteByte(']')
			}
		}
		if len(vs) > 1 {
			b.WriteByte(']')
		}
	}
	b.WriteByte('}')
	return []byte(b.String())
}

// journalPrintable is systemd's utf8_is_printable: valid UTF-8 without
// control characters (C0, DEL and C1) other than '\n' and '\t'.
func journalPrintable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if (r < ' ' && r != '\n' && r != '\t') || (0x7f <= r && r <= 0x9f) {
			return false
		}
	}
	return true
}

func writeJournalString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if c < ' ' {
				b.WriteString(`\u00`)
				b.WriteByte("0123456789abcdef"[c>>4])
				b.WriteByte("0123456789abcdef"[c&15])
			} else {
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte('"')
}

func TestParseEnvelopeJournald(t *testing.T) {
	logged := time.Date(2026, 11, 26, 8, 0, 0, 123000000, time.UTC) // slog writes milliseconds
	const realtime = 1732608000654321                               // µs: the journal's time, not the app's
	attrs := []slog.Attr{slog.String("user", "ann"), slog.String("action", "login"), slog.Int("latency_ms", 42)}
	ms := int64(time.Millisecond)
	unit := journalField{"_SYSTEMD_UNIT", "app.service"}
	for _, tt := range []struct {
		name   string
		fields []journalField
		want   envRecord
	}{
		{"slog text inner line: its own level and time",
			[]journalField{{"PRIORITY", "6"}, unit, {"MESSAGE", slogLineAt(false, logged, slog.LevelWarn, "slow", attrs...)}},
			envRecord{Event, "WARN", "ann", "login", 42 * ms, logged.UnixNano(), HasLatency | HasTime}},
		{"slog JSON inner line without a time: the journal's",
			[]journalField{{"PRIORITY", "3"}, {"SYSLOG_IDENTIFIER", "app"}, {"MESSAGE", slogLineAt(true, time.Time{}, slog.LevelError, "failed", attrs...)}},
			envRecord{Event, "ERROR", "ann", "login", 42 * ms, realtime * 1000, HasLatency | HasTime}},
		{"free text: PRIORITY gives the level",
			[]journalField{{"PRIORITY", "5"}, unit, {"_PID", "1"}, {"MESSAGE", "Started app.service - My App."}},
			envRecord{Event, "NOTICE", "", "", 0, realtime * 1000, HasTime}},
		{"every PRIORITY: 0",
			[]journalField{{"PRIORITY", "0"}, unit, {"MESSAGE", "kernel panic"}},
			envRecord{Event, "EMERGENCY", "", "", 0, realtime * 1000, HasTime}},
		{"every PRIORITY: 7",
			[]journalField{{"PRIORITY", "7"}, unit, {"MESSAGE", "x"}},
			envRecord{Event, "DEBUG", "", "", 0, realtime * 1000, HasTime}},
		{"no PRIORITY: no level",
			[]journalField{unit, {"MESSAGE", "Started app.service."}},
			envRecord{NoLevel, "", "", "", 0, realtime * 1000, HasTime}},
		{"a PRIORITY out of range gives none",
			[]journalField{{"PRIORITY", "8"}, unit, {"MESSAGE", "x"}},
			envRecord{NoLevel, "", "", "", 0, realtime * 1000, HasTime}},
		{"colours make MESSAGE an array of bytes",
			[]journalField{{"PRIORITY", "6"}, unit, {"MESSAGE", "level=\x1b[36minfo\x1b[0m user=\x1b[1mann\x1b[0m"}},
			envRecord{Event, "info", "ann", "", 0, realtime * 1000, HasTime}},
		{"invalid UTF-8 makes MESSAGE an array of bytes",
			[]journalField{{"PRIORITY", "6"}, unit, {"MESSAGE", "level=info user=\xff"}},
			envRecord{Event, "info", "\xff", "", 0, realtime * 1000, HasTime}},
		{"a MESSAGE written twice is an array: the first counts",
			[]journalField{{"PRIORITY", "6"}, unit, {"MESSAGE", "level=error user=first"}, {"MESSAGE", "level=info user=second"}},
			envRecord{Event, "error", "first", "", 0, realtime * 1000, HasTime}},
		{"a binary MESSAGE written twice is an array of arrays: the first counts",
			[]journalField{{"PRIORITY", "6"}, unit, {"MESSAGE", "level=warn user=\x1b[1mfirst"}, {"MESSAGE", "level=info user=\x1b[1msecond"}},
			envRecord{Event, "warn", "first", "", 0, realtime * 1000, HasTime}},
		{"a PRIORITY written twice is an array: the first counts",
			[]journalField{{"PRIORITY", "4"}, {"PRIORITY", "6"}, unit, {"MESSAGE", "x"}},
			envRecord{Event, "WARN", "", "", 0, realtime * 1000, HasTime}},
		{"a MESSAGE of 4 KiB is null",
			[]journalField{{"PRIORITY", "2"}, unit, {"MESSAGE", "level=info user=big " + strings.Repeat("x", 4096)}},
			envRecord{Event, "CRITICAL", "", "", 0, realtime * 1000, HasTime}},
		{"a multi-line MESSAGE: its first line is the record",
			[]journalField{{"PRIORITY", "2"}, unit, {"MESSAGE", "level=ERROR user=bob msg=boom\ngoroutine 1 [running]:\nmain.main()"}},
			envRecord{Event, "ERROR", "bob", "", 0, realtime * 1000, HasTime}},
		{"no MESSAGE, still a journal entry",
			[]journalField{{"PRIORITY", "6"}, unit},
			envRecord{Event, "INFO", "", "", 0, realtime * 1000, HasTime}},
		{"an inner JSON line that is an envelope is read as plain JSON",
			[]journalField{{"PRIORITY", "6"}, unit, {"MESSAGE", `{"resourceLogs":[],"level":"warn","user":"eve"}`}},
			envRecord{Event, "warn", "eve", "", 0, realtime * 1000, HasTime}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for seed := range uint64(4) { // four field orders
				checkEnvelope(t, envParser(t), journalctlJSON(realtime, tt.fields, seed), ShapeJournald, []envRecord{tt.want})
			}
		})
	}
}

// A forwarder that keeps the trusted fields but drops the address fields
// (no __REALTIME_TIMESTAMP) still gives a journald record, without a time.
func TestParseEnvelopeJournaldTrustedOnly(t *testing.T) {
	line := []byte(`{"_PID":"812","PRIORITY":"4","MESSAGE":"disk almost full"}`)
	checkEnvelope(t, envParser(t), line, ShapeJournald, []envRecord{{Event, "WARN", "", "", 0, 0, 0}})
}

// A Parser that does not take the time gives none from the journal.
func TestParseEnvelopeJournaldNoTimeTaken(t *testing.T) {
	var p Parser
	line := journalctlJSON(1732608000654321, []journalField{{"PRIORITY", "6"}, {"MESSAGE", "user=ann x=1"}}, 0)
	checkEnvelope(t, &p, line, ShapeJournald, []envRecord{{Event, "INFO", "ann", "", 0, 0, 0}})
}
