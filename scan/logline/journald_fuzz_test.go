package logline

import "testing"

// FuzzJournalNext checks journalNext, which reads a journal entry's
// MESSAGE through Next, against innerLine, which reads it through
// parseInner: wherever it takes a text it must give the same record.
func FuzzJournalNext(f *testing.F) {
	for _, s := range []string{
		`time=2026-11-26T08:00:00.123Z level=INFO msg="user action" user=u1@example.com action=login latency_ms=42`,
		`time=2026-11-26T08:00:00.123Z level=INFO msg="user action" user=u1@example.com action=login latency_ms=42   `,
		`time=2026-11-26T08:00:00.123Z level=INFO msg="user action" user=u1 action=login latency_ms=1.5e+03 extra="x y"`,
		`level=warn user=a` + "\r",
		`level=info user=a` + "\nlevel=error user=b",
		`ts=1732608000.5 lvl=dbug user=ann latency_ms=7ms`,
		`user=a msg=no-level`,
	} {
		f.Add([]byte(s))
	}
	cfg := Config{ActionKey: "action", LatencyKey: "latency_ms", TimeKey: "time,ts"}
	f.Fuzz(func(t *testing.T, text []byte) {
		fast, err := NewParser(cfg)
		if err != nil {
			t.Fatal(err)
		}
		var a, c Record
		kind, ok := fast.journalNext(text, &a)
		if !ok {
			return
		}
		general, _ := NewParser(cfg)
		if kindG := general.innerLine(text, &c); kindG != kind {
			t.Fatalf("%q: journalNext says %d, innerLine %d", text, kind, kindG)
		}
		sameRecord(t, text, &a, &c)
	})
}

// TestJournalNextTakes checks that slog's text lines take the fast path,
// so that FuzzJournalNext compares something.
func TestJournalNextTakes(t *testing.T) {
	p, _ := NewParser(Config{ActionKey: "action", LatencyKey: "latency_ms", TimeKey: "time,ts"})
	var rec Record
	line := []byte(`time=2026-11-26T08:00:00.123Z level=INFO msg="user action" user=u1@example.com action=login latency_ms=42`)
	if kind, ok := p.journalNext(line, &rec); !ok || kind != Event || string(rec.User) != "u1@example.com" || rec.Latency != 42e6 {
		t.Fatalf("journalNext(%q) = %d, %v, %+v", line, kind, ok, rec)
	}
}
