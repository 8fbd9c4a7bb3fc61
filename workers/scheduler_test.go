package workers_test

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"parceltrack/workers"
)

// TestSingletonJobRunsInOneProcess runs two schedulers on one database, as two
// worker processes would: the singleton job runs once per interval in all, and
// never in both at once; the ordinary job runs in each.
func TestSingletonJobRunsInOneProcess(t *testing.T) {
	db := server.DB(t)
	const every = 400 * time.Millisecond
	const window = 2400 * time.Millisecond
	var singleton, everywhere, inFlight, overlap atomic.Int64
	var schedulers []*workers.Scheduler
	for _, owner := range []string{"proc-a", "proc-b"} {
		s, err := workers.NewScheduler(workers.SchedulerOptions{
			Leases: db.Leases(), Owner: owner, Metrics: prometheus.NewRegistry(),
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		})
		if err != nil {
			t.Fatal(err)
		}
		err = s.Add(workers.Job{Name: "reconcile", Every: every, Singleton: true, Run: func(context.Context) error {
			if inFlight.Add(1) > 1 {
				overlap.Add(1)
			}
			time.Sleep(20 * time.Millisecond)
			inFlight.Add(-1)
			singleton.Add(1)
			return nil
		}})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Add(workers.Job{Name: "poll", Every: every, Run: func(context.Context) error {
			everywhere.Add(1)
			return nil
		}}); err != nil {
			t.Fatal(err)
		}
		schedulers = append(schedulers, s)
	}
	for i, s := range schedulers {
		s.Start()
		if i == 0 {
			time.Sleep(every / 2) // the second process starts out of phase
		}
	}
	time.Sleep(window)
	for _, s := range schedulers {
		if err := s.Shutdown(); err != nil {
			t.Fatal(err)
		}
	}
	intervals := int64(window / every)
	if got := singleton.Load(); got < intervals-1 || got > intervals+1 {
		t.Errorf("singleton ran %d times in %d intervals over two processes, want about %d", got, intervals, intervals)
	}
	if overlap.Load() != 0 {
		t.Errorf("singleton overlapped itself %d times", overlap.Load())
	}
	if got := everywhere.Load(); got < 2*intervals-1 {
		t.Errorf("ordinary job ran %d times, want about %d (every process)", got, 2*intervals)
	}
}

func TestJobMetricsCountResults(t *testing.T) {
	db := server.DB(t)
	reg := prometheus.NewRegistry()
	s, err := workers.NewScheduler(workers.SchedulerOptions{Leases: db.Leases(), Owner: "p", Metrics: reg,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ran := make(chan struct{}, 10)
	if err := s.Add(workers.Job{Name: "failing", Every: 50 * time.Millisecond, Run: func(context.Context) error {
		ran <- struct{}{}
		return io.ErrUnexpectedEOF
	}}); err != nil {
		t.Fatal(err)
	}
	s.Start()
	select {
	case <-ran:
	case <-time.After(3 * time.Second):
		t.Fatal("job never ran")
	}
	if err := s.Shutdown(); err != nil {
		t.Fatal(err)
	}
	n, err := testutil.GatherAndCount(reg, "parceltrack_job_runs_total")
	if err != nil || n == 0 {
		t.Fatalf("job metrics: %d series, %v", n, err)
	}
}
