package workers_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/prometheus/client_golang/prometheus"
	"go.mongodb.org/mongo-driver/bson"

	"parceltrack/jobs"
	"parceltrack/storage"
	"parceltrack/workers"
)

// jobRunner builds a runner on db; o's Store and Owner default to db's job
// store and "w".
func jobRunner(t *testing.T, db *storage.DB, o workers.JobRunnerOptions) *workers.JobRunner {
	t.Helper()
	if o.Store == nil {
		o.Store = db.Jobs()
	}
	if o.Owner == "" {
		o.Owner = "w"
	}
	r, err := workers.NewJobRunner(o)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// startRunner runs r until the test ends or the returned stop is called,
// which waits for Run to return.
func startRunner(t *testing.T, r *workers.JobRunner) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(30 * time.Second):
				t.Error("Run did not return 30 s after its context ended")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// waitFor polls cond until it holds, failing the test after timeout.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func enqueue(t *testing.T, e jobs.Enqueuer, kind, key, lane string, payload any) {
	t.Helper()
	j, err := jobs.New(kind, payload)
	if err != nil {
		t.Fatal(err)
	}
	j.Key, j.Lane = key, lane
	if err := e.Enqueue(context.Background(), j); err != nil {
		t.Fatal(err)
	}
}

// jobsLeft counts the stored jobs and lane leases.
func jobsLeft(t *testing.T, db *storage.DB) (map[jobs.Status]int, int64) {
	t.Helper()
	ctx := context.Background()
	n, err := db.Jobs().Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	leases, err := db.Database().Collection("job_leases").CountDocuments(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	return n, leases
}

// noneLeft fails the test when a job or a lane lease is still stored.
func noneLeft(t *testing.T, db *storage.DB) {
	t.Helper()
	if left, leases := jobsLeft(t, db); len(left) != 0 || leases != 0 {
		t.Fatalf("left behind: jobs %v, %d leases", left, leases)
	}
}

// runCounter counts handler calls by payload.
type runCounter struct {
	mu   sync.Mutex
	runs map[int]int
	n    atomic.Int64
}

func (c *runCounter) handler(_ context.Context, j jobs.Job) error {
	var i int
	if err := j.Decode(&i); err != nil {
		return jobs.Permanent(err)
	}
	c.mu.Lock()
	if c.runs == nil {
		c.runs = map[int]int{}
	}
	c.runs[i]++
	c.mu.Unlock()
	c.n.Add(1)
	return nil
}

// exactlyOnce reports every payload in [0, n) not run exactly once.
func (c *runCounter) exactlyOnce(t *testing.T, n int) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	bad := 0
	for i := range n {
		if c.runs[i] != 1 {
			if bad++; bad <= 10 {
				t.Errorf("job %d ran %d times, want once", i, c.runs[i])
			}
		}
	}
	if bad > 10 {
		t.Errorf("... and %d more jobs not run exactly once", bad-10)
	}
	if len(c.runs) != n {
		t.Errorf("handler saw %d different jobs, want %d", len(c.runs), n)
	}
}

// TestJobRunnerRestartRunsWhatAStoppedOrDeadProcessLeft: jobs are queued,
// the first process stops in the middle of them (its runner gives the
// leases of interrupted and waiting jobs back) or dies holding leases; a new
// runner on the same database then runs every job exactly once, the dead
// process's only after its leases end.
func TestJobRunnerRestartRunsWhatAStoppedOrDeadProcessLeft(t *testing.T) {
	t.Parallel()
	const n = 24
	lease := time.Minute
	tests := []struct {
		name string
		// first plays the first process and reports whether it left
		// jobs under live leases.
		first func(t *testing.T, db *storage.DB, clock *clockwork.FakeClock) bool
		// runnable is how many jobs the next runner can run before the
		// first one's leases end.
		runnable int
	}{
		{"stopped", func(t *testing.T, db *storage.DB, clock *clockwork.FakeClock) bool {
			started := make(chan struct{}, n)
			blocked := func(ctx context.Context, _ jobs.Job) error {
				started <- struct{}{}
				<-ctx.Done()
				return ctx.Err()
			}
			r := jobRunner(t, db, workers.JobRunnerOptions{Owner: "first", Clock: clock, Lease: lease,
				Handlers: map[string]jobs.Handler{"count": blocked}})
			stop := startRunner(t, r)
			for range 4 { // the default concurrency: every worker is in a job
				select {
				case <-started:
				case <-time.After(20 * time.Second):
					t.Fatal("the first runner did not start its jobs")
				}
			}
			stop()
			return false
		}, n},
		{"died holding leases", func(t *testing.T, db *storage.DB, clock *clockwork.FakeClock) bool {
			// Jobs 0 to 4: the heads of lanes a, b and c, and two jobs of
			// lanes of their own.
			c, err := db.Jobs().Claim(context.Background(), "dead", clock.Now(), lease, 5)
			if err != nil || len(c.Jobs) != 5 {
				t.Fatalf("the dead process claimed %d jobs, %v; want 5", len(c.Jobs), err)
			}
			return true
		}, 4}, // the other jobs in lanes of their own; lanes a, b and c wait
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := server.DB(t)
			clock := clockwork.NewFakeClockAt(time.Now())
			var c runCounter
			next := jobRunner(t, db, workers.JobRunnerOptions{Owner: "next", Clock: clock, Lease: lease,
				Handlers: map[string]jobs.Handler{"count": c.handler}})
			for i := range n {
				enqueue(t, next, "count", "", []string{"", "a", "b", "c"}[i%4], i)
			}
			held := tc.first(t, db, clock)

			ran, err := next.RunDue(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if ran != tc.runnable {
				t.Fatalf("the new runner ran %d jobs at once, want %d", ran, tc.runnable)
			}
			if held {
				// The dead process's jobs, and the jobs behind them in their
				// lanes, waited for its leases to end.
				clock.Advance(lease)
				more, err := next.RunDue(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				ran += more
			}
			if ran != n {
				t.Fatalf("the new runner ran %d jobs, want %d", ran, n)
			}
			c.exactlyOnce(t, n)
			noneLeft(t, db)
		})
	}
}

// TestJobRunnerBurstOf5000JobsLosesNone enqueues 5,000 jobs from eight
// goroutines while a runner works through them.
func TestJobRunnerBurstOf5000JobsLosesNone(t *testing.T) {
	// Serial: it fills the one database connection for about 20 s, and in parallel it tends to start last.
	const n, producers = 5000, 8
	db := server.DB(t)
	var c runCounter
	r := jobRunner(t, db, workers.JobRunnerOptions{Handlers: map[string]jobs.Handler{"count": c.handler}})
	start := time.Now()
	stop := startRunner(t, r)
	var wg sync.WaitGroup
	for p := range producers {
		wg.Go(func() {
			for i := p; i < n; i += producers {
				j, _ := jobs.New("count", i)
				if err := r.Enqueue(context.Background(), j); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	enqueued := time.Since(start)
	waitFor(t, 3*time.Minute, "5,000 jobs to run", func() bool { return c.n.Load() >= n })
	elapsed := time.Since(start)
	stop()
	t.Logf("5,000 jobs: enqueued in %v, all run in %v (%.0f jobs/s)", enqueued.Round(time.Millisecond),
		elapsed.Round(time.Millisecond), n/elapsed.Seconds())
	c.exactlyOnce(t, n)
	noneLeft(t, db)
}

// TestJobRunnerFailingJobBacksOffThenStaysFailed fails a job on every run:
// each retry comes later, per jobs.Backoff, and after MaxAttempts runs the
// job is kept as failed with its last error, until Requeue brings it back.
func TestJobRunnerFailingJobBacksOffThenStaysFailed(t *testing.T) {
	t.Parallel()
	db := server.DB(t)
	ctx := context.Background()
	clock := clockwork.NewFakeClockAt(time.Now())
	// Read only after RunDue returns, when the runner's goroutines are
	// done; slog's handler serialises their writes.
	var logs bytes.Buffer
	reg := prometheus.NewRegistry()
	var runs atomic.Int64
	healthy := atomic.Bool{}
	flaky := func(_ context.Context, j jobs.Job) error {
		n := runs.Add(1)
		if healthy.Load() {
			return nil
		}
		return fmt.Errorf("remote said no, run %d", n)
	}
	r := jobRunner(t, db, workers.JobRunnerOptions{Clock: clock, Metrics: reg,
		Logger:   slog.New(slog.NewTextHandler(&logs, nil)),
		Handlers: map[string]jobs.Handler{"flaky": flaky}})
	enqueue(t, r, "flaky", "", "", map[string]string{"phone": "+79123456789"})
	queued, err := db.Jobs().List(ctx, jobs.StatusQueued, 1)
	if err != nil || len(queued) != 1 {
		t.Fatalf("List(queued) = %v, %v", queued, err)
	}
	id := queued[0].ID

	var lastDelay time.Duration
	for attempt := 1; attempt < jobs.DefaultMaxAttempts; attempt++ {
		if ran, err := r.RunDue(ctx); err != nil || ran != 1 {
			t.Fatalf("attempt %d: RunDue = %d, %v; want 1 run", attempt, ran, err)
		}
		j, err := db.Jobs().Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		delay := j.RunAfter.Sub(clock.Now())
		lo, hi := jobs.Backoff(attempt, 0), jobs.Backoff(attempt, math.Nextafter(1, 0))
		if j.Status != jobs.StatusQueued || j.Attempts != attempt ||
			j.LastError != fmt.Sprintf("remote said no, run %d", attempt) ||
			delay < lo-time.Millisecond || delay > hi+time.Millisecond || delay <= lastDelay {
			t.Fatalf("after run %d: status %s, attempts %d, error %q, retry in %v (Backoff allows %v–%v, last was %v)",
				attempt, j.Status, j.Attempts, j.LastError, delay, lo, hi, lastDelay)
		}
		lastDelay = delay
		// Not due before its time.
		clock.Advance(delay - time.Second)
		if ran, err := r.RunDue(ctx); err != nil || ran != 0 {
			t.Fatalf("a second before retry %d: RunDue = %d, %v; want nothing run", attempt, ran, err)
		}
		clock.Advance(time.Second)
	}
	if ran, err := r.RunDue(ctx); err != nil || ran != 1 {
		t.Fatalf("last attempt: RunDue = %d, %v", ran, err)
	}
	clock.Advance(24 * time.Hour)
	if ran, err := r.RunDue(ctx); err != nil || ran != 0 {
		t.Fatalf("a failed job ran again: RunDue = %d, %v", ran, err)
	}
	list, err := db.Jobs().List(ctx, jobs.StatusFailed, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("remote said no, run %d", jobs.DefaultMaxAttempts)
	if len(list) != 1 || list[0].ID != id || list[0].Attempts != jobs.DefaultMaxAttempts || list[0].LastError != want {
		t.Fatalf("List(failed) = %+v, want the job with %d attempts and error %q", list, jobs.DefaultMaxAttempts, want)
	}
	out := logs.String()
	if !strings.Contains(out, "level=ERROR") || !strings.Contains(out, "alert=true") ||
		!strings.Contains(out, "kind=flaky") || !strings.Contains(out, "job_id="+id) ||
		!strings.Contains(out, fmt.Sprintf("attempts=%d", jobs.DefaultMaxAttempts)) {
		t.Errorf("no ERROR line with alert, kind, job_id and attempts for the failed job:\n%s", out)
	}
	if strings.Contains(out, "+7912") {
		t.Errorf("the payload reached the log:\n%s", out)
	}
	if got := counterValues(t, reg, "parceltrack_jobs_total"); got["flaky/retry"] != jobs.DefaultMaxAttempts-1 || got["flaky/failed"] != 1 {
		t.Errorf("parceltrack_jobs_total = %v", got)
	}

	if err := db.Jobs().Requeue(ctx, id); err != nil {
		t.Fatal(err)
	}
	healthy.Store(true)
	if ran, err := r.RunDue(ctx); err != nil || ran != 1 {
		t.Fatalf("after Requeue: RunDue = %d, %v; want 1", ran, err)
	}
	noneLeft(t, db)
}

// TestJobRunnerFailureKinds: how each way of failing is recorded.
func TestJobRunnerFailureKinds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		kind        string
		maxAttempts int
		handler     jobs.Handler
		wantStatus  jobs.Status
		wantError   string
	}{
		{"permanent error fails at once", "k", 0,
			func(context.Context, jobs.Job) error {
				return fmt.Errorf("decode: %w", jobs.Permanent(errors.New("bad payload")))
			},
			jobs.StatusFailed, "decode: bad payload"},
		{"unknown kind fails at once", "nobody.handles.this", 0, nil,
			jobs.StatusFailed, `no handler for job kind "nobody.handles.this"`},
		{"panic is a failed run", "k", 0,
			func(context.Context, jobs.Job) error { panic("nil map") },
			jobs.StatusQueued, "job handler panicked: nil map"},
		{"error on the last allowed run", "k", 1,
			func(context.Context, jobs.Job) error { return errors.New("timeout") },
			jobs.StatusFailed, "timeout"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := server.DB(t)
			ctx := context.Background()
			r := jobRunner(t, db, workers.JobRunnerOptions{Handlers: map[string]jobs.Handler{"k": tc.handler}})
			j, _ := jobs.New(tc.kind, nil)
			j.MaxAttempts = tc.maxAttempts
			if err := r.Enqueue(ctx, j); err != nil {
				t.Fatal(err)
			}
			if ran, err := r.RunDue(ctx); err != nil || ran != 1 {
				t.Fatalf("RunDue = %d, %v", ran, err)
			}
			list, err := db.Jobs().List(ctx, tc.wantStatus, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 1 || list[0].Attempts != 1 || list[0].LastError != tc.wantError {
				t.Fatalf("List(%s) = %+v, want one job, 1 attempt, error %q", tc.wantStatus, list, tc.wantError)
			}
		})
	}
}

// laneLog checks the runs of laned jobs: none overlaps another of its
// lane, and each lane runs in enqueue order.
type laneLog struct {
	mu      sync.Mutex
	running map[int]bool
	last    map[int]int
	errs    []string
	byOwner map[string]int
}

type laneJob struct {
	Lane, Index int // Index: place in its lane's enqueue order
	ID          int
}

func (l *laneLog) handler(owner string, counter *runCounter) jobs.Handler {
	return func(ctx context.Context, j jobs.Job) error {
		var p laneJob
		if err := j.Decode(&p); err != nil {
			return jobs.Permanent(err)
		}
		l.mu.Lock()
		if l.running[p.Lane] {
			l.errs = append(l.errs, fmt.Sprintf("lane %d: job %d started while another of the lane ran", p.Lane, p.Index))
		}
		if last, ok := l.last[p.Lane]; ok && p.Index <= last || !ok && p.Index != 0 {
			l.errs = append(l.errs, fmt.Sprintf("lane %d: job %d ran after job %d", p.Lane, p.Index, last))
		}
		l.running[p.Lane], l.last[p.Lane] = true, p.Index
		l.byOwner[owner]++
		l.mu.Unlock()
		time.Sleep(time.Millisecond) // long enough for a second runner to overlap, were it let
		l.mu.Lock()
		l.running[p.Lane] = false
		l.mu.Unlock()
		return counter.handler(ctx, jobs.Job{Payload: []byte(fmt.Sprint(p.ID))})
	}
}

// TestJobRunnerTwoPoolsRunEachJobOnceLaneByLane runs two runners, as two
// worker processes would, over 1,000 jobs in 50 lanes.
func TestJobRunnerTwoPoolsRunEachJobOnceLaneByLane(t *testing.T) {
	t.Parallel()
	const n, lanes = 1000, 50
	db := server.DB(t)
	log := &laneLog{running: map[int]bool{}, last: map[int]int{}, byOwner: map[string]int{}}
	var c runCounter
	reg := prometheus.NewRegistry() // one process's registry, shared
	var runners []*workers.JobRunner
	for _, owner := range []string{"a", "b"} {
		runners = append(runners, jobRunner(t, db, workers.JobRunnerOptions{Owner: owner, Metrics: reg,
			Handlers: map[string]jobs.Handler{"lane": log.handler(owner, &c)}}))
	}
	for i := range n {
		enqueue(t, runners[i%2], "lane", "", fmt.Sprint("lane-", i%lanes), laneJob{Lane: i % lanes, Index: i / lanes, ID: i})
	}
	start := time.Now()
	for _, r := range runners {
		startRunner(t, r)
	}
	waitFor(t, 2*time.Minute, "1,000 jobs to run", func() bool { return c.n.Load() >= n })
	elapsed := time.Since(start)
	waitFor(t, 20*time.Second, "the last outcomes to be stored", func() bool {
		left, leases := jobsLeft(t, db)
		return len(left) == 0 && leases == 0
	})
	t.Logf("1,000 jobs in 50 lanes on two runners: %v; runs by runner %v", elapsed.Round(time.Millisecond), log.byOwner)
	c.exactlyOnce(t, n)
	log.mu.Lock()
	defer log.mu.Unlock()
	for i, e := range log.errs {
		if i == 10 {
			t.Errorf("... and %d more", len(log.errs)-10)
			break
		}
		t.Error(e)
	}
	if log.byOwner["a"] == 0 || log.byOwner["b"] == 0 {
		t.Errorf("runs by runner %v: one pool did nothing", log.byOwner)
	}
	if got := counterValues(t, reg, "parceltrack_jobs_total"); got["lane/done"] != n {
		t.Errorf("parceltrack_jobs_total = %v, want %d done", got, n)
	}
}

// TestJobRunnerDedupesAKey: ten requests for one key while it waits run
// it once, with the newest payload; requests while it runs run it exactly
// once more, after.
func TestJobRunnerDedupesAKey(t *testing.T) {
	t.Parallel()
	db := server.DB(t)
	var (
		mu       sync.Mutex
		payloads []int
	)
	inFirst, release := make(chan struct{}), make(chan struct{})
	handler := func(_ context.Context, j jobs.Job) error {
		var v int
		if err := j.Decode(&v); err != nil {
			return jobs.Permanent(err)
		}
		mu.Lock()
		payloads = append(payloads, v)
		first := len(payloads) == 2 // the first run of the second part
		mu.Unlock()
		if first {
			close(inFirst)
			<-release
		}
		return nil
	}
	r := jobRunner(t, db, workers.JobRunnerOptions{Handlers: map[string]jobs.Handler{"sync": handler}})
	ran := func() []int {
		mu.Lock()
		defer mu.Unlock()
		return append([]int(nil), payloads...)
	}

	for i := range 10 {
		enqueue(t, r, "sync", "sync:order:1", "", i)
	}
	if n, err := r.RunDue(context.Background()); err != nil || n != 1 {
		t.Fatalf("ten requests while queued: RunDue = %d, %v; want 1 run", n, err)
	}
	if got := ran(); len(got) != 1 || got[0] != 9 {
		t.Fatalf("runs = %v, want one with the newest payload 9", got)
	}

	stop := startRunner(t, r)
	enqueue(t, r, "sync", "sync:order:1", "", 100)
	select {
	case <-inFirst:
	case <-time.After(20 * time.Second):
		t.Fatal("the job did not start")
	}
	for i := range 5 {
		enqueue(t, r, "sync", "sync:order:1", "", 101+i)
	}
	close(release)
	waitFor(t, 20*time.Second, "the run after the requests", func() bool { return len(ran()) >= 3 })
	time.Sleep(1500 * time.Millisecond) // past the idle tick: nothing more may run
	stop()
	if got := ran(); len(got) != 3 || got[1] != 100 || got[2] != 105 {
		t.Fatalf("runs = %v, want [9 100 105]: one more run, with the newest payload", got)
	}
	noneLeft(t, db)
}

// TestJobRunnerRetryHoldsTheLane: a job of a lane that failed and waits
// for its retry keeps the later jobs of the lane waiting behind it.
func TestJobRunnerRetryHoldsTheLane(t *testing.T) {
	t.Parallel()
	db := server.DB(t)
	ctx := context.Background()
	clock := clockwork.NewFakeClockAt(time.Now())
	var (
		mu     sync.Mutex
		order  []string
		failed bool
	)
	handler := func(_ context.Context, j jobs.Job) error {
		var name string
		_ = j.Decode(&name)
		mu.Lock()
		defer mu.Unlock()
		order = append(order, name)
		if name == "first" && !failed {
			failed = true
			return errors.New("try later")
		}
		return nil
	}
	r := jobRunner(t, db, workers.JobRunnerOptions{Clock: clock, Handlers: map[string]jobs.Handler{"t": handler}})
	enqueue(t, r, "t", "", "shop:1", "first")
	enqueue(t, r, "t", "", "shop:1", "second")
	enqueue(t, r, "t", "", "shop:2", "other lane")

	if ran, err := r.RunDue(ctx); err != nil || ran != 2 {
		t.Fatalf("RunDue = %d, %v; want the failing first job and the other lane's (runs %q)", ran, err, order)
	}
	j, err := db.Jobs().List(ctx, jobs.StatusQueued, 10)
	if err != nil || len(j) != 2 {
		t.Fatalf("queued = %v, %v", j, err)
	}
	wait := j[0].RunAfter.Sub(clock.Now())
	clock.Advance(wait - time.Second)
	if ran, err := r.RunDue(ctx); err != nil || ran != 0 {
		t.Fatalf("before the retry is due: RunDue = %d, %v; the second job must wait", ran, err)
	}
	clock.Advance(time.Second)
	if ran, err := r.RunDue(ctx); err != nil || ran != 2 {
		t.Fatalf("once the retry is due: RunDue = %d, %v; want both", ran, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(order) != 4 || order[2] != "first" || order[3] != "second" {
		t.Fatalf("runs = %q, want the retried first job, then the second", order)
	}
}

// TestJobRunnerKeepsTheLeaseOfALongJob: a job that runs for several
// leases is not handed to another runner meanwhile.
func TestJobRunnerKeepsTheLeaseOfALongJob(t *testing.T) {
	t.Parallel()
	db := server.DB(t)
	var runs atomic.Int64
	long := func(ctx context.Context, _ jobs.Job) error {
		runs.Add(1)
		select {
		case <-time.After(3500 * time.Millisecond):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	// Other tests share the database connection, so a round trip can take
	// a while: the lease leaves room for a few heartbeats to be late.
	o := workers.JobRunnerOptions{Lease: time.Second, Idle: 20 * time.Millisecond,
		Handlers: map[string]jobs.Handler{"long": long}}
	o.Owner = "a"
	a := jobRunner(t, db, o)
	o.Owner = "b"
	b := jobRunner(t, db, o)
	enqueue(t, a, "long", "", "", nil)
	startRunner(t, a)
	startRunner(t, b)
	waitFor(t, 20*time.Second, "the job to start", func() bool { return runs.Load() > 0 })
	waitFor(t, 20*time.Second, "the job to be done", func() bool {
		time.Sleep(50 * time.Millisecond) // each look is a pass over the collection
		left, _ := jobsLeft(t, db)
		return len(left) == 0
	})
	if n := runs.Load(); n != 1 {
		t.Fatalf("the long job ran %d times, want once", n)
	}
}

// counterValues reads a counter vector from reg as "label/label" → value.
func counterValues(t *testing.T, reg *prometheus.Registry, name string) map[string]float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetValue())
			}
			out[strings.Join(labels, "/")] = m.GetCounter().GetValue()
		}
	}
	return out
}
