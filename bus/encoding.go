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

// encode returns what to send for a batch's bytes raw, and its encoding:
// S2 in a new buffer of its size (the message keeps it until
// acknowledged), in pieces of about pieceSize bytes when raw holds more
// than one (pieceSize 0: never), or a copy of raw, with no encoding, when
// S2 makes it no smaller. raw is the caller's to use again.
func (e *batchEncoder) encode(raw []byte, pieceSize int) (data []byte, encoding string, err error) {
	if n := s2.MaxEncodedLen(len(raw)); n < 0 || len(raw) > maxBatchBytes {
		return bytes.Clone(raw), "", nil // too long for a consumer to decode, or for S2
	} else if cap(e.buf) < n {
		e.buf = make([]byte, n)
	}
	if pieceSize > 0 {
		switch data, err := e.encodePieces(raw, pieceSize); {
		case err != nil:
			return nil, "", err
		case data == nil: // one piece
		case len(data) >= len(raw):
			return bytes.Clone(raw), "", nil
		default:
			return data, encodingS2Pieces, nil
		}
	}
	enc := s2.Encode(e.buf[:cap(e.buf)], raw)
	if len(enc) >= len(raw) {
		return bytes.Clone(raw), "", nil
	}
	return bytes.Clone(enc), encodingS2, nil
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
