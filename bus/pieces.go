package bus

// A batch by value in pieces: publish cuts the batch where scan cuts a
// file into ranges (scan.Split: after a '\n', with no framed record
// open) into pieces of about batchPieceSize bytes and S2-encodes each as a
// block of its own, so that a consumer decodes one piece and counts it
// while it is still in cache, not a whole batch that its cache cannot
// hold. The message's data is an index, then the blocks:
//
//	data  = count *(encoded decoded) blocks   ; uvarints: the number of pieces, each piece's lengths
//	blocks = the pieces' S2 blocks (s2.Encode), one after the other
//
// A consumer that does not know the encoding parks the batch, naming the
// header; it never counts it.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/s2"

	"github.com/logproc/logproc/scan"
)

// encodingS2Pieces is the encoding of a batch in pieces.
const encodingS2Pieces = "s2-pieces"

// batchPieceSize is the size publish aims at for a piece: a few of them fit
// in a core's L2 cache, and a piece's costs (an S2 block's header, a
// handoff to the worker, a range's begin and finish in scan) are small
// next to counting it.
const batchPieceSize = 1 << 20

// encodePieces returns the message data for the bytes [off, off+n) of
// src in pieces of about size bytes, in a new buffer, and their newlines;
// or nil when they are one piece: then the batch goes as one S2 block
// (encodingS2), which every consumer reads. Each piece is read on its
// own, and counted and encoded while it is in cache: no buffer holds the
// whole batch.
func (e *batchEncoder) encodePieces(src batchSource, off, n int64, size int) ([]byte, int64, error) {
	k := (n + int64(size) - 1) / int64(size)
	if k < 2 {
		return nil, 0, nil
	}
	ranges, err := scan.Split(io.NewSectionReader(src, off, n), n, int(k))
	if err != nil || len(ranges) < 2 {
		return nil, 0, err
	}
	need := 0
	for _, r := range ranges {
		need += s2.MaxEncodedLen(int(r.Len()))
	}
	if cap(e.buf) < need {
		e.buf = make([]byte, need)
	}
	e.lens = e.lens[:0]
	blocks := e.buf[:0]
	var lines int64
	for _, r := range ranges {
		start := len(blocks)
		if err := src.whole(off+r.Start, r.Len(), func(b []byte) {
			lines += int64(countLines(b))
			enc := s2.Encode(blocks[len(blocks):cap(blocks)], b)
			blocks = blocks[:len(blocks)+len(enc)]
		}); err != nil {
			return nil, 0, err
		}
		e.lens = append(e.lens, len(blocks)-start, int(r.Len()))
	}
	data := make([]byte, 0, binary.MaxVarintLen64*(1+len(e.lens))+len(blocks))
	data = binary.AppendUvarint(data, uint64(len(ranges)))
	for _, n := range e.lens {
		data = binary.AppendUvarint(data, uint64(n))
	}
	return append(data, blocks...), lines, nil
}

// pieceReader decodes the pieces of one batch, one at a time.
type pieceReader struct {
	index  []byte // the lengths of the pieces not yet decoded
	blocks []byte // their blocks
	left   int    // pieces not yet decoded
	at     int    // the decoded bytes before the next piece
}

// openPieces checks the index of data, in encodingS2Pieces, against its
// blocks and the largest batch, before a byte is decoded.
func openPieces(data []byte) (pieceReader, error) {
	n, k := binary.Uvarint(data)
	if k <= 0 || n < 1 || n > maxBatchBytes {
		return pieceReader{}, fmt.Errorf("header %s=%s: %d bytes of message: no count of pieces", hdrEncoding, encodingS2Pieces, len(data))
	}
	r := pieceReader{left: int(n)}
	rest := data[k:]
	var encoded, decoded uint64
	for i := range r.left {
		enc, k1 := binary.Uvarint(rest)
		dec, k2 := 0, 0
		if k1 > 0 {
			var d uint64
			d, k2 = binary.Uvarint(rest[k1:])
			dec = int(min(d, maxBatchBytes+1))
		}
		if k1 <= 0 || k2 <= 0 || enc > uint64(len(data)) || dec == 0 {
			return pieceReader{}, fmt.Errorf("header %s=%s: %d bytes of message: the index of piece %d of %d is damaged", hdrEncoding, encodingS2Pieces, len(data), i+1, n)
		}
		encoded += enc
		decoded += uint64(dec)
		rest = rest[k1+k2:]
	}
	switch {
	case encoded != uint64(len(rest)):
		return pieceReader{}, fmt.Errorf("header %s=%s: %d bytes of message: the index says %d bytes of blocks, and %d follow it", hdrEncoding, encodingS2Pieces, len(data), encoded, len(rest))
	case decoded > maxBatchBytes:
		return pieceReader{}, fmt.Errorf("header %s=%s: the message says it decodes to %d bytes, more than a batch holds (%d)", hdrEncoding, encodingS2Pieces, decoded, maxBatchBytes)
	}
	r.index, r.blocks = data[k:len(data)-len(rest)], rest
	return r, nil
}

// errNoPiece is what next returns once every piece is decoded.
var errNoPiece = errors.New("no piece left")

// next decodes the next piece into d's buffer: its bytes are valid until
// d decodes again.
func (r *pieceReader) next(d *batchDecoder) ([]byte, error) {
	if r.left == 0 {
		return nil, errNoPiece
	}
	enc, k1 := binary.Uvarint(r.index)
	dec, k2 := binary.Uvarint(r.index[k1:]) // openPieces checked them
	r.index = r.index[k1+k2:]
	block := r.blocks[:enc]
	r.blocks = r.blocks[enc:]
	r.left--
	if n, err := s2.DecodedLen(block); err != nil || uint64(n) != dec {
		return nil, fmt.Errorf("header %s=%s: the piece at decoded offset %d: its block says %d bytes (%v), its index %d", hdrEncoding, encodingS2Pieces, r.at, n, err, dec)
	}
	if cap(d.buf) < int(dec) {
		d.buf = make([]byte, dec)
	}
	out, err := s2.Decode(d.buf[:dec], block)
	if err != nil {
		return nil, fmt.Errorf("header %s=%s: the piece at decoded offset %d: %w", hdrEncoding, encodingS2Pieces, r.at, err)
	}
	r.at += len(out)
	return out, nil
}
