package bus

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// TestPullAfterRestart pins what puller.run relies on in nats.go's pull
// iterator: after its server restarts, an iterator pulls again by itself
// and its Next returns the next batch, whether it was made before the
// server went down (also with a Next that saw the disconnection and
// returned before the reconnection, which nats.go v1.53 got wrong:
// nats-io/nats.go#2135) or while the client was reconnecting. The server
// is down for longer than two heartbeats.
func TestPullAfterRestart(t *testing.T) {
	for _, made := range []string{"before", "before, with a Next between", "before, with a Next in the outage", "while reconnecting"} {
		t.Run(made, func(t *testing.T) {
			t.Parallel()
			ts := startTestServer(t)
			b := ts.connect(t, "test")
			ctx := context.Background()
			cons, err := b.consumer(ctx, 0)
			if err != nil {
				t.Fatal(err)
			}
			pull := func() jetstream.MessagesContext {
				it, err := cons.Messages(jetstream.PullMaxMessages(8), jetstream.PullExpiry(pullExpiry), jetstream.PullHeartbeat(pullHeartbeat))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(it.Stop)
				return it
			}
			var it jetstream.MessagesContext
			if made != "while reconnecting" {
				it = pull()
				if made == "before, with a Next between" {
					it.Next(jetstream.NextMaxWait(100 * time.Millisecond))
				}
			}
			ts.srv.Shutdown()
			waitStatus(t, b, func(s nats.Status) bool { return s != nats.CONNECTED })
			if it == nil {
				it = pull()
			}
			if made == "before, with a Next in the outage" {
				it.Next(jetstream.NextMaxWait(pullHeartbeat))
			}
			got := make(chan error, 1)
			go func() {
				for {
					// No deadline: what is tested is that Next needs none.
					if _, err := it.Next(); err == nil || errors.Is(err, jetstream.ErrMsgIteratorClosed) {
						got <- err
						return
					}
				}
			}()
			time.Sleep(3 * pullHeartbeat) // the server down, as long as a restart takes
			ts.restart()
			waitStatus(t, b, func(s nats.Status) bool { return s == nats.CONNECTED })
			pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			if _, err := b.js.Publish(pctx, b.subject, []byte("x")); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-got:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(4 * stallWait):
				t.Fatalf("Next waited %s after the restart without a message or an error", 4*stallWait)
			}
		})
	}
}

func waitStatus(t *testing.T, b *Bus, ok func(nats.Status) bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok(b.nc.Status()) {
		if time.Now().After(deadline) {
			t.Fatalf("connection status still %v after 30 s", b.nc.Status())
		}
		time.Sleep(time.Millisecond)
	}
}

// TestPullAhead: a consumer never asks for more batches at once than the
// client keeps pending on a subscription before it drops them, at the
// server's largest message, and asks for at least one.
func TestPullAhead(t *testing.T) {
	for _, c := range []struct {
		workers    int
		maxPayload int64
		want       int
	}{
		{1, 1 << 20, 4},
		{2, 8 << 20, 6},
		{8, 8 << 20, 6},
		{64, 1 << 20, 48},
		{2, 64 << 20, 1},
		{1, 32 << 20, 1}, // the embedded server: one 16 MiB batch ahead, the next pulled as it is taken
		{1, 0, 4},
	} {
		got := pullAhead(c.workers, c.maxPayload)
		if got != c.want || (got > 1 && int64(got)*c.maxPayload > nats.DefaultSubPendingBytesLimit) {
			t.Errorf("pullAhead(%d workers, max_payload %d) = %d, want %d", c.workers, c.maxPayload, got, c.want)
		}
	}
}
