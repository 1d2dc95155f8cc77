package bus

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/logproc/logproc/out"
	"github.com/logproc/logproc/scan"
)

// DefaultAckWait is how long a batch may stay with a consumer that does
// not acknowledge it (a process killed mid-batch) before the server hands
// it to another. It is short: a consumer counting a batch for longer
// tells the server it is still at it (InProgress) every third of it.
const DefaultAckWait = 3 * time.Second

// Pull settings: a pull request lives pullExpiry, and the server sends a
// heartbeat every pullHeartbeat while it waits; two missed heartbeats (a
// leader gone, a route cut) make the consumer pull again, within seconds.
const (
	pullExpiry    = 5 * time.Second
	pullHeartbeat = 1 * time.Second
)

// pullSetupTimeout bounds the consumer lookup before a pull, and
// pullBackoff the wait between pulls that fail: the reply to a request
// sent to a killed node never comes, and a new leader takes a second or
// two, so a consumer asks again soon rather than wait out opTimeout.
const (
	pullSetupTimeout = 2 * time.Second
	pullBackoff      = time.Second
)

// pullBudget bounds the bytes of the batches a consumer pulls ahead of
// its workers: the client drops what passes a subscription's 64 MB of
// pending messages (nats.DefaultSubPendingBytesLimit), and a dropped batch
// comes back only after the ack wait (consume -workers 8 by value took
// 10.7 s instead of about 3).
const pullBudget = 48 << 20

// pullAhead is how many batches a consumer asks for at once: four per
// worker, as many as fit in pullBudget at the server's largest message.
func pullAhead(workers int, maxPayload int64) int {
	return int(max(1, min(int64(4*workers), pullBudget/max(maxPayload, 1))))
}

// stallWait is how long a pull may bring nothing before it is made again.
const stallWait = 2 * pullExpiry

// drainWait bounds how long a consumer told to stop waits for batches
// delivered before, and then for the writes of those it holds: a consumer
// ends within about a second of SIGINT, even with its server gone.
const drainWait = 400 * time.Millisecond

// opTimeout bounds one key-value write, acknowledgement or Nak; past it,
// the batch is retried later.
const opTimeout = 5 * time.Second

// ConsumeOptions say how to count batches.
type ConsumeOptions struct {
	// Workers is how many batches are counted at once, each by one scan
	// worker; at least 1.
	Workers int
	// Scan holds what to take from a line and what to compute (Parse,
	// TimeWindow, Since, Until); Workers, Stdin and Buffer are set for
	// each batch.
	Scan scan.Options
	// Sections names the result sections Scan computes; each record
	// carries it, so that report writes what scan would.
	Sections out.Sections
	// Idle makes Consume return once no batch has come for that long; 0
	// means run until ctx ends.
	Idle time.Duration
	// AckWait, when set, is the consumer's acknowledgement wait: the
	// consumer is updated if it has another. It is the consumer's
	// setting, shared by every process. 0 keeps the consumer's.
	AckWait time.Duration

	// afterWrite, when set, runs after a batch's record is written and
	// before its acknowledgement: tests kill a consumer there.
	afterWrite func(batch)
	// beforeCount, when set, runs before a batch is counted, and
	// frozen stops InProgress: tests pause a consumer as SIGSTOP does.
	beforeCount func(batch)
	frozen      bool
	// afterDecode, when set, runs after a worker's next batch, or piece
	// of a batch (numbered from 0), is decoded ahead.
	afterDecode func(piece int)
}

// ConsumeStats is what Consume did.
type ConsumeStats struct {
	Counted    int // batches counted here
	Duplicates int // batches someone had counted already: acknowledged only
	Parked     int // batches that could not be counted
	Retried    int // batches handed back after an error, to try later
	Pulls      int // pulls started again after an error (a leader change, say)
	Lines      int64
	Bytes      int64
	// LastRetry is the error behind the last retry or pull again.
	LastRetry error
}

func (s *ConsumeStats) add(t ConsumeStats) {
	s.Counted += t.Counted
	s.Duplicates += t.Duplicates
	s.Parked += t.Parked
	s.Retried += t.Retried
	s.Pulls += t.Pulls
	s.Lines += t.Lines
	s.Bytes += t.Bytes
	if t.LastRetry != nil {
		s.LastRetry = t.LastRetry
	}
}

// Consume counts batches until ctx ends (or, with Idle, until none comes).
// A lost heartbeat, a leader change, a timeout or a restarted server only
// make it pull again, after a back-off. When ctx ends it stops pulling,
// finishes the batches it holds (for up to drainWait) and returns ctx's
// error with what it did: a batch left unfinished is delivered again.
func Consume(ctx context.Context, b *Bus, o ConsumeOptions) (ConsumeStats, error) {
	if o.Workers < 1 {
		return ConsumeStats{}, fmt.Errorf("consume: workers must be at least 1, got %d", o.Workers)
	}
	// work is what the batches in hand are finished under: it outlives
	// ctx by drainWait.
	work, stopWork := context.WithCancel(context.Background())
	defer stopWork()
	go func() {
		select {
		case <-ctx.Done():
		case <-work.Done():
			return
		}
		select {
		case <-time.After(2 * drainWait):
			stopWork()
		case <-work.Done():
		}
	}()

	msgs := make(chan jetstream.Msg, o.Workers) // a batch ready per worker: an empty channel means idle (unmap)
	stats := make([]ConsumeStats, o.Workers+1)  // the last is the puller's
	ackWait := o.AckWait
	var wg sync.WaitGroup
	var once sync.Once
	start := func() {
		for w := range o.Workers {
			wg.Go(func() {
				c := counter{b: b, opts: o.Scan, sections: o.Sections, afterWrite: o.afterWrite, beforeCount: o.beforeCount, stats: &stats[w], work: work, ackWait: ackWait}
				if o.frozen {
					c.ackWait = 0
				}
				stop := c.runFinisher()
				ahead := startDecodeAhead(msgs, decodesAhead(o.Workers), o.afterDecode)
				for {
					d, ok := ahead.next()
					if !ok {
						break
					}
					c.handle(d, ahead)
					ahead.done()
					if len(msgs) == 0 && ahead.idle() {
						c.unmap() // no file stays mapped while the worker waits
					}
				}
				c.unmap()
				stop()
			})
		}
	}
	p := puller{b: b, o: o, stats: &stats[o.Workers], msgs: msgs}
	err := p.run(ctx, func(aw time.Duration) { once.Do(func() { ackWait = aw; start() }) })
	once.Do(start) // so that wg.Wait has what to wait for
	close(msgs)
	wg.Wait()
	b.nc.FlushTimeout(drainWait) // the last Naks and Terms
	var total ConsumeStats
	for _, s := range stats {
		total.add(s)
	}
	if err != nil {
		return total, err
	}
	return total, ctx.Err()
}

// puller pulls batches and hands them to the workers.
type puller struct {
	b     *Bus
	o     ConsumeOptions
	stats *ConsumeStats
	msgs  chan<- jetstream.Msg
}

// run pulls until ctx ends, the consumer is idle, or an error that pulling
// again cannot mend. ready is called once the consumer is known, with its
// ack wait.
func (p *puller) run(ctx context.Context, ready func(time.Duration)) error {
	last := time.Now() // the last batch, or the start
	var lastErr error  // since last
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(min(backoff(attempt-1), pullBackoff)):
			}
		}
		if ctx.Err() != nil {
			return nil
		}
		if p.o.Idle > 0 && time.Since(last) >= p.o.Idle && lastErr != nil {
			return fmt.Errorf("consumer %s on stream %s: no batch for %s; the last error: %w", consumerName, p.b.opts.Stream, p.o.Idle, lastErr)
		}
		cctx, cancel := context.WithTimeout(ctx, pullSetupTimeout)
		cons, err := p.b.consumer(cctx, p.o.AckWait)
		cancel()
		if err != nil {
			if fatal(err) {
				return fmt.Errorf("consumer %s on stream %s: %w", consumerName, p.b.opts.Stream, err)
			}
			p.again(err)
			lastErr = err
			continue
		}
		ready(cons.CachedInfo().Config.AckWait)
		it, err := cons.Messages(jetstream.PullMaxMessages(pullAhead(p.o.Workers, p.b.MaxPayload())),
			jetstream.PullExpiry(pullExpiry), jetstream.PullHeartbeat(pullHeartbeat))
		if err != nil {
			if fatal(err) {
				return fmt.Errorf("consumer %s on stream %s: %w", consumerName, p.b.opts.Stream, err)
			}
			p.again(err)
			lastErr = err
			continue
		}
		for {
			// A pull that brings nothing for stallWait is made again: an
			// iterator was seen once to wait, without an error, after its
			// server restarted. Cause unknown: nats.go#2135 heals by the
			// missed heartbeat (TestPullAfterRestart), and some forty
			// restarts and node kills without this stalled none.
			deadline := time.Now().Add(stallWait)
			if p.o.Idle > 0 && last.Add(p.o.Idle).Before(deadline) {
				deadline = last.Add(p.o.Idle)
			}
			nctx, cancel := context.WithDeadline(ctx, deadline)
			m, err := it.Next(jetstream.NextContext(nctx))
			cancel()
			if err == nil {
				attempt, lastErr = 0, nil
				p.msgs <- m
				// Idle counts from here: a worker slow to take a batch (a big
				// one, a busy machine) is no idle time.
				last = time.Now()
				continue
			}
			switch {
			case ctx.Err() != nil: // SIGINT: stop pulling, finish what is here
				p.drain(it)
				return nil
			case p.o.Idle > 0 && time.Since(last) >= p.o.Idle && lastErr == nil:
				it.Stop()
				return nil
			case errors.Is(err, context.DeadlineExceeded) && lastErr == nil:
				it.Stop()
				attempt = -1 // pull again at once
			case fatal(err):
				it.Stop()
				return fmt.Errorf("consumer %s on stream %s: %w", consumerName, p.b.opts.Stream, err)
			}
			if attempt >= 0 {
				it.Stop()
				p.again(err)
				lastErr = err
			}
			break
		}
	}
}

// drain takes what was delivered before the stop; a batch that comes
// later goes back to the stream after the ack wait.
func (p *puller) drain(it jetstream.MessagesContext) {
	it.Drain()
	deadline := time.Now().Add(drainWait)
	for time.Now().Before(deadline) {
		m, err := it.Next(jetstream.NextMaxWait(time.Until(deadline)))
		if err != nil {
			return
		}
		p.msgs <- m
	}
	it.Stop()
}

func (p *puller) again(err error) {
	p.stats.Pulls++
	p.stats.LastRetry = err
}

// fatal tells the errors pulling again cannot mend: the connection closed
// by this process, the stream or consumer deleted (a reset job), a value
// in the bucket of another version.
func fatal(err error) bool {
	var ov *otherVersionError
	return errors.As(err, &ov) || errors.Is(err, nats.ErrConnectionClosed) || errors.Is(err, jetstream.ErrConnectionClosed) ||
		errors.Is(err, jetstream.ErrConsumerDeleted) || errors.Is(err, jetstream.ErrConsumerNotFound) ||
		errors.Is(err, jetstream.ErrStreamNotFound)
}

// consumerConfig is the durable consumer every process pulls from.
func consumerConfig(ackWait time.Duration) jetstream.ConsumerConfig {
	return jetstream.ConsumerConfig{
		Durable:       consumerName,
		Description:   "logproc consume: every process pulls from this one",
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       ackWait,
		MaxDeliver:    -1, // errors are retried with back-off; poison is parked, not redelivered
		MaxAckPending: 1000,
	}
}

// consumer returns the durable consumer Connect made, updating it only
// when an ack wait is asked for and it has another.
func (b *Bus) consumer(ctx context.Context, ackWait time.Duration) (jetstream.Consumer, error) {
	cons, err := b.js.Consumer(ctx, b.opts.Stream, consumerName)
	if err != nil {
		return nil, err
	}
	if ackWait > 0 && cons.CachedInfo().Config.AckWait != ackWait {
		return b.js.UpdateConsumer(ctx, b.opts.Stream, consumerConfig(ackWait))
	}
	return cons, nil
}

// counter is one worker's state.
type counter struct {
	b           *Bus
	opts        scan.Options
	sections    out.Sections
	afterWrite  func(batch)
	beforeCount func(batch)
	stats       *ConsumeStats
	work        context.Context
	ackWait     time.Duration // 0: no InProgress
	// finishing, when not nil, takes each batch's last step (store the
	// record, acknowledge) to the worker's finisher, so that the next
	// batch is counted meanwhile: round trips to the server overlap the
	// counting. Only the finisher touches stats then.
	finishing chan func()
	// mapped is the file the last batch by reference was counted in.
	mapped *mappedFile
	// pieces counts batches in pieces, made for the first one: count
	// gives every batch the same options.
	pieces *scan.Pieces
}

// runFinisher runs the last steps sent to finishing, in order, until
// stop closes it; stop returns once they are done.
func (c *counter) runFinisher() (stop func()) {
	c.finishing = make(chan func())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for f := range c.finishing {
			f()
		}
	}()
	return func() {
		close(c.finishing)
		<-done
	}
}

// handle counts one batch and acknowledges it once its record is stored.
// It never returns an error: what fails is retried (Nak with a delay) or,
// when trying again cannot help, parked.
func (c *counter) handle(d decoded, ahead *decodeAhead) {
	m := d.m
	// Not the consumer's ctx: a batch taken is finished even when the
	// consumer is told to stop, for a while, so its work is not lost.
	ctx, cancel := context.WithTimeout(c.work, opTimeout)
	stopTicks := c.inProgress(m)
	finish := c.count(ctx, d, ahead)
	last := func() {
		defer cancel()
		defer stopTicks()
		finish()
	}
	if c.finishing == nil {
		last()
		return
	}
	c.finishing <- last
}

// inProgress tells the server every third of the ack wait that the batch
// is still being counted, until the returned stop is called: a long batch
// (a slow machine, a big batch) is not handed to another consumer.
func (c *counter) inProgress(m jetstream.Msg) (stop func()) {
	if c.ackWait < 30*time.Millisecond { // NewTicker takes no zero
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(c.ackWait / 3)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				m.InProgress()
			case <-done:
				return
			}
		}
	}()
	return func() { close(done) }
}

// count counts one batch and returns its last step: store its record and
// acknowledge it, or park it, or hand it back to retry. By value, it
// counts d's decoded bytes, and the batch's other pieces from ahead, and
// what it returns reads them no more.
func (c *counter) count(ctx context.Context, d decoded, ahead *decodeAhead) func() {
	m := d.m
	bt, err := batchOf(m.Headers())
	if err != nil {
		return func() { c.park(ctx, m, bt, err.Error()) }
	}
	if c.beforeCount != nil {
		c.beforeCount(bt)
	}
	o := c.opts
	// One worker: a consumer counts as many batches at once as it has
	// workers. PartOfFile: a batch with no record is counted as malformed
	// lines, and report decides whether its file is a log. ListUsers: the
	// record lists the users, with no map to build.
	o.Workers, o.PartOfFile, o.ListUsers = 1, true, true
	var res scan.Result
	if bt.Ref != "" {
		var reason string
		if res, reason, err = c.countRef(ctx, &bt, o); reason != "" {
			return func() { c.parkRef(ctx, m, bt, reason) }
		}
	} else {
		if d.err != nil {
			return func() { c.park(ctx, m, bt, fmt.Sprintf("%s:%d (offset %d): %v", bt.File, bt.Line, bt.Offset, d.err)) }
		}
		if d.last {
			res, err = scan.Bytes(ctx, bt.File, d.data, o) // in place in the message, or in a decoder's buffer
		} else if res, err = c.countPieces(ctx, bt.File, d.data, ahead, o); errors.As(err, new(pieceError)) {
			return func() { c.park(ctx, m, bt, fmt.Sprintf("%s:%d (offset %d): %v", bt.File, bt.Line, bt.Offset, err)) }
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			return func() { c.retry(m, err) }
		}
		// What is left (a time window too wide, say) fails the same
		// way every time.
		return func() { c.park(ctx, m, bt, fmt.Sprintf("%s:%d (offset %d): %v", bt.File, bt.Line, bt.Offset, err)) }
	}
	rec := record{Batch: bt, Result: resultOf(&res, &bt), Sections: c.sections}
	if len(res.NotLog) > 0 {
		nl := res.NotLog[0]
		rec.NoRecord = &noRecord{Malformed: nl.Malformed, Long: nl.Long, Seen: nl.Seen}
	}
	return func() {
		if !c.store(ctx, m, &rec) {
			return
		}
		c.stats.Counted++
		c.stats.Lines += res.Totals.Lines()
		c.stats.Bytes += res.Bytes
		// Counted all the same if the ack is lost: the batch comes back
		// after the ack wait, finds its record and is acknowledged then.
		c.ack(ctx, m)
	}
}

// pieceError is a piece of a batch that could not be decoded.
type pieceError struct{ error }

// countPieces counts a batch in pieces, first and then those ahead
// brings, each as it is decoded: scan.Pieces counts them as scan.Bytes
// counts the batch's ranges.
func (c *counter) countPieces(ctx context.Context, name string, first []byte, ahead *decodeAhead, o scan.Options) (scan.Result, error) {
	if c.pieces == nil {
		p, err := scan.NewPieces(o)
		if err != nil {
			return scan.Result{}, err
		}
		c.pieces = p
	}
	c.pieces.Start(name)
	for data := first; ; {
		if err := c.pieces.Add(ctx, data); err != nil {
			return scan.Result{}, err
		}
		var ok bool
		var err error
		if data, ok, err = ahead.piece(); err != nil {
			return scan.Result{}, pieceError{err}
		} else if !ok {
			break
		}
	}
	return c.pieces.Result(ctx)
}

// store writes a batch's record unless the batch has one already, which
// means it was counted (or parked) before: a redelivery. It reports
// whether the batch is to be acknowledged now.
func (c *counter) store(ctx context.Context, m jetstream.Msg, rec *record) bool {
	val, err := rec.marshal()
	if err != nil {
		c.retry(m, err)
		return false
	}
	err = createOnce(ctx, c.b.kv, batchPrefix+rec.Batch.ID, val)
	switch {
	case errors.Is(err, jetstream.ErrKeyExists):
		// The client maps any "wrong last sequence" to ErrKeyExists; ack
		// only when the record is really there, or the batch is lost.
		if _, gerr := c.b.kv.Get(ctx, batchPrefix+rec.Batch.ID); gerr != nil {
			c.retry(m, fmt.Errorf("create said the key exists, get: %w", gerr))
			return false
		}
		c.stats.Duplicates++
		c.ack(ctx, m)
		return false
	case errors.Is(err, nats.ErrMaxPayload) && rec.Parked == "":
		c.park(ctx, m, rec.Batch, fmt.Sprintf("%s:%d (offset %d): its partial result is %d bytes, more than the server takes in a message; publish with a smaller -batch-size",
			rec.Batch.File, rec.Batch.Line, rec.Batch.Offset, len(val)))
		return false
	case err != nil && !c.landed(ctx, batchPrefix+rec.Batch.ID, val):
		c.retry(m, err)
		return false
	}
	if c.afterWrite != nil {
		c.afterWrite(rec.Batch)
	}
	return true
}

// stopCheck bounds landed's one look at the bucket, so that a consumer
// told to stop still ends within a second when its server is gone.
const stopCheck = 250 * time.Millisecond

// landed reports whether a create cut short by the consumer stopping had
// reached the bucket all the same: then the batch is counted (and its
// stats say so), not left for another consumer to find counted.
func (c *counter) landed(ctx context.Context, key string, val []byte) bool {
	if ctx.Err() == nil {
		return false
	}
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stopCheck)
	defer cancel()
	e, err := c.b.kv.Get(lctx, key)
	return err == nil && bytes.Equal(e.Value(), val)
}

// park records why a batch cannot be counted, under the batch's key, so
// that report lists it, and terminates it: it is never delivered again.
func (c *counter) park(ctx context.Context, m jetstream.Msg, bt batch, reason string) {
	if bt.ID == "" || !validID(bt.ID) {
		// Not a batch from publish: there is no key to park it under.
		c.stats.Parked++
		m.TermWithReason(reason)
		return
	}
	rec := record{Batch: bt, Parked: reason}
	if !c.store(ctx, m, &rec) {
		return
	}
	c.stats.Parked++
	m.TermWithReason(reason)
}

// ack acknowledges a batch and waits for the server to confirm it (one
// round trip, small next to counting a batch), so that a consumer that
// returns leaves no batch it counted in the stream.
func (c *counter) ack(ctx context.Context, m jetstream.Msg) {
	if err := m.DoubleAck(ctx); err != nil {
		c.stats.Retried++
		c.stats.LastRetry = fmt.Errorf("ack: %w", err)
	}
}

// retry hands the batch back to be delivered again later, after a delay
// that grows with the number of deliveries.
func (c *counter) retry(m jetstream.Msg, err error) {
	c.stats.Retried++
	c.stats.LastRetry = err
	n := 0
	if meta, err := m.Metadata(); err == nil {
		n = int(meta.NumDelivered) - 1
	}
	m.NakWithDelay(backoff(n))
}

// parkRef parks a batch by reference whose file is not as published.
func (c *counter) parkRef(ctx context.Context, m jetstream.Msg, bt batch, reason string) {
	c.park(ctx, m, bt, fmt.Sprintf("%s:%d (offset %d): %s", bt.File, bt.Line, bt.Offset, reason))
}
