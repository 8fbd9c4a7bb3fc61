package main

import (
	"context"
	"fmt"
	"io"
)

// pollOnce runs one batch of the poller against the configured carrier and
// exits: the operator's way to poll now, sharing the worker's code.
func pollOnce(ctx context.Context, args []string, out io.Writer) error {
	if len(args) > 0 {
		return fmt.Errorf("%w: poll-once takes no arguments", errUsage)
	}
	return runOnce(ctx, "poll-once", func(svc *services) error {
		st, err := svc.poller.RunBatch(ctx)
		fmt.Fprintf(out, "claimed %d, polled %d, changed %d, failed %d, released %d\n",
			st.Claimed, st.Polled, st.Changed, st.Failed, st.Released)
		return err
	})
}
