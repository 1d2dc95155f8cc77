// Package bus spreads a scan over many processes and machines through NATS
// JetStream, with the same counts as one scan of the same files.
//
// Publish cuts each file with scan.Split into newline-aligned batches and
// publishes them to a work-queue stream. Every batch carries a message ID
// derived from the file's content and the batch's offset, so JetStream's
// duplicate window drops a batch published twice.
//
// Consume runs anywhere, in any number of processes: they share one durable
// pull consumer. A batch is parsed by scan.Files itself (one worker, the
// batch as its standard input): the same parser and counters as a local
// scan. Its partial result is written to a key-value bucket with a
// create-only write keyed by the batch ID, and only then acknowledged:
//
//	stream ──▶ consumer ──scan.Files──▶ kv.Create("b.<id>", partial) ──▶ ack
//
// Delivery is at least once (a consumer that dies before its ack has the
// batch delivered again), counting is exactly once: the second write of a
// batch finds its key and only acknowledges. A batch that cannot be counted
// at all (no line has a level: not a log) is parked as a record of its own
// under the same key and terminated, never retried.
//
// Report folds every partial with agg.Totals.Add into the results of a
// scan, at any time: what is not counted yet shows as pending.
package bus

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Defaults of Options.
const (
	DefaultURL    = "nats://127.0.0.1:4222"
	DefaultStream = "LOGPROC"
	DefaultBucket = "logproc"
	// consumerName is the one durable consumer every process pulls from:
	// a work-queue stream hands each batch to one of them.
	consumerName = "logproc"
	// dedupWindow is how long JetStream remembers a batch's message ID.
	// A re-run of publish within it stores nothing twice; after it, the
	// batch is stored again but counted once all the same (kv.Create).
	dedupWindow = 24 * time.Hour
)

// Options say where the server is and what to call things there.
type Options struct {
	// URLs is one or more server URLs, comma separated.
	URLs string
	// Creds is a NATS credentials file (JWT and NKey), if any.
	Creds string
	// TLSCA, TLSCert and TLSKey are PEM files: the CA to trust, and a
	// client certificate with its key.
	TLSCA, TLSCert, TLSKey string
	// Stream and Bucket name the work-queue stream and the key-value
	// bucket of partial results. Different names keep jobs apart.
	Stream, Bucket string
	// Replicas is how many servers of a cluster keep each of them.
	Replicas int
	// ConnectWait is how long Connect keeps trying a server that refuses
	// connections (one that is still starting); 0 means try once.
	ConnectWait time.Duration
	// Name tells the server who connects, for its monitoring.
	Name string
}

// Check reports the first setting that cannot work.
func (o *Options) Check() error {
	if strings.TrimSpace(o.URLs) == "" {
		return errors.New("no server URL")
	}
	for _, u := range strings.Split(o.URLs, ",") {
		if _, err := url.Parse(strings.TrimSpace(u)); err != nil {
			return fmt.Errorf("server URL %q: %v", u, err)
		}
	}
	if !ValidName(o.Stream) {
		return fmt.Errorf("stream %q: want letters, digits, - and _ only", o.Stream)
	}
	if !ValidName(o.Bucket) {
		return fmt.Errorf("bucket %q: want letters, digits, - and _ only", o.Bucket)
	}
	if (o.TLSCert == "") != (o.TLSKey == "") {
		return errors.New("a TLS client certificate needs its key, and a key its certificate")
	}
	if o.Replicas < 1 || o.Replicas > 5 {
		return fmt.Errorf("replicas %d: want 1 to 5", o.Replicas)
	}
	return nil
}

// ValidName reports whether s can name a stream or a bucket: letters,
// digits, '-' and '_' only, which every NATS server and subject accepts.
func ValidName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Bus is a connection to JetStream with the stream and the bucket ready.
type Bus struct {
	nc      *nats.Conn
	js      jetstream.JetStream
	stream  jetstream.Stream
	kv      jetstream.KeyValue
	subject string
	opts    Options
}

// Connect connects to the server and creates the stream and the bucket if
// they do not exist yet (every command may be the first to run).
func Connect(ctx context.Context, o Options) (*Bus, error) {
	if err := o.Check(); err != nil {
		return nil, err
	}
	nopts := []nats.Option{
		nats.Name(o.Name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond),
		// The client's errors (a reconnect, say) are not the user's: the
		// call that fails because of them returns its own error.
		nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {}),
	}
	if o.Creds != "" {
		nopts = append(nopts, nats.UserCredentials(o.Creds))
	}
	if o.TLSCA != "" {
		nopts = append(nopts, nats.RootCAs(o.TLSCA))
	}
	if o.TLSCert != "" {
		nopts = append(nopts, nats.ClientCert(o.TLSCert, o.TLSKey))
	}
	var nc *nats.Conn
	deadline := time.Now().Add(o.ConnectWait)
	for {
		var err error
		if nc, err = nats.Connect(o.URLs, nopts...); err == nil {
			break
		}
		if !errors.Is(err, nats.ErrNoServers) || time.Now().After(deadline) {
			return nil, fmt.Errorf("connect to %s: %w", o.URLs, err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	b := &Bus{nc: nc, subject: o.Stream + ".batches", opts: o}
	if err := b.setup(ctx); err != nil {
		nc.Close()
		return nil, err
	}
	return b, nil
}

func (b *Bus) setup(ctx context.Context) error {
	var err error
	if b.js, err = jetstream.New(b.nc,
		jetstream.WithPublishAsyncMaxPending(4*inflight),
		// An acknowledgement lost to a restart fails the publish, which is
		// then retried, instead of waiting for ever.
		jetstream.WithPublishAsyncTimeout(10*time.Second)); err != nil {
		return err
	}
	// An existing stream and bucket are used as they are: updating them
	// every time a process starts is not needed, and nats-server v2.15.2
	// has a data race between a stream update and a consumer create.
	scfg := jetstream.StreamConfig{
		Name:        b.opts.Stream,
		Description: "logproc: batches of log lines to count",
		Subjects:    []string{b.subject},
		Retention:   jetstream.WorkQueuePolicy,
		Storage:     jetstream.FileStorage,
		Replicas:    b.opts.Replicas,
		Duplicates:  dedupWindow,
	}
	if b.stream, err = b.js.Stream(ctx, scfg.Name); errors.Is(err, jetstream.ErrStreamNotFound) {
		if b.stream, err = b.js.CreateStream(ctx, scfg); errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			b.stream, err = b.js.Stream(ctx, scfg.Name) // another process was first
		}
	}
	if err != nil {
		return fmt.Errorf("stream %s on %s: %w", b.opts.Stream, b.nc.ConnectedUrlRedacted(), err)
	}
	kcfg := jetstream.KeyValueConfig{
		Bucket:      b.opts.Bucket,
		Description: "logproc: the partial result of each counted batch",
		Storage:     jetstream.FileStorage,
		Replicas:    b.opts.Replicas,
	}
	if b.kv, err = b.js.KeyValue(ctx, kcfg.Bucket); errors.Is(err, jetstream.ErrBucketNotFound) {
		if b.kv, err = b.js.CreateKeyValue(ctx, kcfg); errors.Is(err, jetstream.ErrBucketExists) || errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			b.kv, err = b.js.KeyValue(ctx, kcfg.Bucket)
		}
	}
	if err != nil {
		return fmt.Errorf("bucket %s on %s: %w", b.opts.Bucket, b.nc.ConnectedUrlRedacted(), err)
	}
	return nil
}

// Close closes the connection. Publish and Consume have finished their
// own work before they return; Close drops whatever else is in flight.
func (b *Bus) Close() { b.nc.Close() }

// MaxPayload is the largest message the server takes.
func (b *Bus) MaxPayload() int64 { return b.nc.MaxPayload() }
