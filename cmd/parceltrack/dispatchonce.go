package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// dispatchOnce runs one batch of the message dispatcher and exits: the
// operator's way to send what is due now, sharing the worker's code.
func dispatchOnce(ctx context.Context, args []string, out io.Writer) error {
	if len(args) > 0 {
		return fmt.Errorf("%w: dispatch-once takes no arguments", errUsage)
	}
	e, err := openWorkerEnv(ctx)
	if err != nil {
		return err
	}
	defer e.close()
	// In sandbox mode the stand-ins are served from a loopback port of this
	// process for the length of the batch, as `serve` would serve them.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("dispatch-once: %w", err)
	}
	defer ln.Close()
	svc, err := buildServices(ctx, e, "http://"+ln.Addr().String())
	if err != nil {
		return err
	}
	defer svc.close()
	mux := http.NewServeMux()
	if svc.rpSandbox != nil {
		mux.Handle("/sandbox/russianpost/", svc.rpSandbox)
	}
	if svc.twilioSandbox != nil {
		mux.Handle("/sandbox/twilio/", svc.twilioSandbox)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	if svc.dispatcher == nil {
		return errors.New("dispatch-once: no message channel is configured")
	}
	st, err := svc.dispatcher.RunOnce(ctx)
	fmt.Fprintf(out, "claimed %d, sent %d, retried %d, failed %d, skipped %d, deferred %d, no balance %d, recovered %d\n",
		st.Claimed, st.Sent, st.Retried, st.Failed, st.Skipped, st.Deferred, st.NoBalance, st.Recovered)
	return err
}
