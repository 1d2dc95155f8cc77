package gen

import (
	"bytes"
	"context"
	"log/slog"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// slogLine is the oracle: what slog's handler writes for e, with the
// attributes in AppendLine's order.
func slogLine(t testing.TB, e *Event, f Format) []byte {
	t.Helper()
	var buf bytes.Buffer
	var h slog.Handler = slog.NewTextHandler(&buf, nil)
	if f == JSON {
		h = slog.NewJSONHandler(&buf, nil)
	}
	r := slog.NewRecord(e.Time, e.Level, e.Msg, 0)
	for _, a := range [...]struct{ key, val string }{
		{"user", e.User}, {"action", e.Action}, {"component", e.Component},
	} {
		if a.val != "" {
			r.AddAttrs(slog.String(a.key, a.val))
		}
	}
	r.AddAttrs(slog.Int64("latency_ms", e.LatencyMS))
	if err := h.Handle(context.Background(), r); err != nil {
		t.Fatalf("slog: %v", err)
	}
	return buf.Bytes()
}

func checkLikeSlog(t *testing.T, e *Event) {
	t.Helper()
	for _, f := range []Format{Logfmt, JSON} {
		got := AppendLine([]byte("prefix"), e, f)
		want := append([]byte("prefix"), slogLine(t, e, f)...)
		if !bytes.Equal(got, want) {
			t.Errorf("%v: AppendLine(%+v)\n got %q\nwant %q", f, *e, got, want)
		}
	}
}

func TestAppendLineLikeSlog(t *testing.T) {
	at := time.Date(2026, 11, 26, 8, 0, 0, 123_000_000, time.UTC)
	tests := []Event{
		{Time: at, Level: slog.LevelInfo, Msg: "user action", User: "jane.smith42@example.com", Action: "login", LatencyMS: 42},
		{Time: at, Level: slog.LevelWarn, Msg: "cache refreshed", Component: "cache", LatencyMS: 0},
		{Time: at, Level: slog.LevelError, Msg: trickyMsg[0], User: "a@b", Action: "x", LatencyMS: -7},
		{Time: at, Level: slog.LevelDebug, Msg: trickyMsg[1], User: "a@b", Action: "x", LatencyMS: 1 << 62},
		// The JSON handler writes RFC3339Nano: trailing zeros go, and so
		// does the dot of a whole second.
		{Time: at.Add(-123 * time.Millisecond), Level: slog.LevelInfo, Msg: "m"},
		{Time: at.Add(-23 * time.Millisecond), Level: slog.LevelInfo, Msg: "m"},
		{Time: at.Add(-3 * time.Millisecond), Level: slog.LevelInfo, Msg: "m"},
		{Time: at.Add(456789), Level: slog.LevelInfo, Msg: "nanoseconds"},
		{Time: at.Add(999_999_999 - 123_000_000), Level: slog.LevelInfo, Msg: "last nanosecond"},
		{Time: time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC), Level: slog.LevelInfo, Msg: "year 1"},
		{Time: time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.UTC), Level: slog.LevelInfo, Msg: "year 9999"},
		{Time: time.Date(1969, 12, 31, 23, 59, 59, 500_000_000, time.UTC), Level: slog.LevelInfo, Msg: "before 1970"},
		{Level: slog.LevelInfo, Msg: "zero time: no time attribute"},
		// Levels slog names with an offset.
		{Time: at, Level: slog.LevelInfo + 2, Msg: "m"},
		{Time: at, Level: slog.LevelDebug - 1, Msg: "m"},
		// Strings at the edges of the quoting and escaping rules.
		{Time: at, Level: slog.LevelInfo, Msg: ""},
		{Time: at, Level: slog.LevelInfo, Msg: "a=b", User: `back\slash`, Action: "tab\there", Component: "nl\nhere"},
		{Time: at, Level: slog.LevelInfo, Msg: "\x00\x01\x1f\x7f \r", User: `"`, Action: "=", Component: " "},
		{Time: at, Level: slog.LevelInfo, Msg: "héllo wörld", User: "ünïcode", Action: "日本語", Component: "emoji😀"},
		{Time: at, Level: slog.LevelInfo, Msg: "bad \xff utf8", User: "\xc3", Action: "\ufffd", Component: "x\xe2\x80"},
		{Time: at, Level: slog.LevelInfo, Msg: "sep\u2028par\u2029", User: "nbsp\u00a0", Action: "zw\u200b", Component: "<&>"},
	}
	for i := range tests {
		checkLikeSlog(t, &tests[i])
	}
}

func TestAppendLineNonUTC(t *testing.T) {
	// slog would write the zone's offset; AppendLine always writes UTC.
	utc := time.Date(2026, 11, 26, 8, 0, 0, 5_000_000, time.UTC)
	e := Event{Time: utc.In(time.FixedZone("X", 3600)), Level: slog.LevelInfo, Msg: "m"}
	got := AppendLine(nil, &e, Logfmt)
	if want := "time=2026-11-26T08:00:00.005Z level=INFO msg=m latency_ms=0\n"; string(got) != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestAppendDateTime(t *testing.T) {
	secs := []int64{
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC).Unix(),
		time.Date(1900, 2, 28, 23, 59, 59, 0, time.UTC).Unix(),
		time.Date(1900, 3, 1, 0, 0, 0, 0, time.UTC).Unix(),
		time.Date(2000, 2, 29, 12, 0, 0, 0, time.UTC).Unix(),
		time.Date(2024, 12, 31, 23, 59, 59, 0, time.UTC).Unix(),
		time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC).Unix(),
		-1, 0, 1, 86399, 86400,
	}
	r := rand.New(rand.NewPCG(1, 2))
	lo, hi := secs[0], secs[5]
	for range 100_000 {
		secs = append(secs, lo+r.Int64N(hi-lo+1))
	}
	for _, sec := range secs {
		got := appendDateTime(nil, sec)
		want := time.Unix(sec, 0).UTC().AppendFormat(nil, dateTimeLayout)
		if !bytes.Equal(got, want) {
			t.Fatalf("appendDateTime(%d) = %s, want %s", sec, got, want)
		}
	}
}

// TestBatchLikeSlog is the test the file's bytes rest on: a rendered batch
// is exactly slog's output for the events the batch draws, including the
// lines without a user and the tricky messages.
func TestBatchLikeSlog(t *testing.T) {
	for _, f := range []Format{Logfmt, JSON} {
		t.Run(f.String(), func(t *testing.T) {
			o := Options{Records: 3 * batchLines, Users: 1000, Workers: 1, Seed: 9, Format: f}
			g := newGenerator(o)
			const b = 1
			got := g.renderBatch(nil, b, newTally(o.Users))

			var want []byte
			var r rand.PCG
			r.Seed(batchSeed(o.Seed, b))
			noUser, tricky := 0, 0
			for line := b * batchLines; line < (b+1)*batchLines; line++ {
				e := g.event(g.draw(&r, int64(line)))
				want = append(want, slogLine(t, &e, f)...)
				if got := AppendLine(nil, &e, f); !bytes.Equal(got, slogLine(t, &e, f)) {
					t.Fatalf("AppendLine = %s, slog writes %s", got, slogLine(t, &e, f))
				}
				if e.User == "" {
					noUser++
				}
				if strings.Contains(e.Msg, "ghost") {
					tricky++
				}
			}
			if noUser < 100 || tricky < 50 {
				t.Errorf("batch has %d lines without a user and %d tricky ones; want both kinds tested", noUser, tricky)
			}
			if !bytes.Equal(got, want) {
				gl, wl := bytes.Split(got, []byte("\n")), bytes.Split(want, []byte("\n"))
				for i := range min(len(gl), len(wl)) {
					if !bytes.Equal(gl[i], wl[i]) {
						t.Fatalf("line %d:\n got %s\nwant %s", i, gl[i], wl[i])
					}
				}
				t.Fatalf("got %d lines, want %d", len(gl), len(wl))
			}
		})
	}
}

func TestRenderBatchAllocs(t *testing.T) {
	for _, f := range []Format{Logfmt, JSON} {
		g := newGenerator(Options{Records: 4 * batchLines, Users: 5000, Workers: 1, Seed: 1, Format: f})
		tl := newTally(5000)
		buf := g.renderBatch(nil, 0, tl) // grow the buffer once
		allocs := testing.AllocsPerRun(5, func() {
			buf = g.renderBatch(buf[:0], 2, tl)
		})
		if allocs != 0 {
			t.Errorf("%v: renderBatch allocates %v times per batch, want 0", f, allocs)
		}
	}
}

// FuzzAppendLine compares AppendLine with slog on arbitrary strings.
func FuzzAppendLine(f *testing.F) {
	f.Add(int64(1795680000123), int64(0), "user action", "jane.smith42@example.com", "login", "", int64(42))
	f.Add(int64(-5), int64(8), trickyMsg[0], "", "", "cache", int64(-1))
	f.Add(int64(0), int64(2), "\xff\u2028\"\\", " ", "=", "\t", int64(0))
	f.Fuzz(func(t *testing.T, ms, level int64, msg, user, action, component string, latency int64) {
		// Keep the time within the years AppendLine supports.
		const span = 253402300800000 + 62135596800000 // ms from year 1 to 10000
		ms = (ms%span+span)%span - 62135596800000
		e := Event{
			Time: time.UnixMilli(ms).UTC(), Level: slog.Level(level), Msg: msg,
			User: user, Action: action, Component: component, LatencyMS: latency,
		}
		checkLikeSlog(t, &e)
	})
}

// TestRenderBatchLongLatency renders a batch as if no latency fitted a
// word, which the latency tables never reach, so that the renderer's slow
// path writes the same bytes as its fast one.
func TestRenderBatchLongLatency(t *testing.T) {
	for _, f := range []Format{Logfmt, JSON} {
		o := Options{Records: batchLines, Users: 2000, Workers: 1, Seed: 3, Format: f}
		g := newGenerator(o)
		want := g.renderBatch(nil, 0, newTally(o.Users))
		for _, texts := range [][][latencySteps]word{g.actionLatText, g.jobLatText} {
			clear(texts)
		}
		got := g.renderBatch(nil, 0, newTally(o.Users))
		if !bytes.Equal(got, want) {
			t.Errorf("%v: lines differ when latencies take the slow path", f)
		}
	}
}
