package bus

// Counting a batch sent by reference: the worker maps its file once for
// as long as batches of that file come one after another, and scans the
// batch (in place, or copied with pread where that costs less: scan's
// readmode.go), summing each byte as it is scanned. A change to the file
// before or while it was scanned shows in the sum, and the batch is
// parked, never counted; a file replaced under its path after it was
// mapped leaves the mapping with the bytes published, which count.

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/logproc/logproc/scan"
)

// mappedFile is a file mapped for a worker's batches by reference,
// unmapped once the worker has moved on or has nothing to count.
type mappedFile struct {
	path string
	fi   os.FileInfo // the file at path when it was mapped
	m    *scan.Mapping
}

// refMapping returns the worker's mapping of path, holding at least end
// bytes: the last one when it will do, a new one otherwise. The last one
// will not do once another file has taken the path (a log rotated, then
// published again): its batches are the new file's.
func (c *counter) refMapping(path string, end int64) (*mappedFile, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if f := c.mapped; f != nil && f.path == path && os.SameFile(f.fi, fi) && f.m.Len() >= end {
		return f, nil
	}
	c.unmap()
	m, err := scan.Map(path)
	if err != nil {
		return nil, err
	}
	c.mapped = &mappedFile{path: path, fi: fi, m: m}
	return c.mapped, nil
}

// unmap lets go of the worker's mapping.
func (c *counter) unmap() {
	if c.mapped != nil {
		c.mapped.m.Close()
		c.mapped = nil
	}
}

// countRef counts a batch sent by reference in its file's mapping. A
// reason is for parking the batch, an error for trying it again.
func (c *counter) countRef(ctx context.Context, bt *batch, o scan.Options) (res scan.Result, reason string, err error) {
	f, err := c.refMapping(bt.Ref, bt.Offset+bt.Length)
	if err != nil {
		var fe *scan.FileError
		if errors.As(err, &fe) || errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission) {
			return res, fmt.Sprintf("sent by reference, and this consumer cannot read it: %v", err), nil
		}
		return res, "", fmt.Errorf("map %s: %w", bt.Ref, err)
	}
	return countRefIn(ctx, f.m, bt, o)
}

// countRefIn counts bt in m, its file's mapping, and sums the bytes as
// they are counted (scan.Options.Seen): reason says how they differ from
// the ones published, if they do, and the counts are not to be used then.
// o must have one worker.
func countRefIn(ctx context.Context, m *scan.Mapping, bt *batch, o scan.Options) (res scan.Result, reason string, err error) {
	if have := m.Len(); have < bt.Offset+bt.Length {
		return res, fmt.Sprintf("sent by reference, and %s is shorter now (%d of %d bytes there)", bt.Ref, max(have-bt.Offset, 0), bt.Length), nil
	}
	sum, err := newRangeSummer(bt.Offset, bt.Offset+bt.Length)
	if err != nil {
		return res, "", err
	}
	o.Seen = sum.write
	if res, err = m.Section(ctx, bt.File, bt.Offset, bt.Length, o); err != nil {
		return res, "", err // a file truncated while counted is parked with the error, as any scan error
	}
	got, err := sum.sum()
	if err != nil {
		return res, fmt.Sprintf("sent by reference, and its bytes were not all counted: %v", err), nil
	}
	if got != bt.Sum {
		return res, fmt.Sprintf("sent by reference, and %s has other bytes there now (sum %.18s…, published %.18s…): the file changed since it was published", bt.Ref, got, bt.Sum), nil
	}
	return res, "", nil
}
