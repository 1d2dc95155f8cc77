package bus

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"slices"
	"strings"

	"github.com/logproc/logproc/scan"
)

// survey is what one read of a file finds: how far its complete lines go
// (and records: a record in pieces that goes on past them is held back),
// the hash of its bytes up to there and up to its end, the longest
// segment chain already published that its bytes begin with, and the sums
// of its leaves, which batches by reference take their sums from.
type survey struct {
	size     int64
	end      int64 // the end of the last complete line, before a record open there
	endHash  [32]byte
	sizeHash [32]byte
	// match is the ID of the known segment with the largest To whose
	// Hash is the hash of the file's bytes [0, To); "" if none.
	match        string
	linesAtMatch int64 // newlines in [0, To) of match
	leaves       *leafTable
}

// surveyFile reads the file once, summing its leaves with workers
// goroutines (leaves.go), and checks its prefixes against the segments
// known. A prefix's hash (fileHash) is made of its leaves' sums: the whole
// content is hashed, so a file edited anywhere is another file.
func surveyFile(ctx context.Context, fb *fileBytes, size int64, known map[string]manifest, workers int) (survey, error) {
	sv := survey{size: size}
	t, err := sumLeaves(ctx, fb, size, workers)
	if err != nil {
		return sv, err
	}
	sv.leaves = t
	if sv.end, err = t.lastLineEnd(fb); err != nil {
		return sv, err
	}
	// A CRI or Docker record whose last piece is not written yet waits,
	// as a last line with no newline does: counted now, it would count as
	// two once its last piece comes.
	if sv.end, err = scan.LastRecordEnd(fb, sv.end); err != nil {
		return sv, err
	}
	ps, err := newPieceSummer(fb, true)
	if err != nil {
		return sv, err
	}
	// The offsets where a known segment ends, in order, each checked
	// against the running hash of the leaves before it.
	at := map[int64][]string{}
	for id, m := range known {
		if m.To > 0 && m.To <= size {
			at[m.To] = append(at[m.To], id)
		}
	}
	stops := make([]int64, 0, len(at)+2)
	for off := range at {
		stops = append(stops, off)
	}
	stops = append(stops, sv.end, size)
	slices.Sort(stops)
	stops = slices.Compact(stops)
	fh, err := newFileHash()
	if err != nil {
		return sv, err
	}
	var leaf, lines int64 // leaves in fh, and their newlines
	for _, stop := range stops {
		for ; (leaf+1)*leafSize <= stop; leaf++ {
			fh.Write(t.sums[leaf][:])
			lines += int64(t.lines[leaf])
		}
		var head [32]byte
		ids := at[stop]
		if len(ids) > 0 {
			if head, err = fileHashAt(fh, leaf*leafSize, nil); err != nil {
				return sv, err
			}
		}
		var sum [32]byte
		var rest int64 // newlines in [leaf*leafSize, stop)
		summed := false
		hash := func() error {
			if summed {
				return nil
			}
			summed = true
			var part *[32]byte
			if stop > leaf*leafSize {
				var s [32]byte
				if stop == t.leafEnd(leaf) {
					s, rest = t.sums[leaf], int64(t.lines[leaf])
				} else if s, rest, err = ps.sum(leaf*leafSize, stop); err != nil {
					return err
				}
				part = &s
			}
			sum, err = fileHashAt(fh, stop, part)
			return err
		}
		slices.Sort(ids) // the same choice wherever it is made
		for _, id := range ids {
			// The hash of the whole leaves first: the bytes of a leaf cut
			// by stop are read only for a segment that may match.
			if m := known[id]; m.Head == hexHash(head) {
				if err := hash(); err != nil {
					return sv, err
				}
				if m.Hash == hexHash(sum) {
					sv.match, sv.linesAtMatch = id, lines+rest
					break
				}
			}
		}
		if stop == sv.end || stop == size {
			if err := hash(); err != nil {
				return sv, err
			}
			if stop == sv.end {
				sv.endHash = sum
			}
			if stop == size {
				sv.sizeHash = sum
			}
		}
	}
	return sv, nil
}

// fileHashAt is the hash of a file's bytes [0, n) from fh, which holds
// the sums of its whole leaves up to n, and the sum of the piece of a
// leaf after them, if any; fh is left as it was.
func fileHashAt(fh hash.Hash, n int64, part *[32]byte) ([32]byte, error) {
	var sum [32]byte
	c, err := fh.(hash.Cloner).Clone()
	if err != nil {
		return sum, err
	}
	if part != nil {
		c.Write(part[:])
	}
	c.Write(binary.LittleEndian.AppendUint64(nil, uint64(n)))
	c.Sum(sum[:0])
	return sum, nil
}

// headOf is the hash of a segment's whole leaves, its Head: of the file's
// bytes up to the last multiple of leafSize at or before to.
func headOf(t *leafTable, to int64) ([32]byte, error) {
	fh, err := newFileHash()
	if err != nil {
		return [32]byte{}, err
	}
	for i := range to / leafSize {
		fh.Write(t.sums[i][:])
	}
	return fileHashAt(fh, to/leafSize*leafSize, nil)
}

// fileKey begins fileHash. A file's bytes [0, n) hash to the SHA-256 of
// fileKey, the xxh3-128 of each of its leaves in 32 bytes (the last one
// cut at n), and n: the leaves are summed on every core and their sums serve the
// batches by reference too, and SHA-256 over 32 bytes a leaf can be cloned
// at each known segment's end. 256 bits, so a file's identity is as
// unlikely to collide by chance; it does not stand against someone who
// crafts a file to collide.
var fileKey = []byte("logproc: a file's bytes, v3 ids.")

// newFileHash is the hash that names a file's content, fed fileKey.
func newFileHash() (hash.Hash, error) {
	h := sha256.New()
	h.Write(fileKey)
	return h, nil
}

func hexHash(h [32]byte) string { return hex.EncodeToString(h[:]) }

// segmentID names the segment [from, To) of a file whose bytes [0, To)
// hash to h: the same bytes published from any path, by any process, get
// the same ID and so the same batch IDs.
func segmentID(h [32]byte, from int64) string {
	var b [40]byte
	copy(b[:], h[:])
	binary.LittleEndian.PutUint64(b[32:], uint64(from))
	sum := sha256.Sum256(b[:])
	return hex.EncodeToString(sum[:segIDLen/2])
}

// manifests reads every segment's manifest, by segment ID.
func (b *Bus) manifests(ctx context.Context) (map[string]manifest, error) {
	next, stop, err := b.readFresh(ctx, filePrefix, 0)
	if err != nil {
		return nil, err
	}
	defer stop()
	known := map[string]manifest{}
	for {
		e, err := next()
		if err != nil {
			return nil, err
		}
		if e == nil {
			return known, nil // every value there was when the watch began has come
		}
		m, err := unmarshalManifest(e.Value())
		if err != nil {
			return nil, fmt.Errorf("bucket %s: key %s: %w", b.opts.Bucket, e.Key(), err)
		}
		known[strings.TrimPrefix(e.Key(), filePrefix)] = m
	}
}
