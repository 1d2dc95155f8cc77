package logline

import "testing"

// FuzzSecondCache reads a time after another through the minute cache, as
// a scan reads one line's time after the line before's: every time the
// cache answers must be ParseTime's, whatever bytes either holds. The
// cache's word compares once took a time of another year for the cached
// second's (^ and | bind alike in Go); ParseTime knows nothing of them.
func FuzzSecondCache(f *testing.F) {
	for _, c := range [][2]string{
		{"2026-11-26T08:00:05.000Z", "2026-11-26T08:00:05.001Z"},
		{"2026-11-26T08:00:05.000Z", "0026-11-06T08:00:05.001Z"},
		{"2026-11-26T08:00:05.999Z", "2026-11-26T08:00:06.000Z"},
		{"2026-11-26T08:00:59.999Z", "2026-11-26T08:01:00.000Z"},
		{"2026-12-31T23:59:59.999Z", "2027-01-01T00:00:00.000Z"},
		{"2026-11-26T08:00:05.000Z", "2026-11-26T08:00:05.12aZ"},
		{"2026-11-26T08:00:05.000Z", "2026-11-26T08:00:05.123z"},
		{"2026-11-26T08:00:05Z", "2026-11-26T08:00:05.5Z"},
		{"2026-11-26T08:00:05.123456789Z", "2026-11-26T08:00:05.000+01:00"},
	} {
		f.Add([]byte(c[0]), []byte(c[1]), []byte(c[1]))
	}
	f.Fuzz(func(t *testing.T, first, second, third []byte) {
		p := mustParser(t, allFields)
		if ns, ok := ParseTime(first); ok {
			p.minute.remember(first, ns)
		}
		// The second's time may fill the cache's second; the third reads it.
		for _, v := range [][]byte{first, second, third} {
			want, ok := ParseTime(v)
			if got, hit := p.minute.read(v); hit && (!ok || got != want) {
				t.Fatalf("after %q: read gave %q %d, ParseTime %d, %v", first, v, got, want, ok)
			}
			if got, hit := p.minute.readMillis(v); hit && (!ok || got != want) {
				t.Fatalf("after %q: readMillis gave %q %d, ParseTime %d, %v", first, v, got, want, ok)
			}
		}
	})
}
