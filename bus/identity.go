package bus

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
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

// surveyFile reads f once, hashing it with SHA-256 (hardware-accelerated
// on current x86 and ARM CPUs), and checks its prefixes against the
// segments known. The whole content is hashed: a file edited anywhere is
// another file.
func surveyFile(ctx context.Context, f io.ReaderAt, size int64, known map[string]manifest) (survey, error) {
	sv := survey{size: size}
	// The offsets where a known segment ends, to stop reading at.
	at := map[int64][]string{}
	for id, m := range known {
		if m.To > 0 && m.To <= size {
			at[m.To] = append(at[m.To], id)
		}
	}
	stops := make([]int64, 0, len(at)+1)
	for off := range at {
		stops = append(stops, off)
	}
	slices.Sort(stops)
	stops = slices.Compact(append(stops, size))

	h := sha256.New()
	var endState []byte // h's state at sv.end
	var lines int64
	buf := make([]byte, 1<<20)
	pos := int64(0)
	for _, stop := range stops {
		for pos < stop {
			if err := ctx.Err(); err != nil {
				return sv, err
			}
			n, err := f.ReadAt(buf[:min(int64(len(buf)), stop-pos)], pos)
			chunk := buf[:n]
			if i := bytes.LastIndexByte(chunk, '\n'); i >= 0 {
				h.Write(chunk[:i+1])
				sv.end = pos + int64(i) + 1
				if endState, err = h.(encoding.BinaryMarshaler).MarshalBinary(); err != nil {
					return sv, err
				}
				h.Write(chunk[i+1:])
			} else {
				h.Write(chunk)
			}
			lines += int64(bytes.Count(chunk, []byte{'\n'}))
			pos += int64(n)
			if err != nil && !errors.Is(err, io.EOF) {
				return sv, fmt.Errorf("read at offset %d: %w", pos, err)
			}
			if n == 0 {
				return sv, fmt.Errorf("offset %d: the file shrank while it was read", pos)
			}
		}
		if ids := at[stop]; len(ids) > 0 {
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
	h.Sum(sv.sizeHash[:0])
	if endState != nil {
		e := sha256.New()
		if err := e.(encoding.BinaryUnmarshaler).UnmarshalBinary(endState); err != nil {
			return sv, err
		}
		e.Sum(sv.endHash[:0])
	} else {
		sv.endHash = sha256.Sum256(nil)
	}
	return sv, nil
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
	next, stop, err := b.readFresh(ctx, filePrefix)
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
