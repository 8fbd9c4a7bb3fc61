package storage_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"parceltrack/jobs"
	"parceltrack/storage"
)

// jobsFixture is a job store on a fake clock, on a fresh database.
type jobsFixture struct {
	t     *testing.T
	ctx   context.Context
	db    *storage.DB
	clock *clockwork.FakeClock
	jobs  *storage.Jobs
}

func newJobsFixture(t *testing.T) *jobsFixture {
	t.Helper()
	db := server.DB(t)
	clock := clockwork.NewFakeClockAt(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	return &jobsFixture{t: t, ctx: context.Background(), db: db, clock: clock, jobs: storage.JobsAt(db, clock.Now)}
}

// enqueue stores a job of kind "t" with the given key, lane and payload.
func (f *jobsFixture) enqueue(key, lane, payload string) {
	f.t.Helper()
	j := jobs.Job{Kind: "t", Key: key, Lane: lane, Payload: []byte(payload)}
	if err := f.jobs.Enqueue(f.ctx, j); err != nil {
		f.t.Fatal(err)
	}
}

// claim claims up to limit jobs for owner at the fake clock's now, with a
// one-minute lease.
func (f *jobsFixture) claim(owner string, limit int) jobs.Claim {
	f.t.Helper()
	c, err := f.jobs.Claim(f.ctx, owner, f.clock.Now(), time.Minute, limit)
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

// payloads lists the claim's payloads, sorted.
func payloads(c jobs.Claim) []string {
	var out []string
	for _, j := range c.Jobs {
		out = append(out, string(j.Payload))
	}
	slices.Sort(out)
	return out
}

func (f *jobsFixture) done(c jobs.Claim) {
	f.t.Helper()
	for _, j := range c.Jobs {
		if err := f.jobs.Done(f.ctx, c.Token, j); err != nil {
			f.t.Fatal(err)
		}
	}
}

// noneLeft fails the test when any job is still stored.
func (f *jobsFixture) noneLeft() {
	f.t.Helper()
	if n := f.count(); len(n) != 0 {
		f.t.Fatalf("jobs left: %v", n)
	}
}

func (f *jobsFixture) count() map[jobs.Status]int {
	f.t.Helper()
	n, err := f.jobs.Count(f.ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

func TestJobsClaimOnePerLaneFirstEnqueuedFirst(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		sorted bool
	}{
		{"find in this server's order", false},
		{"find sorted by seq, as on MongoDB", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newJobsFixture(t)
			if tc.sorted {
				f.jobs = storage.JobsSortedAt(f.db, f.clock.Now)
			}
			testClaimOnePerLane(t, f)
		})
	}
}

func testClaimOnePerLane(t *testing.T, f *jobsFixture) {
	for _, j := range []struct{ lane, payload string }{
		{"a", `"a1"`}, {"b", `"b1"`}, {"a", `"a2"`}, {"", `"own1"`}, {"a", `"a3"`}, {"b", `"b2"`}, {"", `"own2"`},
	} {
		f.enqueue("", j.lane, j.payload)
	}
	// Each round takes the first job of every lane that is free.
	rounds := [][]string{
		{`"a1"`, `"b1"`, `"own1"`, `"own2"`},
		{`"a2"`, `"b2"`},
		{`"a3"`},
		nil,
	}
	for i, want := range rounds {
		c := f.claim("w", 10)
		if got := payloads(c); !slices.Equal(got, want) {
			t.Fatalf("round %d claimed %v, want %v", i+1, got, want)
		}
		// While the round's jobs hold their lanes, nothing more is handed out.
		if again := f.claim("other", 10); len(again.Jobs) != 0 {
			t.Fatalf("round %d: a second claimer got %v while the lanes were held", i+1, payloads(again))
		}
		f.done(c)
	}
	f.noneLeft()
}

func TestJobsClaimRespectsLimitAndRunAfter(t *testing.T) {
	t.Parallel()
	f := newJobsFixture(t)
	for i := range 5 {
		f.enqueue("", "", fmt.Sprintf(`%d`, i))
	}
	later := jobs.Job{Kind: "t", Payload: []byte(`"later"`), RunAfter: f.clock.Now().Add(time.Hour)}
	if err := f.jobs.Enqueue(f.ctx, later); err != nil {
		t.Fatal(err)
	}
	if got := payloads(f.claim("w", 3)); !slices.Equal(got, []string{"0", "1", "2"}) {
		t.Fatalf("limit 3 claimed %v, want the first three enqueued", got)
	}
	if got := payloads(f.claim("w", 10)); !slices.Equal(got, []string{"3", "4"}) {
		t.Fatalf("second claim got %v, want the two left that are due", got)
	}
	f.clock.Advance(time.Hour)
	// The first claims' leases ended too, so their jobs are due again.
	if got := payloads(f.claim("w", 10)); !slices.Contains(got, `"later"`) || len(got) != 6 {
		t.Fatalf("an hour later claimed %v, want all six", got)
	}
}

func TestJobsLeaseOfADeadRunnerEnds(t *testing.T) {
	t.Parallel()
	f := newJobsFixture(t)
	f.enqueue("", "l", `"j"`)
	dead := f.claim("dead", 10)
	if len(dead.Jobs) != 1 {
		t.Fatalf("claimed %d jobs, want 1", len(dead.Jobs))
	}
	f.clock.Advance(59 * time.Second)
	if c := f.claim("alive", 10); len(c.Jobs) != 0 {
		t.Fatal("a job was handed out again while its lease was live")
	}
	f.clock.Advance(time.Second)
	c := f.claim("alive", 10)
	if len(c.Jobs) != 1 || c.Jobs[0].ID != dead.Jobs[0].ID {
		t.Fatalf("after the lease ended claimed %v, want the dead runner's job", payloads(c))
	}
	// The dead runner's late report cannot release the new holder's lane.
	if err := f.jobs.Release(f.ctx, dead.Token, dead.Jobs[0]); err != nil {
		t.Fatal(err)
	}
	if again := f.claim("third", 10); len(again.Jobs) != 0 {
		t.Fatal("a stale token released the lane of the runner that holds it")
	}
}

func TestJobsExtendKeepsTheLane(t *testing.T) {
	t.Parallel()
	f := newJobsFixture(t)
	f.enqueue("", "l", `"j"`)
	c := f.claim("w", 1)
	ok, err := f.jobs.Extend(f.ctx, c.Token, c.Jobs[0], f.clock.Now().Add(10*time.Minute))
	if err != nil || !ok {
		t.Fatalf("Extend = %v, %v; want true", ok, err)
	}
	if ok, err := f.jobs.Extend(f.ctx, "someone/else", c.Jobs[0], f.clock.Now().Add(time.Hour)); err != nil || ok {
		t.Fatalf("Extend with another token = %v, %v; want false", ok, err)
	}
	f.clock.Advance(5 * time.Minute) // past the claim's own minute
	if again := f.claim("other", 1); len(again.Jobs) != 0 {
		t.Fatal("an extended lease was taken")
	}
	f.clock.Advance(5 * time.Minute)
	if again := f.claim("other", 1); len(again.Jobs) != 1 {
		t.Fatal("the job was not claimable once the extended lease ended")
	}
}

func TestJobsRetryHoldsTheLaneUntilRunAfter(t *testing.T) {
	t.Parallel()
	f := newJobsFixture(t)
	f.enqueue("", "l", `"first"`)
	f.enqueue("", "l", `"second"`)
	c := f.claim("w", 10)
	if got := payloads(c); !slices.Equal(got, []string{`"first"`}) {
		t.Fatalf("claimed %v", got)
	}
	runAfter := f.clock.Now().Add(5 * time.Minute) // past the one-minute lease
	if err := f.jobs.Retry(f.ctx, c.Token, c.Jobs[0], "remote is down", runAfter); err != nil {
		t.Fatal(err)
	}
	for _, wait := range []time.Duration{0, 2 * time.Minute, 2*time.Minute + 59*time.Second} {
		f.clock.Advance(wait)
		if got := f.claim("w", 10); len(got.Jobs) != 0 {
			t.Fatalf("%v before run_after claimed %v: the lane was not held", runAfter.Sub(f.clock.Now()), payloads(got))
		}
	}
	f.clock.Advance(time.Second)
	c = f.claim("w", 10)
	if len(c.Jobs) != 1 || string(c.Jobs[0].Payload) != `"first"` {
		t.Fatalf("at run_after claimed %v, want the retried job first", payloads(c))
	}
	j := c.Jobs[0]
	if j.Attempts != 1 || j.LastError != "remote is down" || !j.RunAfter.Equal(runAfter) {
		t.Fatalf("retried job = attempts %d, error %q, run_after %v", j.Attempts, j.LastError, j.RunAfter)
	}
}

// TestJobsRequestEndsARetryWait: a keyed job asked for again while it
// waits for its retry runs at once, as the new request may be what it
// needed (a reinstall, a new state); one that is running is not disturbed.
func TestJobsRequestEndsARetryWait(t *testing.T) {
	t.Parallel()
	f := newJobsFixture(t)
	f.enqueue("setup:s1", "", `"first"`)
	c := f.claim("w", 10)
	if err := f.jobs.Retry(f.ctx, c.Token, c.Jobs[0], "InSales is down", f.clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := f.claim("w", 10); len(got.Jobs) != 0 {
		t.Fatalf("claimed %v while it waits for its retry", payloads(got))
	}
	f.enqueue("setup:s1", "", `"again"`)
	c = f.claim("w", 10)
	if got := payloads(c); !slices.Equal(got, []string{`"again"`}) {
		t.Fatalf("after a new request claimed %v, want the job at once with the newest payload", got)
	}
	// Asked for again while it runs: its lease stays, nobody else runs it.
	f.enqueue("setup:s1", "", `"third"`)
	if got := f.claim("w2", 10); len(got.Jobs) != 0 {
		t.Fatalf("a running job was claimed again: %v", payloads(got))
	}
}

func TestJobsFailKeepsTheJobVisibleAndFreesTheLane(t *testing.T) {
	t.Parallel()
	f := newJobsFixture(t)
	f.enqueue("", "l", `"bad"`)
	f.enqueue("", "l", `"next"`)
	c := f.claim("w", 10)
	if err := f.jobs.Fail(f.ctx, c.Token, c.Jobs[0], "no such shop"); err != nil {
		t.Fatal(err)
	}
	if got := payloads(f.claim("w", 10)); !slices.Equal(got, []string{`"next"`}) {
		t.Fatalf("after a failure the lane gave %v, want the next job", got)
	}
	if n := f.count(); n[jobs.StatusFailed] != 1 || n[jobs.StatusQueued] != 1 {
		t.Fatalf("Count = %v, want one failed and one queued", n)
	}
	failed, err := f.jobs.List(f.ctx, jobs.StatusFailed, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(failed) != 1 || failed[0].LastError != "no such shop" || failed[0].Attempts != 1 || failed[0].Status != jobs.StatusFailed {
		t.Fatalf("List(failed) = %+v", failed)
	}

	if err := f.jobs.Requeue(f.ctx, "no-such-job"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("Requeue of a missing job = %v, want ErrNotFound", err)
	}
	queued, err := f.jobs.List(f.ctx, jobs.StatusQueued, 10)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.jobs.Requeue(f.ctx, queued[0].ID); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("Requeue of a queued job = %v, want ErrNotFound", err)
	}
	if err := f.jobs.Requeue(f.ctx, failed[0].ID); err != nil {
		t.Fatal(err)
	}
	back, err := f.jobs.Get(f.ctx, failed[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if back.Status != jobs.StatusQueued || back.Attempts != 0 || back.RunAfter.After(f.clock.Now()) {
		t.Fatalf("requeued job = %+v", back)
	}
}

func TestJobsSweepDeletesOldFailedJobsOnly(t *testing.T) {
	t.Parallel()
	f := newJobsFixture(t)
	for _, p := range []string{`"old"`, `"recent"`, `"queued"`} {
		f.enqueue("", "", p)
	}
	c := f.claim("w", 10)
	byPayload := map[string]jobs.Job{}
	for _, j := range c.Jobs {
		byPayload[string(j.Payload)] = j
	}
	if err := f.jobs.Fail(f.ctx, c.Token, byPayload[`"old"`], "x"); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(48 * time.Hour)
	if err := f.jobs.Fail(f.ctx, c.Token, byPayload[`"recent"`], "x"); err != nil {
		t.Fatal(err)
	}
	n, err := f.jobs.Sweep(f.ctx, f.clock.Now().Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("Sweep deleted %d, want 1", n)
	}
	if got := f.count(); got[jobs.StatusFailed] != 1 || got[jobs.StatusQueued] != 1 {
		t.Fatalf("after the sweep Count = %v", got)
	}
}

func TestJobsDedupeWhileQueued(t *testing.T) {
	t.Parallel()
	f := newJobsFixture(t)
	for i := range 10 {
		f.enqueue("order:42", "shop:1", fmt.Sprintf(`{"v":%d}`, i))
	}
	if n := f.count(); n[jobs.StatusQueued] != 1 {
		t.Fatalf("ten enqueues of one key stored %v, want one queued job", n)
	}
	c := f.claim("w", 10)
	if len(c.Jobs) != 1 || string(c.Jobs[0].Payload) != `{"v":9}` || c.Jobs[0].Generation != 10 {
		t.Fatalf("claimed %+v, want one job with the newest payload, generation 10", c.Jobs)
	}
	f.done(c)
	f.noneLeft()
	// The key is free again once the job is done.
	f.enqueue("order:42", "shop:1", `{"v":10}`)
	if c := f.claim("w", 10); len(c.Jobs) != 1 || c.Jobs[0].Generation != 1 {
		t.Fatalf("a fresh enqueue after done claimed %+v", c.Jobs)
	}
}

func TestJobsRequestedWhileRunningRunsOnceMore(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// finish reports the first run's outcome.
		finish func(f *jobsFixture, c jobs.Claim) error
	}{
		{"run succeeded", func(f *jobsFixture, c jobs.Claim) error { return f.jobs.Done(f.ctx, c.Token, c.Jobs[0]) }},
		{"run failed for good", func(f *jobsFixture, c jobs.Claim) error {
			return f.jobs.Fail(f.ctx, c.Token, c.Jobs[0], "boom")
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newJobsFixture(t)
			f.enqueue("k", "", `"first"`)
			c := f.claim("w", 10)
			if len(c.Jobs) != 1 {
				t.Fatalf("claimed %d", len(c.Jobs))
			}
			// Requested three times while it runs.
			for range 3 {
				f.enqueue("k", "", `"newer"`)
			}
			if got := f.claim("other", 10); len(got.Jobs) != 0 {
				t.Fatal("a job requested again while it ran was handed to a second runner")
			}
			if err := tc.finish(f, c); err != nil {
				t.Fatal(err)
			}
			again := f.claim("w", 10)
			if len(again.Jobs) != 1 || string(again.Jobs[0].Payload) != `"newer"` {
				t.Fatalf("after the run claimed %v, want the job once more with the newest payload", payloads(again))
			}
			f.done(again)
			f.noneLeft()
		})
	}
}

func TestJobsFailedKeyEnqueuedAgainIsQueued(t *testing.T) {
	t.Parallel()
	f := newJobsFixture(t)
	f.enqueue("k", "", `"first"`)
	c := f.claim("w", 10)
	if err := f.jobs.Fail(f.ctx, c.Token, c.Jobs[0], "boom"); err != nil {
		t.Fatal(err)
	}
	f.enqueue("k", "", `"second"`)
	if n := f.count(); n[jobs.StatusQueued] != 1 || n[jobs.StatusFailed] != 0 {
		t.Fatalf("Count = %v, want the failed job queued again, not a second row", n)
	}
	if got := payloads(f.claim("w", 10)); !slices.Equal(got, []string{`"second"`}) {
		t.Fatalf("claimed %v", got)
	}
}

// TestJobsClaimChecksTheJobAfterWinningItsLane makes another runner take,
// finish and release a job between a claim's find and its lease insert: the
// claim wins the free lane, but must not hand out the job it found.
func TestJobsClaimChecksTheJobAfterWinningItsLane(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// finish is what the other runner does with the job it claimed.
		finish func(ctx context.Context, s *storage.Jobs, c jobs.Claim) error
	}{
		{"finished", func(ctx context.Context, s *storage.Jobs, c jobs.Claim) error {
			return s.Done(ctx, c.Token, c.Jobs[0])
		}},
		{"failed", func(ctx context.Context, s *storage.Jobs, c jobs.Claim) error {
			return s.Fail(ctx, c.Token, c.Jobs[0], "boom")
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := server.DB(t)
			ctx := context.Background()
			other := db.Jobs()
			for _, lane := range []string{"", "l"} {
				if err := other.Enqueue(ctx, jobs.Job{Kind: "t", Lane: lane, Payload: []byte(`"x"`)}); err != nil {
					t.Fatal(err)
				}
			}
			raced := 0
			slow := storage.JobsRacing(db, func() {
				if raced++; raced > 1 {
					return
				}
				c, err := other.Claim(ctx, "other", time.Now(), time.Minute, 10)
				if err != nil || len(c.Jobs) != 2 {
					t.Errorf("the other runner claimed %d jobs, %v; want both", len(c.Jobs), err)
					return
				}
				for _, j := range c.Jobs {
					c := jobs.Claim{Token: c.Token, Jobs: []jobs.Job{j}}
					if err := tc.finish(ctx, other, c); err != nil {
						t.Error(err)
					}
				}
			})
			c, err := slow.Claim(ctx, "slow", time.Now(), time.Minute, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(c.Jobs) != 0 {
				t.Fatalf("the claim handed out %d jobs the other runner had already %s", len(c.Jobs), tc.name)
			}
			// And it gave the lanes it won for nothing back.
			if err := other.Enqueue(ctx, jobs.Job{Kind: "t", Lane: "l", Payload: []byte(`"y"`)}); err != nil {
				t.Fatal(err)
			}
			if c, err := other.Claim(ctx, "other", time.Now(), time.Minute, 10); err != nil || len(c.Jobs) != 1 {
				t.Fatalf("lane l after the race: claimed %d, %v; want the new job", len(c.Jobs), err)
			}
		})
	}
}

// TestJobsConcurrentClaimersTakeEachJobOnce runs claimers side by side on
// one database: every job is done by exactly one of them.
func TestJobsConcurrentClaimersTakeEachJobOnce(t *testing.T) {
	t.Parallel()
	db := server.DB(t)
	store := db.Jobs()
	ctx := context.Background()
	const n = 300
	for i := range n {
		j := jobs.Job{Kind: "t", Lane: fmt.Sprintf("lane%d", i%7), Payload: []byte(fmt.Sprint(i))}
		if i%3 == 0 {
			j.Lane = ""
		}
		if err := store.Enqueue(ctx, j); err != nil {
			t.Fatal(err)
		}
	}
	var (
		mu   sync.Mutex
		runs = map[string]int{}
		wg   sync.WaitGroup
	)
	for w := range 4 {
		wg.Go(func() {
			for {
				c, err := store.Claim(ctx, fmt.Sprint("w", w), time.Now(), time.Minute, 5)
				if err != nil {
					t.Error(err)
					return
				}
				if len(c.Jobs) == 0 {
					// Nothing free: done when no job is left at all.
					left, err := store.Count(ctx)
					if err != nil || left[jobs.StatusQueued] == 0 {
						return
					}
					continue
				}
				for _, j := range c.Jobs {
					mu.Lock()
					runs[string(j.Payload)]++
					mu.Unlock()
					if err := store.Done(ctx, c.Token, j); err != nil {
						t.Error(err)
					}
				}
			}
		})
	}
	wg.Wait()
	for i := range n {
		if got := runs[fmt.Sprint(i)]; got != 1 {
			t.Errorf("job %d ran %d times", i, got)
		}
	}
	if left, err := store.Count(ctx); err != nil || len(left) != 0 {
		t.Fatalf("jobs left: %v, %v", left, err)
	}
}
