package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"parceltrack/jobs"
	"parceltrack/tracking"
)

// jobsShown is how many failed jobs `jobs` lists.
const jobsShown = 50

// jobsCommand shows the background jobs waiting and failed, with the last
// error of each failed one (`parceltrack jobs`), or queues a failed job
// again (`parceltrack jobs retry ID`): the operator's view of the work the
// workers could not finish.
func jobsCommand(ctx context.Context, args []string, out io.Writer) error {
	retry := ""
	switch {
	case len(args) == 0:
	case len(args) == 2 && args[0] == "retry":
		retry = args[1]
	default:
		return fmt.Errorf("%w: jobs [retry ID]", errUsage)
	}
	e, err := openWorkerEnv(ctx)
	if err != nil {
		return err
	}
	defer e.close()
	store := e.db.Jobs()
	if retry != "" {
		if err := store.Requeue(ctx, retry); err != nil {
			return err
		}
		_, err := fmt.Fprintf(out, "job %s queued again\n", retry)
		return err
	}
	counts, err := store.Count(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "queued %d, failed %d\n", counts[jobs.StatusQueued], counts[jobs.StatusFailed])
	failed, err := store.List(ctx, jobs.StatusFailed, jobsShown)
	if err != nil || len(failed) == 0 {
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tATTEMPTS\tFAILED AT (MSK)\tLAST ERROR")
	for _, j := range failed {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", j.ID, j.Kind, j.Attempts,
			j.UpdatedAt.In(tracking.Moscow).Format("02.01.2006 15:04"), j.LastError)
	}
	return tw.Flush()
}
