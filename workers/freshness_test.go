package workers_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
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

// The freshness simulation drives the real pollers, the real sandbox carrier
// (over HTTP) and the real database through simulated days on a fake clock:
// the sandbox runs at real speed on that clock, so the test steps time
// explicitly and calls the pollers at each step, as the scheduler would at
// POLL_INTERVAL. It measures, per carrier event, the delay between the
// event's time and the first poll that stored a history containing it. The
// steps are coarser than production's 30-second interval, so the delays are
// slight overestimates.
//
// The parcels in flight are a steady population: at the start N parcels at
// random points of their lives (as if tracked for a while), then new ones
// imported at the rate that keeps about N in flight. Their scenarios follow
// freshnessMix, a plausible shop's mix rather than the sandbox's uniform one.
//
// Every scenario starts at a Moscow midnight, so carrier events happen at the
// times of day the scripts give them: offices by day (08:00–21:00 Moscow
// time), sorting centres also at night. Scenarios started at any instant
// would spread events uniformly over 24 hours, which hides when in the day
// a poll finds something new.

// freshnessMix weighs the sandbox scenarios among imported parcels.
var freshnessMix = map[string]int{
	rpsandbox.DeliveredFast:  25,
	rpsandbox.Collected:      25,
	rpsandbox.Quirks:         15,
	rpsandbox.Forwarded:      5,
	rpsandbox.Refused:        5,
	rpsandbox.Returned:       10,
	rpsandbox.ReturnedPacket: 5,
	rpsandbox.Stuck:          4,
	rpsandbox.Lost:           3,
	rpsandbox.Unknown:        3,
}

type freshnessCase struct {
	name     string
	inFlight int
	batch    bool
	// dailyLimit is the single-access budget per Moscow day.
	dailyLimit int
	step       time.Duration
	// warmup runs before the measured window; events before it are not
	// measured. Events in the last tail of the run are not measured either:
	// a poll may still be on its way for them.
	warmup, window, tail time.Duration
	// Targets: every arrival seen within maxArrival; the 95th percentile of
	// state-changing events under maxP95 (zero: no target).
	maxArrival, maxP95 time.Duration
	// lifeCap, when set, counts parcels as in flight for their first
	// lifeCap only (their ages and the import rate). Without a budget the
	// delays do not depend on the population, so the batch case simulates
	// the eventful first days of fewer parcels: more events for less work.
	lifeCap time.Duration
}

func TestFreshness(t *testing.T) {
	// Serial: a long simulation that keeps the one database connection busy beside the timed tests.
	cases := []freshnessCase{
		{name: "free 100 req/day, 100 in flight", inFlight: 100, dailyLimit: 100, step: 10 * time.Minute,
			warmup: 24 * time.Hour, window: 6 * 24 * time.Hour, tail: 24 * time.Hour, maxArrival: 24 * time.Hour},
		{name: "free 100 req/day, 300 in flight", inFlight: 300, dailyLimit: 100, step: 10 * time.Minute,
			warmup: 24 * time.Hour, window: 6 * 24 * time.Hour, tail: 24 * time.Hour},
		{name: "batch, 40 in their first 6 days", inFlight: 40, batch: true, lifeCap: 6 * 24 * time.Hour, step: 10 * time.Minute,
			warmup: time.Hour, window: 24 * time.Hour, tail: 2 * time.Hour, maxP95: 45 * time.Minute},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if testing.Short() && c.inFlight > 100 {
				t.Skip("long simulation")
			}
			start := time.Now()
			r := newSimulation(t, c).run()
			t.Logf("%s: %d parcels imported, %d requests (max %d in a Moscow day), simulated in %v",
				c.name, r.parcels, r.requests, r.maxPerDay, time.Since(start).Round(time.Millisecond))
			for _, k := range []string{"arrival", "state change", "any event"} {
				t.Logf("  %-12s %s", k, r.delays[k])
			}
			if c.dailyLimit > 0 && r.maxPerDay > c.dailyLimit {
				t.Errorf("%d requests in one Moscow day, limit %d", r.maxPerDay, c.dailyLimit)
			}
			arr := r.delays["arrival"]
			if arr.n == 0 {
				t.Fatal("no arrival in the measured window")
			}
			if c.maxArrival > 0 && (arr.missed > 0 || arr.max > c.maxArrival) {
				t.Errorf("arrivals: %s; want every one seen within %v", arr, c.maxArrival)
			}
			if sc := r.delays["state change"]; c.maxP95 > 0 && (sc.missed > 0 || sc.p95 >= c.maxP95) {
				t.Errorf("state changes: %s; want p95 under %v", sc, c.maxP95)
			}
		})
	}
}

// delayStats summarise the delays of one kind of event.
type delayStats struct {
	n, missed          int
	p50, p95, max, avg time.Duration
}

func (d delayStats) String() string {
	show := func(x time.Duration) string {
		if x == unseen {
			return "unseen"
		}
		return x.Round(time.Minute).String()
	}
	return fmt.Sprintf("n=%d p50=%s p95=%s max(seen)=%s mean(seen)=%s unseen=%d",
		d.n, show(d.p50), show(d.p95), show(d.max), show(d.avg), d.missed)
}

// unseen stands for the delay of an event never stored.
const unseen = time.Duration(1<<63 - 1)

func summarise(delays []time.Duration, missed int) delayStats {
	d := delayStats{n: len(delays) + missed, missed: missed}
	if len(delays) == 0 {
		return d
	}
	slices.Sort(delays)
	// Nearest rank; an unseen event counts as the longest delay.
	rank := func(p float64) time.Duration {
		i := int(p*float64(d.n)+0.999999) - 1
		if i >= len(delays) {
			return unseen
		}
		return delays[max(i, 0)]
	}
	d.p50, d.p95, d.max = rank(0.50), rank(0.95), delays[len(delays)-1]
	var sum time.Duration
	for _, x := range delays {
		sum += x
	}
	d.avg = sum / time.Duration(len(delays))
	return d
}

type simParcel struct {
	id, track string
	sc        rpsandbox.Scenario
	start     time.Time // scenario start (virtual = wall here)
	entered   time.Time // when the track was entered here
}

type simResult struct {
	parcels, requests, maxPerDay int
	delays                       map[string]delayStats
}

type simulation struct {
	t       *testing.T
	c       freshnessCase
	ctx     context.Context
	db      *storage.DB
	clock   *fakeClock
	sandbox *rpsandbox.Server
	starts  *rpsandbox.MemoryStarts
	client  *russianpost.Client
	probe   *freshnessProbe
	rng     *rand.Rand
	mix     []rpsandbox.Scenario
	weights []int
	life    map[string]time.Duration
	serial  map[string]int
	parcels []simParcel
	perDay  map[string]int
	mu      sync.Mutex
}

// simEpoch is a Moscow midnight, where the daily budget starts afresh.
var simEpoch = time.Date(2025, 3, 3, 0, 0, 0, 0, time.FixedZone("MSK", 3*3600))

func newSimulation(t *testing.T, c freshnessCase) *simulation {
	s := &simulation{t: t, c: c, ctx: context.Background(), db: server.DB(t),
		clock: &fakeClock{t: simEpoch}, starts: &rpsandbox.MemoryStarts{},
		rng:  rand.New(rand.NewPCG(uint64(c.inFlight), 42)),
		life: map[string]time.Duration{}, serial: map[string]int{}, perDay: map[string]int{}}
	s.probe = &freshnessProbe{next: s.db.Parcels(), seen: map[string]map[eventKey]time.Time{}}
	s.sandbox = &rpsandbox.Server{Login: "l", Password: "p", Speed: realTime, Epoch: simEpoch, Clock: s.clock.Now,
		Starts: s.starts, DailyLimit: c.dailyLimit, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/rtm34") {
			s.mu.Lock()
			s.perDay[s.clock.Now().In(simEpoch.Location()).Format(time.DateOnly)]++
			s.mu.Unlock()
		}
		s.sandbox.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	s.client = russianpost.NewClient(russianpost.Config{URL: ts.URL + "/rtm34", BatchURL: ts.URL + "/fc", Login: "l", Password: "p"})
	for _, sc := range rpsandbox.Scenarios() {
		if w := freshnessMix[sc.ID]; w > 0 {
			s.mix = append(s.mix, sc)
			s.weights = append(s.weights, w)
			s.life[sc.ID] = polledLife(sc)
			if c.lifeCap > 0 {
				s.life[sc.ID] = min(s.life[sc.ID], c.lifeCap)
			}
		}
	}
	return s
}

// polledLife is how long a parcel of sc is polled: until the classifier
// stops polling it (terminal, or stale 60 days after its last event).
func polledLife(sc rpsandbox.Scenario) time.Duration {
	steps := visibleSteps(sc, simEpoch)
	for i := range steps {
		at := steps[i].visible
		if st := classifyAt(steps[:i+1], simEpoch, at); !st.State.Polled() {
			return at.Sub(simEpoch)
		}
	}
	last := time.Duration(0)
	if len(steps) > 0 {
		last = steps[len(steps)-1].visible.Sub(simEpoch)
	}
	return last + 60*24*time.Hour + time.Minute
}

type simStep struct {
	rpsandbox.Step
	at, visible time.Time
}

// visibleSteps lists sc's steps from start in the order they become
// visible, as the sandbox shows them (start truncated to the minute).
func visibleSteps(sc rpsandbox.Scenario, start time.Time) []simStep {
	vstart := start.Truncate(time.Minute)
	out := make([]simStep, 0, len(sc.Steps))
	for _, st := range sc.Steps {
		vis := st.After
		if st.Shown > vis {
			vis = st.Shown
		}
		out = append(out, simStep{Step: st, at: vstart.Add(st.After), visible: vstart.Add(vis)})
	}
	slices.SortStableFunc(out, func(a, b simStep) int { return a.visible.Compare(b.visible) })
	return out
}

// classifyAt is the state the classifier gives the steps at now (the track
// only needs a valid shape).
func classifyAt(steps []simStep, entered, now time.Time) tracking.Status {
	events := make([]tracking.Event, len(steps))
	for i, st := range steps {
		events[i] = tracking.Event{At: st.at, Type: st.Type, Attr: st.Attr, OfficeIndex: st.Office.Index}
	}
	return tracking.Classify(tracking.Facts{Track: "RA644000001RU", EnteredAt: entered}, events, now, tracking.DefaultRules())
}

// pick draws a scenario by weight, optionally biased by its polled life
// (the steady population holds long-lived parcels in that proportion).
func (s *simulation) pick(byLife bool) rpsandbox.Scenario {
	total := 0.0
	w := make([]float64, len(s.mix))
	for i, sc := range s.mix {
		w[i] = float64(s.weights[i])
		if byLife {
			w[i] *= s.life[sc.ID].Hours()
		}
		total += w[i]
	}
	x := s.rng.Float64() * total
	for i := range w {
		if x < w[i] {
			return s.mix[i]
		}
		x -= w[i]
	}
	return s.mix[len(s.mix)-1]
}

// importParcel adds a parcel whose scenario starts at start, as the
// importer would at now: registered and due at once. Its scenario start is
// fixed before the carrier is first asked.
func (s *simulation) importParcel(sc rpsandbox.Scenario, start, now time.Time) {
	n := s.serial[sc.ID]
	s.serial[sc.ID]++
	track := rpsandbox.Barcode(sc, n)
	if _, err := s.starts.Start(s.ctx, track, start); err != nil {
		s.t.Fatal(err)
	}
	id := storage.NewID()
	entered := start
	if now.Before(start) {
		entered = now // the scenario starts after the import
	}
	p := shopapp.Parcel{ID: id, ShopID: "shop", OrderID: int64(len(s.parcels)), Track: track, Carrier: "russianpost",
		EnteredAt: entered, State: tracking.StateRegistered}
	poll := tracking.Schedule{ID: id, ShopID: "shop", Track: track, Carrier: "russianpost", EnteredAt: entered,
		State: tracking.StateRegistered, NextPollAt: now,
		Priority: tracking.Priority(tracking.Status{State: tracking.StateRegistered})}
	if err := s.db.BulkLoad(s.ctx, []shopapp.Parcel{p}, []tracking.Schedule{poll}); err != nil {
		s.t.Fatal(err)
	}
	s.parcels = append(s.parcels, simParcel{id: id, track: track, sc: sc, start: start, entered: entered})
}

// scenarioStart is the Moscow midnight where the scenario of a parcel
// entered at t starts, so that its steps happen at the times of day its
// script gives them. For a new parcel it is the one that leaves its
// acceptance (at noon) after the import, so no event happens before the
// parcel is tracked; for one already in flight, the one before t.
func scenarioStart(t time.Time, imported bool) time.Time {
	m := t.In(simEpoch.Location())
	day := time.Date(m.Year(), m.Month(), m.Day(), 0, 0, 0, 0, simEpoch.Location())
	if imported && m.Hour() >= 12 {
		day = day.AddDate(0, 0, 1)
	}
	return day
}

func (s *simulation) run() simResult {
	t, c := s.t, s.c
	begin := simEpoch
	measureFrom := begin.Add(c.warmup)
	end := measureFrom.Add(c.window + c.tail)

	// The population at the start: parcels at random points of their lives.
	for range c.inFlight {
		sc := s.pick(true)
		age := time.Duration(s.rng.Float64() * float64(s.life[sc.ID]))
		s.importParcel(sc, scenarioStart(begin.Add(-age), false), begin)
	}
	// Then imports at the rate that keeps the population steady.
	var meanLife float64
	total := 0
	for i, sc := range s.mix {
		meanLife += float64(s.weights[i]) * float64(s.life[sc.ID])
		total += s.weights[i]
	}
	every := time.Duration(meanLife / float64(total) / float64(c.inFlight))
	nextImport := begin.Add(every)

	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	var tick func() error
	if c.batch {
		b, err := workers.NewBatchPoller(workers.BatchPollerOptions{Owner: "sim", Polls: s.db.Polls(), Parcels: s.probe,
			Tickets: s.db.Tickets(), Budgets: s.db.Budgets(), Carrier: s.client,
			Clock: s.clock.Now, TrackingClock: s.sandbox.Now, Logger: logger})
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close(s.ctx)
		tick = func() error { _, err := b.Run(s.ctx); return err }
	} else {
		p, err := workers.NewPoller(workers.PollerOptions{Owner: "sim", Polls: s.db.Polls(), Parcels: s.probe,
			Budgets: s.db.Budgets(), Carrier: s.client, BatchSize: 20, Lease: 2 * time.Minute, Concurrency: 4,
			RatePerSec: 1e6, DailyLimit: c.dailyLimit, Clock: s.clock.Now, TrackingClock: s.sandbox.Now, Logger: logger})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close(s.ctx)
		tick = func() error { _, err := p.Drain(s.ctx, 50); return err }
	}

	for now := begin; now.Before(end); now = now.Add(c.step) {
		s.clock.Add(now.Sub(s.clock.Now()))
		for !nextImport.After(now) {
			s.importParcel(s.pick(false), scenarioStart(nextImport, true), nextImport)
			nextImport = nextImport.Add(every)
		}
		if err := tick(); err != nil {
			t.Fatalf("at %v: %v", now, err)
		}
	}
	return s.measure(measureFrom, end.Add(-c.tail))
}

// measure compares every carrier event visible in [from, to) with when the
// database first stored it. Events after the parcel left polling in truth
// (after a return was under way, say) are not measured: they change nothing.
func (s *simulation) measure(from, to time.Time) simResult {
	delays := map[string][]time.Duration{}
	missed := map[string]int{}
	for _, p := range s.parcels {
		steps := visibleSteps(p.sc, p.start)
		seen := s.probe.seenOf(p.id)
		for i, st := range steps {
			if st.visible.Before(from) || !st.visible.Before(to) {
				continue
			}
			before := classifyAt(steps[:i], p.entered, st.visible)
			if !before.State.Polled() {
				break
			}
			after := classifyAt(steps[:i+1], p.entered, st.visible)
			kinds := []string{"any event"}
			if after.State != before.State {
				kinds = append(kinds, "state change")
			}
			if st.Type == 8 && st.Attr == 2 && after.State.Waiting() {
				kinds = append(kinds, "arrival")
			}
			storedAt, ok := seen[eventKey{st.Type, st.Attr, st.at.Unix()}]
			for _, k := range kinds {
				if !ok {
					missed[k]++
					continue
				}
				delays[k] = append(delays[k], storedAt.Sub(st.visible))
			}
		}
	}
	r := simResult{parcels: len(s.parcels), delays: map[string]delayStats{}}
	for _, k := range []string{"arrival", "state change", "any event"} {
		r.delays[k] = summarise(delays[k], missed[k])
	}
	s.mu.Lock()
	for _, n := range s.perDay {
		r.requests += n
		r.maxPerDay = max(r.maxPerDay, n)
	}
	s.mu.Unlock()
	return r
}

type eventKey struct {
	typ, attr int
	at        int64
}

// freshnessProbe records, per parcel, when each carrier event was first
// stored (on the tracking clock), on its way to the real parcel store.
type freshnessProbe struct {
	next workers.ParcelStore
	mu   sync.Mutex
	seen map[string]map[eventKey]time.Time
}

func (p *freshnessProbe) ApplyTracking(ctx context.Context, id string, u tracking.Status, at time.Time) error {
	if err := p.next.ApplyTracking(ctx, id, u, at); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	m := p.seen[id]
	if m == nil {
		m = map[eventKey]time.Time{}
		p.seen[id] = m
	}
	for _, e := range u.Events {
		k := eventKey{e.Type, e.Attr, e.At.Unix()}
		if _, ok := m[k]; !ok {
			m[k] = at
		}
	}
	return nil
}

func (p *freshnessProbe) KeepStopped(ctx context.Context, id string) error {
	return p.next.KeepStopped(ctx, id)
}

func (p *freshnessProbe) seenOf(id string) map[eventKey]time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.seen[id]
}
