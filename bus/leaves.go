package bus

// A file's identity (fileHash) and a batch's sum by reference are hashes
// of leaves' sums: the bytes are cut at every multiple of leafSize in the
// file (absolute offsets) and each piece is summed on its own (xxh3-128). Publish
// sums a file's leaves once, on every core, before the first batch goes
// (consumers have nothing to do then); the file's hash and the sums of the
// leaves a batch covers whole come from that table, so each byte is
// hashed once by publish, not once for the file and once for its batch.

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"sync"
	"sync/atomic"

	"github.com/minio/highwayhash"
	"github.com/zeebo/xxh3"
)

// leafSize is the grid of a batch's pieces: small, so that the pieces at
// a batch's two ends, which publish hashes again, are little.
const leafSize = 256 << 10

// leafChunk is how many leaves a worker of sumLeaves takes at a time.
const leafChunk = 16

// leafTable holds the sum and the newlines of every leaf of a file's
// first size bytes; the last leaf may be short.
type leafTable struct {
	size  int64
	sums  [][32]byte
	lines []int32
}

// leafEnd is where leaf i ends in the table.
func (t *leafTable) leafEnd(i int64) int64 { return min((i+1)*leafSize, t.size) }

// sumLeaves sums every leaf of [0, size) with workers goroutines.
func sumLeaves(ctx context.Context, fb *fileBytes, size int64, workers int) (*leafTable, error) {
	n := (size + leafSize - 1) / leafSize
	t := &leafTable{size: size, sums: make([][32]byte, n), lines: make([]int32, n)}
	var next atomic.Int64
	var first error
	var once sync.Once
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Go(func() {
			ps, err := newPieceSummer(fb, true)
			if err != nil {
				once.Do(func() { first = err })
				return
			}
			for {
				c := next.Add(1) - 1
				if c*leafChunk >= n {
					return
				}
				if err := ctx.Err(); err != nil {
					once.Do(func() { first = err })
					return
				}
				for i := c * leafChunk; i < min((c+1)*leafChunk, n); i++ {
					sum, lines, err := ps.sum(i*leafSize, t.leafEnd(i))
					if err != nil {
						once.Do(func() { first = err })
						next.Store(n) // the others stop at their next chunk
						return
					}
					t.sums[i], t.lines[i] = sum, int32(lines)
				}
			}
		})
	}
	wg.Wait()
	return t, first
}

// lastLineEnd is the end of the table's last complete line: 0 if none.
func (t *leafTable) lastLineEnd(fb *fileBytes) (int64, error) {
	for i := int64(len(t.lines)) - 1; i >= 0; i-- {
		if t.lines[i] == 0 {
			continue
		}
		end, pos := int64(-1), i*leafSize
		if err := fb.each(pos, t.leafEnd(i)-pos, func(b []byte) {
			if j := bytes.LastIndexByte(b, '\n'); j >= 0 {
				end = pos + int64(j) + 1
			}
			pos += int64(len(b))
		}); err != nil {
			return 0, err
		}
		if end < 0 {
			return 0, fmt.Errorf("offset %d: the file changed while it was read", i*leafSize)
		}
		return end, nil
	}
	return 0, nil
}

// pieceSummer sums pieces of a file and, if asked to, counts their
// newlines, reading them in place where the file is mapped, else into a
// buffer of its own: one per goroutine.
type pieceSummer struct {
	fb    *fileBytes
	h     *xxh3.Hasher
	buf   []byte
	lines int64
	w     writerFunc
}

func newPieceSummer(fb *fileBytes, countLines bool) (*pieceSummer, error) {
	ps := &pieceSummer{fb: fb, h: xxh3.NewSeed(leafSeed)}
	ps.w = func(b []byte) { ps.h.Write(b) }
	if countLines {
		ps.w = func(b []byte) {
			ps.h.Write(b)
			ps.lines += int64(bytes.Count(b, []byte{'\n'}))
		}
	}
	return ps, nil
}

// sum sums the bytes [from, to) and counts their newlines.
func (ps *pieceSummer) sum(from, to int64) (sum [32]byte, lines int64, err error) {
	ps.h.Reset()
	ps.lines = 0
	n := to - from
	if m := ps.fb.m; m != nil {
		if m.Len() < to {
			return sum, 0, fmt.Errorf("offset %d: %w", m.Len(), errShrank)
		}
		if _, err := m.WriteTo(ps.w, from, n); err != nil {
			return sum, 0, fmt.Errorf("offset %d: %w", from, err)
		}
	} else {
		if int64(len(ps.buf)) < n {
			ps.buf = make([]byte, leafSize)
		}
		got, err := ps.fb.r.ReadAt(ps.buf[:n], from)
		switch {
		case int64(got) == n:
		case err != nil && !errors.Is(err, io.EOF):
			return sum, 0, fmt.Errorf("read at offset %d: %w", from, err)
		default:
			return sum, 0, fmt.Errorf("offset %d: %w", from+int64(got), errShrank)
		}
		ps.w(ps.buf[:n])
	}
	return leafSum(ps.h), ps.lines, nil
}

// leafSum is a leaf's sum: its xxh3-128 in 32 bytes, zero-padded.
func leafSum(h *xxh3.Hasher) (sum [32]byte) {
	s := h.Sum128().Bytes()
	copy(sum[:], s[:])
	return sum
}

// rangeSummer is rangeSum of the bytes [from, to) of a file computed from
// the bytes themselves, handed to write in order as they are read (a
// consumer's scan.Options.Seen): what was counted is summed, and read once.
type rangeSummer struct {
	from, pos, to int64
	leaf          *xxh3.Hasher
	root          hash.Hash
	over          bool // more bytes came than [from, to) holds
}

func newRangeSummer(from, to int64) (*rangeSummer, error) {
	root, err := highwayhash.New(refKey)
	if err != nil {
		return nil, err
	}
	return &rangeSummer{from: from, pos: from, to: to, leaf: xxh3.NewSeed(leafSeed), root: root}, nil
}

// write sums b, the range's next bytes, cutting at the leaves' grid.
func (s *rangeSummer) write(b []byte) {
	for len(b) > 0 {
		if s.pos >= s.to {
			s.over = true
			return
		}
		end := min(s.to, (s.pos/leafSize+1)*leafSize)
		k := min(int64(len(b)), end-s.pos)
		s.leaf.Write(b[:k])
		s.pos += k
		b = b[k:]
		if s.pos == end {
			sum := leafSum(s.leaf)
			s.root.Write(sum[:])
			s.leaf.Reset()
		}
	}
}

// sum is the range's sum, once every one of its bytes was written; an
// error says how many were, when not all or more.
func (s *rangeSummer) sum() (string, error) {
	if s.over || s.pos != s.to {
		return "", fmt.Errorf("%d bytes summed of the %d at offset %d (more: %v)", s.pos-s.from, s.to-s.from, s.from, s.over)
	}
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(s.to-s.from))
	s.root.Write(n[:])
	return refSumOf(s.root), nil
}

// errShrank is a file shorter than the bytes asked of it.
var errShrank = errors.New("the file shrank while it was read")

// leafSeed seeds the leaves' sums, xxh3-128 (in 32 bytes, zero-padded):
// 3.5 times as fast as HighwayHash-256 on this machine (docs/distributed.md).
// It is fixed and public, as refKey: a sum tells a file changed since
// publish from the one published, not an attacker's file.
const leafSeed = 0x6c6f6770726f6334 // "logproc4"

// rangeSum is the sum of the bytes [from, to) of a file, from the sums of
// its pieces, each given by piece: the root hash of the pieces' sums, in
// order, and the range's length.
func rangeSum(from, to int64, piece func(a, b, leaf int64) ([32]byte, error)) (string, error) {
	root, err := highwayhash.New(refKey)
	if err != nil {
		return "", err
	}
	for a := from; a < to; {
		leaf := a / leafSize
		b := min(to, (leaf+1)*leafSize)
		sum, err := piece(a, b, leaf)
		if err != nil {
			return "", err
		}
		root.Write(sum[:])
		a = b
	}
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(to-from))
	root.Write(n[:])
	return refSumOf(root), nil
}

// batchSum is publish's sum of a batch by reference and its newlines:
// the table's sums for the leaves it covers whole, the rest hashed now.
func (t *leafTable) batchSum(ps *pieceSummer, from, to int64) (string, int64, error) {
	var lines int64
	sum, err := rangeSum(from, to, func(a, b, leaf int64) ([32]byte, error) {
		if leaf < int64(len(t.sums)) && a == leaf*leafSize && b == t.leafEnd(leaf) {
			lines += int64(t.lines[leaf])
			return t.sums[leaf], nil
		}
		s, n, err := ps.sum(a, b)
		lines += n
		return s, err
	})
	return sum, lines, err
}
