// Command ferretdbd runs the embedded database server on its own, for tests.
//
// Tests built with -race also instrument FerretDB and its pure-Go SQLite, which
// then run about fifteen times slower than in production. The storagetest
// harness therefore starts the very same embedded server in this child process,
// built without the race detector, and the code under test reaches it through a
// single connection exactly as the application does in-process.
//
// It prints the server's MongoDB URI on the first line of standard output and
// stops when standard input closes, so it never outlives the test that started it.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/pprof"

	"parceltrack/storage"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: ferretdbd DIR")
		os.Exit(2)
	}
	// FERRETDBD_CPUPROFILE=file profiles the server, to see where a slow
	// test spends the database's time.
	if path := os.Getenv("FERRETDBD_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err == nil && pprof.StartCPUProfile(f) == nil {
			defer pprof.StopCPUProfile()
		}
	}
	srv, err := storage.StartEmbedded(os.Args[1], nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(srv.URI())
	_, _ = io.Copy(io.Discard, os.Stdin)
	if err := srv.Stop(); err != nil && err != context.Canceled {
		fmt.Fprintln(os.Stderr, err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}
