// Package natsserver runs an embedded single-node NATS server with
// JetStream. Only cmd/logproc-server and the bus tests link it: it is most
// of the bus's build time and size, which gen, scan and run never need.
package natsserver

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Server is an embedded single-node NATS server with JetStream.
type Server struct {
	s *server.Server
}

// Start starts an embedded single-node server with JetStream, its
// streams stored in files under storeDir, listening where the first of
// urls points (nats://127.0.0.1:4222 by default; port 0 picks a free one).
// Other processes reach it as they would reach any server.
func Start(urls, storeDir string) (*Server, error) {
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
	s, err := server.NewServer(&server.Options{
		ServerName: "logproc",
		Host:       host,
		Port:       port,
		JetStream:  true,
		StoreDir:   storeDir,
		NoSigs:     true, // logproc handles SIGINT: drain, then shut down
		NoLog:      true,
		// 8 MB messages (the default is 1 MB): 4 MiB batches halve the
		// cost of a batch's message, scan call and record per byte.
		MaxPayload: 8 << 20,
	})
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
