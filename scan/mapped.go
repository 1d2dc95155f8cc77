package scan

// A file mapped once and scanned by sections, for a caller that counts
// parts of a file and reads their bytes itself: the bus, by reference,
// scans a batch in place and then sums the very bytes it scanned, in the
// same mapping, so that a file changed between the two is never counted.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"

	"golang.org/x/exp/mmap"
)

// Mapping is a regular file mapped into memory, and the file held open for
// pread (readmode.go). Its methods may be called from several goroutines
// at once; Close must come after the last.
type Mapping struct {
	path string
	f    *os.File
	data *mmap.ReaderAt // nil for an empty file
	b    []byte         // data's bytes; nil when mappedBytes cannot reach them
}

// Map maps the regular file at path.
func Map(path string) (*Mapping, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &FileError{Path: path, Offset: -1, Err: errors.New("not a regular file, so it cannot be mapped")}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	m := &Mapping{path: path, f: f}
	if fi.Size() == 0 {
		return m, nil
	}
	if m.data, err = mmap.Open(path); err != nil {
		f.Close()
		return nil, &FileError{Path: path, Offset: -1, Err: fmt.Errorf("cannot map: %w", err)}
	}
	if err := sameFile(path, f); err != nil {
		m.Close()
		return nil, err
	}
	m.b = mappedBytes(m.data)
	return m, nil
}

// sameFile checks that path still names f, opened before x/exp/mmap
// opened path again to map it: pread from f must read the file mapped.
func sameFile(path string, f *os.File) error {
	opened, err := f.Stat()
	if err != nil {
		return err
	}
	if now, err := os.Stat(path); err != nil || !os.SameFile(opened, now) {
		return &FileError{Path: path, Offset: -1, Err: errors.New("another file took its name while it was opened; run again")}
	}
	return nil
}

// ReadsInPlace says whether the mapping's bytes are read in place, rather
// than copied with pread (ReadAt), under mode: ReadAuto times the two once
// a process (readmode.go).
func (m *Mapping) ReadsInPlace(mode ReadMode) bool {
	return m.b != nil && mode.resolve(m.b, m.f) == ReadMmap
}

// ReadAt reads the file's bytes at off with pread, for a caller that reads
// them where ReadsInPlace says false. A file shorter than off+len(p) is
// io.EOF, as os.File says.
func (m *Mapping) ReadAt(p []byte, off int64) (int, error) {
	return m.f.ReadAt(p, off)
}

// Len is the size of the file when it was mapped.
func (m *Mapping) Len() int64 {
	if m.data == nil {
		return 0
	}
	return int64(m.data.Len())
}

// Close unmaps the file and closes it.
func (m *Mapping) Close() error {
	m.f.Close() // read only: its Close cannot lose data
	if m.data == nil {
		return nil
	}
	return m.data.Close()
}

// check says whether [off, off+n) is in the mapping.
func (m *Mapping) check(off, n int64) error {
	if off < 0 || n < 0 || off+n > m.Len() {
		return &FileError{Path: m.path, Offset: off, Err: fmt.Errorf("section of %d bytes at offset %d: the file had %d when mapped", n, off, m.Len())}
	}
	return nil
}

// Section scans the bytes [off, off+n) of the mapping, in place, as
// Section scans them from the file, as one input called name.
func (m *Mapping) Section(ctx context.Context, name string, off, n int64, o Options) (Result, error) {
	if err := m.check(off, n); err != nil {
		return Result{}, err
	}
	if m.b == nil {
		// The mapping's bytes cannot be reached here: the file is mapped
		// again and read through a window, as Files does then.
		return Section(ctx, m.path, name, off, n, o)
	}
	sec := &section{name: name, off: off, n: n, mapped: m.b, given: true}
	if !m.ReadsInPlace(o.Read) {
		sec.file = m.f
	}
	defer runtime.KeepAlive(m)
	return scanInputs(ctx, []string{m.path}, o, nil, "stdin", sec)
}

// Bytes scans b in place, as one input called name, as Section scans a
// mapped file: for a caller that holds the bytes already (the bus, a
// batch's message), where Reader would copy them through a window.
func Bytes(ctx context.Context, name string, b []byte, o Options) (Result, error) {
	return scanInputs(ctx, []string{name}, o, nil, "stdin", &section{name: name, n: int64(len(b)), mapped: b, given: true})
}

// WriteTo writes the bytes [off, off+n) of the mapping to w, in one Write
// of the mapping's own bytes where they can be reached. A file truncated
// since it was mapped is an error, not a crash.
func (m *Mapping) WriteTo(w io.Writer, off, n int64) (written int64, err error) {
	if err := m.check(off, n); err != nil {
		return 0, err
	}
	if m.b == nil {
		return io.Copy(w, io.NewSectionReader(m.data, off, n))
	}
	defer runtime.KeepAlive(m)
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if p := recover(); p != nil {
			written, err = 0, &FileError{Path: m.path, Offset: off, Err: fmt.Errorf("internal error, please report: %v", p)}
			if _, ok := p.(interface{ Addr() uintptr }); ok {
				err = &FileError{Path: m.path, Offset: off, Err: truncated{truncatedError(m.path)}}
			}
		}
	}()
	k, err := w.Write(m.b[off : off+n])
	return int64(k), err
}

// ErrTruncated is what Mapping.WriteTo's error is when the pages it read
// went away: the file was truncated after it was mapped.
var ErrTruncated = errors.New("the file was truncated while mapped")

type truncated struct{ error }

func (truncated) Is(target error) bool { return target == ErrTruncated }

// openInput opens path as scanInputs reads it: a section with its bytes
// mapped already (Mapping.Section) opens nothing.
func openInput(ctx context.Context, path string, o Options, sec *section) (*input, error) {
	if sec != nil && sec.given {
		return &input{path: path, size: int64(len(sec.mapped)), mapped: sec.mapped, file: sec.file}, nil
	}
	return open(ctx, path, o.Stdin, o.NoMmap, o.Read)
}

// readerAt is what a mapped input is read through where it is not parsed
// in place: Split's looks for line ends. Read with pread, it is the file,
// so that the cuts touch no page of the mapping (readmode.go says why).
func (in *input) readerAt() io.ReaderAt {
	switch {
	case in.file != nil:
		return fullReaderAt{in.file}
	case in.mapped != nil:
		return bytes.NewReader(in.mapped)
	}
	return in.data
}

// fullReaderAt reads a file that must hold what was mapped of it: a short
// read is errShrank, never a buffer's stale bytes taken for the file's.
type fullReaderAt struct{ f *os.File }

func (r fullReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := r.f.ReadAt(p, off)
	if n < len(p) && (err == nil || errors.Is(err, io.EOF)) {
		err = errShrank
	}
	return n, err
}
