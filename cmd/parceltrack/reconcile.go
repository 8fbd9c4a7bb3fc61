package main

import (
	"context"
	"fmt"
	"io"

	"parceltrack/billing"
)

// errMismatch makes `reconcile` exit non-zero when a balance disagrees with
// its ledger.
type errMismatch int

func (e errMismatch) Error() string {
	return fmt.Sprintf("%d shop(s) with a balance that disagrees with the ledger", int(e))
}

// reconcile checks balance == sum(ledger) for every shop, finishing changes
// a crash interrupted first, and prints every mismatch.
func reconcile(ctx context.Context, args []string, out io.Writer) error {
	if len(args) > 0 {
		return fmt.Errorf("%w: reconcile takes no arguments", errUsage)
	}
	e, err := openEnv(ctx)
	if err != nil {
		return err
	}
	defer e.close()
	svc := billing.New(e.db.Ledger(), billing.Options{Logger: e.log})
	mismatches, err := svc.Reconcile(ctx)
	if err != nil {
		return err
	}
	for _, m := range mismatches {
		fmt.Fprintln(out, billing.FormatMismatch(m))
	}
	if len(mismatches) > 0 {
		return errMismatch(len(mismatches))
	}
	fmt.Fprintln(out, "all balances match their ledgers")
	return nil
}
