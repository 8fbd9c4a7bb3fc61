package workers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/jonboulle/clockwork"
	"github.com/prometheus/client_golang/prometheus"
)

// LeaseStore is the shared lock table the scheduler coordinates through;
// storage.Leases implements it.
type LeaseStore interface {
	Acquire(ctx context.Context, key, owner string, now time.Time, ttl time.Duration) (bool, error)
}

// Scheduler runs named jobs on intervals. A singleton job runs in exactly one
// process per interval however many worker processes share the database;
// other jobs run in every process (the poller, whose rows are leased anyway).
type Scheduler struct {
	s       gocron.Scheduler
	leases  LeaseStore
	owner   string
	clock   clockwork.Clock
	log     *slog.Logger
	runs    *prometheus.CounterVec
	seconds *prometheus.HistogramVec
}

// SchedulerOptions configure a Scheduler.
type SchedulerOptions struct {
	Leases  LeaseStore
	Owner   string
	Logger  *slog.Logger
	Metrics prometheus.Registerer
	// Clock drives both the job timers and the lease times (default the real
	// clock). One clock for both keeps a lease's hold and the interval it
	// guards on the same time line, so a test can move them together.
	Clock clockwork.Clock
}

// NewScheduler builds a scheduler; call Start to run it and Shutdown to stop.
func NewScheduler(o SchedulerOptions) (*Scheduler, error) {
	if o.Clock == nil {
		o.Clock = clockwork.NewRealClock()
	}
	s, err := gocron.NewScheduler(gocron.WithStopTimeout(30*time.Second), gocron.WithClock(o.Clock))
	if err != nil {
		return nil, fmt.Errorf("workers: scheduler: %w", err)
	}
	sch := &Scheduler{
		s:      s,
		leases: o.Leases,
		owner:  o.Owner,
		clock:  o.Clock,
		log:    o.Logger,
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parceltrack_job_runs_total",
			Help: "Scheduled job firings by job and result: ok, error, cancelled, " +
				"busy (the last run was still going) or held (another process has the singleton's lease).",
		}, []string{"job", "result"}),
		seconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "parceltrack_job_duration_seconds", Help: "Scheduled job run time.",
			Buckets: prometheus.ExponentialBuckets(0.005, 4, 8),
		}, []string{"job"}),
	}
	if o.Metrics != nil {
		for _, c := range []prometheus.Collector{sch.runs, sch.seconds} {
			if err := o.Metrics.Register(c); err != nil {
				return nil, fmt.Errorf("workers: metrics: %w", err)
			}
		}
	}
	return sch, nil
}

// Job describes one scheduled task.
type Job struct {
	Name  string
	Every time.Duration
	// Singleton jobs run in one process per interval across all processes.
	Singleton bool
	Run       func(ctx context.Context) error
}

// Add registers a job. Add every job before Start.
func (s *Scheduler) Add(j Job) error {
	// Hold a singleton's lease for most of the interval: a second process
	// whose timer fires later in the same interval finds it taken.
	hold := j.Every - j.Every/10
	// Never overlap a job with itself in one process: a firing that finds the
	// last run still going is skipped, so a slow run pushes the next one back
	// instead of piling up. The guard is ours rather than gocron's singleton
	// mode because gocron frees its slot only after its own bookkeeping, which
	// nothing outside can observe; ours is freed before the run is counted, so
	// whoever sees the count may fire the job again (the scheduler test does).
	var running atomic.Bool
	task := func(ctx context.Context) {
		if !running.CompareAndSwap(false, true) {
			s.runs.WithLabelValues(j.Name, "busy").Inc()
			return
		}
		result, err := s.run(ctx, j, hold)
		running.Store(false)
		s.runs.WithLabelValues(j.Name, result).Inc()
		if err != nil {
			s.log.Error("job failed", slog.String("job", j.Name), slog.String("error", err.Error()))
		}
	}
	_, err := s.s.NewJob(gocron.DurationJob(j.Every), gocron.NewTask(task),
		gocron.WithName(j.Name),
		// Run once at start: a restarted process picks up where it left.
		gocron.WithStartAt(gocron.WithStartImmediately()))
	if err != nil {
		return fmt.Errorf("workers: add job %s: %w", j.Name, err)
	}
	return nil
}

// run takes a singleton's lease and runs the job once. It returns the result
// label for the runs metric, and the error to log.
func (s *Scheduler) run(ctx context.Context, j Job, hold time.Duration) (string, error) {
	if j.Singleton {
		// The lease is never released after the run: it runs out by itself at
		// the end of the hold, so a process whose timer fires later in the
		// same interval cannot run the job a second time.
		ok, err := s.leases.Acquire(ctx, "job:"+j.Name, s.owner, s.clock.Now(), hold)
		switch {
		case err != nil && ctx.Err() != nil:
			return "cancelled", nil // shutting down: not a failure worth an error line
		case err != nil:
			return "error", fmt.Errorf("workers: lease for job %s: %w", j.Name, err)
		}
		if !ok {
			return "held", nil
		}
	}
	// Run time is real work, so it is measured on the real clock.
	start := time.Now()
	err := j.Run(ctx)
	s.seconds.WithLabelValues(j.Name).Observe(time.Since(start).Seconds())
	switch {
	case err == nil:
		return "ok", nil
	case errors.Is(err, context.Canceled):
		return "cancelled", nil
	}
	return "error", err
}

// Start begins running jobs.
func (s *Scheduler) Start() { s.s.Start() }

// Shutdown stops scheduling, cancels the context of running jobs and waits for
// them to return.
func (s *Scheduler) Shutdown() error {
	if err := s.s.Shutdown(); err != nil {
		return fmt.Errorf("workers: shutdown: %w", err)
	}
	return nil
}
