package bus

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/logproc/logproc/gen"
)

// TestByReference: batches sent by reference carry no bytes, and the
// consumers' counts equal scan's; a file changed after publish is parked
// with the reason, not miscounted.
func TestByReference(t *testing.T) {
	ts := startTestServer(t)
	dir := t.TempDir()
	path := genFile(t, dir, "a.log", gen.Options{Records: 20000, Seed: 31})
	b := ts.connect(t, "test")
	st, err := Publish(context.Background(), b, []string{path}, PublishOptions{BatchSize: 256 << 10, ByReference: true})
	if err != nil {
		t.Fatal(err)
	}
	info, err := b.stream.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Batches < 5 || info.State.Bytes > uint64(st.Batches)*1024 {
		t.Fatalf("%d batches take %d bytes in the stream: want references, not bytes", st.Batches, info.State.Bytes)
	}
	sameAsScan(t, countAll(t, ts, b), path)

	// Another file, changed in place between publish and consume.
	other := genFile(t, dir, "b.log", gen.Options{Records: 5000, Seed: 32})
	if _, err := Publish(context.Background(), b, []string{other}, PublishOptions{ByReference: true}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(other)
	i := bytes.Index(data, []byte("level=INFO"))
	copy(data[i:], "level=WARN")
	if err := os.WriteFile(other, data, 0o644); err != nil {
		t.Fatal(err)
	}
	snap := countAll(t, ts, b)
	if len(snap.Parked) != 1 || !strings.Contains(snap.Parked[0].Reason, "changed since it was published") {
		t.Fatalf("parked %+v, want the changed file's batch", snap.Parked)
	}
	sameAsScan(t, snap, path) // the changed file counts nothing
}
