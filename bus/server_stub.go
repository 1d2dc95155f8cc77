//go:build logproc_noserver

package bus

import "errors"

// Server is absent from a binary built with -tags logproc_noserver, which
// leaves nats-server out (see the README): serve and consume -embedded
// then say so, and publish, consume and report work against any server.
type Server struct{}

// StartServer fails: this binary has no embedded server.
func StartServer(urls, storeDir string) (*Server, error) {
	return nil, errors.New("this logproc was built with -tags logproc_noserver, without the embedded NATS server; point NATS_URL at a server instead")
}

// URL is never called: StartServer fails.
func (s *Server) URL() string { return "" }

// Shutdown is never called: StartServer fails.
func (s *Server) Shutdown() {}
