package bus

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/logproc/logproc/gen"
)

// TestDefaultMaxPayload: on a server with nats-server's default
// max_payload (1 MB, not the embedded server's 32 MiB), publish's default
// batches are half of it, and the job counts as scan does.
func TestDefaultMaxPayload(t *testing.T) {
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: freePort(t), JetStream: true, StoreDir: t.TempDir(), NoSigs: true, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("server not ready in 10 s")
	}
	ts := &testServer{t: t, dir: t.TempDir(), url: s.ClientURL()}
	b := ts.connect(t, "test")
	if b.MaxPayload() != 1<<20 {
		t.Fatalf("max_payload %d, want nats-server's default 1 MiB", b.MaxPayload())
	}
	path := genFile(t, t.TempDir(), "a.log", gen.Options{Records: 20000, Seed: 18})
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := Publish(context.Background(), b, []string{path}, PublishOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Half of 1 MiB a batch, longer by less than a line.
	if n := int(fi.Size() / (512 << 10)); st.Batches < n || st.Batches > n+1 {
		t.Fatalf("%d batches for %d bytes, want %d or %d of 512 KiB", st.Batches, fi.Size(), n, n+1)
	}
	sameAsScan(t, countAll(t, ts, b), path)
}
