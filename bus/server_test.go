package bus

import "github.com/logproc/logproc/internal/natsserver"

// The tests run a real server in-process; the logproc binary does not
// link it (cmd/logproc-server does).
type Server = natsserver.Server

func StartServer(urls, storeDir string) (*Server, error) { return natsserver.Start(urls, storeDir) }
