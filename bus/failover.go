package bus

import (
	"bytes"
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// attemptTimeout bounds one try of a record write: the reply to a request
// whose server died never comes, so the request is sent again (over the
// reconnected connection) instead of waited out for the whole opTimeout.
const attemptTimeout = time.Second

// createOnce writes key's value unless the key exists, as kv.Create, and
// tries again in attemptTimeout steps until ctx ends. A try that timed out
// may have written: a later try that finds the key holding the same bytes
// takes them as its own write (the key is the batch ID, so the batch is
// counted once either way).
func createOnce(ctx context.Context, kv jetstream.KeyValue, key string, val []byte) error {
	unsure := false // an earlier try may have written
	for attempt := 0; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, attemptTimeout)
		_, err := kv.Create(actx, key, val)
		cancel()
		switch {
		case err == nil:
			return nil
		case errors.Is(err, jetstream.ErrKeyExists):
			if unsure {
				if e, gerr := kv.Get(ctx, key); gerr == nil && bytes.Equal(e.Value(), val) {
					return nil
				}
			}
			return err
		case ctx.Err() != nil || fatal(err) || errors.Is(err, nats.ErrMaxPayload):
			return err
		}
		unsure = unsure || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(min(backoff(attempt), 250*time.Millisecond)):
		}
	}
}
