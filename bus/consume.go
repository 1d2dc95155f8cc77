package bus

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/logproc/logproc/out"
	"github.com/logproc/logproc/scan"
)

// DefaultAckWait is how long a batch may stay with a consumer that does
// not acknowledge it (a process killed mid-batch) before the server hands
// it to another.
const DefaultAckWait = 30 * time.Second

// drainWait bounds how long a draining consumer waits for the batches
// delivered to it before it was told to stop.
const drainWait = time.Second

// batchWindow is the scan window for a batch: scan.Files allocates one
// per call, and streams a batch in chunks of that size, so it is smaller
// than scan's default (256 KiB): 64 KiB cut allocations per batch by
// BENCH and kept the same speed.
const batchWindow = 64 << 10

// opTimeout bounds one key-value write, acknowledgement or Nak; past it,
// the batch is retried later.
const opTimeout = 5 * time.Second

// ConsumeOptions say how to count batches.
type ConsumeOptions struct {
	// Workers is how many batches are counted at once, each by one
	// scan.Files worker; at least 1.
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
	// AckWait is the consumer's acknowledgement wait; 0 means
	// DefaultAckWait. It is the consumer's setting, shared by every
	// process: the last to start sets it.
	AckWait time.Duration

	// afterWrite, when set, runs after a batch's record is written and
	// before its acknowledgement: tests kill a consumer there.
	afterWrite func(batch)
}

// ConsumeStats is what Consume did.
type ConsumeStats struct {
	Counted    int // batches counted here
	Duplicates int // batches someone had counted already: acknowledged only
	Parked     int // batches that could not be counted
	Retried    int // batches handed back after an error, to try later
	Lines      int64
	Bytes      int64
	// LastRetry is the error behind the last retry.
	LastRetry error
}

func (s *ConsumeStats) add(t ConsumeStats) {
	s.Counted += t.Counted
	s.Duplicates += t.Duplicates
	s.Parked += t.Parked
	s.Retried += t.Retried
	s.Lines += t.Lines
	s.Bytes += t.Bytes
	if t.LastRetry != nil {
		s.LastRetry = t.LastRetry
	}
}

// Consume counts batches until ctx ends (or, with Idle, until none comes).
// When ctx ends it stops pulling, finishes the batches it holds and
// returns ctx's error with what it did: no batch is left half done, and
// any that was would be delivered again anyway.
func Consume(ctx context.Context, b *Bus, o ConsumeOptions) (ConsumeStats, error) {
	if o.Workers < 1 {
		return ConsumeStats{}, fmt.Errorf("consume: workers must be at least 1, got %d", o.Workers)
	}
	if o.AckWait <= 0 {
		o.AckWait = DefaultAckWait
	}
	cons, err := b.consumer(ctx, o.AckWait)
	if err != nil {
		return ConsumeStats{}, fmt.Errorf("consumer %s on stream %s: %w", consumerName, b.opts.Stream, err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(4 * o.Workers))
	if err != nil {
		return ConsumeStats{}, fmt.Errorf("consumer %s on stream %s: %w", consumerName, b.opts.Stream, err)
	}
	defer it.Stop()

	msgs := make(chan jetstream.Msg)
	stats := make([]ConsumeStats, o.Workers)
	var wg sync.WaitGroup
	for w := range stats {
		wg.Go(func() {
			c := counter{b: b, opts: o.Scan, sections: o.Sections, afterWrite: o.afterWrite, stats: &stats[w]}
			for m := range msgs {
				c.handle(m)
			}
		})
	}
	var nextErr error
	draining := false
	for {
		var m jetstream.Msg
		var err error
		if draining {
			// Take what was delivered before the drain; a batch that
			// comes later goes back to the stream after the ack wait.
			if m, err = it.Next(jetstream.NextMaxWait(drainWait)); err != nil {
				break
			}
		} else {
			nctx, cancel := ctx, context.CancelFunc(func() {})
			if o.Idle > 0 {
				nctx, cancel = context.WithTimeout(ctx, o.Idle)
			}
			m, err = it.Next(jetstream.NextContext(nctx))
			cancel()
			switch {
			case err == nil:
			case ctx.Err() != nil: // SIGINT: stop pulling, finish what is here
				draining = true
				it.Drain()
				continue
			case errors.Is(err, context.DeadlineExceeded): // idle
				break
			case errors.Is(err, jetstream.ErrMsgIteratorClosed) && !errors.Is(err, jetstream.ErrConnectionClosed):
			default:
				nextErr = fmt.Errorf("consumer %s on stream %s: %w", consumerName, b.opts.Stream, err)
			}
			if err != nil {
				break
			}
		}
		msgs <- m
	}
	close(msgs)
	wg.Wait()
	b.nc.Flush() // the last Naks and Terms
	var total ConsumeStats
	for _, s := range stats {
		total.add(s)
	}
	if nextErr != nil {
		return total, nextErr
	}
	return total, ctx.Err()
}

// consumer returns the durable consumer, creating it if need be, and
// updating it only when its ack wait is not the one asked for.
func (b *Bus) consumer(ctx context.Context, ackWait time.Duration) (jetstream.Consumer, error) {
	cfg := jetstream.ConsumerConfig{
		Durable:       consumerName,
		Description:   "logproc consume: every process pulls from this one",
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       ackWait,
		MaxDeliver:    -1, // errors are retried with back-off; poison is parked, not redelivered
		MaxAckPending: 1000,
	}
	cons, err := b.js.Consumer(ctx, b.opts.Stream, consumerName)
	switch {
	case errors.Is(err, jetstream.ErrConsumerNotFound):
		cons, err = b.js.CreateConsumer(ctx, b.opts.Stream, cfg)
		if errors.Is(err, jetstream.ErrConsumerExists) {
			return b.js.Consumer(ctx, b.opts.Stream, consumerName)
		}
		return cons, err
	case err != nil:
		return nil, err
	case cons.CachedInfo().Config.AckWait != ackWait:
		return b.js.UpdateConsumer(ctx, b.opts.Stream, cfg)
	}
	return cons, nil
}

// counter is one worker's state.
type counter struct {
	b          *Bus
	opts       scan.Options
	sections   out.Sections
	afterWrite func(batch)
	stats      *ConsumeStats
}

// handle counts one batch and acknowledges it once its record is stored.
// It never returns an error: what fails is retried (Nak with a delay) or,
// when trying again cannot help, parked.
func (c *counter) handle(m jetstream.Msg) {
	// Not ctx: a batch taken is finished even when the consumer is told
	// to stop, so that its work is not thrown away.
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	bt, err := batchOf(m.Headers())
	if err != nil {
		c.park(ctx, m, bt, err.Error())
		return
	}
	o := c.opts
	// A small window: scan allocates it, and its stream chunks, per call.
	o.Workers, o.Stdin, o.Buffer = 1, bytes.NewReader(m.Data()), batchWindow
	res, err := scan.Files(ctx, []string{"-"}, o, nil)
	if err != nil {
		if ctx.Err() != nil {
			c.retry(m, err)
			return
		}
		// scan.Files refuses a batch with bytes but no line with a level:
		// the same batch fails the same way every time.
		reason := fmt.Sprintf("%s:%d (offset %d): %s", bt.File, bt.Line, bt.Offset, strings.TrimPrefix(err.Error(), "stdin: "))
		c.park(ctx, m, bt, reason)
		return
	}
	res.MalformedAt = locate(res.MalformedAt, &bt)
	rec := record{Batch: bt, Result: res, Sections: c.sections}
	if !c.store(ctx, m, &rec) {
		return
	}
	c.stats.Counted++
	c.stats.Lines += res.Totals.Lines()
	c.stats.Bytes += res.Bytes
	// Counted all the same if the ack is lost: the batch comes back after
	// the ack wait, finds its record and is acknowledged then.
	c.ack(ctx, m)
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
	_, err = c.b.kv.Create(ctx, batchPrefix+rec.Batch.ID, val)
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
	case err != nil:
		c.retry(m, err)
		return false
	}
	if c.afterWrite != nil {
		c.afterWrite(rec.Batch)
	}
	return true
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
