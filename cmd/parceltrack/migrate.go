package main

import (
	"context"
	"fmt"
	"io"
)

// migrate applies pending index migrations and lists what it did.
func migrate(ctx context.Context, args []string, out io.Writer) error {
	if len(args) > 0 {
		return fmt.Errorf("%w: migrate takes no arguments", errUsage)
	}
	e, err := openEnv(ctx)
	if err != nil {
		return err
	}
	defer e.close()
	applied, err := e.db.Migrate(ctx)
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintln(out, "database is up to date")
	}
	for _, id := range applied {
		fmt.Fprintln(out, "applied", id)
	}
	return nil
}
