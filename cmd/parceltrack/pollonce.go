package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// pollOnce runs one batch of the poller against the configured carrier and
// exits: the operator's way to poll now, sharing the worker's code.
func pollOnce(ctx context.Context, args []string, out io.Writer) error {
	if len(args) > 0 {
		return fmt.Errorf("%w: poll-once takes no arguments", errUsage)
	}
	e, err := openWorkerEnv(ctx)
	if err != nil {
		return err
	}
	defer e.close()
	// In sandbox mode the carrier stand-in is served from a loopback port of
	// this process for the length of the batch, as `serve` would serve it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("poll-once: %w", err)
	}
	defer ln.Close()
	svc, err := buildServices(ctx, e, "http://"+ln.Addr().String())
	if err != nil {
		return err
	}
	defer svc.close()
	if svc.rpSandbox != nil {
		srv := &http.Server{Handler: svc.rpSandbox, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		defer srv.Close()
	}
	st, err := svc.poller.RunBatch(ctx)
	fmt.Fprintf(out, "claimed %d, polled %d, changed %d, failed %d, released %d\n",
		st.Claimed, st.Polled, st.Changed, st.Failed, st.Released)
	return err
}
