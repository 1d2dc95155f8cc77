package bus

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/logproc/logproc/scan"
)

// piecesLog is a log of containerd and Docker records in pieces, whole
// records and slog lines, each record's pieces about 600 bytes together:
// batches of a few KiB cut by lines alone would end inside many of them.
func piecesLog(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for i := range 3000 {
		ts := fmt.Sprintf("2026-11-26T08:%02d:%02d.%03dZ", i/60%60, i%60, i%1000)
		switch i % 6 {
		case 0:
			fmt.Fprintf(&b, "%s stdout P level=INFO user=p%d msg=\"%s\n", ts, i, strings.Repeat("x", 200))
			fmt.Fprintf(&b, "%s stderr F level=WARN user=e%d\n", ts, i%70)
			fmt.Fprintf(&b, "%s stdout P %s\n", ts, strings.Repeat("y", 200))
			fmt.Fprintf(&b, "%s stdout F  end\"\n", ts)
		case 3:
			fmt.Fprintf(&b, "{\"log\":\"level=ERROR user=d%d msg=\\\"%s\",\"stream\":\"stdout\",\"time\":%q}\n", i, strings.Repeat("z", 300), ts)
			fmt.Fprintf(&b, "{\"log\":\" tail\\\"\\n\",\"stream\":\"stdout\",\"time\":%q}\n", ts)
		default:
			fmt.Fprintf(&b, "%s stdout F level=INFO user=c%d msg=x\n", ts, i%100)
		}
	}
	path := filepath.Join(t.TempDir(), "pieces.log")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestRecordsInPiecesAcrossBatches: batches end where no CRI or Docker
// record is open, so records in pieces count as scan counts them, by value
// and by reference; cut by lines alone, as manifests of version 5 were,
// some batches would end inside a record.
func TestRecordsInPiecesAcrossBatches(t *testing.T) {
	path := piecesLog(t)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const grid = 4 << 10
	byLines := cutByLines(data, grid)
	byRecords, err := cut(bytes.NewReader(data), 0, int64(len(data)), grid)
	if err != nil {
		t.Fatal(err)
	}
	if reflect.DeepEqual(byLines, byRecords) {
		t.Fatalf("cut by lines and by records alike (%d batches): the test would prove nothing", len(byLines))
	}
	for _, byRef := range []bool{false, true} {
		ts := startTestServer(t)
		b := ts.connect(t, "test")
		st, err := Publish(context.Background(), b, []string{path}, PublishOptions{BatchSize: grid, ByReference: byRef})
		if err != nil {
			t.Fatal(err)
		}
		if st.Batches != len(byRecords) {
			t.Errorf("by reference %v: %d batches, want %d", byRef, st.Batches, len(byRecords))
		}
		sameAsScan(t, countAll(t, ts, b), path)
	}
}

// cutByLines cuts data as cut does, but where any line starts: the
// batches of a manifest of version 5.
func cutByLines(data []byte, grid int) []scan.Range {
	var ranges []scan.Range
	for start := 0; start < len(data); {
		end := len(data)
		if start+grid < len(data) {
			if i := bytes.IndexByte(data[start+grid-1:], '\n'); i >= 0 {
				end = min(start+grid+i, len(data))
			}
		}
		ranges = append(ranges, scan.Range{Start: int64(start), End: int64(end)})
		start = end
	}
	return ranges
}

// TestManifestVersions: a manifest is written as version 7, and read back
// with its cutting; one of another version (5 and 6 named files by
// HighwayHash leaves, so their files would not be known) is refused with
// a message that says how to start over.
func TestManifestVersions(t *testing.T) {
	m := manifest{File: "a.log", Cut: cutRecords, To: 10, Grid: 4096}
	val, err := m.marshal()
	if err != nil || !bytes.Contains(val, []byte(`"v":7`)) {
		t.Errorf("a new manifest: %s (%v), want version 7", val, err)
	}
	if got, err := unmarshalManifest(val); err != nil || got != m {
		t.Errorf("read back: %+v, %v; want %+v", got, err, m)
	}
	for _, v := range []int{5, 6, 8} {
		in := fmt.Sprintf(`{"v":%d,"file":"a.log","from":0,"to":10,"hash":"00","grid":4096,"batches":1,"first_line":1,"cut":"records"}`, v)
		want := fmt.Sprintf("manifest version %d; this logproc reads version 7 ('logproc reset' starts the job over)", v)
		if _, err := unmarshalManifest([]byte(in)); err == nil || err.Error() != want {
			t.Errorf("version %d: %v, want %s", v, err, want)
		}
	}
}

// TestGrowingFileOpenRecord: a growing CRI log whose last record has its
// first pieces written but not its last holds them back, as it holds back
// a last line with no newline: published again once the record ends, the
// log counts as scan counts it whole, the record once. With -final the
// open record is counted as it stands, and the log cannot grow on.
func TestGrowingFileOpenRecord(t *testing.T) {
	path := piecesLog(t)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Grow it by a record in three pieces: first two, then the last.
	p1 := "2026-11-26T09:00:00.000Z stdout P level=ERROR user=late msg=\"" + strings.Repeat("a", 100) + "\n"
	p2 := "2026-11-26T09:00:00.001Z stderr F level=INFO user=between\n2026-11-26T09:00:00.002Z stdout P " + strings.Repeat("b", 100) + "\n"
	p3 := "2026-11-26T09:00:00.003Z stdout F  end\"\n"
	if err := os.WriteFile(path, append(bytes.Clone(data), p1+p2...), 0o644); err != nil {
		t.Fatal(err)
	}
	ts := startTestServer(t)
	b := ts.connect(t, "test")
	first := publish(t, b, 8<<10, path)
	held := int64(len(p1) + len(p2))
	if first.Bytes != int64(len(data)) || first.HeldBack != held {
		t.Fatalf("first publish %+v: want %d bytes sent, %d held back (the open record)", first, len(data), held)
	}
	whole := append(bytes.Clone(data), p1+p2+p3...)
	if err := os.WriteFile(path, whole, 0o644); err != nil {
		t.Fatal(err)
	}
	second := publish(t, b, 8<<10, path)
	if second.Known != int64(len(data)) || second.Bytes != held+int64(len(p3)) || second.HeldBack != 0 {
		t.Fatalf("second publish %+v: want %d bytes known, %d sent", second, len(data), held+int64(len(p3)))
	}
	sameAsScan(t, countAll(t, ts, b), path)

	// -final counts an open record as it stands; the log is then whole.
	open := filepath.Join(t.TempDir(), "open.log")
	if err := os.WriteFile(open, append(bytes.Clone(data), p1+p2...), 0o644); err != nil {
		t.Fatal(err)
	}
	ts2 := startTestServer(t)
	b2 := ts2.connect(t, "test")
	st, err := Publish(context.Background(), b2, []string{open}, PublishOptions{BatchSize: 8 << 10, Final: true})
	if err != nil || st.HeldBack != 0 {
		t.Fatalf("publish -final: %+v, %v; want nothing held back", st, err)
	}
	sameAsScan(t, countAll(t, ts2, b2), open)
	if err := os.WriteFile(open, append(bytes.Clone(data), p1+p2+p3...), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Publish(context.Background(), b2, []string{open}, PublishOptions{BatchSize: 8 << 10}); err == nil || !strings.Contains(err.Error(), "publish -final") {
		t.Fatalf("publish after -final of an open record: %v, want refused", err)
	}
}
