package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/logproc/logproc/bus"
	"github.com/logproc/logproc/out"
)

const publishUsage = `Usage: logproc publish [flags] [FILE...]

Cuts log files into batches of whole lines (and whole CRI and Docker
records) and publishes them to a NATS JetStream work-queue stream, for
'logproc consume' processes to count. With no FILE it publishes LOG_PATH. A
file is known by the hash of its content: publishing it again, from any
path, sends nothing; a file that grew sends what it gained; a publish that
failed is finished by running it again. A last line with no newline yet,
or a record whose last piece is not written yet, is held back (a growing
log is writing it) unless -final says the file is whole.
`

const consumeUsage = `Usage: logproc consume [flags]

Counts the batches 'logproc publish' sent, with the same parser as scan, and
stores each batch's counts in a JetStream key-value bucket before it
acknowledges the batch, so that each is counted exactly once however many
consumers run, on however many machines. Runs until SIGINT, which finishes
the batches in hand first, or until -idle passes with no batch. With
-embedded it also runs a single-node NATS server, storing in -store.
`

const reportUsage = `Usage: logproc report [flags]

Merges the counts of every batch counted so far into the results JSON scan
writes, and says on stderr how many batches are counted, pending and parked.
It may run while consumers work; -wait waits until every published batch
is counted first.
`

const resetUsage = `Usage: logproc reset [flags]

Deletes a job: the stream of batches (and its consumer) and the bucket of
counts that -stream and -bucket name, so that the next publish starts over.
A stream or bucket that logproc did not make is left alone.
`

const serveUsage = `Usage: logproc serve [flags]

Runs a single-node NATS server with JetStream, storing in -store, on the
host and port of the first -server URL, until SIGINT: the bus for publish,
consume and report on one machine, with no other set-up. With -cluster and
-routes it is one node of a cluster; run one per machine, each with its own
-name, and set LOGPROC_REPLICAS=3 for publish:

  logproc serve -name n1 -cluster nats://10.0.0.1:6222 \
    -routes nats://10.0.0.1:6222,nats://10.0.0.2:6222,nats://10.0.0.3:6222
`

// busSettings are the connection flags every bus command takes.
type busSettings struct {
	opts bus.Options
}

func addBusFlags(f *commandFlags, cfg Config) *busSettings {
	s := &busSettings{opts: bus.Options{
		URLs: cfg.NatsURL, Creds: cfg.NatsCreds,
		TLSCA: cfg.NatsTLSCA, TLSCert: cfg.NatsTLSCert, TLSKey: cfg.NatsTLSKey,
		Stream: cfg.Stream, Bucket: cfg.Bucket, Replicas: cfg.Replicas,
		ConnectWait: 5 * time.Second,
		Name:        f.name,
	}}
	f.StringVar(&s.opts.URLs, "server", s.opts.URLs, "NATS server `URLs`, comma separated (env NATS_URL)")
	f.StringVar(&s.opts.Creds, "creds", s.opts.Creds, "NATS credentials `file` (env NATS_CREDS)")
	f.StringVar(&s.opts.TLSCA, "tls-ca", s.opts.TLSCA, "CA certificate `file` to trust (env NATS_TLS_CA)")
	f.StringVar(&s.opts.TLSCert, "tls-cert", s.opts.TLSCert, "client certificate `file` (env NATS_TLS_CERT)")
	f.StringVar(&s.opts.TLSKey, "tls-key", s.opts.TLSKey, "client key `file` (env NATS_TLS_KEY)")
	f.StringVar(&s.opts.Stream, "stream", s.opts.Stream, "JetStream stream of batches (env LOGPROC_STREAM)")
	f.StringVar(&s.opts.Bucket, "bucket", s.opts.Bucket, "key-value bucket of counts (env LOGPROC_BUCKET)")
	f.IntVar(&s.opts.Replicas, "replicas", s.opts.Replicas, "servers that keep the stream and the bucket, in a cluster (env LOGPROC_REPLICAS)")
	return s
}

// check validates the connection settings, naming the flag or variable
// each value came from.
func (s *busSettings) check(f *commandFlags) error {
	o := &s.opts
	var oe *bus.OptionError
	switch err := o.Check(); {
	case errors.As(err, &oe) && oe.Field == "tls":
		return usagef("%s and %s: give both or neither", f.source("tls-cert", "NATS_TLS_CERT"), f.source("tls-key", "NATS_TLS_KEY"))
	case errors.As(err, &oe):
		fl := busFlags[oe.Field]
		value := strconv.Quote(oe.Value)
		if fl.number {
			value = oe.Value
		}
		return usagef("%s=%s: %s", f.source(fl.flag, fl.env), value, oe.Why)
	case err != nil:
		return usageError{err}
	}
	for _, c := range []struct{ flag, env, v string }{
		{"creds", "NATS_CREDS", o.Creds},
		{"tls-ca", "NATS_TLS_CA", o.TLSCA},
		{"tls-cert", "NATS_TLS_CERT", o.TLSCert},
		{"tls-key", "NATS_TLS_KEY", o.TLSKey},
	} {
		if c.v == "" {
			continue
		}
		if _, err := os.Stat(c.v); err != nil {
			return usagef("%s=%q: %v", f.source(c.flag, c.env), c.v, unwrapPath(err))
		}
	}
	return nil
}

// busFlags names the flag and the variable of each bus.Options field, for
// the errors of bus.Options.Check, which holds the rules.
var busFlags = map[string]struct {
	flag, env string
	number    bool
}{
	"server":   {"server", "NATS_URL", false},
	"stream":   {"stream", "LOGPROC_STREAM", false},
	"bucket":   {"bucket", "LOGPROC_BUCKET", false},
	"replicas": {"replicas", "LOGPROC_REPLICAS", true},
}

// inputs are the credential files the connection reads, which a profile
// must not overwrite.
func (s *busSettings) inputs() []use {
	var uses []use
	for _, p := range []string{s.opts.Creds, s.opts.TLSCA, s.opts.TLSCert, s.opts.TLSKey} {
		if p != "" {
			uses = append(uses, use{path: p})
		}
	}
	return uses
}

// connect connects, with a hint when there is no server to connect to.
func (s *busSettings) connect(ctx context.Context) (*bus.Bus, error) {
	b, err := bus.Connect(ctx, s.opts)
	if errors.Is(err, nats.ErrNoServers) {
		return nil, fmt.Errorf("%w (start one with 'logproc serve', or 'logproc consume -embedded')", err)
	}
	return b, err
}

func publishCommand(f *commandFlags, cfg Config, stdout, stderr io.Writer) prepare {
	s := addBusFlags(f, cfg)
	var o bus.PublishOptions
	f.Int64Var(&o.BatchSize, "batch-size", bus.DefaultBatchSize, "`bytes` a batch aims at, at most half the server's max_payload (the default is cut to that); lines, and CRI or Docker records in pieces, are never cut")
	f.BoolVar(&o.Final, "final", false, "publish a last line with no newline too: the file is whole and will not grow")
	compress := f.Bool("compress", true, "send each batch by value compressed (S2) when that makes it smaller; -compress=false sends it as it is")
	f.BoolVar(&o.ByReference, "by-reference", false, "send each batch's place and hash, not its bytes: consumers read the files at the same absolute paths (a shared mount)")
	read := addReadFlag(f, cfg)
	return func(ctx context.Context, args []string) (plan, error) {
		if err := s.check(f); err != nil {
			return plan{}, err
		}
		var err error
		if o.Read, err = readMode(f, *read); err != nil {
			return plan{}, err
		}
		if o.BatchSize < 1 {
			return plan{}, usagef("-batch-size=%d: must be at least 1", o.BatchSize)
		}
		o.Uncompressed = !*compress
		paths, err := inputPaths(args, cfg.LogPath, f.settings.name("LOG_PATH"))
		if err != nil {
			return plan{}, err
		}
		return plan{inputs: append(inputs(paths), s.inputs()...), work: func() error {
			b, err := s.connect(ctx)
			if err != nil {
				return err
			}
			defer b.Close()
			if !f.set["batch-size"] {
				o.BatchSize = 0 // bus picks the default for the server and the mode
			}
			if o.BatchSize > b.MaxPayload()/2 && !o.ByReference {
				return usagef("-batch-size=%d: the server takes at most %d bytes in a message; want at most half that", o.BatchSize, b.MaxPayload())
			}
			var done atomic.Int64
			o.Progress = &done
			m := newMeter(stderr, f.quiet)
			m.start(gauge{label: "publish", unit: "B", total: knownSize(paths), done: done.Load})
			began := time.Now()
			st, err := bus.Publish(ctx, b, paths, o)
			took := time.Since(began)
			m.end()
			if err != nil {
				return err
			}
			if !f.quiet {
				fmt.Fprintf(stderr, "published %s: %s (%s new, %s already in stream %s), %s (%s) in %s: %s batches/s, %s/s; %s published before, %s held back (an unfinished last line or record)\n",
					plural(int64(st.Files), "file"), plural(int64(st.Batches), "batch"), count(int64(st.Stored)), count(int64(st.Duplicates())), s.opts.Stream,
					plural(st.Lines, "line"), size(st.Bytes), seconds(took), count(int64(rate(int64(st.Batches), took))), size(int64(rate(st.Bytes, took))),
					size(st.Known), size(st.HeldBack))
			}
			return nil
		}}, nil
	}
}

func consumeCommand(f *commandFlags, cfg Config, stdout, stderr io.Writer) prepare {
	s := addBusFlags(f, cfg)
	o := bus.ConsumeOptions{Workers: cfg.ScanWorkers}
	f.IntVar(&o.Workers, "workers", o.Workers, "batches counted at once (env CONCURRENT_LOG_READER_TASK)")
	metrics := addMetricFlags(f, cfg)
	f.DurationVar(&o.Idle, "idle", 0, "stop once no batch has come for this `duration` (0: run until SIGINT)")
	f.DurationVar(&o.AckWait, "ack-wait", bus.DefaultAckWait, "`duration` a batch may stay with a consumer that died before another gets it")
	embedded := f.Bool("embedded", false, "also run a single-node NATS server here, on the -server URL's port, storing in -store")
	store := f.String("store", cfg.NatsStore, "`dir`ectory where the embedded server stores streams (env LOGPROC_NATS_STORE)")
	read := addReadFlag(f, cfg)
	return func(ctx context.Context, args []string) (plan, error) {
		if len(args) > 0 {
			return plan{}, usagef("consume takes no arguments, got %q (see 'logproc consume -h')", args[0])
		}
		if err := s.check(f); err != nil {
			return plan{}, err
		}
		var err error
		if o.Scan.Read, err = readMode(f, *read); err != nil {
			return plan{}, err
		}
		if err := atLeastOne(f.source("workers", "CONCURRENT_LOG_READER_TASK"), o.Workers); err != nil {
			return plan{}, usageError{err}
		}
		// What to take and compute, exactly as scan's flags say it.
		var ss scanSettings
		if err := metrics.apply(f, &ss); err != nil {
			return plan{}, err
		}
		o.Scan.Parse, o.Scan.TimeWindow, o.Scan.Since, o.Scan.Until = ss.opts.Parse, ss.opts.TimeWindow, ss.opts.Since, ss.opts.Until
		o.Sections = ss.sections
		if o.Idle < 0 {
			return plan{}, usagef("-idle=%s: must not be negative", o.Idle)
		}
		if o.AckWait < time.Second {
			return plan{}, usagef("-ack-wait=%s: must be at least 1s", o.AckWait)
		}
		return plan{inputs: s.inputs(), work: func() error {
			if *embedded {
				srv, err := startEmbedded(ctx, f, s, *store, stderr)
				if err != nil {
					return err
				}
				defer srv.Shutdown()
			}
			b, err := s.connect(ctx)
			if err != nil {
				return err
			}
			defer b.Close()
			if !f.quiet {
				fmt.Fprintf(stderr, "consuming stream %s into bucket %s with %s…\n", s.opts.Stream, s.opts.Bucket, plural(int64(o.Workers), "worker"))
			}
			began := time.Now()
			st, err := bus.Consume(ctx, b, o)
			took := time.Since(began)
			if !f.quiet {
				verb := "consumed"
				if ctx.Err() != nil {
					verb = "interrupted; finished the batches in hand:"
				}
				line := fmt.Sprintf("%s %s (%s counted, %s counted before, %s parked, %s retried), %s (%s) in %s",
					verb, plural(int64(st.Counted+st.Duplicates+st.Parked), "batch"), count(int64(st.Counted)), count(int64(st.Duplicates)),
					count(int64(st.Parked)), count(int64(st.Retried)), plural(st.Lines, "line"), size(st.Bytes), seconds(took))
				if st.LastRetry != nil {
					line += "; last retry: " + st.LastRetry.Error()
				}
				fmt.Fprintln(stderr, line)
			}
			return err
		}}, nil
	}
}

// startEmbedded starts the embedded server where -server points and
// makes the connection go there.
func startEmbedded(ctx context.Context, f *commandFlags, s *busSettings, store string, stderr io.Writer, node ...string) (*childServer, error) {
	if store == "" {
		return nil, usagef("%s is empty: want a directory for the embedded server's streams", f.source("store", "LOGPROC_NATS_STORE"))
	}
	if err := os.MkdirAll(store, 0o755); err != nil {
		return nil, usagef("%s=%q: %v", f.source("store", "LOGPROC_NATS_STORE"), store, unwrapPath(err))
	}
	if _, err := findServer(); err != nil {
		return nil, err // not the URL's fault
	}
	srv, err := startServer(ctx, s.opts.URLs, store, node...)
	if err != nil {
		return nil, fmt.Errorf("%s=%q: %w", f.source("server", "NATS_URL"), s.opts.URLs, err)
	}
	s.opts.URLs = srv.URL()
	if !f.quiet {
		fmt.Fprintf(stderr, "NATS server with JetStream on %s, storing in %s\n", srv.URL(), store)
	}
	return srv, nil
}

func serveCommand(f *commandFlags, cfg Config, stdout, stderr io.Writer) prepare {
	s := addBusFlags(f, cfg)
	store := f.String("store", cfg.NatsStore, "`dir`ectory where the server stores streams (env LOGPROC_NATS_STORE)")
	name := f.String("name", "", "server `name`, unique in a cluster (default logproc)")
	cluster := f.String("cluster", "", "be a node of a cluster: listen for routes from the others on this `URL` (nats://host:port)")
	routes := f.String("routes", "", "route `URLs` of the cluster's nodes, comma separated (each node may take the same list)")
	return func(ctx context.Context, args []string) (plan, error) {
		if len(args) > 0 {
			return plan{}, usagef("serve takes no arguments, got %q (see 'logproc serve -h')", args[0])
		}
		if err := s.check(f); err != nil {
			return plan{}, err
		}
		if *routes != "" && *cluster == "" {
			return plan{}, usagef("-routes=%q: give -cluster too, the URL this node takes routes on", *routes)
		}
		var node []string
		for _, fl := range []struct{ name, v string }{{"-name", *name}, {"-cluster", *cluster}, {"-routes", *routes}} {
			if fl.v != "" {
				node = append(node, fl.name, fl.v)
			}
		}
		return plan{work: func() error {
			srv, err := startEmbedded(ctx, f, s, *store, stderr, node...)
			if err != nil {
				return err
			}
			<-ctx.Done()
			srv.Shutdown()
			return ctx.Err()
		}}, nil
	}
}

func resetCommand(f *commandFlags, cfg Config, stdout, stderr io.Writer) prepare {
	s := addBusFlags(f, cfg)
	return func(ctx context.Context, args []string) (plan, error) {
		if len(args) > 0 {
			return plan{}, usagef("reset takes no arguments, got %q (see 'logproc reset -h')", args[0])
		}
		if err := s.check(f); err != nil {
			return plan{}, err
		}
		return plan{inputs: s.inputs(), work: func() error {
			deleted, err := bus.Reset(ctx, s.opts)
			if err != nil {
				return err
			}
			if !f.quiet {
				if len(deleted) == 0 {
					fmt.Fprintf(stderr, "reset: no stream %s or bucket %s to delete\n", s.opts.Stream, s.opts.Bucket)
				} else {
					fmt.Fprintf(stderr, "reset: deleted %s\n", strings.Join(deleted, " and "))
				}
			}
			return nil
		}}, nil
	}
}

func reportCommand(f *commandFlags, cfg Config, stdout, stderr io.Writer) prepare {
	s := addBusFlags(f, cfg)
	output := resultsPath(cfg.LogPath)
	f.StringVar(&output, "o", output, "write the results JSON to `file` (- for stdout; default LOG_PATH.json)")
	wait := f.Duration("wait", 0, "first wait up to this `duration` for every published batch to be counted")
	var top int
	addTopFlag(f, &top)
	return func(ctx context.Context, args []string) (plan, error) {
		if len(args) > 0 {
			return plan{}, usagef("report takes no arguments, got %q (see 'logproc report -h')", args[0])
		}
		if err := checkTop(top); err != nil {
			return plan{}, err
		}
		if err := s.check(f); err != nil {
			return plan{}, err
		}
		if output == "" && !f.set["o"] {
			return plan{}, noResultsPath(f)
		}
		if err := checkJSONName(f.source("o", "LOG_PATH"), output); err != nil {
			return plan{}, err
		}
		if output != "-" {
			if err := checkWritableDir(f.source("o", "LOG_PATH"), output); err != nil {
				return plan{}, usageError{err}
			}
		}
		if *wait < 0 {
			return plan{}, usagef("-wait=%s: must not be negative", *wait)
		}
		return plan{inputs: s.inputs(), outputs: []use{{f.source("o", "LOG_PATH"), output}}, work: func() error {
			return report(ctx, f, s, output, *wait, top, stdout, stderr)
		}}, nil
	}
}

func report(ctx context.Context, f *commandFlags, s *busSettings, output string, wait time.Duration, top int, stdout, stderr io.Writer) error {
	// A cluster electing a leader answers with errors for a while: within
	// -wait, connecting and reading are tried again.
	began := time.Now()
	s.opts.ConnectWait = max(s.opts.ConnectWait, wait)
	b, err := s.connect(ctx)
	if err != nil {
		return err
	}
	defer b.Close()
	var waitErr error
	var snap bus.Snapshot
	if wait > 0 {
		wctx, cancel := context.WithDeadline(ctx, began.Add(wait))
		// Done, its last poll's merge is the report: not read again.
		snap, waitErr = bus.WaitReport(wctx, b, 200*time.Millisecond, nil)
		cancel()
		if waitErr != nil && ctx.Err() != nil {
			return ctx.Err()
		}
		var we *bus.WaitError
		if waitErr != nil && !errors.As(waitErr, &we) {
			return waitErr
		}
	}
	until := time.Now().Add(10 * time.Second)
	if u := began.Add(wait); u.After(until) {
		until = u
	}
	if wait == 0 || waitErr != nil {
		if snap, err = bus.Retry(ctx, until, func(ctx context.Context) (bus.Snapshot, error) { return bus.Report(ctx, b) }); err != nil {
			return err
		}
	}
	if snap.Published == 0 {
		within := ""
		if wait > 0 {
			within = fmt.Sprintf(" within -wait=%s", wait)
		}
		return fmt.Errorf("nothing was published in bucket %s%s: run 'logproc publish FILE' first (or give the -stream and -bucket it used)", s.opts.Bucket, within)
	}
	if len(snap.NotLog) > 0 && snap.Done() {
		// As scan: a file with no record at all is not a log.
		return snap.NotLog[0]
	}
	sections := snap.Sections
	sections.TopUsers = top
	res := out.New(snap.Result.Totals, snap.Result.Bytes, snap.Result.MalformedAt, sections)
	res.Formats = snap.Result.Formats
	if err := writeResults(ctx, output, res, stdout); err != nil {
		return err
	}
	to := output
	if to == "-" {
		to = "stdout"
	}
	summary := fmt.Sprintf("report: %s → %s", statusLine(snap.Status), to)
	if len(snap.Parked) > 0 {
		// One line, as every error: the summary, then the first parked batch.
		return fmt.Errorf("%s; %s parked, left out of the results; the first: %s", summary, plural(int64(len(snap.Parked)), "batch"), snap.Parked[0].Reason)
	}
	if wait > 0 && !snap.Done() {
		if waitErr == nil {
			waitErr = errors.New("not every batch was counted in time")
		}
		return fmt.Errorf("%s; -wait=%s: %v", summary, wait, waitErr)
	}
	if !f.quiet {
		fmt.Fprintln(stderr, summary)
		if res.MalformedLines > 0 {
			fmt.Fprintln(stderr, malformedNote(res))
		}
	}
	return nil
}

func statusLine(s bus.Status) string {
	line := fmt.Sprintf("%s of %s counted, %s pending, %s parked (%s)",
		count(int64(s.Counted)), plural(int64(s.Published), "batch"), count(int64(s.Pending)), count(int64(s.Parked)), plural(int64(s.Files), "file"))
	if s.Unfinished > 0 {
		line += ", " + plural(int64(s.Unfinished), "file segment") + " still being published (or to publish again)"
	}
	if s.Unlisted > 0 {
		line += ", " + plural(int64(s.Unlisted), "record") + " no manifest lists, left out"
	}
	return line
}
