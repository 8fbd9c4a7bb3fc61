package workers_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"parceltrack/carriers/russianpost"
	rpsandbox "parceltrack/sandbox/russianpost"
	"parceltrack/storage"
	"parceltrack/tracking"
	"parceltrack/workers"
)

// The database's stores are what the batch poller runs on.
var (
	_ workers.TicketStore  = (*storage.Tickets)(nil)
	_ workers.BatchCarrier = (*russianpost.Client)(nil)
)

// fakeClock is a wall clock the test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// realTime makes the sandbox's virtual clock equal to its wall clock
// (Speed is scenario days per real minute: 1/1440 is one day a day).
const realTime = 1.0 / 1440

// batchCarrier serves a swappable sandbox and counts what it is asked.
type batchCarrier struct {
	sandbox  atomic.Pointer[rpsandbox.Server]
	mu       sync.Mutex
	tickets  int            // ticket requests
	asked    map[string]int // barcode → times submitted in a ticket
	answers  int            // answer requests
	single   int            // single-access requests
	failNext atomic.Bool    // answer the next request with HTTP 503
}

var itemRE = regexp.MustCompile(`Item Barcode="([^"]+)"`)

func (c *batchCarrier) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	c.mu.Lock()
	switch {
	case bytes.Contains(body, []byte("ticketRequest")):
		c.tickets++
		for _, m := range itemRE.FindAllSubmatch(body, -1) {
			c.asked[string(m[1])]++
		}
	case bytes.Contains(body, []byte("answerByTicketRequest")):
		c.answers++
	default:
		c.single++
	}
	c.mu.Unlock()
	if c.failNext.CompareAndSwap(true, false) {
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	c.sandbox.Load().ServeHTTP(w, r)
}

type batchFixture struct {
	db      *storage.DB
	clock   *fakeClock
	carrier *batchCarrier
	client  *russianpost.Client
	starts  *rpsandbox.MemoryStarts
	url     string
	tracks  []string
}

// newBatchFixture seeds n due parcels; the sandbox runs on the fixture's
// clock at real speed, so the test decides when 15 minutes have passed.
func newBatchFixture(t *testing.T, n int) *batchFixture {
	t.Helper()
	f := &batchFixture{db: server.DB(t), starts: &rpsandbox.MemoryStarts{},
		clock:   &fakeClock{t: time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)},
		carrier: &batchCarrier{asked: map[string]int{}}}
	f.carrier.sandbox.Store(f.newSandbox())
	ts := httptest.NewServer(f.carrier)
	t.Cleanup(ts.Close)
	f.url = ts.URL
	f.client = russianpost.NewClient(russianpost.Config{URL: ts.URL + "/rtm34", BatchURL: ts.URL + "/fc", Login: "l", Password: "p"})
	seedDue(t, f.db, n, f.clock.Now(), &f.tracks)
	return f
}

// newSandbox is a fresh sandbox process sharing the scenario starts, as
// after a restart: it knows no tickets.
func (f *batchFixture) newSandbox() *rpsandbox.Server {
	return &rpsandbox.Server{Login: "l", Password: "p", Speed: realTime, Epoch: f.clock.Now(), Clock: f.clock.Now,
		Starts: f.starts, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

func (f *batchFixture) batchPoller(t testing.TB, owner string, o workers.BatchPollerOptions) *workers.BatchPoller {
	t.Helper()
	o.Owner = owner
	o.Polls, o.Parcels, o.Tickets, o.Budgets = f.db.Polls(), f.db.Parcels(), f.db.Tickets(), f.db.Budgets()
	if o.Carrier == nil {
		o.Carrier = f.client
	}
	o.Clock = f.clock.Now
	if o.TrackingClock == nil {
		o.TrackingClock = f.clock.Now
	}
	o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	b, err := workers.NewBatchPoller(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close(context.Background()) })
	return b
}

// assertNoLeases checks that every parcel was given back.
func (f *batchFixture) assertNoLeases(t *testing.T) {
	t.Helper()
	n, err := f.db.Database().Collection("poll_leases").CountDocuments(context.Background(), map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d parcels still leased", n)
	}
}

func (f *batchFixture) ticketCount(t *testing.T) int64 {
	t.Helper()
	n, err := f.db.Database().Collection("tickets").CountDocuments(context.Background(), map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestBatchPollerStoresWhatThePollerStores: a batch answer collected 15
// minutes after its ticket leaves every parcel in the state the single-access
// poller stores for the same histories at the same instant.
func TestBatchPollerStoresWhatThePollerStores(t *testing.T) {
	t.Parallel()
	const n = 60
	f := newBatchFixture(t, n)
	ctx := context.Background()
	var changes atomic.Int64
	b := f.batchPoller(t, "w1", workers.BatchPollerOptions{TicketSize: 25,
		OnChange: func(_ context.Context, c tracking.Change) error {
			if c.StateChanged() {
				changes.Add(1)
			}
			return nil
		}})

	// Scenarios started at staggered times in the past, so the parcels are
	// in every state.
	for i, track := range f.tracks {
		if _, err := f.starts.Start(ctx, track, f.clock.Now().Add(-time.Duration(i)*4*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		name    string
		advance time.Duration
		want    workers.BatchStats
	}{
		{"submits every due parcel, 25 a ticket", 0, workers.BatchStats{Submitted: 3, Queued: n}},
		{"asks nothing before 15 minutes", 14 * time.Minute, workers.BatchStats{}},
		{"collects at 15 minutes", time.Minute, workers.BatchStats{Collected: 3}},
	}
	for _, s := range steps {
		f.clock.Add(s.advance)
		st, err := b.Run(ctx)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		got := st
		got.Polled, got.Changed, got.Failed = 0, 0, 0
		if got != s.want {
			t.Fatalf("%s: %+v, want %+v", s.name, st, s.want)
		}
		if s.want.Collected > 0 && (st.Polled != n || st.Failed != 0) {
			t.Fatalf("%s: %+v, want all %d polled", s.name, st, n)
		}
	}
	if f.carrier.answers != 3 {
		t.Errorf("answer requests %d, want one per ticket", f.carrier.answers)
	}
	if c := f.ticketCount(t); c != 0 {
		t.Errorf("%d tickets left after their answers were stored", c)
	}
	f.assertNoLeases(t)

	// The same parcels polled one by one at the same instant.
	single := &pollFixture{db: server.DB(t), client: f.client, sandbox: f.carrier.sandbox.Load()}
	var tracks []string
	seedDue(t, single.db, n, f.clock.Now(), &tracks)
	if _, err := single.poller(t, "s", f.clock.Now).Drain(ctx, 10); err != nil {
		t.Fatal(err)
	}
	singleState := map[string]tracking.Schedule{}
	for _, p := range allPolls(t, single.db) {
		singleState[p.Track] = p
	}
	states := map[string]int{}
	for _, p := range allPolls(t, f.db) {
		want := singleState[p.Track]
		states[string(p.State)]++
		if p.State != want.State || p.Priority != want.Priority || p.PollCount != 1 {
			t.Errorf("%s: batch stored %s (priority %d, count %d); single access %s (priority %d)",
				p.Track, p.State, p.Priority, p.PollCount, want.State, want.Priority)
		}
		if !p.NextPollAt.IsZero() && p.NextPollAt.Sub(f.clock.Now()) > time.Hour {
			t.Errorf("%s: next batch poll in %v, want the batch cadence", p.Track, p.NextPollAt.Sub(f.clock.Now()))
		}
		parcel, err := f.db.Parcels().Parcel(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if parcel.State != p.State {
			t.Errorf("parcel %s state %q, schedule %q", p.ID, parcel.State, p.State)
		}
	}
	if len(states) < 2 || changes.Load() == 0 {
		t.Errorf("states %v, %d changes reported: the scenarios should differ", states, changes.Load())
	}
}

func allPolls(t *testing.T, db *storage.DB) []tracking.Schedule {
	t.Helper()
	polls, err := db.Polls().List(context.Background(), 100000)
	if err != nil {
		t.Fatal(err)
	}
	return polls
}

// TestBatchPollerTicketLifecycle walks a ticket through the carrier's
// answers that are not the answer: not ready, a failure, expired.
func TestBatchPollerTicketLifecycle(t *testing.T) {
	t.Parallel()
	const n = 20
	f := newBatchFixture(t, n)
	ctx := context.Background()
	// The poller's tracking clock can be set ahead of the sandbox's, to ask
	// for an answer the sandbox has not prepared yet.
	var skew atomic.Int64
	carrierClock := func() time.Time { return f.clock.Now().Add(time.Duration(skew.Load())) }
	b := f.batchPoller(t, "w1", workers.BatchPollerOptions{TrackingClock: carrierClock})
	ticket := func() tracking.Ticket {
		t.Helper()
		tks, err := f.db.Tickets().List(ctx)
		if err != nil || len(tks) != 1 {
			t.Fatalf("tickets: %+v %v, want one", tks, err)
		}
		return tks[0]
	}
	t0 := f.clock.Now()

	steps := []struct {
		name       string
		at         time.Duration // on the sandbox's clock, from t0
		skew       time.Duration
		before     func()
		want       workers.BatchStats
		tries      int           // of the ticket left, -1: none left
		nextTry    time.Duration // from t0, on the poller's clock
		askedTotal int           // times each barcode was submitted
	}{
		{name: "submit", want: workers.BatchStats{Submitted: 1, Queued: n}, nextTry: 15 * time.Minute, askedTotal: 1},
		{name: "not ready: asked again in 15 minutes", at: 10 * time.Minute, skew: 5 * time.Minute,
			want: workers.BatchStats{NotReady: 1}, tries: 1, nextTry: 30 * time.Minute, askedTotal: 1},
		{name: "carrier failure: asked again in 15 minutes", at: 25 * time.Minute, skew: 5 * time.Minute,
			before: func() { f.carrier.failNext.Store(true) }, tries: 2, nextTry: 45 * time.Minute, askedTotal: 1},
		{name: "expired: the parcels go out in a new ticket", at: 40 * time.Minute, skew: 5 * time.Minute,
			before: func() { f.carrier.sandbox.Store(f.newSandbox()) },
			want:   workers.BatchStats{Expired: 1, Released: n, Submitted: 1, Queued: n}, nextTry: 60 * time.Minute, askedTotal: 2},
		{name: "the new ticket is answered", at: 55 * time.Minute, skew: 5 * time.Minute,
			want: workers.BatchStats{Collected: 1}, tries: -1, askedTotal: 2},
	}
	for _, s := range steps {
		f.clock.Add(t0.Add(s.at).Sub(f.clock.Now()))
		skew.Store(int64(s.skew))
		if s.before != nil {
			s.before()
		}
		st, err := b.Run(ctx)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		got := st
		got.Polled, got.Changed = 0, 0
		if got != s.want {
			t.Fatalf("%s: %+v, want %+v", s.name, st, s.want)
		}
		if s.want.Collected > 0 && st.Polled != n {
			t.Fatalf("%s: polled %d, want %d", s.name, st.Polled, n)
		}
		if s.tries < 0 {
			if c := f.ticketCount(t); c != 0 {
				t.Fatalf("%s: %d tickets left", s.name, c)
			}
		} else if tk := ticket(); tk.Tries != s.tries || !tk.NextTryAt.Equal(t0.Add(s.nextTry)) || tk.Owner != "" {
			t.Fatalf("%s: ticket tries %d, next try %v, owner %q; want %d, %v",
				s.name, tk.Tries, tk.NextTryAt.Sub(t0), tk.Owner, s.tries, s.nextTry)
		}
		for _, track := range f.tracks {
			if c := f.carrier.asked[track]; c != s.askedTotal {
				t.Fatalf("%s: %s submitted %d times, want %d", s.name, track, c, s.askedTotal)
			}
		}
	}
	if f.carrier.single != 0 {
		t.Errorf("%d single-access requests in batch mode", f.carrier.single)
	}
	for _, p := range allPolls(t, f.db) {
		if p.PollCount != 1 || p.Failures != 0 {
			t.Errorf("%s: count %d, failures %d", p.Track, p.PollCount, p.Failures)
		}
	}
	f.assertNoLeases(t)
}

// TestBatchTicketOutlivesItsWorker: a worker that dies with a ticket
// outstanding, even in the middle of collecting it, loses nothing: another
// worker collects it once the collection lease ends, and no parcel is
// submitted twice meanwhile.
func TestBatchTicketOutlivesItsWorker(t *testing.T) {
	t.Parallel()
	const n = 30
	f := newBatchFixture(t, n)
	ctx := context.Background()
	dead := f.batchPoller(t, "dead", workers.BatchPollerOptions{})
	if st, err := dead.Run(ctx); err != nil || st.Submitted != 1 {
		t.Fatalf("dead worker's submit: %+v, %v", st, err)
	}
	f.clock.Add(15 * time.Minute)
	// It claimed the ticket to collect it and died.
	if _, ok, err := f.db.Tickets().ClaimDue(ctx, "dead", f.clock.Now(), f.clock.Now(), 10*time.Minute); err != nil || !ok {
		t.Fatalf("dead worker's collect claim: %v, %v", ok, err)
	}

	live := f.batchPoller(t, "live", workers.BatchPollerOptions{CollectLease: 10 * time.Minute})
	steps := []struct {
		name    string
		advance time.Duration
		want    workers.BatchStats
	}{
		{"while the dead worker's claim lasts", 0, workers.BatchStats{}},
		{"still leased", 9 * time.Minute, workers.BatchStats{}},
		{"after it ended", 2 * time.Minute, workers.BatchStats{Collected: 1}},
	}
	for _, s := range steps {
		f.clock.Add(s.advance)
		st, err := live.Run(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := st
		got.Polled, got.Changed = 0, 0
		if got != s.want {
			t.Fatalf("%s: %+v, want %+v", s.name, st, s.want)
		}
	}
	for _, track := range f.tracks {
		if c := f.carrier.asked[track]; c != 1 {
			t.Fatalf("%s submitted %d times, want once", track, c)
		}
	}
	for _, p := range allPolls(t, f.db) {
		if p.PollCount != 1 {
			t.Fatalf("%s: count %d", p.Track, p.PollCount)
		}
	}
	f.assertNoLeases(t)
}

// TestBatchAccountRefusalPausesSubmissions: the carrier refusing the account
// leaves the parcels as they were and rests the batch account.
func TestBatchAccountRefusalPausesSubmissions(t *testing.T) {
	t.Parallel()
	const n = 10
	f := newBatchFixture(t, n)
	ctx := context.Background()
	bad := russianpost.NewClient(russianpost.Config{URL: f.url + "/rtm34", BatchURL: f.url + "/fc", Login: "l", Password: "wrong"})
	refused := f.batchPoller(t, "w1", workers.BatchPollerOptions{Carrier: bad})
	good := f.batchPoller(t, "w2", workers.BatchPollerOptions{})
	steps := []struct {
		name    string
		poller  *workers.BatchPoller
		advance time.Duration
		want    workers.BatchStats
	}{
		{"refused: the parcels are given back", refused, 0, workers.BatchStats{Released: n}},
		{"the account rests", good, 30 * time.Minute, workers.BatchStats{Released: n}},
		{"after the back-off", good, 31 * time.Minute, workers.BatchStats{Submitted: 1, Queued: n}},
	}
	for _, s := range steps {
		f.clock.Add(s.advance)
		st, err := s.poller.Run(ctx)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if st != s.want {
			t.Fatalf("%s: %+v, want %+v", s.name, st, s.want)
		}
	}
	if f.carrier.tickets != 2 {
		t.Errorf("ticket requests %d, want the refused one and the one after the back-off", f.carrier.tickets)
	}
}
