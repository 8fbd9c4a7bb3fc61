package workers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/go-co-op/gocron/v2"
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
	locker  *leaseLocker
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
	// Clock is the time source for leases (default time.Now).
	Clock func() time.Time
}

// NewScheduler builds a scheduler; call Start to run it and Shutdown to stop.
func NewScheduler(o SchedulerOptions) (*Scheduler, error) {
	if o.Clock == nil {
		o.Clock = time.Now
	}
	s, err := gocron.NewScheduler(gocron.WithStopTimeout(30 * time.Second))
	if err != nil {
		return nil, fmt.Errorf("workers: scheduler: %w", err)
	}
	sch := &Scheduler{
		s:      s,
		locker: &leaseLocker{leases: o.Leases, owner: o.Owner, now: o.Clock, holds: map[string]time.Duration{}},
		log:    o.Logger,
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parceltrack_job_runs_total", Help: "Scheduled job runs by job and result.",
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
	opts := []gocron.JobOption{
		gocron.WithName(j.Name),
		// Never overlap a job with itself in one process: a slow run pushes
		// the next one back instead of piling up.
		gocron.WithSingletonMode(gocron.LimitModeReschedule),
		// Run once at start: a restarted process picks up where it left.
		gocron.WithStartAt(gocron.WithStartImmediately()),
	}
	if j.Singleton {
		// Hold the lease for most of the interval: a second process whose
		// timer fires later in the same interval finds it taken.
		s.locker.holds[j.Name] = j.Every - j.Every/10
		opts = append(opts, gocron.WithDistributedJobLocker(s.locker))
	}
	task := func(ctx context.Context) {
		start := time.Now()
		err := j.Run(ctx)
		s.seconds.WithLabelValues(j.Name).Observe(time.Since(start).Seconds())
		switch {
		case err == nil:
			s.runs.WithLabelValues(j.Name, "ok").Inc()
		case errors.Is(err, context.Canceled):
			s.runs.WithLabelValues(j.Name, "cancelled").Inc()
		default:
			s.runs.WithLabelValues(j.Name, "error").Inc()
			s.log.Error("job failed", slog.String("job", j.Name), slog.String("error", err.Error()))
		}
	}
	if _, err := s.s.NewJob(gocron.DurationJob(j.Every), gocron.NewTask(task), opts...); err != nil {
		return fmt.Errorf("workers: add job %s: %w", j.Name, err)
	}
	return nil
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

// leaseLocker adapts the lease table to gocron's distributed job locker.
type leaseLocker struct {
	leases LeaseStore
	owner  string
	now    func() time.Time
	holds  map[string]time.Duration // written only before Start
}

var errLockHeld = errors.New("workers: job lease held by another process")

func (l *leaseLocker) Lock(ctx context.Context, key string) (gocron.Lock, error) {
	ok, err := l.leases.Acquire(ctx, "job:"+key, l.owner, l.now(), l.holds[key])
	if err != nil {
		return nil, fmt.Errorf("workers: lock %s: %w", key, err)
	}
	if !ok {
		return nil, errLockHeld
	}
	return heldLease{}, nil
}

// heldLease is deliberately not released on Unlock: the lease runs out by
// itself at the end of the hold, so a process whose timer fires later in the
// same interval cannot run the job a second time.
type heldLease struct{}

func (heldLease) Unlock(context.Context) error { return nil }
