package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// Embedded is a FerretDB server (SQLite backend) running inside this process on
// a random loopback port, so the default run needs no database installed.
type Embedded struct {
	uri    string
	cancel context.CancelFunc
	done   chan error
}

// StartEmbedded starts the server on files in dir. A nil logger keeps it quiet.
// Reach it through exactly one connection (Options.SingleConnection).
func StartEmbedded(dir string, logger *slog.Logger) (*Embedded, error) {
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("embedded db: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("embedded db: create %s: %w", dir, err)
	}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Handler:  "sqlite",
		// WAL with synchronous=normal survives a crash of the process (not of the
		// machine's power) and skips an fsync per write, which otherwise bounds
		// the embedded server at a few dozen updates a second.
		SQLiteURL: "file:" + dir + "/?_pragma=synchronous(normal)&_pragma=cache_size(-65536)&_pragma=temp_store(memory)",
		Logger:    logger,
	})
	if err != nil {
		return nil, fmt.Errorf("embedded db: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	e := &Embedded{cancel: cancel, done: make(chan error, 1)}
	go func() { e.done <- f.Run(ctx) }()
	e.uri = f.MongoDBURI() // blocks until the listener is up
	return e, nil
}

// URI is the address to connect to.
func (e *Embedded) URI() string { return e.uri }

// Stop shuts the server down and waits for it.
func (e *Embedded) Stop() error {
	e.cancel()
	if err := <-e.done; err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("embedded db: %w", err)
	}
	return nil
}
