// Package natsserver runs an embedded NATS server with JetStream, alone
// or as one node of a cluster. Only cmd/logproc-server and the bus tests link it: it is most
// of the bus's build time and size, which gen, scan and run never need.
package natsserver

import (
	"cmp"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Server is an embedded NATS server with JetStream.
type Server struct {
	s *server.Server
}

// Node makes a server one of a cluster: JetStream then keeps streams on as
// many nodes as their replicas say. The zero Node is a single server.
type Node struct {
	// Name is the server's name, unique in the cluster ("logproc" when
	// empty).
	Name string
	// Cluster is the URL this node listens on for routes from the others,
	// as nats://host:port; empty: no cluster.
	Cluster string
	// Routes are the route URLs of the cluster's nodes, comma separated;
	// this node's own is allowed, so that every node takes the same list.
	Routes string
}

// MaxPayload is the largest message the embedded server takes.
const MaxPayload = 32 << 20

// clusterName is the name every node of a logproc cluster gives.
const clusterName = "logproc"

// Start starts an embedded single-node server with JetStream, its
// streams stored in files under storeDir, listening where the first of
// urls points (nats://127.0.0.1:4222 by default; port 0 picks a free one).
// Other processes reach it as they would reach any server.
func Start(urls, storeDir string) (*Server, error) { return StartNode(urls, storeDir, Node{}) }

// StartNode is Start for a node of a cluster: it takes connections once
// it listens, before the cluster has elected a JetStream leader.
func StartNode(urls, storeDir string, n Node) (*Server, error) {
	host, port, err := listenAddr(urls)
	if err != nil {
		return nil, err
	}
	// The server reports a busy port only in its log; find out first, so
	// the error says so.
	if port > 0 {
		l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
		if err != nil {
			return nil, fmt.Errorf("embedded server: %w", err)
		}
		l.Close()
	}
	if port == 0 {
		port = server.RANDOM_PORT
	}
	opts := &server.Options{
		ServerName: cmp.Or(n.Name, "logproc"),
		Host:       host,
		Port:       port,
		JetStream:  true,
		StoreDir:   storeDir,
		NoSigs:     true, // logproc handles SIGINT: drain, then shut down
		NoLog:      true,
		// 32 MiB messages (the default is 1 MB; the server warns past 8 MB
		// in its log, off here): publish's half rule then makes 16 MiB
		// batches, whose per-batch costs (a message, a scan call, a
		// record of every user) are a quarter of 4 MiB batches' per byte.
		// Below max_pending's 64 MB, which the server requires.
		MaxPayload: MaxPayload,
	}
	if err := n.apply(opts); err != nil {
		return nil, err
	}
	s, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("embedded server: %w", err)
	}
	s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		return nil, fmt.Errorf("embedded server on %s: not ready after 10 s", net.JoinHostPort(host, strconv.Itoa(port)))
	}
	return &Server{s: s}, nil
}

// URL is where clients connect.
func (s *Server) URL() string { return s.s.ClientURL() }

// Shutdown stops the server once its clients' last messages are stored.
func (s *Server) Shutdown() {
	s.s.Shutdown()
	s.s.WaitForShutdown()
}

// apply sets the cluster options of a node.
func (n Node) apply(o *server.Options) error {
	if n.Cluster == "" {
		if n.Routes != "" {
			return fmt.Errorf("routes %q given without a cluster URL to listen on for them", n.Routes)
		}
		return nil
	}
	host, port, err := listenAddr(n.Cluster)
	if u, perr := url.Parse(n.Cluster); err != nil || perr != nil || u.Port() == "" {
		return fmt.Errorf("cluster URL %q: want nats://host:port to listen on for routes", n.Cluster)
	}
	o.Cluster = server.ClusterOpts{Name: clusterName, Host: host, Port: port}
	for r := range strings.SplitSeq(n.Routes, ",") {
		if r = strings.TrimSpace(r); r == "" {
			continue
		}
		u, err := url.Parse(r)
		if err != nil || u.Host == "" {
			return fmt.Errorf("route URL %q: want nats://host:port", r)
		}
		o.Routes = append(o.Routes, u)
	}
	return nil
}

func listenAddr(urls string) (string, int, error) {
	first, _, _ := strings.Cut(urls, ",")
	first = strings.TrimSpace(first)
	if !strings.Contains(first, "://") {
		first = "nats://" + first
	}
	u, err := url.Parse(first)
	if err != nil {
		return "", 0, fmt.Errorf("server URL %q: %v", first, err)
	}
	host, port := u.Hostname(), 4222
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil || port < 0 || port > 65535 {
			return "", 0, fmt.Errorf("server URL %q: bad port %q", first, p)
		}
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return host, port, nil
}
