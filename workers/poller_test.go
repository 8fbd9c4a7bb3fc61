package workers_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"testing"
	"time"

	"parceltrack/carriers/russianpost"
	rpsandbox "parceltrack/sandbox/russianpost"
	"parceltrack/shopapp"
	"parceltrack/storage"
	"parceltrack/tracking"
	"parceltrack/workers"
)

// countingCarrier serves the sandbox Russian Post and counts requests per
// barcode, as the real service would see them.
type countingCarrier struct {
	mu    sync.Mutex
	calls map[string]int
	next  http.Handler
}

var barcodeRE = regexp.MustCompile(`<(?:\w+:)?Barcode>([^<]+)<`)

func (c *countingCarrier) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if m := barcodeRE.FindSubmatch(body); m != nil {
		c.mu.Lock()
		c.calls[string(m[1])]++
		c.mu.Unlock()
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	c.next.ServeHTTP(w, r)
}

// total is how many history requests the carrier received.
func (c *countingCarrier) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, k := range c.calls {
		n += k
	}
	return n
}

// budgetPollers builds pollers "a" and "b", as two processes would run, on
// one database and carrier account with a daily limit.
func budgetPollers(t *testing.T, o workers.PollerOptions) []*workers.Poller {
	t.Helper()
	var ps []*workers.Poller
	for _, owner := range []string{"a", "b"} {
		o.Owner = owner
		o.Lease, o.Concurrency, o.RatePerSec = time.Minute, 4, 10000
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
		p, err := workers.NewPoller(o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = p.Close(context.Background()) })
		ps = append(ps, p)
	}
	return ps
}

// drainAll drains every poller at once.
func drainAll(t *testing.T, pollers []*workers.Poller) {
	t.Helper()
	var wg sync.WaitGroup
	for _, p := range pollers {
		wg.Go(func() {
			if _, err := p.Drain(context.Background(), 100); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}

// pastStarts starts every sandbox scenario ago before it is first asked about.
type pastStarts time.Duration

func (a pastStarts) Start(_ context.Context, _ string, now time.Time) (time.Time, error) {
	return now.Add(-time.Duration(a)), nil
}

type pollFixture struct {
	db      *storage.DB
	sandbox *rpsandbox.Server
	counter *countingCarrier
	client  *russianpost.Client
	tracks  []string
}

func newPollFixture(t *testing.T, n int, latency time.Duration) *pollFixture {
	t.Helper()
	f := &pollFixture{db: server.DB(t)}
	// Sandbox time runs near real time here (1.44x), so no parcel falls due
	// again during a test, and every scenario started weeks ago, so the
	// first poll already sees the parcels in many different states.
	f.sandbox = &rpsandbox.Server{Login: "l", Password: "p", Speed: 0.001, Latency: latency,
		Starts: pastStarts(21 * 24 * time.Hour), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	f.counter = &countingCarrier{calls: map[string]int{}, next: f.sandbox}
	ts := httptest.NewServer(f.counter)
	t.Cleanup(ts.Close)
	f.client = russianpost.NewClient(russianpost.Config{URL: ts.URL + "/rtm34", BatchURL: ts.URL + "/fc", Login: "l", Password: "p"})
	seedDue(t, f.db, n, f.sandbox.Now(), &f.tracks)
	return f
}

// seedDue inserts n parcels due at now, spread over every sandbox scenario.
func seedDue(t testing.TB, db *storage.DB, n int, now time.Time, tracks *[]string) {
	t.Helper()
	scenarios := rpsandbox.Scenarios()[:10]
	due := now.Add(-time.Minute)
	var parcels []shopapp.Parcel
	var polls []tracking.Schedule
	for i := range n {
		track := rpsandbox.Barcode(scenarios[i%len(scenarios)], i/len(scenarios))
		id := storage.NewID()
		*tracks = append(*tracks, track)
		parcels = append(parcels, shopapp.Parcel{ID: id, ShopID: "shop", OrderID: int64(i), Track: track,
			Carrier: "russianpost", EnteredAt: now, State: tracking.StateRegistered})
		polls = append(polls, tracking.Schedule{ID: id, ShopID: "shop", Track: track, Carrier: "russianpost",
			EnteredAt: now.Add(-time.Hour), State: tracking.StateRegistered, NextPollAt: due})
	}
	if err := db.BulkLoad(context.Background(), parcels, polls); err != nil {
		t.Fatal(err)
	}
}

func (f *pollFixture) poller(t testing.TB, owner string, clock func() time.Time, tweaks ...func(*workers.PollerOptions)) *workers.Poller {
	t.Helper()
	o := workers.PollerOptions{
		Owner: owner, Polls: f.db.Polls(), Parcels: f.db.Parcels(), Budgets: f.db.Budgets(),
		Carrier: f.client, BatchSize: 50, Lease: time.Minute, Concurrency: 8, RatePerSec: 10000,
		Clock: clock, TrackingClock: f.sandbox.Now,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	for _, tweak := range tweaks {
		tweak(&o)
	}
	p, err := workers.NewPoller(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close(context.Background()) })
	return p
}

// TestTwoPollersPollEveryParcelExactlyOnce runs two pollers with different
// lease owners on one database, as two worker processes would. The second
// starts once the first is polling, with most parcels still due, so both
// always get work: the test is about sharing, not about who starts first.
func TestTwoPollersPollEveryParcelExactlyOnce(t *testing.T) {
	// Serial: that both pollers get work depends on timing, which other tests would skew.
	n := 1000
	if testing.Short() {
		n = 100
	}
	f := newPollFixture(t, n, 2*time.Millisecond)
	ctx := context.Background()
	var wg sync.WaitGroup
	stats := make([]workers.Stats, 2)
	for i, owner := range []string{"proc-a", "proc-b"} {
		if i == 1 {
			waitFor(t, 10*time.Second, "the first poller's first request", func() bool { return f.counter.total() > 0 })
		}
		p := f.poller(t, owner, time.Now)
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := p.Drain(ctx, 1000)
			if err != nil {
				t.Error(err)
			}
			stats[i] = st
		}()
	}
	wg.Wait()
	if stats[0].Polled == 0 || stats[1].Polled == 0 {
		t.Errorf("work not shared: %+v", stats)
	}
	if got := stats[0].Polled + stats[0].Failed + stats[1].Polled + stats[1].Failed; got != n {
		t.Errorf("polled %d parcels, want %d", got, n)
	}
	for _, track := range f.tracks {
		if c := f.counter.calls[track]; c != 1 {
			t.Fatalf("track %s asked %d times, want once", track, c)
		}
	}
	// Nothing is due again until the next poll time the states set.
	st, err := f.poller(t, "proc-c", time.Now).RunBatch(ctx)
	if err != nil || st.Claimed != 0 {
		t.Fatalf("after one round: %+v, %v", st, err)
	}
	assertStatesStored(t, f)
}

// TestStateChangeIsNeverLost: when what a state change makes due cannot be
// stored (OnChange fails), the poll stays unfinished, and the next poll sees
// the same change again and calls OnChange again — so a status sync or a
// message hanging off it is never lost.
func TestStateChangeIsNeverLost(t *testing.T) {
	t.Parallel()
	const n = 20
	f := newPollFixture(t, n, 0)
	ctx := context.Background()
	var mu sync.Mutex
	calls := map[string]int{}
	down := true
	p := f.poller(t, "w", time.Now, func(o *workers.PollerOptions) {
		o.OnChange = func(_ context.Context, c tracking.Change) error {
			mu.Lock()
			defer mu.Unlock()
			calls[c.Schedule.ID]++
			if down {
				return errors.New("jobs: database unreachable")
			}
			return nil
		}
	})
	first, err := p.RunBatch(ctx)
	if err != nil || first.Claimed != n {
		t.Fatalf("first round: %+v %v", first, err)
	}
	changed := len(calls)
	if changed == 0 {
		t.Fatal("no parcel changed state: the fixture proves nothing")
	}
	for _, s := range allPolls(t, f.db) {
		if calls[s.ID] > 0 && s.State != tracking.StateRegistered {
			t.Fatalf("schedule %s moved to %s though its change was not handed on", s.ID, s.State)
		}
	}
	mu.Lock()
	down = false
	mu.Unlock()
	if _, err := p.RunBatch(ctx); err != nil {
		t.Fatal(err)
	}
	for id, c := range calls {
		if c != 2 {
			t.Errorf("parcel %s: OnChange called %d times, want once failing and once more", id, c)
		}
	}
	if len(calls) != changed {
		t.Errorf("%d parcels changed in the second round, %d in the first", len(calls), changed)
	}
	assertStatesStored(t, f)
}

// assertStatesStored checks that the classifier's verdicts reached both the
// schedule and the parcels.
func assertStatesStored(t *testing.T, f *pollFixture) {
	t.Helper()
	ctx := context.Background()
	polls, err := f.db.Polls().List(ctx, 100000)
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]int{}
	for _, p := range polls {
		states[string(p.State)]++
		if p.PollCount != 1 {
			t.Fatalf("poll %s: count %d after one round", p.ID, p.PollCount)
		}
		parcel, err := f.db.Parcels().Parcel(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if parcel.State != p.State {
			t.Fatalf("parcel %s state %q, schedule says %q", p.ID, parcel.State, p.State)
		}
	}
	if len(states) < 2 {
		t.Errorf("every parcel ended in one state %v: the scenarios should differ", states)
	}
}

// TestStoppedPollerLeavesNothingStuck: a worker that claimed a batch and died
// (its leases never released) delays those parcels only until the leases end.
func TestStoppedPollerLeavesNothingStuck(t *testing.T) {
	t.Parallel()
	const n = 120
	f := newPollFixture(t, n, 0)
	ctx := context.Background()
	claim, err := f.db.Polls().ClaimDue(ctx, "dead", f.sandbox.Now(), time.Now(), time.Minute, 50)
	if err != nil || len(claim.Rows) != 50 {
		t.Fatalf("dead worker claim: %d, %v", len(claim.Rows), err)
	}

	live := f.poller(t, "live", time.Now)
	st, err := live.Drain(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	if st.Polled+st.Failed != n-50 {
		t.Fatalf("while the dead leases last: polled %d, want %d", st.Polled+st.Failed, n-50)
	}

	later := f.poller(t, "later", func() time.Time { return time.Now().Add(2 * time.Minute) })
	st, err = later.Drain(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	if st.Polled+st.Failed != 50 {
		t.Fatalf("after the leases expired: polled %d, want the dead worker's 50", st.Polled+st.Failed)
	}
	for _, track := range f.tracks {
		if c := f.counter.calls[track]; c != 1 {
			t.Fatalf("track %s asked %d times, want once", track, c)
		}
	}
}

// TestDailyBudgetIsNeverExceeded: with a budget of 30 a day, 100 due parcels
// cost exactly 30 requests, shared by two pollers.
func TestDailyBudgetIsNeverExceeded(t *testing.T) {
	t.Parallel()
	f := newPollFixture(t, 100, 0)
	// In the evening of the parcels' Moscow day, when the pace releases the
	// whole limit (TestPacedBudget covers the earlier hours).
	n := f.sandbox.Now().In(time.FixedZone("MSK", 3*3600))
	evening := time.Date(n.Year(), n.Month(), n.Day(), 23, 59, 0, 0, n.Location())
	drainAll(t, budgetPollers(t, workers.PollerOptions{
		Polls: f.db.Polls(), Parcels: f.db.Parcels(), Budgets: f.db.Budgets(), Carrier: f.client,
		BatchSize: 7, DailyLimit: 30, TrackingClock: func() time.Time { return evening },
	}))
	if total := f.counter.total(); total != 30 {
		t.Fatalf("carrier asked %d times, budget 30", total)
	}
}

// TestPacedBudget: before the evening two pollers together spend no more
// than the night share of the daily limit, however much is due, and from
// 21:00 MSK the rest of the limit can be spent, but no more.
func TestPacedBudget(t *testing.T) {
	t.Parallel()
	msk := time.FixedZone("MSK", 3*3600)
	day := time.Date(2025, 3, 4, 0, 0, 0, 0, msk)
	const limit = 30
	clock := &fakeClock{t: day.Add(6 * time.Hour)}
	db := server.DB(t)
	sandbox := &rpsandbox.Server{Login: "l", Password: "p", Speed: realTime, Epoch: clock.Now(), Clock: clock.Now,
		Starts: pastStarts(21 * 24 * time.Hour), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	counter := &countingCarrier{calls: map[string]int{}, next: sandbox}
	ts := httptest.NewServer(counter)
	t.Cleanup(ts.Close)
	client := russianpost.NewClient(russianpost.Config{URL: ts.URL + "/rtm34", Login: "l", Password: "p"})
	var tracks []string
	seedDue(t, db, 100, clock.Now(), &tracks)
	pollers := budgetPollers(t, workers.PollerOptions{
		Polls: db.Polls(), Parcels: db.Parcels(), Budgets: db.Budgets(), Carrier: client,
		BatchSize: 20, DailyLimit: limit, Clock: clock.Now, TrackingClock: clock.Now,
	})
	// The night share of 30 is 4 (12 %, rounded).
	for _, step := range []struct {
		at   time.Duration
		want int
	}{
		{6 * time.Hour, 4},
		{6*time.Hour + 30*time.Second, 4},
		{20*time.Hour + 59*time.Minute, 4},
		{21 * time.Hour, limit},
		{24*time.Hour - time.Second, limit},
	} {
		clock.Add(day.Add(step.at).Sub(clock.Now()))
		drainAll(t, pollers)
		if got := counter.total(); got != step.want {
			t.Fatalf("at %s: carrier asked %d times, want %d of %d", clock.Now().Format("15:04:05"), got, step.want, limit)
		}
	}
}

// TestAccountRefusalPausesEveryParcel: wrong credentials stop polling, leave
// the parcels as they were (including a batch Drain had already claimed
// ahead), and block the account's budget.
func TestAccountRefusalPausesEveryParcel(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		n    int
		run  func(*workers.Poller, context.Context) (workers.Stats, error)
	}{
		{"one batch", 20, (*workers.Poller).RunBatch},
		{"drain with a batch claimed ahead", 120, func(p *workers.Poller, ctx context.Context) (workers.Stats, error) {
			return p.Drain(ctx, 10)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newPollFixture(t, tc.n, 0)
			bad := httptest.NewServer(f.counter)
			t.Cleanup(bad.Close)
			f.client = russianpost.NewClient(russianpost.Config{URL: bad.URL + "/rtm34", Login: "l", Password: "wrong"})
			p := f.poller(t, "a", time.Now)
			ctx := context.Background()
			st, err := tc.run(p, ctx)
			if err != nil {
				t.Fatal(err)
			}
			if st.Polled != 0 || st.Released == 0 {
				t.Fatalf("stats %+v: want nothing polled and the rows released", st)
			}
			if asked := f.counter.total(); asked > 8 {
				t.Errorf("carrier asked %d times after refusing the account, want at most the 8 calls in flight", asked)
			}
			claim, err := f.db.Polls().ClaimDue(ctx, "x", f.sandbox.Now(), time.Now(), time.Minute, 1000)
			if err != nil || len(claim.Rows) != tc.n {
				t.Fatalf("rows after the refusal: %d claimable, %v; want all %d untouched", len(claim.Rows), err, tc.n)
			}
			if again, err := p.RunBatch(ctx); err != nil || again.Claimed != 0 {
				t.Fatalf("a batch right after the refusal claimed %d (%v); the account should rest", again.Claimed, err)
			}
		})
	}
}
