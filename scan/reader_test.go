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

// TestReader: a reader scanned as one named input counts what the same
// bytes in a file count, and its malformed lines carry the name given,
// not "stdin".
func TestReader(t *testing.T) {
	data := []byte("level=INFO user=a\ngarbage\nlevel=WARN user=b\n{\"level\":\"error\",\"user\":\"c\"}\nmore garbage\n")
	path := filepath.Join(t.TempDir(), "a.log")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	want, err := Files(context.Background(), []string{path}, Options{Workers: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Reader(context.Background(), path, bytes.NewReader(data), Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Reader:\n%+v\nFiles:\n%+v", got, want)
	}
	if len(got.MalformedAt) != 2 || got.MalformedAt[1] != (Position{File: path, Line: 5}) {
		t.Errorf("malformed at %v, want lines 2 and 5 of %s", got.MalformedAt, path)
	}
}

// TestReaderNotLog: bytes with no record are a *NotLogError naming the
// input; with PartOfFile they are counted as malformed and listed.
func TestReaderNotLog(t *testing.T) {
	data := []byte("just text\nand more text\n\n")
	_, err := Reader(context.Background(), "part-7", bytes.NewReader(data), Options{Workers: 1})
	var nl *NotLogError
	if !errors.As(err, &nl) || !errors.Is(err, ErrNotLog) || nl.Path != "part-7" || nl.Malformed != 2 || !strings.HasPrefix(err.Error(), "part-7: ") {
		t.Fatalf("Reader of text: %v, want a NotLogError for part-7 with 2 lines", err)
	}
	res, err := Reader(context.Background(), "part-7", bytes.NewReader(data), Options{Workers: 1, PartOfFile: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Totals.Malformed != 2 || res.Totals.Blank != 1 || len(res.NotLog) != 1 || res.NotLog[0].Path != "part-7" || res.NotLog[0].Malformed != 2 {
		t.Fatalf("PartOfFile: malformed %d, blank %d, not log %+v; want 2, 1 and part-7 listed", res.Totals.Malformed, res.Totals.Blank, res.NotLog)
	}
}

// TestFileError: errors about one input carry its path, as a *FileError
// or the *os.PathError of the call that failed.
func TestFileError(t *testing.T) {
	dir := t.TempDir()
	_, err := Files(context.Background(), []string{dir}, Options{Workers: 1}, nil)
	var fe *FileError
	if !errors.As(err, &fe) || fe.Path != dir || fe.Offset != -1 || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("Files(dir): %v (%T), want a *FileError naming %s", err, err, dir)
	}
	missing := filepath.Join(dir, "missing.log")
	_, err = Files(context.Background(), []string{missing}, Options{Workers: 1}, nil)
	var pe *os.PathError
	if !errors.As(err, &pe) || pe.Path != missing {
		t.Errorf("Files(missing): %v (%T), want an *os.PathError naming it", err, err)
	}
	_, err = Reader(context.Background(), "nil", nil, Options{Workers: 1})
	if !errors.As(err, &fe) || fe.Path != "nil" {
		t.Errorf("Reader(nil): %v, want a *FileError", err)
	}
}

// TestSection: a section of a file, scanned in place, counts what the
// same bytes count on their own, with lines numbered from its start;
// a section past the end is an error naming the file.
func TestSection(t *testing.T) {
	var data []byte
	for i := range 3000 {
		switch {
		case i%101 == 3:
			data = append(data, "garbage line\n"...)
		default:
			data = append(data, "level=INFO user=u"+strconv.Itoa(i%17)+" msg=x\n"...)
		}
	}
	path := filepath.Join(t.TempDir(), "a.log")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	off := int64(bytes.IndexByte(data[len(data)/3:], '\n') + len(data)/3 + 1)
	end := int64(bytes.IndexByte(data[2*len(data)/3:], '\n') + 2*len(data)/3 + 1)
	for _, workers := range []int{1, 3} {
		got, err := Section(context.Background(), path, "part", off, end-off, Options{Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		want, err := Reader(context.Background(), "part", bytes.NewReader(data[off:end]), Options{Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		want.Formats, got.Formats = nil, nil
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("workers %d: Section:\n%+v\nReader of the same bytes:\n%+v", workers, got, want)
		}
		if got.Bytes != end-off || got.Totals.Malformed == 0 || got.MalformedAt[0].File != "part" {
			t.Fatalf("workers %d: %d bytes, %d malformed at %v", workers, got.Bytes, got.Totals.Malformed, got.MalformedAt)
		}
	}
	_, err := Section(context.Background(), path, "part", int64(len(data))-10, 20, Options{Workers: 1})
	var fe *FileError
	if !errors.As(err, &fe) || fe.Path != path || !strings.Contains(err.Error(), "the file has") {
		t.Fatalf("section past the end: %v", err)
	}
}
