package gen

import (
	"fmt"
	"strconv"
)

// SizeBound returns an upper bound of the bytes the log of o takes, to
// refuse before writing a log that would not fit. Up to two batches it is
// the exact size; beyond, it renders the first and the last batch and takes
// the larger average line, plus 5 %. Lines are drawn independently, so the
// average of a batch's 16,384 is within a fraction of a byte of the whole
// file's, and 5 % is tens of standard deviations above it.
func SizeBound(o Options) (int64, error) {
	if err := o.Validate(); err != nil {
		return 0, err
	}
	if o.Records == 0 {
		return 0, nil
	}
	g := newGenerator(o)
	t := newTally(o.Users)
	numBatches := (o.Records + batchLines - 1) / batchLines
	var buf []byte
	if numBatches <= 2 {
		var n int64
		for b := range numBatches {
			buf = g.renderBatch(buf[:0], b, t)
			n += int64(len(buf))
		}
		return n, nil
	}
	var perLine float64
	for _, b := range []int64{0, numBatches - 1} {
		buf = g.renderBatch(buf[:0], b, t)
		lines := min(batchLines, o.Records-b*batchLines)
		perLine = max(perLine, float64(len(buf))/float64(lines))
	}
	return int64(perLine*1.05*float64(o.Records)) + lineCap, nil
}

// checkSpace fails when the log of o would not fit in the free space of
// dir's file system, as free reports it. When free cannot tell, it lets the
// write find out. No line is longer than lineCap, so most logs need no
// closer look; the others render SizeBound's samples.
func checkSpace(dir string, o Options, free func(dir string) (int64, error)) error {
	avail, err := free(dir)
	if err != nil || o.Records <= avail/lineCap {
		return nil
	}
	need, err := SizeBound(o)
	if err != nil || need <= avail {
		return err
	}
	return fmt.Errorf("the log needs up to %s bytes and the file system of %s has %s free",
		thousands(need), dir, thousands(avail))
}

// thousands writes n with commas between groups of three digits.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
