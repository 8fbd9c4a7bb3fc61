package workers_test

import (
	"context"
	"io"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"parceltrack/workers"
)

// jobResults sums parceltrack_job_runs_total in reg by "job/result".
func jobResults(t *testing.T, reg *prometheus.Registry) map[string]int {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, f := range families {
		if f.GetName() != "parceltrack_job_runs_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			var job, result string
			for _, l := range m.GetLabel() {
				switch l.GetName() {
				case "job":
					job = l.GetValue()
				case "result":
					result = l.GetValue()
				}
			}
			out[job+"/"+result] += int(m.GetCounter().GetValue())
		}
	}
	return out
}

// TestSchedulerSingletonJobRunsInOneProcess runs two schedulers on one
// database, as two worker processes would, half an interval out of phase, and
// steps a shared fake clock through the intervals: the singleton job runs
// exactly once per interval over both processes and the ordinary job once per
// interval in each. When the process holding the singleton stops, the other
// takes it over once the lease runs out, with no interval missed.
func TestSchedulerSingletonJobRunsInOneProcess(t *testing.T) {
	t.Parallel()
	db := server.DB(t)
	const every = 10 * time.Minute
	const together, alone = 6, 3 // intervals with both processes, then with proc-b only
	t0 := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	clock := clockwork.NewFakeClockAt(t0)

	type run struct {
		owner, job string
		interval   int
	}
	var mu sync.Mutex
	var runs []run

	type process struct {
		reg     *prometheus.Registry
		stop    func() error
		firings int // job firings the process has been through so far
	}
	start := func(owner string) *process {
		p := &process{reg: prometheus.NewRegistry()}
		s, err := workers.NewScheduler(workers.SchedulerOptions{
			Leases: db.Leases(), Owner: owner, Metrics: p.reg, Clock: clock,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range []workers.Job{
			{Name: "reconcile", Every: every, Singleton: true},
			{Name: "poll", Every: every},
		} {
			j.Run = func(context.Context) error {
				mu.Lock()
				runs = append(runs, run{owner, j.Name, int(clock.Since(t0) / every)})
				mu.Unlock()
				return nil
			}
			if err := s.Add(j); err != nil {
				t.Fatal(err)
			}
		}
		p.stop = sync.OnceValue(s.Shutdown) // a second gocron Shutdown would wait for its timeout
		t.Cleanup(func() {
			if err := p.stop(); err != nil {
				t.Error(err)
			}
		})
		s.Start() // fires both jobs at once, then every interval
		return p
	}

	// settle waits until p, whose timers just fired, has counted a result
	// for both its jobs (the count comes after the job is free to fire
	// again) and every timer is set again, so the next step of the clock
	// finds everything at rest.
	settle := func(p *process, timers int) {
		t.Helper()
		p.firings += 2
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for {
			n := 0
			for _, c := range jobResults(t, p.reg) {
				n += c
			}
			if n == p.firings {
				break
			}
			if n > p.firings || ctx.Err() != nil {
				t.Fatalf("at %s: %d job firings counted, want %d", clock.Since(t0), n, p.firings)
			}
			time.Sleep(time.Millisecond)
		}
		if err := clock.BlockUntilContext(ctx, timers); err != nil {
			t.Fatalf("at %s the jobs were not rescheduled: %v", clock.Since(t0), err)
		}
	}

	a := start("proc-a")
	settle(a, 2)
	clock.Advance(every / 2)
	b := start("proc-b") // the second process starts out of phase
	settle(b, 4)
	for range together - 1 {
		clock.Advance(every / 2)
		settle(a, 4)
		clock.Advance(every / 2)
		settle(b, 4)
	}
	if err := a.stop(); err != nil {
		t.Fatal(err)
	}
	for range alone {
		clock.Advance(every) // proc-b's timers; proc-a's are gone
		settle(b, 2)
	}

	singleton := map[int][]string{}  // interval → processes that ran it
	everywhere := map[string][]int{} // process → intervals it polled in
	mu.Lock()
	for _, r := range runs {
		if r.job == "reconcile" {
			singleton[r.interval] = append(singleton[r.interval], r.owner)
		} else {
			everywhere[r.owner] = append(everywhere[r.owner], r.interval)
		}
	}
	mu.Unlock()
	for k := range together + alone {
		owners := singleton[k]
		if len(owners) != 1 {
			t.Errorf("interval %d: singleton ran in %v, want exactly one process", k, owners)
		} else if k >= together && owners[0] != "proc-b" {
			t.Errorf("interval %d: singleton ran in %s after it stopped", k, owners[0])
		}
	}
	if len(singleton) != together+alone {
		t.Errorf("singleton ran in intervals %v, want 0–%d", singleton, together+alone-1)
	}
	for owner, want := range map[string][]int{
		"proc-a": {0, 1, 2, 3, 4, 5},
		"proc-b": {0, 1, 2, 3, 4, 5, 6, 7, 8},
	} {
		if got := everywhere[owner]; !slices.Equal(got, want) {
			t.Errorf("%s polled in intervals %v, want %v", owner, got, want)
		}
	}
	// The metrics tell the same story: proc-b found the lease held in each
	// shared interval, and nothing ever fired while still running.
	for p, want := range map[*process]map[string]int{
		a: {"reconcile/ok": together, "poll/ok": together},
		b: {"reconcile/held": together, "reconcile/ok": alone, "poll/ok": together + alone},
	} {
		if got := jobResults(t, p.reg); !maps.Equal(got, want) {
			t.Errorf("job results %v, want %v", got, want)
		}
	}
}

// TestSchedulerSkipsAFiringWhileTheJobRuns: a run slower than its interval
// is not overlapped by the next firing, which is counted as busy; the job
// fires normally again once the slow run is over.
func TestSchedulerSkipsAFiringWhileTheJobRuns(t *testing.T) {
	t.Parallel()
	db := server.DB(t)
	const every = time.Minute
	clock := clockwork.NewFakeClock()
	reg := prometheus.NewRegistry()
	s, err := workers.NewScheduler(workers.SchedulerOptions{
		Leases: db.Leases(), Owner: "p", Metrics: reg, Clock: clock,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{}, 10)
	release := make(chan struct{})
	var inFlight, overlaps atomic.Int32
	err = s.Add(workers.Job{Name: "slow", Every: every, Singleton: true, Run: func(context.Context) error {
		if inFlight.Add(1) > 1 {
			overlaps.Add(1)
		}
		defer inFlight.Add(-1)
		started <- struct{}{}
		<-release
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	stop := sync.OnceValue(s.Shutdown)
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	})
	unblock := sync.OnceFunc(func() { close(release) })
	t.Cleanup(unblock) // runs before stop: a failed test must not leave the run stuck
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	waitFor := func(what string, cond func(map[string]int) bool) {
		t.Helper()
		for !cond(jobResults(t, reg)) {
			if ctx.Err() != nil {
				t.Fatalf("%s: job results %v", what, jobResults(t, reg))
			}
			time.Sleep(time.Millisecond)
		}
	}

	s.Start()
	<-started // the first run is now stuck until release
	if err := clock.BlockUntilContext(ctx, 1); err != nil {
		t.Fatal(err)
	}
	clock.Advance(every)
	waitFor("second firing while the first run goes on", func(r map[string]int) bool { return r["slow/busy"] == 1 })
	unblock()
	waitFor("first run finished", func(r map[string]int) bool { return r["slow/ok"] == 1 })
	if err := clock.BlockUntilContext(ctx, 1); err != nil {
		t.Fatal(err)
	}
	clock.Advance(every)
	waitFor("third firing runs", func(r map[string]int) bool { return r["slow/ok"] == 2 })
	if len(started) != 1 || overlaps.Load() != 0 {
		t.Errorf("started %d more runs after the first (want 1), %d overlaps", len(started), overlaps.Load())
	}
}

func TestSchedulerJobMetricsCountResults(t *testing.T) {
	t.Parallel()
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
