package scan

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// TestMappingSection: a section scanned in a mapping made once counts
// what Section and Reader count of the same bytes, section after section
// of one mapping, and WriteTo hands out exactly those bytes.
func TestMappingSection(t *testing.T) {
	var data []byte
	for i := range 5000 {
		if i%97 == 5 {
			data = append(data, "not a record\n"...)
			continue
		}
		data = append(data, "level=WARN user=u"+strconv.Itoa(i%23)+" msg=y\n"...)
	}
	path := filepath.Join(t.TempDir(), "a.log")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := Map(path)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.Len() != int64(len(data)) {
		t.Fatalf("Len = %d, want %d", m.Len(), len(data))
	}
	cut := func(frac int) int64 {
		at := len(data) * frac / 4
		return int64(at + bytes.IndexByte(data[at:], '\n') + 1)
	}
	bounds := []int64{0, cut(1), cut(2), cut(3), int64(len(data))}
	for i := range 4 {
		off, end := bounds[i], bounds[i+1]
		for _, workers := range []int{1, 3} {
			o := Options{Workers: workers}
			got, err := m.Section(context.Background(), "part", off, end-off, o)
			if err != nil {
				t.Fatal(err)
			}
			fromFile, err := Section(context.Background(), path, "part", off, end-off, o)
			if err != nil {
				t.Fatal(err)
			}
			want, err := Reader(context.Background(), "part", bytes.NewReader(data[off:end]), Options{Workers: 1})
			if err != nil {
				t.Fatal(err)
			}
			want.Formats, got.Formats, fromFile.Formats = nil, nil, nil
			if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(fromFile, want) {
				t.Fatalf("section %d, workers %d: Mapping.Section:\n%+v\nSection:\n%+v\nReader of the same bytes:\n%+v", i, workers, got, fromFile, want)
			}
			if got.Bytes != end-off || got.Totals.Malformed == 0 || got.MalformedAt[0].File != "part" {
				t.Fatalf("section %d: %d bytes, %d malformed at %v", i, got.Bytes, got.Totals.Malformed, got.MalformedAt)
			}
		}
		var buf bytes.Buffer
		if n, err := m.WriteTo(&buf, off, end-off); err != nil || n != end-off || !bytes.Equal(buf.Bytes(), data[off:end]) {
			t.Fatalf("WriteTo section %d: %d bytes, %v; equal: %v", i, n, err, bytes.Equal(buf.Bytes(), data[off:end]))
		}
	}
	var fe *FileError
	if _, err := m.Section(context.Background(), "part", int64(len(data))-10, 20, Options{Workers: 1}); !errors.As(err, &fe) || fe.Path != path || !strings.Contains(err.Error(), "when mapped") {
		t.Fatalf("section past the end: %v", err)
	}
	if _, err := m.WriteTo(new(bytes.Buffer), -1, 5); !errors.As(err, &fe) {
		t.Fatalf("WriteTo before the start: %v", err)
	}
}

// TestMappingTruncated: a file truncated after it was mapped makes
// WriteTo and Section return an error naming the file, not crash.
func TestMappingTruncated(t *testing.T) {
	data := bytes.Repeat([]byte("level=INFO user=ann msg=hello\n"), 100_000) // 3 MB: pages past the cut fault
	path := filepath.Join(t.TempDir(), "a.log")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := Map(path)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.b == nil {
		noMapping(t)
	}
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	n := int64(len(data))
	if _, err := m.WriteTo(new(bytes.Buffer), n/2, n/2); err == nil || !strings.Contains(err.Error(), path+": the file changed while it was read") {
		t.Fatalf("WriteTo a truncated mapping: %v", err)
	}
	if _, err := m.Section(context.Background(), "part", n/2, n/2, Options{Workers: 1}); err == nil || !strings.Contains(err.Error(), "the file changed while it was read") {
		t.Fatalf("Section of a truncated mapping: %v", err)
	}
}

// TestMapEmpty: an empty file maps, with no bytes, and its empty section
// counts nothing.
func TestMapEmpty(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty.log")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := Map(path)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	res, err := m.Section(context.Background(), "part", 0, 0, Options{Workers: 1})
	if err != nil || res.Totals.Lines() != 0 || m.Len() != 0 {
		t.Fatalf("empty: %d lines, %d bytes mapped, %v", res.Totals.Lines(), m.Len(), err)
	}
	if _, err := Map(t.TempDir()); err == nil {
		t.Fatal("Map of a directory: no error")
	}
}

// TestBytes: bytes in memory scanned in place count what Reader counts of
// them, with the name given, empty bytes included.
func TestBytes(t *testing.T) {
	var data []byte
	for i := range 4000 {
		if i%89 == 1 {
			data = append(data, "\x00garbage\n"...)
			continue
		}
		data = append(data, `{"level":"error","user":"u`+strconv.Itoa(i%31)+`"}`+"\n"...)
	}
	for _, b := range [][]byte{data, data[:len(data)-1], nil, {}} {
		for _, workers := range []int{1, 2} {
			got, err := Bytes(context.Background(), "batch", b, Options{Workers: workers})
			if err != nil {
				t.Fatal(err)
			}
			want, err := Reader(context.Background(), "batch", bytes.NewReader(b), Options{Workers: 1})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%d bytes, workers %d: Bytes:\n%+v\nReader:\n%+v", len(b), workers, got, want)
			}
		}
	}
}
