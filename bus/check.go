package bus

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// MismatchError is an existing stream or bucket whose settings would lose
// or miscount batches: Differs says which, as "setting is X, want Y".
type MismatchError struct {
	What    string // "stream LOGPROC", "bucket logproc"
	Server  string
	Differs []string
	Ours    bool // made by logproc, so Reset may delete it
}

func (e *MismatchError) Error() string {
	hint := "it is not logproc's: choose another name"
	if e.Ours {
		hint = "choose another name, or 'logproc reset' deletes it and the job it holds"
	}
	return fmt.Sprintf("%s on %s exists with other settings: %s; %s", e.What, e.Server, strings.Join(e.Differs, ", "), hint)
}

// checkStream compares an existing stream with what publish and consume
// need.
func (b *Bus) checkStream(c *jetstream.StreamConfig) error {
	var d []string
	if !slices.Equal(c.Subjects, []string{b.subject}) {
		d = append(d, fmt.Sprintf("subjects %q, want [%q]", c.Subjects, b.subject))
	}
	if c.Retention != jetstream.WorkQueuePolicy {
		d = append(d, fmt.Sprintf("retention %s, want workqueue", c.Retention))
	}
	if c.Replicas != b.opts.Replicas {
		d = append(d, fmt.Sprintf("replicas %d, want %d", c.Replicas, b.opts.Replicas))
	}
	if c.MaxAge != 0 {
		d = append(d, fmt.Sprintf("max age %s, want none: batches would expire uncounted", c.MaxAge))
	}
	if c.MaxMsgs > 0 || c.MaxBytes > 0 {
		d = append(d, fmt.Sprintf("limits of %d messages, %d bytes, want none: batches would be dropped", c.MaxMsgs, c.MaxBytes))
	}
	if c.MaxMsgSize > 0 && int64(c.MaxMsgSize) < b.MaxPayload() {
		d = append(d, fmt.Sprintf("max message size %d, want the server's %d", c.MaxMsgSize, b.MaxPayload()))
	}
	return b.mismatch("stream "+b.opts.Stream, c.Description, d)
}

// checkBucket compares an existing bucket's stream with what consume and
// report need.
func (b *Bus) checkBucket(c *jetstream.StreamConfig) error {
	var d []string
	if c.MaxAge != 0 {
		d = append(d, fmt.Sprintf("TTL %s, want none: records would expire and their batches count as never done", c.MaxAge))
	}
	if c.Replicas != b.opts.Replicas {
		d = append(d, fmt.Sprintf("replicas %d, want %d", c.Replicas, b.opts.Replicas))
	}
	if c.MaxMsgs > 0 || c.MaxBytes > 0 {
		d = append(d, fmt.Sprintf("limits of %d values, %d bytes, want none: records would be dropped", c.MaxMsgs, c.MaxBytes))
	}
	if c.MaxMsgSize > 0 && int64(c.MaxMsgSize) < b.MaxPayload() {
		d = append(d, fmt.Sprintf("max value size %d, want the server's %d", c.MaxMsgSize, b.MaxPayload()))
	}
	return b.mismatch("bucket "+b.opts.Bucket, c.Description, d)
}

func (b *Bus) mismatch(what, desc string, differs []string) error {
	if len(differs) == 0 {
		return nil
	}
	return &MismatchError{What: what, Server: b.nc.ConnectedUrlRedacted(), Differs: differs, Ours: strings.HasPrefix(desc, description)}
}

// Reset deletes a job: its stream (with the consumer and every batch not
// counted) and its bucket (every record and manifest), so that the next
// publish starts over. A stream or bucket logproc did not make is left
// alone, and an error says so. It reports what it deleted.
func Reset(ctx context.Context, o Options) ([]string, error) {
	if err := o.Check(); err != nil {
		return nil, err
	}
	nc, err := dial(ctx, o)
	if err != nil {
		return nil, err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, err
	}
	var deleted []string
	for _, t := range []struct{ what, stream string }{
		{"stream " + o.Stream, o.Stream},
		{"bucket " + o.Bucket, "KV_" + o.Bucket},
	} {
		var s jetstream.Stream
		err := retryFor(ctx, 10*time.Second, func(ctx context.Context) (err error) {
			s, err = js.Stream(ctx, t.stream)
			return err
		})
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			continue
		}
		if err != nil {
			return deleted, fmt.Errorf("%s on %s: %w", t.what, nc.ConnectedUrlRedacted(), err)
		}
		if !strings.HasPrefix(s.CachedInfo().Config.Description, description) {
			return deleted, fmt.Errorf("%s on %s was not made by logproc (its description is %q): delete it yourself if it is to go", t.what, nc.ConnectedUrlRedacted(), s.CachedInfo().Config.Description)
		}
		if err := retryFor(ctx, 10*time.Second, func(ctx context.Context) error { return js.DeleteStream(ctx, t.stream) }); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
			return deleted, fmt.Errorf("delete %s on %s: %w", t.what, nc.ConnectedUrlRedacted(), err)
		}
		deleted = append(deleted, t.what)
	}
	return deleted, nil
}

// retryFor runs f until it works, finds nothing (not found) or d passes:
// a cluster electing a leader answers with errors for a while.
func retryFor(ctx context.Context, d time.Duration, f func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	for attempt := 0; ; attempt++ {
		err := f(ctx)
		if err == nil || errors.Is(err, jetstream.ErrStreamNotFound) || ctx.Err() != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(backoff(attempt)):
		}
	}
}
