package main

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// dispatchOnce runs one batch of the message dispatcher and exits: the
// operator's way to send what is due now, sharing the worker's code.
func dispatchOnce(ctx context.Context, args []string, out io.Writer) error {
	if len(args) > 0 {
		return fmt.Errorf("%w: dispatch-once takes no arguments", errUsage)
	}
	return runOnce(ctx, "dispatch-once", func(svc *services) error {
		if svc.dispatcher == nil {
			return errors.New("dispatch-once: no message channel is configured")
		}
		st, err := svc.dispatcher.RunOnce(ctx)
		fmt.Fprintf(out, "claimed %d, sent %d, retried %d, failed %d, skipped %d, deferred %d, no balance %d, recovered %d\n",
			st.Claimed, st.Sent, st.Retried, st.Failed, st.Skipped, st.Deferred, st.NoBalance, st.Recovered)
		return err
	})
}
