package bus

// Counting a batch sent by reference: the worker maps its file once for
// as long as batches of that file come one after another, scans the
// batch (in place, or copied with pread where that costs less: scan's
// readmode.go), and only then sums the bytes it scanned, from the same
// file (its pages, shared with every writer of it). A change
// to the file before or while it was scanned shows in the sum, and the
// batch is parked, never counted; a file replaced under its path after
// it was mapped leaves the mapping with the bytes published, which count.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync/atomic"

	"github.com/logproc/logproc/scan"
)

// mappedFile is a file mapped for a worker's batches by reference. It is
// unmapped once the worker has moved on (or has nothing to count) and the
// last batch counted in it has had its bytes summed.
type mappedFile struct {
	path string
	fi   os.FileInfo // the file at path when it was mapped
	m    *scan.Mapping
	refs atomic.Int32 // the worker's hold, and one per batch not yet summed
}

func (f *mappedFile) release() {
	if f.refs.Add(-1) == 0 {
		f.m.Close()
	}
}

// refMapping returns the worker's mapping of path, holding at least end
// bytes, with a hold on it for the caller to release: the last one when
// it will do, a new one otherwise. The last one will not do once another
// file has taken the path (a log rotated, then published again): its
// batches are the new file's.
func (c *counter) refMapping(path string, end int64) (*mappedFile, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if f := c.mapped; f != nil && f.path == path && os.SameFile(f.fi, fi) && f.m.Len() >= end {
		f.refs.Add(1)
		return f, nil
	}
	c.unmap()
	m, err := scan.Map(path)
	if err != nil {
		return nil, err
	}
	f := &mappedFile{path: path, fi: fi, m: m}
	f.refs.Store(2)
	c.mapped = f
	return f, nil
}

// unmap lets go of the worker's mapping: it is unmapped once no batch
// counted in it waits for its sum.
func (c *counter) unmap() {
	if c.mapped != nil {
		c.mapped.release()
		c.mapped = nil
	}
}

// countRef counts a batch sent by reference in place in its file's
// mapping. The returned check, to call once before the record is stored,
// sums the bytes counted and says why they are not the ones published,
// if they are not; it lets go of the mapping. A reason is for parking the
// batch, an error for trying it again.
func (c *counter) countRef(ctx context.Context, bt *batch, o scan.Options) (res scan.Result, check func() (string, error), reason string, err error) {
	f, err := c.refMapping(bt.Ref, bt.Offset+bt.Length)
	if err != nil {
		var fe *scan.FileError
		if errors.As(err, &fe) || errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission) {
			return res, nil, fmt.Sprintf("sent by reference, and this consumer cannot read it: %v", err), nil
		}
		return res, nil, "", fmt.Errorf("map %s: %w", bt.Ref, err)
	}
	if have := f.m.Len(); have < bt.Offset+bt.Length {
		f.release()
		return res, nil, fmt.Sprintf("sent by reference, and %s is shorter now (%d of %d bytes there)", bt.Ref, max(have-bt.Offset, 0), bt.Length), nil
	}
	if res, err = f.m.Section(ctx, bt.File, bt.Offset, bt.Length, o); err != nil {
		f.release() // a file truncated while counted is parked with the error, as any scan error
		return res, nil, "", err
	}
	return res, func() (string, error) {
		defer f.release()
		return refCheck(f.m, bt, o.Read)
	}, "", nil
}

// refCheck sums the bytes of bt in m, read as Section read them under
// mode, and says how they differ from the ones published, if they do.
func refCheck(m *scan.Mapping, bt *batch, mode scan.ReadMode) (string, error) {
	fb := &fileBytes{m: m}
	if !m.ReadsInPlace(mode) {
		fb = &fileBytes{r: m}
	}
	ps, err := newPieceSummer(fb, false)
	if err != nil {
		return "", err
	}
	got, err := rangeSum(bt.Offset, bt.Offset+bt.Length, func(a, b, _ int64) ([32]byte, error) {
		s, _, err := ps.sum(a, b)
		return s, err
	})
	if err != nil {
		if errors.Is(err, scan.ErrTruncated) || errors.Is(err, errShrank) {
			return fmt.Sprintf("sent by reference, and %s is shorter now: %v", bt.Ref, err), nil
		}
		return "", fmt.Errorf("read %s: %w", bt.Ref, err)
	}
	if got != bt.Sum {
		return fmt.Sprintf("sent by reference, and %s has other bytes there now (sum %.18s…, published %.18s…): the file changed since it was published", bt.Ref, got, bt.Sum), nil
	}
	return "", nil
}
