package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"parceltrack/workers"
)

type role int

const (
	roleAll role = iota
	roleWeb
	roleWorker
)

func (r role) web() bool    { return r == roleAll || r == roleWeb }
func (r role) worker() bool { return r == roleAll || r == roleWorker }

// serve runs the web server, the workers, or both until ctx ends (SIGINT or
// SIGTERM), then shuts down in order: stop taking requests, let running jobs
// finish (or give their leases back), close the database.
func serve(ctx context.Context, r role) error {
	started := time.Now()
	e, err := openEnv(ctx)
	if err != nil {
		return err
	}
	defer e.close()
	if err := prepareSchema(ctx, e, r); err != nil {
		return err
	}
	e.log.Info("starting", append([]any{slog.String("version", version)}, e.cfg.LogAttrs()...)...)

	// Listen first: a bad address fails before anything starts, and in
	// sandbox mode the services talk to the stand-ins this server hosts.
	var ln net.Listener
	selfURL := ""
	if r.web() {
		ln, err = net.Listen("tcp", e.cfg.HTTPAddr)
		if err != nil {
			return fmt.Errorf("HTTP_ADDR %s: %w", e.cfg.HTTPAddr, err)
		}
		defer ln.Close()
		selfURL = "http://" + loopbackAddr(ln.Addr())
	}
	svc, err := buildServices(ctx, e, selfURL)
	if err != nil {
		return err
	}
	defer svc.close()
	if err := svc.seed(ctx); err != nil {
		e.log.Error("seed sandbox demo", slog.String("error", err.Error()))
	}

	var sched *workers.Scheduler
	jobsDone := make(chan error, 1)
	jobsCtx, stopJobs := context.WithCancel(context.WithoutCancel(ctx))
	defer stopJobs()
	if r.worker() {
		if err := svc.buildJobRunner(); err != nil {
			return err
		}
		sched, err = workers.NewScheduler(workers.SchedulerOptions{
			Leases: e.db.Leases(), Owner: e.cfg.WorkerID, Logger: e.log, Metrics: e.metrics,
		})
		if err != nil {
			return err
		}
		for _, j := range svc.jobs() {
			if err := sched.Add(j); err != nil {
				return err
			}
		}
	}

	httpErr := make(chan error, 1)
	var web *webServer
	if r.web() {
		web, err = newWebServer(e, svc)
		if err != nil {
			return err
		}
		go func() { httpErr <- web.serve(ln) }()
		e.log.Info("listening", slog.String("url", e.cfg.BaseURL), slog.String("addr", ln.Addr().String()),
			slog.Int64("startup_ms", time.Since(started).Milliseconds()))
	}
	if sched != nil {
		sched.Start()
		go func() { jobsDone <- svc.jobRunner.Run(jobsCtx) }()
		e.log.Info("workers started", slog.String("worker_id", e.cfg.WorkerID))
	}

	select {
	case <-ctx.Done():
		e.log.Info("shutting down")
	case err := <-httpErr:
		if err != nil {
			e.log.Error("web server stopped", slog.String("error", err.Error()))
		}
	}
	var errs []error
	if web != nil {
		if err := web.shutdown(e.cfg.ShutdownTimeout); err != nil {
			errs = append(errs, fmt.Errorf("web shutdown: %w", err))
		}
	}
	if sched != nil {
		if err := sched.Shutdown(); err != nil {
			errs = append(errs, err)
		}
		// Running jobs get their context cancelled and give their leases
		// back; what did not run waits in the database for the next start.
		stopJobs()
		if err := <-jobsDone; err != nil && !errors.Is(err, context.Canceled) {
			errs = append(errs, fmt.Errorf("jobs: %w", err))
		}
	}
	e.log.Info("stopped")
	return errors.Join(errs...)
}

// prepareSchema migrates on serve (and whenever this process owns the embedded
// database); separate web and worker processes on a shared MongoDB expect
// `parceltrack migrate` to have run, and say so instead of guessing.
func prepareSchema(ctx context.Context, e *env, r role) error {
	if r == roleAll || e.db.Embedded() {
		applied, err := e.db.Migrate(ctx)
		if err != nil {
			return err
		}
		for _, id := range applied {
			e.log.Info("migration applied", slog.String("migration", id))
		}
		return nil
	}
	pending, err := e.db.Pending(ctx)
	if err != nil {
		return err
	}
	if len(pending) > 0 {
		return fmt.Errorf("database needs migrations %v: run `parceltrack migrate` first", pending)
	}
	return nil
}

// loopbackAddr is how this process reaches its own listener.
func loopbackAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	if tcp.IP.IsUnspecified() {
		return net.JoinHostPort("127.0.0.1", fmt.Sprint(tcp.Port))
	}
	return tcp.String()
}
