// Command ferretdbd runs the embedded database server on its own, for tests.
//
// Tests built with -race also instrument FerretDB and its pure-Go SQLite, which
// then run about fifteen times slower than in production. The storagetest
// harness therefore starts the very same embedded server in this child process,
// built without the race detector, and the code under test reaches it through a
// single connection exactly as the application does in-process.
//
// Usage: ferretdbd [-remove] DIR. It serves the database files in DIR, prints
// the server's MongoDB URI on the first line of standard output and stops when
// standard input closes, so it never outlives the test that started it. It
// also stops on SIGINT, SIGTERM or SIGHUP: Ctrl-C reaches the whole process
// group, test and child alike. With -remove, DIR belongs to the child and is
// removed when it stops, however the test process ended.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"parceltrack/storage"
)

func main() {
	remove := flag.Bool("remove", false, "remove DIR when the server stops")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: ferretdbd [-remove] DIR")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	os.Exit(run(flag.Arg(0), *remove))
}

// run serves dir until standard input closes or a stop signal arrives and
// returns the exit code; a function of its own so its deferred clean-up runs
// before os.Exit.
func run(dir string, remove bool) int {
	if remove {
		// The test process may be gone (killed, timed out) by the time we
		// stop: this is the last chance to leave nothing behind in /tmp.
		defer func() {
			if err := os.RemoveAll(dir); err != nil {
				fmt.Fprintln(os.Stderr, err)
			}
		}()
	}
	// FERRETDBD_CPUPROFILE=file profiles the server, to see where a slow
	// test spends the database's time.
	if path := os.Getenv("FERRETDBD_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err == nil && pprof.StartCPUProfile(f) == nil {
			defer pprof.StopCPUProfile()
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	srv, err := storage.StartEmbedded(dir, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(srv.URI())
	eof := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		close(eof)
	}()
	select {
	case <-eof:
	case <-ctx.Done():
	}
	if err := srv.Stop(); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}
