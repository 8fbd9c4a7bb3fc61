// Package storagetest gives tests a real database: one embedded server per test
// package (started on first use), a fresh migrated database per test, dropped
// when the test ends. Set PARCELTRACK_TEST_MONGODB_URI to run the same tests
// against a real MongoDB instead.
//
// The embedded server runs in a child process (see ferretdbd) built without the
// race detector; set PARCELTRACK_TEST_FERRETDBD to a prebuilt binary to skip the
// build. The code under test reaches it through one connection, as in production.
//
// Each child serves its own /tmp/parceltrack-test-* folder (the shared one also
// holds the built binary) and removes it when it stops, which it does when the
// test process closes or loses its standard input: a failed start, a failed
// test, a killed or timed-out test binary and Ctrl-C leave no folder behind.
// Only killing test and child together with SIGKILL can.
package storagetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/event"

	"parceltrack/storage"
)

// Server is the database server shared by the tests of one package. Create it
// in TestMain and Close it after m.Run.
type Server struct {
	uri   string
	bin   string // the ferretdbd binary children run; built on start when empty
	once  sync.Once
	db    *storage.DB
	child *child
	err   error
}

// NewServer prepares a server; nothing starts until a test asks for a database.
func NewServer() *Server {
	return &Server{uri: os.Getenv("PARCELTRACK_TEST_MONGODB_URI"), bin: os.Getenv("PARCELTRACK_TEST_FERRETDBD")}
}

func (s *Server) start() {
	if s.uri != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		s.db, s.err = storage.Open(ctx, storage.Options{URI: s.uri, Database: "storagetest"})
		return
	}
	dir, err := os.MkdirTemp("", tempPattern)
	if err != nil {
		s.err = err
		return
	}
	if s.bin == "" {
		// Built into the child's folder, so it goes with it. Outside the
		// start-up deadline: a first build from an empty cache takes minutes.
		if s.bin, err = buildChild(dir); err != nil {
			_ = os.RemoveAll(dir)
			s.err = err
			return
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if s.child, s.err = startChild(ctx, s.bin, dir); s.err != nil {
		return
	}
	s.uri = s.child.uri
	s.db, s.err = storage.Open(ctx, storage.Options{URI: s.child.uri, Database: "storagetest",
		SingleConnection: true, EmbeddedDir: dir})
	if s.err != nil {
		s.child.stop()
		s.child = nil
	}
}

// Close stops the server and removes its files.
func (s *Server) Close() {
	if s.db != nil {
		_ = s.db.Close(context.Background())
	}
	if s.child != nil {
		s.child.stop()
	}
}

// DB returns a fresh, migrated database for t, dropped when t ends.
func (s *Server) DB(t testing.TB) *storage.DB {
	t.Helper()
	s.once.Do(s.start)
	if s.err != nil {
		t.Fatalf("storagetest: start server: %v", s.err)
	}
	return s.prepare(t, s.db.Sibling("t_"+randomHex(6)))
}

// MonitoredDB opens a database for t on its own connection, with m watching
// every command, so a test or benchmark can count round trips. On the embedded
// server it starts a server of its own: a second connection to the shared one
// would break the one-connection rule.
func (s *Server) MonitoredDB(t testing.TB, m *event.CommandMonitor) *storage.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s.once.Do(s.start)
	if s.err != nil {
		t.Fatalf("storagetest: start server: %v", s.err)
	}
	o := storage.Options{URI: s.uri, Database: "t_" + randomHex(6), Monitor: m}
	if s.child != nil {
		// A folder of the harness's own rather than t.TempDir: the child
		// removes it even when the test binary dies before its clean-ups.
		dir, err := os.MkdirTemp("", tempPattern)
		if err != nil {
			t.Fatalf("storagetest: %v", err)
		}
		c, err := startChild(ctx, s.bin, dir)
		if err != nil {
			t.Fatalf("storagetest: %v", err)
		}
		t.Cleanup(c.stop)
		o.URI, o.SingleConnection, o.EmbeddedDir = c.uri, true, dir
	}
	db, err := storage.Open(ctx, o)
	if err != nil {
		t.Fatalf("storagetest: open: %v", err)
	}
	t.Cleanup(func() { _ = db.Close(context.Background()) })
	return s.prepare(t, db)
}

func (s *Server) prepare(t testing.TB, db *storage.DB) *storage.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("storagetest: migrate: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := db.Database().Drop(ctx); err != nil {
			t.Logf("storagetest: drop: %v", err)
		}
	})
	return db
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand never fails on Linux
	return hex.EncodeToString(b)
}
