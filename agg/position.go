package agg

// Position names one line of one file; Line counts from 1.
type Position struct {
	File string
	Line int64
}

// MaxExamples is how many malformed (and long) lines a scan locates: the
// first ones, in file order.
const MaxExamples = 10
