package bus

import (
	"runtime"
	"sync/atomic"

	"github.com/nats-io/nats.go/jetstream"
)

// decoded is a batch's message with its bytes decoded, or why they could
// not be, in the buffer of dec: all of them, or the first piece of a
// batch in pieces, whose other pieces piece returns.
type decoded struct {
	m    jetstream.Msg
	data []byte // valid until the worker takes the next piece or batch, or calls done
	err  error
	dec  *batchDecoder
	last bool // no piece of the batch follows
}

// decodeAhead decodes a worker's next batch, or next piece of a batch in
// pieces, while the worker counts the one before, on another core when
// there is one: a consumer by value then takes about the longer of
// decoding and counting, not their sum. It has two buffers; the worker
// gives each back once it has counted what it holds, so at most one
// decoded batch or piece waits, and none is decoded into a buffer the
// worker is reading. Where the workers have every core already, the
// worker decodes each batch or piece itself (inline), just before
// counting it: a goroutine more per worker only adds waits for a core.
type decodeAhead struct {
	msgs   <-chan jetstream.Msg
	inline *batchDecoder // not nil: no goroutine, the worker decodes
	pieces pieceReader   // inline, of the batch the worker counts
	out    chan decoded
	free   chan *batchDecoder
	// held counts the batches taken from the consumer's channel and not
	// yet taken by the worker.
	held atomic.Int32
	// The worker's side: the buffer it reads, and whether pieces of its
	// batch are still to come.
	cur  *batchDecoder
	open bool
	// afterDecode, when set, runs after each batch, or piece of a batch
	// (numbered from 0), is decoded ahead: tests stop a consumer with a
	// batch or piece decoded ahead.
	afterDecode func(piece int)
}

// decodesAhead reports whether a consumer with workers workers decodes
// ahead: when a core is left beside them.
func decodesAhead(workers int) bool { return workers < runtime.GOMAXPROCS(0) }

// startDecodeAhead decodes the batches of msgs until it is closed, then
// closes out; not ahead, next and piece decode them as they take them.
func startDecodeAhead(msgs <-chan jetstream.Msg, ahead bool, afterDecode func(int)) *decodeAhead {
	if !ahead {
		return &decodeAhead{msgs: msgs, inline: new(batchDecoder)}
	}
	d := &decodeAhead{msgs: msgs, out: make(chan decoded, 1), free: make(chan *batchDecoder, 2), afterDecode: afterDecode}
	d.free <- new(batchDecoder)
	d.free <- new(batchDecoder)
	go d.run(msgs)
	return d
}

func (d *decodeAhead) run(msgs <-chan jetstream.Msg) {
	defer close(d.out)
	for {
		dec := <-d.free // first a buffer: a batch waits in msgs for any worker to take
		m, ok := <-msgs
		if !ok {
			return
		}
		d.held.Add(1)
		encoding := m.Headers().Get(hdrEncoding)
		if encoding != encodingS2Pieces {
			data, err := dec.decode(encoding, m.Data())
			if d.afterDecode != nil {
				d.afterDecode(0)
			}
			d.out <- decoded{m: m, data: data, err: err, dec: dec, last: true}
			continue
		}
		r, err := openPieces(m.Data())
		for i := 0; ; i++ {
			var data []byte
			if err == nil {
				data, err = r.next(dec)
			}
			if d.afterDecode != nil {
				d.afterDecode(i)
			}
			last := err != nil || r.left == 0
			d.out <- decoded{m: m, data: data, err: err, dec: dec, last: last}
			if last {
				break
			}
			dec = <-d.free
		}
	}
}

// next returns the next batch, decoded, or its first piece; ok is false
// once there is none. What the worker held of the batch before is given
// back, and its pieces not taken are skipped.
func (d *decodeAhead) next() (decoded, bool) {
	d.done()
	if d.inline != nil {
		m, ok := <-d.msgs
		if !ok {
			return decoded{}, false
		}
		b := decoded{m: m, dec: d.inline, last: true}
		encoding := m.Headers().Get(hdrEncoding)
		if encoding != encodingS2Pieces {
			b.data, b.err = d.inline.decode(encoding, m.Data())
			return b, true
		}
		if d.pieces, b.err = openPieces(m.Data()); b.err == nil {
			b.data, b.err = d.pieces.next(d.inline)
		}
		d.open = b.err == nil && d.pieces.left > 0
		b.last = !d.open
		return b, true
	}
	b, ok := <-d.out
	if ok {
		d.held.Add(-1)
		d.cur, d.open = b.dec, !b.last
	}
	return b, ok
}

// piece returns the next piece of the batch next returned, decoded; ok is
// false once there is none. The piece before is given back.
func (d *decodeAhead) piece() (data []byte, ok bool, err error) {
	if !d.open {
		return nil, false, nil
	}
	if d.inline != nil {
		data, err = d.pieces.next(d.inline)
		d.open = err == nil && d.pieces.left > 0
		return data, true, err
	}
	d.free <- d.cur
	b := <-d.out // the batch's pieces come before any other batch
	d.cur, d.open = b.dec, !b.last
	return b.data, true, b.err
}

// done gives back what the worker holds, once its bytes are no longer
// read, skipping the pieces of its batch not taken (a batch parked before
// it was counted).
func (d *decodeAhead) done() {
	if d.inline != nil {
		d.open = false
		return
	}
	for d.open {
		d.free <- d.cur
		b := <-d.out
		d.cur, d.open = b.dec, !b.last
	}
	if d.cur != nil {
		d.free <- d.cur
		d.cur = nil
	}
}

// idle reports whether no batch is on its way to the worker from here.
func (d *decodeAhead) idle() bool { return d.held.Load() == 0 }
