package workers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/prometheus/client_golang/prometheus"

	"parceltrack/jobs"
)

// JobStore is what the job runner needs from the database; storage.Jobs
// implements it.
type JobStore interface {
	Enqueue(ctx context.Context, j jobs.Job) error
	Claim(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) (jobs.Claim, error)
	Extend(ctx context.Context, token string, j jobs.Job, until time.Time) (bool, error)
	Done(ctx context.Context, token string, j jobs.Job) error
	Retry(ctx context.Context, token string, j jobs.Job, errText string, runAfter time.Time) error
	Fail(ctx context.Context, token string, j jobs.Job, errText string) error
	Release(ctx context.Context, token string, j jobs.Job) error
}

// JobRunnerOptions configure a JobRunner.
type JobRunnerOptions struct {
	Store JobStore
	// Owner names this process in leases (WORKER_ID).
	Owner string
	// Handlers run the jobs, by kind. A job of a kind without one fails at
	// once.
	Handlers map[string]jobs.Handler
	// Concurrency is how many jobs run at once (default 4).
	Concurrency int
	// BatchSize is how many jobs one claim takes at most (default 8 ×
	// Concurrency). A claim reads the due jobs, which on the embedded
	// server costs a pass over the collection however few it takes, so
	// claims take several jobs per free worker; the ones waiting hold their
	// lanes meanwhile.
	BatchSize int
	// Lease is how long a claimed job stays with this runner (default 5
	// min); it is extended every third of it while the job waits or runs.
	Lease time.Duration
	// Idle is how often to look for due jobs when nothing woke the runner
	// (default 1 s).
	Idle    time.Duration
	Clock   clockwork.Clock
	Logger  *slog.Logger
	Metrics prometheus.Registerer
}

// JobRunner claims due jobs from the store and runs them with their
// handlers: a failed run is retried with jobs.Backoff until the job has
// failed MaxAttempts times or fails permanently, and is then kept as failed.
// Any number of runners, in any number of processes, can share one store.
type JobRunner struct {
	o        JobRunnerOptions
	wake     chan struct{}
	outcomes *prometheus.CounterVec
	seconds  *prometheus.HistogramVec
}

// NewJobRunner checks o and fills in its defaults.
func NewJobRunner(o JobRunnerOptions) (*JobRunner, error) {
	if o.Store == nil || o.Owner == "" {
		return nil, errors.New("workers: job runner needs a store and an owner")
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 8 * o.Concurrency
	}
	if o.Lease <= 0 {
		o.Lease = 5 * time.Minute
	}
	if o.Idle <= 0 {
		o.Idle = time.Second
	}
	if o.Clock == nil {
		o.Clock = clockwork.NewRealClock()
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	r := &JobRunner{o: o, wake: make(chan struct{}, 1)}
	var err error
	if r.outcomes, err = registerShared(o.Metrics, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "parceltrack_jobs_total", Help: "Durable job runs by kind and outcome (done, retry, failed, released).",
	}, []string{"kind", "outcome"})); err != nil {
		return nil, err
	}
	if r.seconds, err = registerShared(o.Metrics, prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "parceltrack_jobs_run_seconds", Help: "Durable job run time by kind.",
		Buckets: prometheus.ExponentialBuckets(0.005, 4, 8),
	}, []string{"kind"})); err != nil {
		return nil, err
	}
	return r, nil
}

// Wake tells the runner a job was enqueued in this process, so it looks for
// due jobs now instead of at its next idle tick.
func (r *JobRunner) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Enqueue stores j (due now, on the runner's clock, unless it says when)
// and wakes the runner.
func (r *JobRunner) Enqueue(ctx context.Context, j jobs.Job) error {
	if j.RunAfter.IsZero() {
		j.RunAfter = r.o.Clock.Now()
	}
	if err := r.o.Store.Enqueue(ctx, j); err != nil {
		return fmt.Errorf("workers: enqueue %s: %w", j.Kind, err)
	}
	r.Wake()
	return nil
}

// Run claims and runs jobs until ctx ends; then the running jobs' contexts
// are cancelled, Run waits for them, and gives back the leases of the jobs
// that were interrupted or had not started, so they run again at once
// elsewhere.
func (r *JobRunner) Run(ctx context.Context) error {
	_, err := r.run(ctx, false)
	return err
}

// RunDue claims and runs the jobs due now until none is left, waits for
// them and reports how many ran (tests, the CLI). Jobs that fail and are
// retried later do not count as due now.
func (r *JobRunner) RunDue(ctx context.Context) (int, error) {
	n, err := r.run(ctx, true)
	if err == nil {
		err = ctx.Err()
	}
	return n, err
}

// run is Run (untilIdle false) and RunDue (true): it keeps up to BatchSize
// jobs claimed, claiming again once half of them are done, and waits for a
// wake-up, a finished job or the idle tick when nothing more was due.
func (r *JobRunner) run(ctx context.Context, untilIdle bool) (ran int, err error) {
	s := r.newSession(ctx)
	defer func() {
		s.stop()
		ran = int(s.ran.Load())
	}()
	for ctx.Err() == nil {
		held := s.holding()
		if free := r.o.BatchSize - held; free >= max(1, r.o.BatchSize/2) {
			n, err := s.claim(free)
			switch {
			case err != nil && untilIdle:
				return 0, err
			case err != nil:
				r.o.Logger.Error("claim jobs", slog.String("error", err.Error()))
			case n == free:
				continue // there may be more due
			case untilIdle && n == 0 && held == 0:
				// Nothing ran while this claim looked, so nothing it
				// could not take (a lane in use) is left for later.
				return 0, nil
			}
		}
		select {
		case <-ctx.Done():
		case <-r.wake:
		case <-s.finished:
		case <-r.o.Clock.After(r.o.Idle):
		}
	}
	return 0, nil
}

// jobSession is one Run or RunDue: the jobs it holds, the workers that run
// them and the heartbeat that keeps their leases.
type jobSession struct {
	r *JobRunner
	// ctx is the caller's: when it ends, running jobs are cancelled and
	// waiting ones are given back.
	ctx      context.Context
	todo     chan *heldJob
	finished chan struct{}
	mu       sync.Mutex
	held     map[*heldJob]struct{}
	ran      atomic.Int64
	workers  sync.WaitGroup
	beat     chan struct{}
	beatDone chan struct{}
}

// heldJob is a claimed job, waiting or running.
type heldJob struct {
	token  string
	job    jobs.Job
	ctx    context.Context
	cancel context.CancelFunc
	// lost is set when the lease could not be extended: another runner
	// may have the job now, so this one reports nothing about it.
	lost atomic.Bool
}

func (r *JobRunner) newSession(ctx context.Context) *jobSession {
	s := &jobSession{
		r: r, ctx: ctx,
		// Never more than BatchSize jobs are held, so sends never block.
		todo:     make(chan *heldJob, r.o.BatchSize),
		finished: make(chan struct{}, 1),
		held:     map[*heldJob]struct{}{},
		beat:     make(chan struct{}),
		beatDone: make(chan struct{}),
	}
	for range r.o.Concurrency {
		s.workers.Go(func() {
			for h := range s.todo {
				s.runOne(h)
			}
		})
	}
	go s.heartbeat()
	return s
}

// stop lets the workers finish what they hold (given back when ctx ended)
// and stops the heartbeat after them, so running jobs keep their leases.
func (s *jobSession) stop() {
	close(s.todo)
	s.workers.Wait()
	close(s.beat)
	<-s.beatDone
}

func (s *jobSession) holding() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.held)
}

// claim leases up to n due jobs and hands them to the workers.
func (s *jobSession) claim(n int) (int, error) {
	r := s.r
	c, err := r.o.Store.Claim(s.ctx, r.o.Owner, r.o.Clock.Now(), r.o.Lease, n)
	if err != nil {
		if s.ctx.Err() != nil {
			return 0, nil // stopping
		}
		return 0, fmt.Errorf("workers: claim jobs: %w", err)
	}
	if len(c.Jobs) > 0 {
		r.o.Logger.Debug("claimed jobs", slog.Int("jobs", len(c.Jobs)))
	}
	for _, j := range c.Jobs {
		h := &heldJob{token: c.Token, job: j}
		h.ctx, h.cancel = context.WithCancel(s.ctx)
		s.mu.Lock()
		s.held[h] = struct{}{}
		s.mu.Unlock()
		s.todo <- h
	}
	return len(c.Jobs), nil
}

func (s *jobSession) done(h *heldJob) {
	h.cancel()
	s.mu.Lock()
	delete(s.held, h)
	s.mu.Unlock()
	select {
	case s.finished <- struct{}{}:
	default:
	}
}

// heartbeat extends the lease of every held job each third of the lease.
func (s *jobSession) heartbeat() {
	defer close(s.beatDone)
	r := s.r
	t := r.o.Clock.NewTicker(r.o.Lease / 3)
	defer t.Stop()
	for {
		select {
		case <-s.beat:
			return
		case <-t.Chan():
		}
		s.mu.Lock()
		held := make([]*heldJob, 0, len(s.held))
		for h := range s.held {
			held = append(held, h)
		}
		s.mu.Unlock()
		until := r.o.Clock.Now().Add(r.o.Lease)
		for _, h := range held {
			if h.lost.Load() {
				continue
			}
			ctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), 10*time.Second)
			ok, err := r.o.Store.Extend(ctx, h.token, h.job, until)
			cancel()
			switch {
			case err != nil:
				// Tried again at the next beat; the lease has two left.
				r.o.Logger.Warn("extend job lease", slog.String("kind", h.job.Kind),
					slog.String("job_id", h.job.ID), slog.String("error", err.Error()))
			case !ok:
				h.lost.Store(true)
				h.cancel()
				r.o.Logger.Warn("job lease lost; another worker may run the job",
					slog.String("kind", h.job.Kind), slog.String("job_id", h.job.ID))
			}
		}
	}
}

// runOne runs one held job and records its outcome.
func (s *jobSession) runOne(h *heldJob) {
	defer s.done(h)
	r, j := s.r, h.job
	// Outcomes are stored even when the caller's ctx ended: the run happened.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), 30*time.Second)
	defer cancel()
	log := r.o.Logger.With(slog.String("kind", j.Kind), slog.String("job_id", j.ID))
	if h.lost.Load() {
		return
	}
	if s.ctx.Err() != nil {
		s.release(wctx, h, log)
		return
	}
	start := r.o.Clock.Now()
	err := r.call(h.ctx, j)
	r.seconds.WithLabelValues(j.Kind).Observe(r.o.Clock.Since(start).Seconds())
	s.ran.Add(1)
	switch {
	case h.lost.Load():
		log.Warn("job ran past its lost lease; its outcome is dropped")
	case err == nil:
		if err := r.o.Store.Done(wctx, h.token, j); err != nil {
			log.Error("record job done; it runs again when its lease ends", slog.String("error", err.Error()))
			return
		}
		r.outcomes.WithLabelValues(j.Kind, "done").Inc()
	case s.ctx.Err() != nil && !jobs.IsPermanent(err):
		// Interrupted by shutdown: not the job's fault, so no attempt.
		s.release(wctx, h, log)
	default:
		s.failed(wctx, h, err, log)
	}
}

// failed records a failed run: a retry after the backoff, or, once the job
// has failed MaxAttempts times or permanently, the job kept as failed.
func (s *jobSession) failed(ctx context.Context, h *heldJob, runErr error, log *slog.Logger) {
	r, j := s.r, h.job
	attempts := j.Attempts + 1
	maxAttempts := j.MaxAttempts
	if maxAttempts <= 0 {
		maxAttempts = jobs.DefaultMaxAttempts
	}
	if jobs.IsPermanent(runErr) || attempts >= maxAttempts {
		if err := r.o.Store.Fail(ctx, h.token, j, runErr.Error()); err != nil {
			log.Error("record job failure", slog.String("error", err.Error()))
		}
		r.outcomes.WithLabelValues(j.Kind, "failed").Inc()
		log.Error("job failed; kept as failed until requeued", slog.Int("attempts", attempts),
			slog.String("error", runErr.Error()), slog.Bool("alert", true))
		return
	}
	delay := jobs.Backoff(attempts, rand.Float64())
	if err := r.o.Store.Retry(ctx, h.token, j, runErr.Error(), r.o.Clock.Now().Add(delay)); err != nil {
		log.Error("record job retry", slog.String("error", err.Error()))
	}
	r.outcomes.WithLabelValues(j.Kind, "retry").Inc()
	log.Warn("job failed; retrying", slog.Int("attempts", attempts),
		slog.Int64("retry_in_ms", delay.Milliseconds()), slog.String("error", runErr.Error()))
}

func (s *jobSession) release(ctx context.Context, h *heldJob, log *slog.Logger) {
	if err := s.r.o.Store.Release(ctx, h.token, h.job); err != nil {
		log.Error("give job lease back; the job runs when it ends", slog.String("error", err.Error()))
		return
	}
	s.r.outcomes.WithLabelValues(h.job.Kind, "released").Inc()
}

// call runs j's handler; an unknown kind fails permanently and a panic
// counts as a failed run.
func (r *JobRunner) call(ctx context.Context, j jobs.Job) (err error) {
	handler, ok := r.o.Handlers[j.Kind]
	if !ok {
		return jobs.Permanent(fmt.Errorf("no handler for job kind %q", j.Kind))
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("job handler panicked: %v", p)
			r.o.Logger.Error("job handler panicked", slog.String("kind", j.Kind), slog.String("job_id", j.ID),
				slog.String("stack", string(debug.Stack())))
		}
	}()
	return handler(ctx, j)
}
