package gen

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/logproc/logproc/agg"
	"github.com/logproc/logproc/agg/aggtest"
)

func TestParseFormat(t *testing.T) {
	for _, f := range []Format{Logfmt, JSON} {
		got, err := ParseFormat(f.String())
		if err != nil || got != f {
			t.Errorf("ParseFormat(%q) = %v, %v; want %v", f.String(), got, err, f)
		}
	}
	_, err := ParseFormat("xml")
	if want := `unknown format "xml" (want logfmt or json)`; err == nil || err.Error() != want {
		t.Errorf("ParseFormat(xml) error = %v, want %s", err, want)
	}
	if s := Format(7).String(); s != "Format(7)" {
		t.Errorf("Format(7).String() = %q", s)
	}
}

func TestValidate(t *testing.T) {
	ok := Options{Records: 10, Users: 1, Workers: 1}
	if err := ok.Validate(); err != nil {
		t.Fatalf("Validate(%+v) = %v", ok, err)
	}
	tests := []struct {
		change func(*Options)
		want   string // the error names the field and the value
	}{
		{func(o *Options) { o.Records = -1 }, "Records = -1"},
		{func(o *Options) { o.Users = 0 }, "Users = 0"},
		{func(o *Options) { o.Users = -3 }, "Users = -3"},
		{func(o *Options) { o.Users = maxUsers + 1 }, "Users = 16777217"},
		{func(o *Options) { o.Workers = 0 }, "Workers = 0"},
		{func(o *Options) { o.Workers = -1 }, "Workers = -1"},
		{func(o *Options) { o.Format = 2 }, "Format = Format(2)"},
		{func(o *Options) { o.Start = time.Date(9999, 12, 31, 23, 59, 0, 0, time.UTC); o.Records = 40_000 },
			"Start = 9999-12-31T23:59:00Z"},
		{func(o *Options) { o.Records = 1 << 62 }, "Records = 4611686018427387904"},
	}
	for _, tt := range tests {
		o := ok
		tt.change(&o)
		err := o.Validate()
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("Validate(%+v) = %v, want one line with %q", o, err, tt.want)
		}
		if _, werr := Write(context.Background(), nil, o, nil); werr == nil || werr.Error() != err.Error() {
			t.Errorf("Write with %+v: %v, want the Validate error", o, werr)
		}
		if _, werr := WriteStream(context.Background(), nil, o, nil); werr == nil || werr.Error() != err.Error() {
			t.Errorf("WriteStream with %+v: %v, want the Validate error", o, werr)
		}
	}
	// The last line may sit on the last millisecond of year 9999.
	edge := ok
	edge.Start = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
	edge.Records = 500
	if err := edge.Validate(); err != nil {
		t.Errorf("Validate(%+v) = %v", edge, err)
	}
	edge.Records++ // one line into year 10000
	if err := edge.Validate(); err == nil {
		t.Errorf("Validate(%+v) = nil, want an error", edge)
	}
}

// write runs Write into a fresh file and returns the report and the bytes.
func write(t *testing.T, o Options) (Report, []byte) {
	t.Helper()
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := Write(context.Background(), f, o, nil)
	if err != nil {
		t.Fatalf("Write(%+v): %v", o, err)
	}
	data, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	return rep, data
}

// TestWriteDeterministic checks that the bytes depend on the seed and not
// on the worker count, and that they are the batches rendered one by one.
func TestWriteDeterministic(t *testing.T) {
	for _, f := range []Format{Logfmt, JSON} {
		o := Options{Records: 5*batchLines + 123, Users: 300, Seed: 7, Format: f}
		g := newGenerator(o)
		var want []byte
		tl := newTally(o.Users)
		for b := range int64(6) {
			want = g.renderBatch(want, b, tl)
		}
		for _, workers := range []int{1, 2, 7} {
			o.Workers = workers
			rep, got := write(t, o)
			if !bytes.Equal(got, want) {
				t.Errorf("%v, %d workers: the file differs from the batches in order", f, workers)
			}
			if want := g.totals([]*tally{tl}); !aggtest.Equal(&rep.Totals, &want) {
				t.Errorf("%v, %d workers: Totals differ from one worker's", f, workers)
			}
		}
		o.Seed++
		if _, other := write(t, o); bytes.Equal(other, want) {
			t.Errorf("%v: seeds 7 and 8 wrote the same bytes", f)
		}
	}
}

// TestWriteReport reads the file back with simple, obviously correct
// parsers and checks that the report is the truth.
func TestWriteReport(t *testing.T) {
	for _, f := range []Format{Logfmt, JSON} {
		for _, o := range []Options{
			{Records: 3*batchLines + 17, Users: 5000, Workers: 3, Seed: 1, Format: f},
			{Records: 1000, Users: 1, Workers: 2, Seed: 2, Format: f},
			{Records: 1, Users: 10, Workers: 4, Seed: 3, Format: f},
			{Records: batchLines, Users: 10, Workers: 16, Seed: 4, Format: f},
			{Records: 0, Users: 10, Workers: 2, Seed: 5, Format: f},
		} {
			rep, data := write(t, o)
			checkReport(t, o, rep, data)
		}
	}
}

func checkReport(t *testing.T, o Options, rep Report, data []byte) {
	t.Helper()
	if rep.Bytes != int64(len(data)) || rep.Lines != o.Records {
		t.Errorf("%+v: report says %d lines, %d bytes; want %d lines and the file's %d bytes",
			o, rep.Lines, rep.Bytes, o.Records, len(data))
	}
	parse := parseLogfmt
	if o.Format == JSON {
		parse = parseJSON
	}
	shard := agg.NewShard()
	var lines int64
	prev := time.Time{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		lines++
		when, level, user, action, latency, err := parse(sc.Text())
		if err != nil {
			t.Fatalf("%+v: line %d: %v: %s", o, lines, err, sc.Text())
		}
		if (lines > 1 && !when.After(prev)) || (lines == 1 && !when.Equal(o.start())) {
			t.Fatalf("%+v: line %d at %v, after %v (start %v)", o, lines, when, prev, o.start())
		}
		prev = when
		slot := shard.Count([]byte(level), []byte(user))
		if action != "" {
			shard.CountAction(slot, []byte(action), latency*1e6, true)
		} else {
			shard.CountLatency(latency * 1e6)
		}
		shard.CountTime(when.UnixNano())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		t.Errorf("%+v: the file does not end with a newline", o)
	}
	if lines != o.Records {
		t.Errorf("%+v: file has %d lines, want %d", o, lines, o.Records)
	}
	if want := agg.Merge(shard); !aggtest.Equal(&rep.Totals, &want) {
		t.Errorf("%+v: Totals\n got %v\nwant %v", o, rep.Totals, want)
	}
	if n := rep.Totals.Users["ghost@example.com"]; n != 0 {
		t.Errorf("the ghost in the messages was counted %d times", n)
	}
	if o.Users == 1 && o.Records > 100 && len(rep.Totals.Users) != 1 {
		t.Errorf("one user in the pool, %d in the report", len(rep.Totals.Users))
	}
}

func parseJSON(line string) (when time.Time, level, user, action string, latencyMS int64, err error) {
	var rec struct {
		Time      time.Time
		Level     string
		Msg       *string
		User      string
		Action    string
		LatencyMS *int64 `json:"latency_ms"`
	}
	err = json.Unmarshal([]byte(line), &rec)
	if err == nil && (rec.Level == "" || rec.Msg == nil || rec.LatencyMS == nil) {
		err = errors.New("no level, msg or latency_ms")
	}
	if err != nil {
		return when, "", "", "", 0, err
	}
	return rec.Time, rec.Level, rec.User, rec.Action, *rec.LatencyMS, nil
}

// parseLogfmt reads key=value pairs, a quoted value being a Go string
// literal, as the text handler writes it.
func parseLogfmt(line string) (when time.Time, level, user, action string, latencyMS int64, err error) {
	attrs := map[string]string{}
	for line != "" {
		key, rest, ok := strings.Cut(line, "=")
		if !ok {
			return when, "", "", "", 0, errors.New("key without value")
		}
		var val string
		if strings.HasPrefix(rest, `"`) {
			quoted, err := strconv.QuotedPrefix(rest)
			if err != nil {
				return when, "", "", "", 0, err
			}
			val, _ = strconv.Unquote(quoted)
			rest = rest[len(quoted):]
		} else {
			val, rest, _ = strings.Cut(rest, " ")
			rest = " " + rest
		}
		if _, dup := attrs[key]; dup {
			return when, "", "", "", 0, errors.New("duplicate key " + key)
		}
		attrs[key] = val
		line = strings.TrimPrefix(rest, " ")
	}
	if _, ok := attrs["msg"]; !ok || attrs["level"] == "" {
		return when, "", "", "", 0, errors.New("no level or msg")
	}
	if when, err = time.Parse(time.RFC3339Nano, attrs["time"]); err != nil {
		return when, "", "", "", 0, err
	}
	if latencyMS, err = strconv.ParseInt(attrs["latency_ms"], 10, 64); err != nil {
		return when, "", "", "", 0, err
	}
	return when, attrs["level"], attrs["user"], attrs["action"], latencyMS, nil
}

func TestWriteProgressAndTruncate(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// A longer old file must not leave a tail behind.
	if _, err := f.Write(bytes.Repeat([]byte("x"), 8<<20)); err != nil {
		t.Fatal(err)
	}
	var progress atomic.Int64
	o := Options{Records: 2*batchLines + 5, Users: 50, Workers: 2}
	rep, err := Write(context.Background(), f, o, &progress)
	if err != nil {
		t.Fatal(err)
	}
	if progress.Load() != o.Records {
		t.Errorf("progress = %d, want %d", progress.Load(), o.Records)
	}
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() != rep.Bytes {
		t.Errorf("file has %d bytes, report says %d", fi.Size(), rep.Bytes)
	}
}

func TestWriteErrors(t *testing.T) {
	o := Options{Records: 10 * batchLines, Users: 10, Workers: 3}
	// A file opened read-only fails every WriteAt.
	name := filepath.Join(t.TempDir(), "ro")
	if err := os.WriteFile(name, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	ro, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	_, err = Write(context.Background(), ro, o, nil)
	if err == nil || !strings.Contains(err.Error(), "at offset") || !strings.Contains(err.Error(), name) {
		t.Errorf("Write to a read-only file: %v, want an error naming file and offset", err)
	}

	// A full disk.
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		if runtime.GOOS == "linux" {
			t.Fatal(err) // every Linux has it: a skip here would hide a broken test machine
		}
		t.Skip("no /dev/full:", err)
	}
	defer full.Close()
	_, err = Write(context.Background(), full, o, nil)
	if !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("Write to /dev/full: %v, want ENOSPC", err)
	}
}

// dirEntries lists dir's names, to check that nothing was left behind.
func dirEntries(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	o := Options{Records: batchLines + 1, Users: 100, Workers: 2, Format: JSON}
	rep, err := WriteFile(context.Background(), path, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	checkReport(t, o, rep, data)
	if names := dirEntries(t, dir); len(names) != 1 {
		t.Errorf("directory holds %q, want only app.log", names)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("stat: %v, %v; want mode 0644", fi.Mode(), err)
	}
}

func TestWriteFileErrors(t *testing.T) {
	o := Options{Records: 100, Users: 10, Workers: 2}

	// Tests run as root, so an unwritable directory is one under a file.
	dir := t.TempDir()
	notDir := filepath.Join(dir, "file")
	if err := os.WriteFile(notDir, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteFile(context.Background(), filepath.Join(notDir, "x.log"), o, nil); err == nil {
		t.Error("WriteFile under a regular file succeeded")
	}
	if _, err := WriteFile(context.Background(), filepath.Join(dir, "missing", "x.log"), o, nil); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("WriteFile in a missing directory: %v, want ErrNotExist", err)
	}

	// Cancelled before it starts: the old file at path stays as it was.
	path := filepath.Join(dir, "app.log")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := WriteFile(ctx, path, o, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("WriteFile with a cancelled context: %v, want context.Canceled", err)
	}
	if data, err := os.ReadFile(path); err != nil || string(data) != "old" {
		t.Errorf("path holds %q, %v; want the old content", data, err)
	}
	if names := dirEntries(t, dir); len(names) != 2 {
		t.Errorf("directory holds %q, want only file and app.log", names)
	}
}

// TestWriteFileCancelMidway cancels once the first batches are written:
// WriteFile must stop between batches and leave no file.
func TestWriteFileCancelMidway(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	o := Options{Records: 1 << 23, Users: 1000, Workers: 2}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var progress atomic.Int64
	done := make(chan error)
	go func() {
		_, err := WriteFile(ctx, path, o, &progress)
		done <- err
	}()
	for progress.Load() == 0 {
		time.Sleep(100 * time.Microsecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("WriteFile cancelled midway: %v, want context.Canceled", err)
	}
	if n := progress.Load(); n >= o.Records {
		t.Errorf("progress = %d: all lines written despite the cancel", n)
	}
	if names := dirEntries(t, dir); len(names) != 0 {
		t.Errorf("directory holds %q after a cancelled WriteFile, want nothing", names)
	}
}

// TestWriteFileToDevice: writing to /dev/null goes through the device and
// leaves it a device, with the same report as a real file.
func TestWriteFileToDevice(t *testing.T) {
	before, err := os.Stat(os.DevNull)
	if err != nil || before.Mode()&os.ModeDevice == 0 {
		t.Skipf("%s is not a device here", os.DevNull)
	}
	o := Options{Records: 40000, Users: 10, Workers: 2, Seed: 3}
	rep, err := WriteFile(context.Background(), os.DevNull, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := write(t, o)
	if rep.Bytes != want.Bytes || rep.Lines != want.Lines {
		t.Errorf("to %s: %d bytes, %d lines; to a file: %d, %d", os.DevNull, rep.Bytes, rep.Lines, want.Bytes, want.Lines)
	}
	after, err := os.Stat(os.DevNull)
	if err != nil || after.Mode() != before.Mode() {
		t.Fatalf("%s changed from %v to %v", os.DevNull, before.Mode(), after.Mode())
	}
}

// streamWriter is a writer that cannot seek. It keeps what it is given,
// counts the Writes, notes any two that overlap, and runs hook, if set,
// at the start of Write number n (from 1); an error from hook fails that
// Write with nothing written.
type streamWriter struct {
	busy    atomic.Bool
	overlap atomic.Bool
	mu      sync.Mutex
	buf     bytes.Buffer
	writes  int
	hook    func(n int) error
}

func (w *streamWriter) Write(p []byte) (int, error) {
	if !w.busy.CompareAndSwap(false, true) {
		w.overlap.Store(true)
	}
	defer w.busy.Store(false)
	runtime.Gosched() // an overlapping Write gets its chance to show
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes++
	if w.hook != nil {
		if err := w.hook(w.writes); err != nil {
			return 0, err
		}
	}
	return w.buf.Write(p)
}

// TestWriteStreamEqualsWriteFile: a stream gets the bytes and the report
// WriteFile writes, whatever the number of workers, one batch per Write
// and one Write at a time.
func TestWriteStreamEqualsWriteFile(t *testing.T) {
	for _, f := range []Format{Logfmt, JSON} {
		for _, records := range []int64{3*batchLines + 123, batchLines, 1, 0} {
			o := Options{Records: records, Users: 300, Workers: 3, Seed: 7, Format: f}
			path := filepath.Join(t.TempDir(), "app.log")
			wantRep, err := WriteFile(context.Background(), path, o, nil)
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			for _, workers := range []int{1, 2, 3, 8} {
				o.Workers = workers
				var w streamWriter
				var progress atomic.Int64
				rep, err := WriteStream(context.Background(), &w, o, &progress)
				name := fmt.Sprintf("%v, %d lines, %d workers", f, records, workers)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if !bytes.Equal(w.buf.Bytes(), want) {
					t.Errorf("%s: the stream differs from the file (%d bytes, want %d)", name, w.buf.Len(), len(want))
				}
				if rep.Lines != wantRep.Lines || rep.Bytes != wantRep.Bytes || !aggtest.Equal(&rep.Totals, &wantRep.Totals) {
					t.Errorf("%s: report %+v, want WriteFile's %+v", name, rep, wantRep)
				}
				if n := (records + batchLines - 1) / batchLines; int64(w.writes) != n {
					t.Errorf("%s: %d Writes, want one per batch, %d", name, w.writes, n)
				}
				if w.overlap.Load() {
					t.Errorf("%s: two Writes overlapped", name)
				}
				if progress.Load() != records {
					t.Errorf("%s: progress = %d, want %d", name, progress.Load(), records)
				}
			}
		}
	}
}

// TestWriteStreamPipe writes through a real pipe, which cannot seek.
func TestWriteStreamPipe(t *testing.T) {
	o := Options{Records: 3*batchLines + 5, Users: 50, Workers: 4, Seed: 2, Format: JSON}
	_, want := write(t, o)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	type result struct {
		data []byte
		err  error
	}
	read := make(chan result)
	go func() {
		data, err := io.ReadAll(r)
		read <- result{data, err}
	}()
	rep, err := WriteStream(context.Background(), w, o, nil)
	w.Close()
	got := <-read
	if err != nil || got.err != nil {
		t.Fatalf("WriteStream: %v; read: %v", err, got.err)
	}
	if !bytes.Equal(got.data, want) || rep.Bytes != int64(len(want)) {
		t.Errorf("the pipe carried %d bytes, report says %d; want the file's %d bytes", len(got.data), rep.Bytes, len(want))
	}
}

// TestWriteStreamCancel: once ctx is cancelled, WriteStream returns its
// error and starts no further Write. A worker that finishes rendering after
// the cancel finds both the cancel and its hand-off ready, and select picks
// one at random, so each case runs a few times.
func TestWriteStreamCancel(t *testing.T) {
	o := Options{Records: 256 * batchLines, Users: 100}
	for _, workers := range []int{1, 2, 4} {
		for range 4 {
			o.Workers = workers
			ctx, cancel := context.WithCancel(context.Background())
			w := streamWriter{hook: func(n int) error {
				if n == 3 {
					cancel() // while Write 3 is in progress, which completes
				}
				return nil
			}}
			var progress atomic.Int64
			_, err := WriteStream(ctx, &w, o, &progress)
			if !errors.Is(err, context.Canceled) {
				t.Errorf("%d workers: WriteStream cancelled midway: %v, want context.Canceled", workers, err)
			}
			if w.writes != 3 || progress.Load() != 3*batchLines {
				t.Fatalf("%d workers: %d Writes, progress %d; want 3 and the 3 batches' lines: none after the cancel",
					workers, w.writes, progress.Load())
			}
		}
	}

	// Cancelled before it starts: nothing is written.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var idle streamWriter
	if _, err := WriteStream(ctx, &idle, o, nil); !errors.Is(err, context.Canceled) || idle.writes != 0 {
		t.Errorf("WriteStream with a cancelled context: %v after %d Writes, want context.Canceled and none", err, idle.writes)
	}
}

// shortWriter takes all but the last byte and reports no error, breaking
// io.Writer's contract.
type shortWriter struct{}

func (shortWriter) Write(p []byte) (int, error) { return max(len(p)-1, 0), nil }

// TestWriteStreamErrors: the first failed Write stops the log; the error
// names the batch and its offset, and no Write follows it.
func TestWriteStreamErrors(t *testing.T) {
	o := Options{Records: 20 * batchLines, Users: 10, Workers: 3}
	errDisk := errors.New("disk on fire")
	w := streamWriter{hook: func(n int) error {
		if n == 3 {
			return errDisk
		}
		return nil
	}}
	_, err := WriteStream(context.Background(), &w, o, nil)
	if !errors.Is(err, errDisk) {
		t.Fatalf("WriteStream to a failing writer: %v, want %v", err, errDisk)
	}
	if want := fmt.Sprintf("gen: batch 2 at offset %d: disk on fire", w.buf.Len()); err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	if w.writes != 3 {
		t.Errorf("%d Writes, want 3: none after the failure", w.writes)
	}

	_, err = WriteStream(context.Background(), shortWriter{}, o, nil)
	if !errors.Is(err, io.ErrShortWrite) || !strings.Contains(err.Error(), "batch 0 at offset 0") {
		t.Errorf("WriteStream to a short writer: %v, want io.ErrShortWrite at batch 0", err)
	}

	// A pipe nobody reads: the error names the file, batch and offset.
	r, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	defer pw.Close()
	_, err = WriteStream(context.Background(), pw, o, nil)
	if !errors.Is(err, syscall.EPIPE) || !strings.Contains(err.Error(), pw.Name()+": batch 0 at offset 0") {
		t.Errorf("WriteStream to a closed pipe: %v, want EPIPE naming %s and batch 0", err, pw.Name())
	}
}
