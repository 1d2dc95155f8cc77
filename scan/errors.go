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
	Seen      string // what the first of them held (logline.Describe)
}

func (e *NotLogError) Error() string {
	lines := "lines"
	if e.Malformed == 1 {
		lines = "line"
	}
	return fmt.Sprintf("%s: no log record in %d %s (the first holds %s); not a log file in any format logproc reads (see -input-format)",
		e.Path, e.Malformed, lines, e.Seen)
}

func (e *NotLogError) Is(target error) bool { return target == ErrNotLog }
