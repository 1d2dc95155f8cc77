package main

import (
	"bufio"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// procCluster is three logproc-server processes joined by routes: nodes
// that can be SIGKILLed and started again on their store, as a crashed
// machine would be.
type procCluster struct {
	t    *testing.T
	args [3][]string
	cmds [3]*exec.Cmd
	urls string // the three client URLs, comma separated
	js   jetstream.JetStream
}

func startProcCluster(t *testing.T, dir string) *procCluster {
	t.Helper()
	c := &procCluster{t: t}
	var clients, routes []string
	for range 3 {
		clients = append(clients, freeURL(t))
		routes = append(routes, freeURL(t))
	}
	c.urls = strings.Join(clients, ",")
	for i := range 3 {
		c.args[i] = []string{"-server", clients[i], "-store", filepath.Join(dir, "n"+strconv.Itoa(i+1)),
			"-name", "n" + strconv.Itoa(i+1), "-cluster", routes[i], "-routes", strings.Join(routes, ",")}
		c.start(i)
	}
	t.Cleanup(func() {
		for i := range c.cmds {
			c.stop(i)
		}
	})
	nc, err := nats.Connect(c.urls, nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	if c.js, err = jetstream.New(nc); err != nil {
		t.Fatal(err)
	}
	// Ready once JetStream answers: the nodes have elected a meta leader.
	waitUntil(t, "the cluster's JetStream answers", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, err := c.js.AccountInfo(ctx)
		return err == nil
	})
	return c
}

// start runs node i and returns once it takes connections.
func (c *procCluster) start(i int) {
	c.t.Helper()
	cmd := exec.Command(filepath.Join(filepath.Dir(binary), serverBinary), c.args[i]...)
	cmd.Env = []string{"GORACE=atexit_sleep_ms=0"}
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		c.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	c.cmds[i] = cmd
	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		ready <- line
	}()
	select {
	case line := <-ready:
		if !strings.HasPrefix(line, "nats://") {
			c.t.Fatalf("node %d's first line: %q", i+1, line)
		}
	case <-time.After(60 * time.Second):
		c.t.Fatalf("node %d not ready after 60 s", i+1)
	}
}

// stop SIGKILLs node i, if it runs.
func (c *procCluster) stop(i int) {
	if c.cmds[i] == nil {
		return
	}
	c.cmds[i].Process.Signal(syscall.SIGKILL)
	c.cmds[i].Wait()
	c.cmds[i] = nil
}

// kill SIGKILLs the node of that name and returns its index.
func (c *procCluster) kill(name string) int {
	c.t.Helper()
	i, err := strconv.Atoi(strings.TrimPrefix(name, "n"))
	if err != nil || i < 1 || i > 3 || c.cmds[i-1] == nil {
		c.t.Fatalf("no running node %q", name)
	}
	c.stop(i - 1)
	return i - 1
}

// leaders names the nodes leading the job's stream and its consumer.
func (c *procCluster) leaders(j *procJob) (stream, consumer string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := c.js.Stream(ctx, j.opts.Stream)
	if err != nil {
		c.t.Fatal(err)
	}
	si, err := s.Info(ctx)
	if err != nil {
		c.t.Fatal(err)
	}
	names := s.ConsumerNames(ctx)
	var name string
	for n := range names.Name() {
		name = n
	}
	if name == "" {
		c.t.Fatalf("stream %s has no consumer: %v", j.opts.Stream, names.Err())
	}
	cons, err := s.Consumer(ctx, name)
	if err != nil {
		c.t.Fatal(err)
	}
	ci, err := cons.Info(ctx)
	if err != nil {
		c.t.Fatal(err)
	}
	if si.Cluster == nil || ci.Cluster == nil || len(si.Cluster.Replicas) != 2 {
		c.t.Fatalf("stream %s is not R3 on the cluster: %+v", j.opts.Stream, si.Cluster)
	}
	return si.Cluster.Leader, ci.Cluster.Leader
}

// waitCurrent waits until every replica of the stream of that name is
// current again: a restarted node has caught up.
func (c *procCluster) waitCurrent(stream string) {
	c.t.Helper()
	waitUntil(c.t, "every replica of "+stream+" is current", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		s, err := c.js.Stream(ctx, stream)
		if err != nil {
			return false
		}
		si, err := s.Info(ctx)
		if err != nil || si.Cluster == nil || si.Cluster.Leader == "" || len(si.Cluster.Replicas) != 2 {
			return false
		}
		for _, r := range si.Cluster.Replicas {
			if !r.Current || r.Offline {
				return false
			}
		}
		return true
	})
}

// clusterConsumers starts n consumer processes on the job, each given
// every node's URL.
func clusterConsumers(t *testing.T, j *procJob, n int) (cmds []*exec.Cmd, errs []*lockedBuffer) {
	t.Helper()
	for range n {
		cmd, stderr := j.consumer(t)
		cmds, errs = append(cmds, cmd), append(errs, stderr)
	}
	return cmds, errs
}

// stillCounting wants each consumer alive through the failure, then stops
// it with SIGINT (exit 130), and wants no batch counted twice.
func stillCounting(t *testing.T, j *procJob, cmds []*exec.Cmd, errs []*lockedBuffer) {
	t.Helper()
	total := 0
	for i, cmd := range cmds {
		if s := processState(cmd.Process.Pid); s == 0 || s == 'Z' {
			t.Errorf("consumer %d did not survive: %q", i, errs[i])
			continue
		}
		counted, _ := stopConsumer(t, cmd, errs[i])
		total += counted
		for line := range strings.Lines(errs[i].String()) {
			if strings.Contains(line, " counted before, ") {
				t.Logf("consumer %d: %s", i, strings.TrimSpace(line))
			}
		}
	}
	// A write whose reply was lost is found done later: counted by
	// nobody's tally, never by two.
	if total > j.batches {
		t.Errorf("the consumers counted %d batches in all, more than the %d published", total, j.batches)
	}
}

// TestProcessCluster (issue 16, item 4): three logproc-server processes
// in a cluster, R3 stream and bucket, logproc consume processes given
// every node; a node SIGKILLed mid-run in three ways. Each report equals
// scan of the same log, and every consumer rides it out.
func TestProcessCluster(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c := startProcCluster(t, dir)
	cases := []struct {
		name string
		// down is the node to SIGKILL once a quarter of the batches are
		// counted.
		down func(j *procJob) string
		// restartMidRun starts it again once half are counted; otherwise
		// it is started after the report, for the next case.
		restartMidRun bool
	}{
		{"consumer leader killed", func(j *procJob) string { _, l := c.leaders(j); return l }, false},
		{"stream leader killed", func(j *procJob) string { l, _ := c.leaders(j); return l }, false},
		{"node restarted", func(j *procJob) string { l, _ := c.leaders(j); return l }, true},
	}
	for k, tc := range cases {
		began := time.Now()
		j := newProcJob(t, dir, c.urls, strconv.Itoa(k), 3, 10000)
		cmds, errs := clusterConsumers(t, j, 3)
		j.waitCounted(t, j.batches/4)
		name := tc.down(j)
		i := c.kill(name)
		killed := time.Now()
		if tc.restartMidRun {
			j.waitCounted(t, j.batches/2)
			c.start(i)
		}
		// Polled here, not by report -wait, whose back-off after failed
		// polls grows to seconds during an election.
		counted := j.waitCounted(t, j.batches)
		// At once, with a restarted node maybe still catching up: report
		// reads no older than the bucket's leader (bus.StaleError).
		j.report(t, tc.name+" ("+name+")")
		stillCounting(t, j, cmds, errs)
		stopped := time.Now()
		if !tc.restartMidRun {
			c.start(i)
		}
		c.waitCurrent(j.opts.Stream)
		c.waitCurrent("KV_" + j.opts.Bucket)
		t.Logf("%s (%s): %d batches; killed at %.1f s, every batch counted %.1f s later, whole again in %.1f s",
			tc.name, name, j.batches, killed.Sub(began).Seconds(), counted.Sub(killed).Seconds(), time.Since(stopped).Seconds())
	}
}

// TestServeClusterNode: serve passes -name, -cluster and -routes to
// logproc-server, whose node then takes routes; -routes alone is refused.
func TestServeClusterNode(t *testing.T) {
	dir := t.TempDir()
	route := freeURL(t)
	env := []string{"NATS_URL=" + freeURL(t), "LOGPROC_NATS_STORE=" + filepath.Join(dir, "nats-data")}
	wantError(t, logproc(t, dir, env, "serve", "-routes", route), 2, "-routes", "give -cluster too")
	srv, srvErr := started(t, dir, env, "NATS server with JetStream on", "serve", "-name", "s1", "-cluster", route, "-routes", route)
	conn, err := net.Dial("tcp", strings.TrimPrefix(route, "nats://"))
	if err != nil {
		t.Fatalf("the node takes no routes on %s: %v", route, err)
	}
	conn.Close()
	exitsWithin(t, srv, srvErr, 10*time.Second)
}
