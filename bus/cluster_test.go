//go:build !logproc_noserver

package bus

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/logproc/logproc/gen"
	"github.com/logproc/logproc/internal/testport"
)

// testCluster is three embedded servers joined by routes, each with its
// own store, JetStream clustered: the stream and the bucket are R3.
type testCluster struct {
	t       *testing.T
	opts    []*server.Options
	servers []*server.Server
	urls    string
}

func freePort(t *testing.T) int { return testport.Free(t) }

func startCluster(t *testing.T) *testCluster {
	t.Helper()
	c := &testCluster{t: t}
	var routes []*url.URL
	var clients []string
	clusterPorts := []int{freePort(t), freePort(t), freePort(t)}
	for _, p := range clusterPorts {
		routes = append(routes, &url.URL{Scheme: "nats-route", Host: "127.0.0.1:" + strconv.Itoa(p)})
	}
	for i := range 3 {
		port := freePort(t)
		c.opts = append(c.opts, &server.Options{
			ServerName: "n" + strconv.Itoa(i+1),
			Host:       "127.0.0.1",
			Port:       port,
			JetStream:  true,
			StoreDir:   t.TempDir(),
			NoSigs:     true,
			NoLog:      true,
			Cluster:    server.ClusterOpts{Name: "lp", Host: "127.0.0.1", Port: clusterPorts[i]},
			Routes:     routes,
		})
		clients = append(clients, "nats://127.0.0.1:"+strconv.Itoa(port))
	}
	c.urls = strings.Join(clients, ",")
	c.servers = make([]*server.Server, 3)
	for i := range 3 {
		c.start(i)
	}
	t.Cleanup(func() {
		for _, s := range c.servers {
			if s != nil {
				s.Shutdown()
			}
		}
	})
	// Ready when JetStream's meta leader sees every server online: before
	// that, an R3 stream or bucket is refused ("no suitable peers for
	// placement, peer offline").
	deadline := time.Now().Add(30 * time.Second)
	for c.onlinePeers() < len(c.servers) {
		if time.Now().After(deadline) {
			t.Fatalf("cluster: JetStream's meta leader sees %d of %d servers after 30 s", c.onlinePeers(), len(c.servers))
		}
		time.Sleep(20 * time.Millisecond)
	}
	return c
}

// onlinePeers is how many servers the JetStream meta leader sees online
// with their stats, as it asks of a peer to place a replica on it; 0 with
// no leader.
func (c *testCluster) onlinePeers() int {
	for _, s := range c.servers {
		if s != nil && s.JetStreamIsLeader() {
			return len(s.JetStreamClusterPeers())
		}
	}
	return 0
}

func (c *testCluster) start(i int) {
	c.t.Helper()
	o := *c.opts[i]
	s, err := server.NewServer(&o)
	if err != nil {
		c.t.Fatal(err)
	}
	s.Start()
	// A restarted server recovers its store before it listens: under
	// -race on a busy machine that took more than 10 s once.
	if !s.ReadyForConnections(60 * time.Second) {
		s.Shutdown()
		c.t.Fatalf("server %s not ready after 60 s", o.ServerName)
	}
	c.servers[i] = s
}

// kill shuts down the server of that name and returns its index.
func (c *testCluster) kill(name string) int {
	c.t.Helper()
	for i, s := range c.servers {
		if s != nil && s.Name() == name {
			s.Shutdown()
			s.WaitForShutdown()
			c.servers[i] = nil
			return i
		}
	}
	c.t.Fatalf("no running server %q", name)
	return -1
}

func (c *testCluster) connect(t *testing.T, name string) *Bus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := Connect(ctx, Options{URLs: c.urls, Stream: "T", Bucket: "t", Replicas: 3, ConnectWait: 20 * time.Second, Name: name})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

// leaders names the servers that lead the stream and the consumer.
func leaders(t *testing.T, b *Bus) (stream, consumer string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	si, err := b.js.Stream(ctx, "T")
	if err != nil {
		t.Fatal(err)
	}
	cons, err := b.js.Consumer(ctx, "T", consumerName)
	if err != nil {
		t.Fatal(err)
	}
	ci, err := cons.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	info := si.CachedInfo()
	if info.Cluster == nil || ci.Cluster == nil {
		t.Fatal("stream or consumer has no cluster info: not clustered")
	}
	return info.Cluster.Leader, ci.Cluster.Leader
}

// clusterConsumers runs n consumers on the cluster, each on its own
// connection.
func clusterConsumers(t *testing.T, c *testCluster, n int, o ConsumeOptions, hook func(i int) ConsumeOptions) *consumers {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cs := &consumers{cancel: cancel, stats: make([]ConsumeStats, n), errs: make([]error, n)}
	for i := range n {
		b := c.connect(t, "consumer-"+strconv.Itoa(i))
		oi := o
		if hook != nil {
			oi = hook(i)
		}
		cs.wg.Go(func() { cs.stats[i], cs.errs[i] = Consume(ctx, b, oi) })
	}
	t.Cleanup(cs.stop)
	return cs
}

// waitClusterDone waits, through whatever the cluster goes through, for
// every batch to be counted, and reports.
func waitClusterDone(t *testing.T, b *Bus) Snapshot {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := Wait(ctx, b, 50*time.Millisecond, nil); err != nil {
		t.Fatalf("wait: %v", err)
	}
	snap, err := Retry(ctx, time.Now().Add(30*time.Second), func(ctx context.Context) (Snapshot, error) { return Report(ctx, b) })
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

func checkConsumersRan(t *testing.T, cs *consumers) {
	t.Helper()
	cs.stop()
	for i, err := range cs.errs {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("consumer %d ended with %v, want context.Canceled (stats %+v)", i, err, cs.stats[i])
		}
	}
}

var clusterOptions = withMetrics(ConsumeOptions{Workers: 2, AckWait: 2 * time.Second})

// slowly makes each consumer take a little time per batch, so that a
// failure lands mid-run, and counts the batches written.
func slowly(writes *atomic.Int64) func(int) ConsumeOptions {
	return func(int) ConsumeOptions {
		o := clusterOptions
		o.afterWrite = func(batch) {
			writes.Add(1)
			time.Sleep(3 * time.Millisecond)
		}
		return o
	}
}

func waitWrites(t *testing.T, writes *atomic.Int64, n int64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for writes.Load() < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d batches written in 30 s", writes.Load(), n)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// TestClusterConsumerLeaderKilled (issue 16, item 1): the server leading
// the consumer goes down mid-run; the consumers pull again from the new
// leader and the counts are exact.
func TestClusterConsumerLeaderKilled(t *testing.T) {
	t.Parallel() // most of a cluster test is waiting: elections, heartbeats
	c := startCluster(t)
	path := genFile(t, t.TempDir(), "a.log", gen.Options{Records: 15000, Seed: 21})
	b := c.connect(t, "test")
	st := publish(t, b, 8<<10, path)
	var writes atomic.Int64
	cs := clusterConsumers(t, c, 3, clusterOptions, slowly(&writes))
	waitWrites(t, &writes, int64(st.Batches)/4)
	_, leader := leaders(t, b)
	c.kill(leader)
	snap := waitClusterDone(t, b)
	if got, want := marshalSnapshot(t, snap), wantScan(t, path); !bytes.Equal(got, want) {
		t.Fatalf("report differs from scan after the consumer leader %s went down", leader)
	}
	checkConsumersRan(t, cs)
}

// TestClusterStreamLeaderKilled: the same with the stream's leader.
func TestClusterStreamLeaderKilled(t *testing.T) {
	t.Parallel() // most of a cluster test is waiting: elections, heartbeats
	c := startCluster(t)
	path := genFile(t, t.TempDir(), "a.log", gen.Options{Records: 15000, Seed: 22})
	b := c.connect(t, "test")
	st := publish(t, b, 8<<10, path)
	var writes atomic.Int64
	cs := clusterConsumers(t, c, 3, clusterOptions, slowly(&writes))
	waitWrites(t, &writes, int64(st.Batches)/4)
	leader, _ := leaders(t, b)
	c.kill(leader)
	snap := waitClusterDone(t, b)
	if got, want := marshalSnapshot(t, snap), wantScan(t, path); !bytes.Equal(got, want) {
		t.Fatalf("report differs from scan after the stream leader %s went down", leader)
	}
	checkConsumersRan(t, cs)
}

// TestClusterConsumersStartTogether (item 2): three consumers start at
// once on a job that does not exist yet; each counts its share.
func TestClusterConsumersStartTogether(t *testing.T) {
	t.Parallel() // most of a cluster test is waiting: elections, heartbeats
	c := startCluster(t)
	path := genFile(t, t.TempDir(), "a.log", gen.Options{Records: 15000, Seed: 23})
	var writes atomic.Int64
	cs := clusterConsumers(t, c, 3, clusterOptions, slowly(&writes))
	b := c.connect(t, "test")
	publish(t, b, 8<<10, path)
	snap := waitClusterDone(t, b)
	if got, want := marshalSnapshot(t, snap), wantScan(t, path); !bytes.Equal(got, want) {
		t.Fatal("report differs from scan")
	}
	checkConsumersRan(t, cs)
	for i, s := range cs.stats {
		if s.Counted == 0 {
			t.Errorf("consumer %d counted nothing: %+v", i, s)
		}
	}
}

// TestClusterNodeRestart: a server goes down and comes back with its
// store, mid-run.
func TestClusterNodeRestart(t *testing.T) {
	t.Parallel() // most of a cluster test is waiting: elections, heartbeats
	c := startCluster(t)
	path := genFile(t, t.TempDir(), "a.log", gen.Options{Records: 15000, Seed: 24})
	b := c.connect(t, "test")
	st := publish(t, b, 8<<10, path)
	var writes atomic.Int64
	cs := clusterConsumers(t, c, 3, clusterOptions, slowly(&writes))
	waitWrites(t, &writes, int64(st.Batches)/4)
	leader, _ := leaders(t, b)
	i := c.kill(leader)
	waitWrites(t, &writes, int64(st.Batches)/2)
	c.start(i)
	snap := waitClusterDone(t, b)
	if got, want := marshalSnapshot(t, snap), wantScan(t, path); !bytes.Equal(got, want) {
		t.Fatal("report differs from scan after a node restart")
	}
	checkConsumersRan(t, cs)
}

// TestClusterConsumerPaused: a consumer frozen (as by SIGSTOP) past the
// ack wait with a batch in hand; its batch goes to another, and when it
// wakes its work is found done: counted once.
func TestClusterConsumerPaused(t *testing.T) {
	t.Parallel() // most of a cluster test is waiting: elections, heartbeats
	c := startCluster(t)
	path := genFile(t, t.TempDir(), "a.log", gen.Options{Records: 10000, Seed: 25})
	b := c.connect(t, "test")
	st := publish(t, b, 8<<10, path)
	var paused atomic.Bool
	cs := clusterConsumers(t, c, 2, clusterOptions, func(i int) ConsumeOptions {
		o := clusterOptions
		if i == 0 {
			o.frozen = true
			o.beforeCount = func(batch) {
				if paused.CompareAndSwap(false, true) {
					time.Sleep(3 * o.AckWait)
				}
			}
		}
		return o
	})
	snap := waitClusterDone(t, b)
	if got, want := marshalSnapshot(t, snap), wantScan(t, path); !bytes.Equal(got, want) {
		t.Fatal("report differs from scan with a consumer paused")
	}
	checkConsumersRan(t, cs)
	// The paused batch was counted by the other consumer, once: the paused
	// one found it counted, or its time up, when it woke.
	if total := cs.total(); total.Counted != st.Batches || total.Duplicates+total.Retried < 1 || !paused.Load() {
		t.Errorf("consumers %+v; want %d counted once and the paused batch given up", total, st.Batches)
	}
}

// TestClusterPublishBucketLeaderKilled: publish right after the bucket's
// leader goes down rides out the election (its manifests read and written
// again), and the batches are counted once.
func TestClusterPublishBucketLeaderKilled(t *testing.T) {
	t.Parallel() // most of a cluster test is waiting: elections, heartbeats
	c := startCluster(t)
	path := genFile(t, t.TempDir(), "a.log", gen.Options{Records: 5000, Seed: 26})
	b := c.connect(t, "test")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	kvs, err := b.js.Stream(ctx, "KV_t")
	if err != nil {
		t.Fatal(err)
	}
	leader := kvs.CachedInfo().Cluster.Leader
	c.kill(leader)
	began := time.Now()
	st, err := Publish(ctx, b, []string{path}, PublishOptions{BatchSize: 8 << 10})
	if err != nil {
		t.Fatalf("publish after the bucket leader %s went down: %v", leader, err)
	}
	t.Logf("publish after the bucket leader %s went down: %d batches in %.1f s", leader, st.Batches, time.Since(began).Seconds())
	cs := clusterConsumers(t, c, 2, clusterOptions, nil)
	snap := waitClusterDone(t, b)
	if got, want := marshalSnapshot(t, snap), wantScan(t, path); !bytes.Equal(got, want) {
		t.Fatal("report differs from scan after publishing through an election")
	}
	checkConsumersRan(t, cs)
}
