package logline

import "bytes"

// isContinuation says that line, which no format reads, goes on the record
// before it: a line of a Go panic or of a stack trace, as the runtime,
// debug.Stack, zap's development encoder and logrus print them:
//
//	panic: runtime error: index out of range [recovered]
//	goroutine 1 [running]:
//	main.main()
//	github.com/x/y.(*T).Do(0xc000010000, {0x4b1f40, 0x5})
//	go.uber.org/zap.(*Logger).Error
//		/src/main.go:12 +0x1d
//	created by main.main in goroutine 1
//	[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x47e0d0]
//	exit status 2
//
// A line indented with a tab or spaces is one too (a stack's file lines,
// a multi-line message's later lines). The test looks at the line alone,
// not at what precedes it, so that a line counts the same in every range
// and every reading of a file.
func isContinuation(line []byte) bool {
	for n := len(line); n > 0 && (line[n-1] == '\r' || line[n-1] == ' ' || line[n-1] == '\t'); n-- {
		line = line[:n-1] // trailing blanks say nothing, however the line was cut
	}
	if len(line) == 0 {
		return false
	}
	if line[0] == '\t' || line[0] == ' ' {
		return len(trimSpaceAndTab(line)) > 0
	}
	for _, prefix := range continuationPrefixes {
		if bytes.HasPrefix(line, []byte(prefix)) {
			return true
		}
	}
	return isFrameLine(line)
}

var continuationPrefixes = [...]string{
	"panic: ", "fatal error: ", "goroutine ", "created by ", "[signal ", "exit status ",
	"runtime: ", "[recovered]", "...additional frames elided...",
}

// isFrameLine says that line names a Go function as a stack frame does:
// an import path and a name with no space, maybe followed by its
// arguments in parentheses ("main.main()", "pkg.(*T).M(0x1, {…})").
func isFrameLine(line []byte) bool {
	head := line
	if line[len(line)-1] == ')' { // drop the arguments
		depth := 0
		for i := len(line) - 1; i >= 0; i-- {
			if line[i] == ')' {
				depth++
			} else if line[i] == '(' {
				if depth--; depth == 0 {
					head = line[:i]
					break
				}
			}
		}
	}
	if len(head) == 0 || bytes.ContainsAny(head, " =\"{}[],:") {
		return false
	}
	slash := bytes.LastIndexByte(head, '/')
	dot := bytes.IndexByte(head[slash+1:], '.')
	return dot > 0 && slash+1+dot < len(head)-1
}
