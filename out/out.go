// Package out turns counts into the results file.
//
// The schema keeps the seed project's keys (log_levels, unique_users,
// user_actions) and adds the rest beside them. Every object's keys are
// sorted, struct fields by declaration order and maps by goccy/go-json's
// default, so two runs over the same input give the same bytes and diff
// clean.
package out

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	json "github.com/goccy/go-json"

	"github.com/logproc/logproc/agg"
	"github.com/logproc/logproc/scan"
)

// Result is the results file. Keep the fields in alphabetical order of
// their JSON names.
type Result struct {
	BlankLines        int64            `json:"blank_lines"`
	Bytes             int64            `json:"bytes"`
	Lines             int64            `json:"lines"`
	LinesWithoutUser  map[string]int64 `json:"lines_without_user"`
	LogLevels         map[string]int64 `json:"log_levels"`
	MalformedExamples []Position       `json:"malformed_examples"`
	MalformedLines    int64            `json:"malformed_lines"`
	UniqueUsers       int              `json:"unique_users"`
	UserActions       map[string]int64 `json:"user_actions"`
}

// Position locates a malformed line.
type Position struct {
	File string `json:"file"`
	Line int64  `json:"line"`
}

// New builds the result of bytes worth of input counted into t, with the
// malformed lines found at the given positions.
func New(t agg.Totals, bytes int64, malformedAt []scan.Position) Result {
	r := Result{
		BlankLines:        t.Blank,
		Bytes:             bytes,
		Lines:             t.Lines(),
		LinesWithoutUser:  nonNil(t.NoUser),
		LogLevels:         nonNil(t.Levels),
		MalformedExamples: make([]Position, len(malformedAt)),
		MalformedLines:    t.Malformed,
		UniqueUsers:       len(t.Users),
		UserActions:       nonNil(t.Users),
	}
	for i, p := range malformedAt {
		r.MalformedExamples[i] = Position{File: p.File, Line: p.Line}
	}
	return r
}

// nonNil makes an absent map an empty JSON object rather than null, so a
// consumer never has to tell the two apart.
func nonNil(m map[string]int64) map[string]int64 {
	if m == nil {
		return map[string]int64{}
	}
	return m
}

// Marshal returns the result as indented JSON ending in a newline. User
// names are written as they are, '<' and '&' included: the file is read by
// people and programs, not pasted into HTML.
func Marshal(r Result) ([]byte, error) {
	b, err := json.MarshalIndentWithOption(r, "", "  ", json.DisableHTMLEscape())
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Write writes the result to path, or to stdout when path is "-". A file
// is written whole or not at all: the JSON goes to a temporary file in the
// same directory, is synced, and is renamed over path only then, so an
// interrupted run never leaves a truncated results file.
func Write(path string, r Result, stdout io.Writer) error {
	b, err := Marshal(r)
	if err != nil {
		return fmt.Errorf("encode results: %w", err)
	}
	if path == "-" {
		_, err := stdout.Write(b)
		return err
	}
	return WriteFileAtomic(path, b)
}

// WriteFileAtomic writes data to path through a synced temporary file and a
// rename, so that path holds either its old content or all of data. A path
// that is a device or a pipe (/dev/null, /dev/stdout, a FIFO) is written
// directly: renaming over it would replace the device with a file.
func WriteFileAtomic(path string, data []byte) (err error) {
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() && !fi.IsDir() {
		return writeSpecial(path, data)
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
			err = fmt.Errorf("write %s: %w", path, err)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

func writeSpecial(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}
