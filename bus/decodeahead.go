package bus

import (
	"runtime"
	"sync/atomic"

	"github.com/nats-io/nats.go/jetstream"
)

// decoded is a batch's message with its bytes decoded, or why they could
// not be, in the buffer of dec.
type decoded struct {
	m    jetstream.Msg
	data []byte // valid until dec is given back
	err  error
	dec  *batchDecoder
}

// decodeAhead decodes a worker's next batch while the worker counts the
// one before, on another core when there is one: a consumer by value
// then takes about the longer of decoding and counting, not their sum. It
// has two buffers; the worker gives each back once its batch is counted,
// so at most one decoded batch waits, and none is decoded into a buffer
// the worker is reading. Where the workers have every core already, the
// worker decodes each batch itself (inline): a goroutine more per worker
// only adds waits for a core.
type decodeAhead struct {
	msgs   <-chan jetstream.Msg
	inline *batchDecoder // not nil: no goroutine, the worker decodes
	out    chan decoded
	free   chan *batchDecoder
	// held counts the batches taken from the consumer's channel and not
	// yet taken by the worker.
	held atomic.Int32
	// afterDecode, when set, runs after each batch is decoded: tests stop
	// a consumer with a batch decoded ahead.
	afterDecode func()
}

// decodesAhead reports whether a consumer with workers workers decodes
// ahead: when a core is left beside them.
func decodesAhead(workers int) bool { return workers < runtime.GOMAXPROCS(0) }

// startDecodeAhead decodes the batches of msgs until it is closed, then
// closes out; not ahead, next decodes them as it takes them.
func startDecodeAhead(msgs <-chan jetstream.Msg, ahead bool, afterDecode func()) *decodeAhead {
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
		data, err := dec.decode(m.Headers().Get(hdrEncoding), m.Data())
		if d.afterDecode != nil {
			d.afterDecode()
		}
		d.out <- decoded{m: m, data: data, err: err, dec: dec}
	}
}

// next returns the next decoded batch; ok is false once there is none.
func (d *decodeAhead) next() (decoded, bool) {
	if d.inline != nil {
		m, ok := <-d.msgs
		if !ok {
			return decoded{}, false
		}
		data, err := d.inline.decode(m.Headers().Get(hdrEncoding), m.Data())
		return decoded{m: m, data: data, err: err, dec: d.inline}, true
	}
	b, ok := <-d.out
	if ok {
		d.held.Add(-1)
	}
	return b, ok
}

// done gives b's buffer back, once its bytes are no longer read.
func (d *decodeAhead) done(b decoded) {
	if d.inline == nil {
		d.free <- b.dec
	}
}

// idle reports whether no batch is on its way to the worker from here.
func (d *decodeAhead) idle() bool { return d.held.Load() == 0 }
