package bus

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// StaleError is a read of the bucket served by a replica that lags the
// bucket's leader: a node restarted and still catching up. Read again.
type StaleError struct {
	Bucket, Prefix string
	Seen, Last     uint64 // the newest revision the read saw, the leader's
}

func (e *StaleError) Error() string {
	return fmt.Sprintf("bucket %s: the replica that answered has keys %s* up to revision %d, their leader up to %d (a node catching up)", e.Bucket, e.Prefix, e.Seen, e.Last)
}

// leaderLast is the revision of the newest value or delete marker under
// the bucket's keys with that prefix, 0 if none, asked of the bucket
// stream's leader: a plain message get, which only the leader answers,
// where a direct get (AllowDirect) may be answered by any replica.
func (b *Bus) leaderLast(ctx context.Context, prefix string) (uint64, error) {
	req, err := json.Marshal(map[string]string{"last_by_subj": "$KV." + b.opts.Bucket + "." + prefix + ">"})
	if err != nil {
		return 0, err
	}
	// No one answers while the bucket elects a leader: ask again soon.
	ctx, cancel := context.WithTimeout(ctx, attemptTimeout)
	defer cancel()
	msg, err := b.nc.RequestWithContext(ctx, "$JS.API.STREAM.MSG.GET.KV_"+b.opts.Bucket, req)
	if err != nil {
		return 0, fmt.Errorf("bucket %s: the leader's last revision: %w", b.opts.Bucket, err)
	}
	var resp struct {
		Error *struct {
			ErrCode     int    `json:"err_code"`
			Description string `json:"description"`
		} `json:"error"`
		Message *struct {
			Seq uint64 `json:"seq"`
		} `json:"message"`
	}
	if err := json.Unmarshal(msg.Data, &resp); err != nil {
		return 0, fmt.Errorf("bucket %s: the leader's last revision: %w", b.opts.Bucket, err)
	}
	switch {
	case resp.Error != nil && resp.Error.ErrCode == errCodeNoMessage:
		return 0, nil
	case resp.Error != nil:
		return 0, fmt.Errorf("bucket %s: the leader's last revision: %s (%d)", b.opts.Bucket, resp.Error.Description, resp.Error.ErrCode)
	case resp.Message == nil:
		return 0, fmt.Errorf("bucket %s: the leader's last revision: an answer with no message: %.80q", b.opts.Bucket, msg.Data)
	}
	return resp.Message.Seq, nil
}

// errCodeNoMessage is JetStream's "no message found" (JSNoMessageFoundErr).
const errCodeNoMessage = 10037

// watchFresh watches the bucket's keys under prefix and returns, as
// watchEntries, their values (deleted keys skipped), then nil, or a
// *StaleError if the read saw less than last, the leader's revision taken
// before; from is the revision a watch resumed after has seen (0 for a
// whole read): the watch's consumer may be placed on any replica, a lagging one
// included (nats-server's createGroupForConsumer), whose watch ends early.
func (b *Bus) watchFresh(ctx context.Context, prefix string, from, last uint64, opts ...jetstream.WatchOpt) (func() (jetstream.KeyValueEntry, error), func(), error) {
	w, err := b.kv.Watch(ctx, prefix+">", opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("bucket %s: %w", b.opts.Bucket, err)
	}
	entries := watchEntries(ctx, w, "bucket "+b.opts.Bucket)
	seen := from
	next := func() (jetstream.KeyValueEntry, error) {
		for {
			e, err := entries()
			if err != nil || e == nil {
				if err == nil && seen < last {
					err = &StaleError{Bucket: b.opts.Bucket, Prefix: prefix, Seen: seen, Last: last}
				}
				return nil, err
			}
			seen = max(seen, e.Revision())
			if e.Operation() == jetstream.KeyValuePut {
				return e, nil
			}
		}
	}
	return next, func() { _ = w.Stop() }, nil
}

// readFresh is watchFresh to the leader's revision now.
func (b *Bus) readFresh(ctx context.Context, prefix string, from uint64, opts ...jetstream.WatchOpt) (func() (jetstream.KeyValueEntry, error), func(), error) {
	last, err := b.leaderLast(ctx, prefix)
	if err != nil {
		return nil, nil, err
	}
	return b.watchFresh(ctx, prefix, from, last, opts...)
}
