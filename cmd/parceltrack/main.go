// Command parceltrack is the one binary of the service: the web server, the
// background workers, and the operator's commands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `parceltrack — parcel tracking and buyer reminders for InSales shops

Usage: parceltrack [command] [flags]

Commands:
  serve      web server and workers in one process (the default)
  web        the web server only
  worker     the background workers only
  migrate    create or update database indexes, then exit
  classify   print the state of a parcel from a saved carrier response:
             classify --carrier russianpost [--now RFC3339] [--entered-at RFC3339] FILE
  poll-once  poll one batch of due parcels and exit
  dispatch-once send one batch of due messages and exit
  plan       print the messages a buyer gets for a saved carrier response:
             plan --carrier russianpost [--entered-at T] [--until T] [--postcode P] FILE
  reconcile  check every shop's balance against its ledger
  jobs       show the background jobs waiting and failed;
             jobs retry ID queues a failed one again
  version    print the version

Configuration comes from the environment and an optional .env file;
see .env.example.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run dispatches a command and turns its error into one line and an exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	name := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	if name == "help" || name == "-h" || name == "--help" {
		fmt.Fprint(stdout, usage)
		return 0
	}
	cmd, ok := commands()[name]
	if !ok {
		fmt.Fprintf(stderr, "parceltrack: unknown command %q\n\n%s", name, usage)
		return 2
	}
	if err := cmd(ctx, args, stdout); err != nil {
		if errors.Is(err, errUsage) {
			fmt.Fprintf(stderr, "parceltrack %s: %v\n", name, err)
			return 2
		}
		fmt.Fprintf(stderr, "parceltrack: %v\n", err)
		return 1
	}
	return 0
}

// commands are the binary's commands by name.
func commands() map[string]func(context.Context, []string, io.Writer) error {
	return map[string]func(context.Context, []string, io.Writer) error{
		"serve":         func(ctx context.Context, _ []string, _ io.Writer) error { return serve(ctx, roleAll) },
		"web":           func(ctx context.Context, _ []string, _ io.Writer) error { return serve(ctx, roleWeb) },
		"worker":        func(ctx context.Context, _ []string, _ io.Writer) error { return serve(ctx, roleWorker) },
		"migrate":       migrate,
		"classify":      classify,
		"poll-once":     pollOnce,
		"dispatch-once": dispatchOnce,
		"plan":          plan,
		"reconcile":     reconcile,
		"jobs":          jobsCommand,
		"version": func(_ context.Context, _ []string, w io.Writer) error {
			_, err := fmt.Fprintln(w, "parceltrack", version)
			return err
		},
	}
}

// errUsage marks errors in the command line itself.
var errUsage = errors.New("usage")
