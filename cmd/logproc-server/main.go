// Command logproc-server runs the NATS server with JetStream that 'logproc
// serve' and 'logproc consume -embedded' use on one machine, or one node of
// a cluster (-name, -cluster, -routes).
// It is its own binary so that logproc does not compile or carry
// nats-server: logproc starts it as a child when asked.
//
//	logproc-server [-server URL] [-store DIR] [-name NAME -cluster URL -routes URLS]
//
// Once the server takes connections it prints its client URL on stdout,
// one line, then runs until SIGINT or SIGTERM (or, with -stdin, until its
// standard input closes: the parent that started it is gone).
package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/logproc/logproc/internal/natsserver"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "logproc-server: %v\n", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("logproc-server", flag.ContinueOnError)
	url := fs.String("server", cmp.Or(os.Getenv("NATS_URL"), "nats://127.0.0.1:4222"), "listen where the first of these NATS `URLs` points (env NATS_URL)")
	store := fs.String("store", cmp.Or(os.Getenv("LOGPROC_NATS_STORE"), "./nats-data"), "`dir`ectory to store streams in (env LOGPROC_NATS_STORE)")
	var node natsserver.Node
	fs.StringVar(&node.Name, "name", "", "server `name`, unique in a cluster (default logproc)")
	fs.StringVar(&node.Cluster, "cluster", "", "listen for routes from the other nodes of a cluster on this `URL` (nats://host:port)")
	fs.StringVar(&node.Routes, "routes", "", "route `URLs` of the cluster's nodes, comma separated (this node's own may be among them)")
	watchStdin := fs.Bool("stdin", false, "also stop when standard input closes (logproc's way to say it is gone)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := os.MkdirAll(*store, 0o755); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	srv, err := natsserver.StartNode(*url, *store, node)
	if err != nil {
		return err
	}
	fmt.Println(srv.URL())
	if *watchStdin {
		go func() {
			io.Copy(io.Discard, os.Stdin)
			stop()
		}()
	}
	<-ctx.Done()
	srv.Shutdown()
	return nil
}
