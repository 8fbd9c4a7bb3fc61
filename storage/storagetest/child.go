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
	"time"
)

// tempPattern names every folder the harness makes in the temp directory, so
// a leftover is easy to spot (ls /tmp/parceltrack-test-*).
const tempPattern = "parceltrack-test-*"

// child is a ferretdbd process serving, and owning, one folder.
type child struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	dir   string
	uri   string
}

// buildChild builds ferretdbd into dir (the Go build cache makes every build
// after the first a link step).
func buildChild(dir string) (string, error) {
	out := filepath.Join(dir, "ferretdbd")
	cmd := exec.Command("go", "build", "-o", out, "parceltrack/storage/storagetest/ferretdbd")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build ferretdbd: %v: %s", err, msg)
	}
	return out, nil
}

// startChild starts bin serving dir and takes the folder over: the child
// removes it when it stops, even when this process dies without cleaning up
// (the child's standard input closes) or is interrupted; stop removes it too,
// for a child that had to be killed; and a failed start removes it at once.
func startChild(ctx context.Context, bin, dir string) (*child, error) {
	cmd := exec.Command(bin, "-remove", dir)
	cmd.Stderr = os.Stderr
	c := &child{cmd: cmd, dir: dir}
	fail := func(err error) (*child, error) {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return fail(err)
	}
	c.stdin = stdin
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return fail(err)
	}
	if err := cmd.Start(); err != nil {
		return fail(fmt.Errorf("start ferretdbd: %w", err))
	}
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

// stop closes the child's standard input, which makes it shut down cleanly
// and remove its folder; a child that hangs is killed and the folder removed
// here.
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
	_ = os.RemoveAll(c.dir)
}
