package bus

// A batch by value may travel compressed: publish compresses its bytes
// with S2 (block format) and names the encoding in a header; a consumer
// decompresses them into a buffer it keeps from batch to batch and scans
// them there. The batch is the same either way: its ID, its offset and
// its lines are the uncompressed bytes'; only the message is smaller, so
// the server stores, delivers and deletes a fraction of the bytes.

import (
	"bytes"
	"fmt"
	"io"

	"github.com/klauspost/compress/s2"
)

// hdrEncoding names how a batch's message data is encoded; a message
// without it holds the batch's bytes as they are.
const hdrEncoding = "Logproc-Encoding"

// encodingS2 is S2's block format (s2.Encode), which holds the decoded
// length in its first bytes.
const encodingS2 = "s2"

// maxBatchBytes bounds a batch's decoded bytes: NATS takes messages of
// at most 64 MB, and no batch by value is longer than its server's
// max_payload (publish checks before it compresses), so a longer one is
// damaged or not from publish, and is not decoded into memory.
const maxBatchBytes = 64 << 20

// batchEncoder compresses batches through buffers of its own, reused.
type batchEncoder struct {
	buf  []byte
	lens []int // of the pieces: encoded, decoded, encoded, …
}

// encode returns what to send for the bytes [off, off+n) of src, its
// encoding and its newlines: S2 in pieces of about pieceSize bytes when
// they hold more than one (pieceSize 0: never), one S2 block otherwise,
// or the bytes as they are when S2 makes them no smaller or they are too
// long for a consumer to decode. data is a new buffer, of its size: the
// message keeps it until acknowledged.
func (e *batchEncoder) encode(src batchSource, off, n int64, pieceSize int) (data []byte, encoding string, lines int64, err error) {
	if m := s2.MaxEncodedLen(int(n)); m < 0 || n > maxBatchBytes {
		return e.raw(src, off, n)
	} else if cap(e.buf) < m {
		e.buf = make([]byte, m)
	}
	if pieceSize > 0 {
		switch data, lines, err := e.encodePieces(src, off, n, pieceSize); {
		case err != nil:
			return nil, "", 0, err
		case data == nil: // one piece
		case int64(len(data)) >= n:
			return e.raw(src, off, n)
		default:
			return data, encodingS2Pieces, lines, nil
		}
	}
	err = src.whole(off, n, func(b []byte) {
		lines = int64(countLines(b))
		if enc := s2.Encode(e.buf[:cap(e.buf)], b); len(enc) < len(b) {
			data, encoding = bytes.Clone(enc), encodingS2
		} else {
			data = bytes.Clone(b)
		}
	})
	return data, encoding, lines, err
}

// raw is encode's answer when S2 does not pay: a copy of the bytes.
func (e *batchEncoder) raw(src batchSource, off, n int64) (data []byte, encoding string, lines int64, err error) {
	err = src.whole(off, n, func(b []byte) {
		data, lines = bytes.Clone(b), int64(countLines(b))
	})
	return data, "", lines, err
}

// batchSource is where encode reads a batch's bytes: a file through
// fileBytes, or memBytes.
type batchSource interface {
	io.ReaderAt // for scan.Split's cuts
	// whole calls use once with the bytes [off, off+n), valid only
	// during the call; fewer bytes there than asked is an error.
	whole(off, n int64, use func(b []byte)) error
}

// memBytes is a batchSource of bytes in memory.
type memBytes []byte

func (m memBytes) ReadAt(p []byte, off int64) (int, error) { return bytes.NewReader(m).ReadAt(p, off) }

func (m memBytes) whole(off, n int64, use func(b []byte)) error {
	if off < 0 || n < 0 || off+n > int64(len(m)) {
		return fmt.Errorf("offset %d: %w", int64(len(m)), errShrank)
	}
	use(m[off : off+n])
	return nil
}

// batchDecoder decodes batches into a buffer of its own, reused: the
// bytes decode returns are valid until its next call.
type batchDecoder struct {
	buf []byte
}

// decode returns the bytes of a batch whose message holds data in the
// encoding named: data itself when it names none. An encoding it does not
// know, or data it cannot decode, is an error saying which.
func (d *batchDecoder) decode(encoding string, data []byte) ([]byte, error) {
	switch encoding {
	case "":
		return data, nil
	case encodingS2:
	default:
		return nil, unknownEncoding(encoding)
	}
	n, err := s2.DecodedLen(data)
	switch {
	case err != nil:
		return nil, fmt.Errorf("header %s=%s: %d bytes of message: %w", hdrEncoding, encoding, len(data), err)
	case n > maxBatchBytes:
		return nil, fmt.Errorf("header %s=%s: the message says it decodes to %d bytes, more than a batch holds (%d)", hdrEncoding, encoding, n, maxBatchBytes)
	}
	if cap(d.buf) < n {
		d.buf = make([]byte, n)
	}
	out, err := s2.Decode(d.buf[:n], data)
	if err != nil {
		return nil, fmt.Errorf("header %s=%s: %d bytes of message: %w", hdrEncoding, encoding, len(data), err)
	}
	return out, nil
}

// unknownEncoding is the error for a batch in an encoding this logproc
// does not read (a later one's): the batch is parked, never counted.
func unknownEncoding(encoding string) error {
	return fmt.Errorf("header %s=%q: this logproc reads %q, %q or none", hdrEncoding, encoding, encodingS2, encodingS2Pieces)
}
