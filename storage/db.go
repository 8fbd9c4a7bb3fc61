// Package storage is the MongoDB access layer: the connection (to an external
// server or an embedded one), numbered index migrations, one file per
// collection, and the mapping of driver errors to ErrNotFound and ErrConflict.
package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"go.mongodb.org/mongo-driver/event"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
	"go.mongodb.org/mongo-driver/mongo/readpref"
)

// Options say where the database is and how to reach it.
type Options struct {
	// URI of an external MongoDB; empty starts the embedded server in DataDir.
	URI      string
	Database string
	DataDir  string
	Logger   *slog.Logger
	// DebugEmbedded lets the embedded server log; it is very chatty.
	DebugEmbedded bool
	// Monitor observes every command, e.g. to count round trips.
	Monitor *event.CommandMonitor
	// SingleConnection reaches an embedded-class server at URI through one
	// connection, as the in-process embedded server always is (tests use it).
	SingleConnection bool
	// EmbeddedDir is the folder of an embedded server reached by URI (tests
	// run it in a child process), so Migrate can tune its files.
	EmbeddedDir string
	// ConnectTimeout bounds the start-up ping (default 10 s).
	ConnectTimeout time.Duration
}

// DB is an open database. Its methods are safe for concurrent use.
type DB struct {
	client   *mongo.Client
	db       *mongo.Database
	embedded *Embedded
	lock     *os.File
	log      *slog.Logger
	// sibling DBs share another DB's client and must not close it.
	sibling bool
	// tuneDir is the embedded server's folder, whose SQLite files Migrate
	// tunes ("" for MongoDB).
	tuneDir string
}

// Open connects to the database, starting the embedded one when no URI is given,
// and checks that it answers.
func Open(ctx context.Context, o Options) (*DB, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.ConnectTimeout == 0 {
		o.ConnectTimeout = 10 * time.Second
	}
	d := &DB{log: o.Logger}
	uri := o.URI
	if uri == "" {
		dir := filepath.Join(o.DataDir, "db")
		lock, err := lockDir(dir)
		if err != nil {
			return nil, err
		}
		d.lock = lock
		var dbLog *slog.Logger
		if o.DebugEmbedded {
			dbLog = o.Logger.With(slog.String("component", "ferretdb"))
		}
		e, err := StartEmbedded(dir, dbLog)
		if err != nil {
			d.unlock()
			return nil, err
		}
		d.embedded = e
		d.tuneDir = dir
		uri = e.uri
	}

	copts := options.Client().ApplyURI(uri).
		SetConnectTimeout(o.ConnectTimeout).
		SetServerSelectionTimeout(o.ConnectTimeout).
		SetTimeout(30 * time.Second)
	if d.embedded != nil || o.SingleConnection {
		// FerretDB updates are read-modify-write in Go and not atomic across
		// connections; one connection makes it serve one request at a time, so
		// every single-document operation is atomic, as on MongoDB (see "The
		// embedded database" in docs/architecture.md).
		copts.SetMaxPoolSize(1)
	}
	if o.Monitor != nil {
		copts.SetMonitor(o.Monitor)
	}
	client, err := mongo.Connect(ctx, copts)
	if err != nil {
		d.closeEmbedded()
		return nil, fmt.Errorf("storage: connect: %w", err)
	}
	d.client = client
	d.db = client.Database(o.Database)
	if o.EmbeddedDir != "" {
		d.tuneDir = o.EmbeddedDir
	}

	pctx, cancel := context.WithTimeout(ctx, o.ConnectTimeout)
	defer cancel()
	if err := client.Ping(pctx, readpref.Primary()); err != nil {
		_ = client.Disconnect(context.Background())
		d.closeEmbedded()
		return nil, fmt.Errorf("storage: database not reachable at %s: %w", redactURI(uri), err)
	}
	return d, nil
}

// Ping checks that the database answers.
func (d *DB) Ping(ctx context.Context) error {
	if err := d.client.Ping(ctx, readpref.Primary()); err != nil {
		return fmt.Errorf("storage: ping: %w", err)
	}
	return nil
}

// Embedded reports whether this process runs the database server itself.
func (d *DB) Embedded() bool { return d.embedded != nil }

// Database exposes the handle for packages in storage's own tests and tools.
func (d *DB) Database() *mongo.Database { return d.db }

// Sibling returns a handle on another database of the same server, sharing
// this DB's connection (tests use one database each on one server).
func (d *DB) Sibling(name string) *DB {
	return &DB{client: d.client, db: d.client.Database(name), log: d.log, sibling: true, tuneDir: d.tuneDir}
}

// Close disconnects and stops the embedded server if there is one.
func (d *DB) Close(ctx context.Context) error {
	if d.sibling {
		return nil
	}
	err := d.client.Disconnect(ctx)
	if e := d.closeEmbedded(); e != nil {
		err = errors.Join(err, e)
	}
	if err != nil {
		return fmt.Errorf("storage: close: %w", err)
	}
	return nil
}

func (d *DB) closeEmbedded() error {
	var err error
	if d.embedded != nil {
		err = d.embedded.Stop()
		d.embedded = nil
	}
	d.unlock()
	return err
}

// lockDir takes an exclusive lock on the embedded database folder: two
// processes writing the same SQLite files would break the one-connection rule.
func lockDir(dir string) (*os.File, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("storage: create %s: %w", dir, err)
	}
	f, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("storage: open lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("storage: %s is in use by another parceltrack process (set MONGODB_URI to share a database between processes)", dir)
	}
	return f, nil
}

func (d *DB) unlock() {
	if d.lock != nil {
		_ = syscall.Flock(int(d.lock.Fd()), syscall.LOCK_UN)
		d.lock.Close()
		d.lock = nil
	}
}

// redactURI hides credentials in a connection string for error messages.
func redactURI(uri string) string {
	cs, err := connstringParse(uri)
	if err != nil || cs == "" {
		return "(unparseable URI)"
	}
	return cs
}
