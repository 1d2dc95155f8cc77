// Package bus spreads a scan over many processes and machines through NATS
// JetStream, with the same counts as one scan of the same files.
//
// Publish reads each file once to hash it: the bytes published before (by
// this path or any other, found by the hash of the file's prefix) are not
// published again, and the new ones form a segment. Its manifest, which
// lists its batches, is written first, then the batches: newline-aligned
// cuts on a grid from the segment's start, each with a message ID made of
// the segment's ID and its index, so the same bytes always make the same
// IDs whatever -batch-size and path a later publish uses.
//
// Consume runs anywhere, in any number of processes: they share one durable
// pull consumer, made by Connect. A batch is parsed by scan.Bytes: the
// same parser and counters as a local scan. Its partial result is written
// to a key-value bucket with a create-only write keyed by the batch ID,
// and only then acknowledged:
//
//	stream ──▶ consumer ──scan.Bytes───▶ kv.Create("b.<id>", partial) ──▶ ack
//
// Delivery is at least once (a consumer that dies before its ack has the
// batch delivered again), counting is exactly once: the second write of a
// batch finds its key and only acknowledges. A batch that cannot be counted
// at all is parked as a record of its own under the same key and
// terminated, never retried.
//
// Report folds the partial of every batch a manifest lists, by ID, with
// agg.Totals.Add into the results of a scan, at any time: what is not
// counted yet shows as pending. See docs/distributed.md.
package bus

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
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
	// description starts what logproc writes in the streams it makes:
	// Reset deletes only those.
	description = "logproc: "
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
		return &OptionError{Field: "server", Value: o.URLs, Why: "want a NATS server URL"}
	}
	for _, u := range strings.Split(o.URLs, ",") {
		if _, err := url.Parse(strings.TrimSpace(u)); err != nil {
			return &OptionError{Field: "server", Value: Redact(o.URLs), Why: fmt.Sprintf("cannot parse %q as a URL", Redact(u))}
		}
	}
	if !ValidName(o.Stream) {
		return &OptionError{Field: "stream", Value: o.Stream, Why: "want letters, digits, - and _ only"}
	}
	if !ValidName(o.Bucket) {
		return &OptionError{Field: "bucket", Value: o.Bucket, Why: "want letters, digits, - and _ only"}
	}
	if (o.TLSCert == "") != (o.TLSKey == "") {
		return &OptionError{Field: "tls", Why: "a TLS client certificate needs its key, and a key its certificate: give both or neither"}
	}
	if o.Replicas < 1 || o.Replicas > 5 {
		return &OptionError{Field: "replicas", Value: strconv.Itoa(o.Replicas), Why: "want 1 to 5"}
	}
	return nil
}

// An OptionError is an Options field that Check refuses, named as the
// field ("server", "stream", "bucket", "replicas", "tls": the client
// certificate and key together), so that a caller can name the setting it
// came from.
type OptionError struct {
	Field string
	Value string // as given, passwords redacted; empty for "tls"
	Why   string
}

func (e *OptionError) Error() string {
	if e.Field == "tls" {
		return e.Why
	}
	return fmt.Sprintf("%s %q: %s", e.Field, e.Value, e.Why)
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

// Redact hides the passwords and tokens in server URLs, comma separated,
// so that no message shows them: nats://lp:secret@host becomes
// nats://lp:xxxxx@host, nats://token@host nats://xxxxx@host.
func Redact(urls string) string {
	parts := strings.Split(urls, ",")
	for i, u := range parts {
		scheme, rest, ok := strings.Cut(u, "://")
		if !ok {
			scheme, rest = "", u
		}
		at := strings.LastIndex(rest, "@")
		if slash := strings.IndexAny(rest, "/?#"); slash >= 0 && slash < at {
			at = strings.LastIndex(rest[:slash], "@")
		}
		if at < 0 {
			continue
		}
		user, _, hasPass := strings.Cut(rest[:at], ":")
		hidden := "xxxxx"
		if hasPass {
			hidden = user + ":xxxxx"
		}
		if ok {
			scheme += "://"
		}
		parts[i] = scheme + hidden + rest[at:]
	}
	return strings.Join(parts, ",")
}

// Bus is a connection to JetStream with the stream, the bucket and the
// consumer ready.
type Bus struct {
	nc      *nats.Conn
	js      jetstream.JetStream
	stream  jetstream.Stream
	kv      jetstream.KeyValue
	subject string
	opts    Options
}

// dial connects to the server, trying for up to o.ConnectWait while it
// refuses connections.
func dial(ctx context.Context, o Options) (*nats.Conn, error) {
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
	deadline := time.Now().Add(o.ConnectWait)
	for {
		nc, err := nats.Connect(o.URLs, nopts...)
		if err == nil {
			return nc, nil
		}
		if !errors.Is(err, nats.ErrNoServers) || time.Now().After(deadline) {
			return nil, fmt.Errorf("connect to %s: %w", Redact(o.URLs), err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Connect connects to the server and creates the stream, the bucket and
// the consumer if they do not exist yet (every command may be the first to
// run); existing ones are checked, and refused if their settings would
// lose or miscount batches. In a cluster electing a leader, it tries again
// for up to o.ConnectWait.
func Connect(ctx context.Context, o Options) (*Bus, error) {
	if err := o.Check(); err != nil {
		return nil, err
	}
	nc, err := dial(ctx, o)
	if err != nil {
		return nil, err
	}
	b := &Bus{nc: nc, subject: o.Stream + ".batches", opts: o}
	deadline := time.Now().Add(o.ConnectWait)
	for attempt := 0; ; attempt++ {
		err := b.setup(ctx)
		if err == nil {
			return b, nil
		}
		var mm *MismatchError
		if errors.As(err, &mm) || ctx.Err() != nil || time.Now().After(deadline) {
			nc.Close()
			return nil, err
		}
		select {
		case <-ctx.Done():
			nc.Close()
			return nil, err
		case <-time.After(backoff(attempt)):
		}
	}
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
	// An existing stream and bucket are checked, not updated: updating
	// them every time a process starts is not needed, and nats-server
	// v2.15.2 has a data race between a stream update and a consumer
	// create.
	scfg := jetstream.StreamConfig{
		Name:        b.opts.Stream,
		Description: description + "batches of log lines to count",
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
	if err := b.checkStream(&b.stream.CachedInfo().Config); err != nil {
		return err
	}
	kcfg := jetstream.KeyValueConfig{
		Bucket:      b.opts.Bucket,
		Description: description + "the partial result of each counted batch",
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
	ks, err := b.kv.Status(ctx)
	if err != nil {
		return fmt.Errorf("bucket %s on %s: %w", b.opts.Bucket, b.nc.ConnectedUrlRedacted(), err)
	}
	if kbs, ok := ks.(*jetstream.KeyValueBucketStatus); ok {
		if err := b.checkBucket(&kbs.StreamInfo().Config); err != nil {
			return err
		}
	}
	// The consumer is made here, once, by whichever command comes first,
	// so that consumers starting together never race to make it.
	_, err = b.js.Consumer(ctx, b.opts.Stream, consumerName)
	if errors.Is(err, jetstream.ErrConsumerNotFound) {
		_, err = b.js.CreateConsumer(ctx, b.opts.Stream, consumerConfig(DefaultAckWait))
		if errors.Is(err, jetstream.ErrConsumerExists) {
			err = nil
		}
	}
	if err != nil {
		return fmt.Errorf("consumer %s on stream %s on %s: %w", consumerName, b.opts.Stream, b.nc.ConnectedUrlRedacted(), err)
	}
	return nil
}

// Close closes the connection. Publish and Consume have finished their
// own work before they return; Close drops whatever else is in flight.
func (b *Bus) Close() { b.nc.Close() }

// MaxPayload is the largest message the server takes.
func (b *Bus) MaxPayload() int64 { return b.nc.MaxPayload() }
