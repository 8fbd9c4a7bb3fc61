package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"parceltrack/config"
	"parceltrack/storage"
)

// env is what every command starts from: configuration, logger, metrics and
// the open database. main builds it and passes it down; nothing is global.
type env struct {
	cfg     config.Config
	log     *slog.Logger
	metrics *prometheus.Registry
	db      *storage.DB
}

// openEnv loads the configuration and opens the database. The start-up is
// bounded, so a wrong database address stops the process with a clear line.
func openEnv(ctx context.Context) (*env, error) {
	cfg, err := config.Load(os.LookupEnv, ".env")
	if err != nil {
		return nil, err
	}
	e := &env{cfg: cfg, log: newLogger(cfg, os.Stderr), metrics: prometheus.NewRegistry()}
	e.metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	monitor, err := storage.Metrics(e.metrics)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	octx, cancel := context.WithTimeout(ctx, 12*time.Second)
	defer cancel()
	e.db, err = storage.Open(octx, storage.Options{
		URI:            cfg.MongoURI,
		Database:       cfg.MongoDatabase,
		DataDir:        cfg.DataDir,
		Logger:         e.log,
		DebugEmbedded:  cfg.LogLevel <= slog.LevelDebug,
		Monitor:        monitor,
		ConnectTimeout: 10 * time.Second,
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

func (e *env) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.db.Close(ctx); err != nil {
		e.log.Error("close database", slog.String("error", err.Error()))
	}
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openWorkerEnv opens the environment of an operator command that works
// like a worker: the schema must be migrated (or is, for the embedded
// database this process owns).
func openWorkerEnv(ctx context.Context) (*env, error) {
	e, err := openEnv(ctx)
	if err != nil {
		return nil, err
	}
	if err := prepareSchema(ctx, e, roleWorker); err != nil {
		e.close()
		return nil, err
	}
	return e, nil
}
