package bus

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"slices"
	"strings"

	"github.com/minio/highwayhash"
)

// survey is what one read of a file finds: how far its complete lines go,
// the hash of its bytes up to there and up to its end, and the longest
// segment chain already published that its bytes begin with.
type survey struct {
	size     int64
	end      int64 // the end of the last complete line
	endHash  [32]byte
	sizeHash [32]byte
	// match is the ID of the known segment with the largest To whose
	// Hash is the hash of the file's bytes [0, To); "" if none.
	match        string
	linesAtMatch int64 // newlines in [0, To) of match
}

// surveyFile reads the file once, hashing it with HighwayHash-256 (fileHash),
// and checks its prefixes against the segments known. The whole content
// is hashed: a file edited anywhere is another file.
func surveyFile(ctx context.Context, fb *fileBytes, size int64, known map[string]manifest) (survey, error) {
	sv := survey{size: size}
	// The offsets where a known segment ends, to stop reading at.
	at := map[int64][]string{}
	for id, m := range known {
		if m.To > 0 && m.To <= size {
			at[m.To] = append(at[m.To], id)
		}
	}
	stops := make([]int64, 0, len(at)+1)
	var countTo int64 // lines are counted up to the last known end only: where a match needs them
	for off := range at {
		stops = append(stops, off)
		countTo = max(countTo, off)
	}
	slices.Sort(stops)
	stops = slices.Compact(append(stops, size))

	// h holds the bytes up to the last newline read (sv.end); those after
	// it wait in tail, so that the hash of [0, sv.end) is h's when the
	// file ends. A tail longer than maxTail, or one a stop needs hashed,
	// goes into h (spilled), and [0, sv.end) is hashed again at the end.
	h, err := newFileHash()
	if err != nil {
		return sv, err
	}
	var tail []byte
	spilled := false
	spill := func() {
		if len(tail) > 0 {
			h.Write(tail)
			tail, spilled = tail[:0], true
		}
	}
	var lines int64
	pos := int64(0)
	piece := func(chunk []byte) {
		rest := chunk
		if i := bytes.LastIndexByte(chunk, '\n'); i >= 0 {
			h.Write(tail)
			h.Write(chunk[:i+1])
			tail, spilled, rest = tail[:0], false, chunk[i+1:]
			sv.end = pos + int64(i) + 1
		}
		if spilled || len(tail)+len(rest) > maxTail {
			spill()
			h.Write(rest)
			spilled = spilled || len(rest) > 0
		} else {
			tail = append(tail, rest...)
		}
		if pos < countTo { // a piece ends at a stop at the latest
			lines += int64(bytes.Count(chunk, []byte{'\n'}))
		}
		pos += int64(len(chunk))
	}
	for _, stop := range stops {
		for pos < stop {
			if err := ctx.Err(); err != nil {
				return sv, err
			}
			// Up to 16 pieces between looks at ctx.
			if err := fb.each(pos, min(stop-pos, 16*pieceSize), piece); err != nil {
				return sv, err
			}
		}
		if ids := at[stop]; len(ids) > 0 {
			spill() // the hash of [0, stop)
			sum := hexHash([32]byte(h.Sum(nil)))
			slices.Sort(ids) // the same choice wherever it is made
			for _, id := range ids {
				if known[id].Hash == sum {
					sv.match, sv.linesAtMatch = id, lines
					break
				}
			}
		}
	}
	if !spilled {
		h.Sum(sv.endHash[:0])
	}
	h.Write(tail)
	h.Sum(sv.sizeHash[:0])
	if spilled {
		// A last line longer than maxTail, or a stop within a line (a
		// file changed since): [0, sv.end) once more.
		e, err := newFileHash()
		if err != nil {
			return sv, err
		}
		if err := fb.each(0, sv.end, func(b []byte) { e.Write(b) }); err != nil {
			return sv, fmt.Errorf("read up to offset %d: %w", sv.end, err)
		}
		e.Sum(sv.endHash[:0])
	}
	return sv, nil
}

// maxTail bounds the bytes after the last newline surveyFile keeps.
const maxTail = 4 << 20

// fileKey keys fileHash. HighwayHash-256 with a fixed, public key: ten
// times as fast as SHA-256 here (docs/distributed.md), and 256 bits, so a
// file's identity is as unlikely to collide by chance; it does not stand
// against someone who crafts a file to collide.
var fileKey = []byte("logproc: a file's bytes, v2 ids.")

// newFileHash is the hash that names a file's content.
func newFileHash() (hash.Hash, error) { return highwayhash.New(fileKey) }

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
