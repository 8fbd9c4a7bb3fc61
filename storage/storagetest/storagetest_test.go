package storagetest

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/event"
)

// testBinary is the ferretdbd the harness tests start: the prebuilt one when
// PARCELTRACK_TEST_FERRETDBD names it, else one built into a test folder.
func testBinary(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("PARCELTRACK_TEST_FERRETDBD"); bin != "" {
		return bin
	}
	bin, err := buildChild(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// isolatedTemp points the temp folder at a fresh one, so what the harness
// leaves behind is seen apart from other tests' folders in /tmp.
func isolatedTemp(t *testing.T) string {
	t.Helper()
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	return tmp
}

// childDir makes a folder like those the harness hands a child.
func childDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp(t.TempDir(), tempPattern)
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func assertGone(t *testing.T, dir, after string) {
	t.Helper()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("folder still there after %s (stat: %v)", after, err)
	}
}

func leftovers(t *testing.T, tmp string) []string {
	t.Helper()
	entries, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// TestChildRemovesItsFolder ends a child every way a test run can end and
// checks that its folder is gone. Closing standard input is what the kernel
// does when the test binary dies (killed, timed out), before any clean-up of
// its own could run.
func TestChildRemovesItsFolder(t *testing.T) {
	bin := testBinary(t)
	tests := []struct {
		name string
		end  func(c *child) error
		stop bool // finish with c.stop, as Server.Close does
	}{
		{"test binary gone: standard input closed", func(c *child) error { return c.stdin.Close() }, false},
		{"Ctrl-C", func(c *child) error { return c.cmd.Process.Signal(os.Interrupt) }, false},
		{"SIGTERM", func(c *child) error { return c.cmd.Process.Signal(syscall.SIGTERM) }, false},
		{"SIGHUP", func(c *child) error { return c.cmd.Process.Signal(syscall.SIGHUP) }, false},
		{"clean stop", func(c *child) error { return nil }, true},
		{"child killed, then stopped", func(c *child) error { return c.cmd.Process.Kill() }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := childDir(t)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			c, err := startChild(ctx, bin, dir)
			if err != nil {
				t.Fatal(err)
			}
			// A file of the kind the server writes, so removal is of a
			// folder in use, not an empty one.
			if err := os.WriteFile(filepath.Join(dir, "x.sqlite-wal"), []byte("x"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := tt.end(c); err != nil {
				t.Fatal(err)
			}
			if tt.stop {
				c.stop()
			} else {
				waited := make(chan error, 1)
				go func() { waited <- c.cmd.Wait() }()
				select {
				case <-waited:
				case <-ctx.Done():
					_ = c.cmd.Process.Kill()
					t.Fatal("the child did not stop")
				}
			}
			assertGone(t, dir, "the child stopped")
		})
	}
}

// TestFailedStartRemovesFolder: a child that cannot start leaves nothing.
func TestFailedStartRemovesFolder(t *testing.T) {
	tests := []struct {
		name string
		bin  string
	}{
		{"no such binary", filepath.Join(t.TempDir(), "ferretdbd")},
		{"exits at once", "/bin/false"},
		{"prints no URI", "/bin/echo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := childDir(t)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if c, err := startChild(ctx, tt.bin, dir); err == nil {
				c.stop()
				t.Fatal("startChild succeeded")
			}
			assertGone(t, dir, "the failed start")
		})
	}
}

// TestServerLeavesNoFolder runs the harness as a test package does: a
// database, a monitored one (a second child), then Close; and a server
// whose child cannot start.
func TestServerLeavesNoFolder(t *testing.T) {
	bin := testBinary(t)
	t.Setenv("PARCELTRACK_TEST_MONGODB_URI", "")

	t.Run("used and closed", func(t *testing.T) {
		tmp := isolatedTemp(t)
		s := &Server{bin: bin}
		t.Run("tests", func(t *testing.T) {
			s.DB(t)
			s.MonitoredDB(t, &event.CommandMonitor{})
			if got := leftovers(t, tmp); len(got) != 2 {
				t.Errorf("while in use: %v, want the shared folder and the monitored one", got)
			}
		})
		if got := leftovers(t, tmp); len(got) != 1 {
			t.Errorf("after the tests: %v, want only the shared folder", got)
		}
		s.Close()
		if got := leftovers(t, tmp); len(got) != 0 {
			t.Errorf("after Close: %v left behind", got)
		}
	})

	t.Run("child cannot start", func(t *testing.T) {
		tmp := isolatedTemp(t)
		s := &Server{bin: "/bin/false"}
		s.once.Do(s.start)
		if s.err == nil {
			t.Fatal("start succeeded")
		}
		s.Close()
		if got := leftovers(t, tmp); len(got) != 0 {
			t.Errorf("after a failed start: %v left behind", got)
		}
	})
}
