package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// freeAddr returns a loopback address nobody listens on.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// startServe runs `parceltrack serve` in-process with a fresh environment and
// returns its base URL, a stop function and the exit code channel.
func startServe(t testing.TB, env map[string]string) (string, context.CancelFunc, <-chan int, *bytes.Buffer) {
	t.Helper()
	addr := freeAddr(t)
	base := map[string]string{
		"HTTP_ADDR": addr, "DATA_DIR": t.TempDir(), "LOG_LEVEL": "warn",
		"MONGODB_URI": "", "RUSSIANPOST_LOGIN": "", "POLL_INTERVAL": "1h",
	}
	for k, v := range env {
		base[k] = v
	}
	for k, v := range base {
		t.Setenv(k, v)
	}
	ctx, cancel := context.WithCancel(context.Background())
	code := make(chan int, 1)
	var stderr bytes.Buffer
	go func() { code <- run(ctx, []string{"serve"}, io.Discard, &stderr) }()
	return "http://" + addr, cancel, code, &stderr
}

// migratedEnv opens the environment of a fresh embedded database in a
// folder of t's, migrated, as an operator command would find it; the caller
// closes it before running a command on the same folder.
func migratedEnv(t *testing.T) *env {
	t.Helper()
	for k, v := range map[string]string{"DATA_DIR": t.TempDir(), "MONGODB_URI": "", "LOG_LEVEL": "error"} {
		t.Setenv(k, v)
	}
	ctx := context.Background()
	e, err := openEnv(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Migrate(ctx); err != nil {
		e.close()
		t.Fatal(err)
	}
	return e
}

func waitReady(t testing.TB, base string, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for time.Since(start) < within {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(start)
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s not ready within %v", base, within)
	return 0
}

func stop(t testing.TB, cancel context.CancelFunc, code <-chan int) {
	t.Helper()
	cancel()
	select {
	case c := <-code:
		if c != 0 {
			t.Fatalf("serve exited with %d after a clean shutdown", c)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not shut down within 20 s")
	}
}

func TestServeStartsOnDefaultsAndKeepsData(t *testing.T) {
	dir := t.TempDir()
	base, cancel, code, _ := startServe(t, map[string]string{"DATA_DIR": dir})
	waitReady(t, base, 10*time.Second)
	for _, path := range []string{"/healthz", "/", "/sandbox/"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", path, resp.StatusCode)
		}
	}
	first := sandboxTracks(t, base)
	if len(first) < 9 {
		t.Fatalf("demo shop seeded with %d parcels, want one per scenario", len(first))
	}
	stop(t, cancel, code)

	// A restart on the same folder finds the same parcels and seeds nothing more.
	base, cancel, code, _ = startServe(t, map[string]string{"DATA_DIR": dir})
	waitReady(t, base, 10*time.Second)
	if again := sandboxTracks(t, base); len(again) != len(first) {
		t.Fatalf("after restart %d parcels, before %d", len(again), len(first))
	}
	stop(t, cancel, code)
}

func sandboxTracks(t testing.TB, base string) []string {
	t.Helper()
	resp, err := http.Get(base + "/sandbox/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var tracks []string
	for _, part := range strings.Split(string(b), `data-track="`)[1:] {
		tracks = append(tracks, part[:strings.IndexByte(part, '"')])
	}
	return tracks
}

func TestServeRefusesBadConfigurationWithOneLine(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"nonsense address", map[string]string{"HTTP_ADDR": "nonsense"}, "HTTP_ADDR"},
		{"unreachable database", map[string]string{"MONGODB_URI": "mongodb://127.0.0.1:1"}, "database not reachable"},
		{"bad log level", map[string]string{"LOG_LEVEL": "shout"}, "LOG_LEVEL"},
		{"twilio sid without token", map[string]string{"TWILIO_ACCOUNT_SID": providerTestSID, "TWILIO_FROM": providerTestFrom},
			"TWILIO_AUTH_TOKEN: required when TWILIO_ACCOUNT_SID is set"},
		{"smtp host without sender", map[string]string{"SMTP_HOST": "smtp.example.ru"}, "SMTP_FROM: required when SMTP_HOST is set"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range map[string]string{"DATA_DIR": t.TempDir(), "HTTP_ADDR": freeAddr(t), "MONGODB_URI": "", "LOG_LEVEL": "warn"} {
				t.Setenv(k, v)
			}
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			var stderr bytes.Buffer
			start := time.Now()
			code := run(context.Background(), []string{"serve"}, io.Discard, &stderr)
			if code == 0 {
				t.Fatal("started with a bad configuration")
			}
			if took := time.Since(start); took > 15*time.Second {
				t.Fatalf("took %v to give up", took)
			}
			msg := strings.TrimSpace(stderr.String())
			if strings.Count(msg, "\n") != 0 || !strings.Contains(msg, tc.want) || strings.Contains(msg, "goroutine") {
				t.Fatalf("want one line naming %q, got:\n%s", tc.want, msg)
			}
		})
	}
}

// TestServeOnExternalDatabase points MONGODB_URI at another server (a
// FerretDB in a child process standing in for MongoDB) and checks the same
// start-up works.
func TestServeOnExternalDatabase(t *testing.T) {
	bin := os.Getenv("PARCELTRACK_TEST_FERRETDBD")
	if bin == "" {
		dir := t.TempDir()
		bin = dir + "/ferretdbd"
		if out, err := exec.Command("go", "build", "-o", bin, "parceltrack/storage/storagetest/ferretdbd").CombinedOutput(); err != nil {
			t.Fatalf("build ferretdbd: %v %s", err, out)
		}
	}
	cmd := exec.Command(bin, t.TempDir())
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); _ = cmd.Wait() })
	var uri string
	if _, err := fmt.Fscanln(stdout, &uri); err != nil {
		t.Fatal(err)
	}
	base, cancel, code, stderr := startServe(t, map[string]string{"MONGODB_URI": uri})
	waitReady(t, base, 10*time.Second)
	if len(sandboxTracks(t, base)) == 0 {
		t.Fatalf("no demo parcels on the external database; log:\n%s", stderr)
	}
	stop(t, cancel, code)
}

// BenchmarkStartupToReady measures a cold start on a fresh data folder: the
// embedded database, migrations, the demo seed, until /readyz answers 200.
//
//	go test -run '^$' -bench StartupToReady -benchtime 5x ./cmd/parceltrack/
func BenchmarkStartupToReady(b *testing.B) {
	var total time.Duration
	for range b.N {
		base, cancel, code, _ := startServe(b, nil)
		total += waitReady(b, base, 20*time.Second)
		stop(b, cancel, code)
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/ready")
}
