package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"
)

// runOnce builds the services of a worker for one operator command and runs
// fn with them. In sandbox mode the stand-ins the services talk to (the
// carrier, Twilio) are served from a loopback port of this process for the
// length of the command, as `serve` would serve them.
func runOnce(ctx context.Context, name string, fn func(*services) error) error {
	e, err := openWorkerEnv(ctx)
	if err != nil {
		return err
	}
	defer e.close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
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
	return fn(svc)
}
