package storagetest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// child is a ferretdbd process serving files in one folder.
type child struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	uri   string
}

// binary builds ferretdbd once per test process (the Go build cache makes
// later builds a link step) unless PARCELTRACK_TEST_FERRETDBD names one.
var binary = sync.OnceValues(func() (string, error) {
	if p := os.Getenv("PARCELTRACK_TEST_FERRETDBD"); p != "" {
		return p, nil
	}
	dir, err := os.MkdirTemp("", "ferretdbd-*")
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, "ferretdbd")
	cmd := exec.Command("go", "build", "-o", out, "parceltrack/storage/storagetest/ferretdbd")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build ferretdbd: %v: %s", err, msg)
	}
	return out, nil
})

func startChild(ctx context.Context, dir string) (*child, error) {
	bin, err := binary()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, dir)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start ferretdbd: %w", err)
	}
	c := &child{cmd: cmd, stdin: stdin}
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(stdout).ReadString('\n')
		line <- strings.TrimSpace(s)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case c.uri = <-line:
	case <-ctx.Done():
		c.stop()
		return nil, fmt.Errorf("ferretdbd did not start: %w", ctx.Err())
	}
	if !strings.HasPrefix(c.uri, "mongodb://") {
		c.stop()
		return nil, fmt.Errorf("ferretdbd printed %q", c.uri)
	}
	return c, nil
}

// stop closes the child's standard input, which makes it shut down cleanly.
func (c *child) stop() {
	_ = c.stdin.Close()
	done := make(chan struct{})
	go func() { _ = c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-done
	}
}
