package bus

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// lostReply is a bucket whose first create is written but its reply lost,
// as when the server that took it is killed before it answers.
type lostReply struct {
	jetstream.KeyValue
	creates int
	wrote   chan struct{} // closed, when not nil, once the lost create is written
}

func (k *lostReply) Create(ctx context.Context, key string, val []byte, opts ...jetstream.KVCreateOpt) (uint64, error) {
	k.creates++
	if k.creates > 1 {
		return k.KeyValue.Create(ctx, key, val, opts...)
	}
	if _, err := k.KeyValue.Create(context.Background(), key, val, opts...); err != nil {
		return 0, err
	}
	if k.wrote != nil {
		close(k.wrote)
	}
	<-ctx.Done()
	return 0, ctx.Err()
}

// TestCreateOnceLostReply: a record write whose reply is lost is tried
// again after attemptTimeout, not waited out for opTimeout, and the try
// that finds its own bytes there takes them as written; other bytes there
// are another write's (ErrKeyExists), as without a lost reply.
func TestCreateOnceLostReply(t *testing.T) {
	ts := startTestServer(t)
	b := ts.connect(t, "test")
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	kv := &lostReply{KeyValue: b.kv}
	began := time.Now()
	if err := createOnce(ctx, kv, "b.x", []byte("mine")); err != nil {
		t.Fatalf("createOnce with a lost reply: %v", err)
	}
	if took := time.Since(began); took > 2*attemptTimeout || kv.creates != 2 {
		t.Errorf("createOnce with a lost reply took %s and %d tries; want under %s, 2 tries", took, kv.creates, 2*attemptTimeout)
	}
	if e, err := b.kv.Get(ctx, "b.x"); err != nil || string(e.Value()) != "mine" || e.Revision() != 1 {
		t.Errorf("b.x after createOnce: %v; want \"mine\" written once", err)
	}
	kv = &lostReply{KeyValue: b.kv}
	if err := createOnce(ctx, kv, "b.x", []byte("other")); !errors.Is(err, jetstream.ErrKeyExists) {
		t.Errorf("createOnce over another write: %v; want ErrKeyExists", err)
	}
	kv = &lostReply{KeyValue: b.kv, creates: 1}
	if err := createOnce(ctx, kv, "b.x", []byte("mine")); !errors.Is(err, jetstream.ErrKeyExists) {
		t.Errorf("createOnce of a batch counted before, no reply lost: %v; want ErrKeyExists (a redelivery)", err)
	}
}

// TestStoreLandedAtStop: a consumer told to stop while its record's create
// is on the way, the create written but its reply not yet back, takes the
// batch as counted (its stats once, not short by one), and only its own
// bytes count as landed.
func TestStoreLandedAtStop(t *testing.T) {
	ts := startTestServer(t)
	b := ts.connect(t, "test")
	real := b.kv
	lost := &lostReply{KeyValue: real, wrote: make(chan struct{})}
	b.kv = lost
	defer func() { b.kv = real }()
	ctx, cancel := context.WithCancel(context.Background())
	c := &counter{b: b, stats: &ConsumeStats{}}
	rec := record{Batch: batch{ID: "stop", File: "a.log", Line: 1}}
	stored := make(chan bool)
	go func() { stored <- c.store(ctx, nil, &rec) }()
	<-lost.wrote
	cancel()
	if !<-stored {
		t.Fatal("store cut short by the stop after its create was written: not taken as counted")
	}
	val, err := rec.marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !c.landed(ctx, batchPrefix+"stop", val) {
		t.Error("landed: false for the bytes written")
	}
	if c.landed(ctx, batchPrefix+"stop", []byte("other")) || c.landed(ctx, batchPrefix+"never", val) {
		t.Error("landed: true for bytes or a key not written")
	}
	if c.landed(context.Background(), batchPrefix+"stop", val) {
		t.Error("landed: true while the consumer is not stopping (a failed create is retried then)")
	}
}
