package scan

import (
	"errors"
	"fmt"
)

// ErrNotLog is what a NotLogError is: errors.Is(err, ErrNotLog) tells a
// file that holds no log record from a file that could not be read.
var ErrNotLog = errors.New("not a log file")

// NotLogError says that a file had lines but not one record of any format
// logproc reads, and what its first line held.
type NotLogError struct {
	Path      string
	Malformed int64  // lines, none of them a record
	Long      int64  // lines longer than the maximum, skipped unread
	Seen      string // what the first malformed line held (logline.Describe)
}

func (e *NotLogError) Error() string {
	if e.Malformed == 0 {
		return fmt.Sprintf("%s: no log record in %d lines, all longer than the maximum line length (see -max-line); not a log file", e.Path, e.Long)
	}
	lines := "lines"
	if e.Malformed+e.Long == 1 {
		lines = "line"
	}
	long := ""
	if e.Long > 0 {
		long = fmt.Sprintf(", %d of them too long to read", e.Long)
	}
	return fmt.Sprintf("%s: no log record in %d %s%s (the first holds %s); not a log file in any format logproc reads (see -input-format)",
		e.Path, e.Malformed+e.Long, lines, long, e.Seen)
}

func (e *NotLogError) Is(target error) bool { return target == ErrNotLog }

// FileError is an error reading or counting one input: Path names it as
// the caller did ("stdin" for "-", the name given to Reader), Offset is the
// byte offset where it happened, -1 when the error is not at one place.
type FileError struct {
	Path   string
	Offset int64
	Err    error
}

// Error is the path, then the cause: the cause names the offset itself
// when it matters to the user (a shrinking file, a long line).
func (e *FileError) Error() string { return e.Path + ": " + e.Err.Error() }

func (e *FileError) Unwrap() error { return e.Err }
