package workers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"parceltrack/carriers"
	"parceltrack/tracking"
)

// PollStore keeps the polling schedules (tracking.Schedule) and their
// leases.
type PollStore interface {
	// ClaimDue leases up to limit schedules due by dueBy (tracking clock)
	// until leaseNow+lease (wall clock).
	ClaimDue(ctx context.Context, owner string, dueBy, leaseNow time.Time, lease time.Duration, limit int) (tracking.Claim, error)
	// Complete records a poll's outcome; false when the schedule is gone
	// (the parcel was stopped meanwhile).
	Complete(ctx context.Context, id string, o tracking.PollOutcome) (bool, error)
	// Release gives the claim's leases on ids back.
	Release(ctx context.Context, token string, ids []string) error
}

// ParcelStore receives the carrier-derived part of a parcel when it changed.
type ParcelStore interface {
	// ApplyTracking stores the parcel's new history and state, classified
	// at at.
	ApplyTracking(ctx context.Context, id string, st tracking.Status, at time.Time) error
	// KeepStopped puts a stopped parcel's state back after a poll that was
	// in flight when it was stopped wrote over it.
	KeepStopped(ctx context.Context, id string) error
}

// BudgetStore shares a carrier account's daily request budget between processes.
type BudgetStore interface {
	Reserve(ctx context.Context, day string, want, limit int, now time.Time) (int, error)
	Give(ctx context.Context, day string, n int) error
	Block(ctx context.Context, day string, until time.Time) error
}

// PollerOptions configure a Poller.
type PollerOptions struct {
	Owner   string
	Polls   PollStore
	Parcels ParcelStore
	Budgets BudgetStore
	// Carrier answers for every parcel; parceltrack polls Russian Post only
	// today, and one poller per carrier keeps limits apart.
	Carrier carriers.Carrier
	// BatchSize rows are claimed at a time; memory stays flat in the number
	// of parcels because only one batch is held.
	BatchSize int
	Lease     time.Duration
	// Concurrency caps carrier calls in flight. Storing an answer does not
	// hold a call slot, so the carrier is kept busy while the database
	// writes (one connection to the embedded server serialises them).
	Concurrency int
	// RatePerSec caps carrier requests per second in this process.
	RatePerSec float64
	// DailyLimit is the account's request budget per Moscow day (0: none).
	DailyLimit int
	// Clock is the wall clock, for leases. TrackingClock is the clock the
	// carrier's dates are compared with: the wall clock in production, the
	// sandbox's fast clock in sandbox mode.
	Clock         func() time.Time
	TrackingClock func() time.Time
	Rules         tracking.Rules
	Logger        *slog.Logger
	Metrics       prometheus.Registerer
	// OnChange is told about every parcel whose history or state changed
	// (status sync and messages hang off it); it stores what the change
	// makes due and must not block for long. An error leaves the poll
	// unfinished: the parcel is polled again, the change seen again and
	// OnChange called again, so nothing it should store is lost.
	OnChange func(ctx context.Context, c tracking.Change) error
}

// Poller claims due parcels, asks the carrier, classifies the answer and
// stores what changed.
type Poller struct {
	o       PollerOptions
	limiter *rate.Limiter
	calls   chan struct{} // one token per carrier call in flight
	pool    *Pool
	rec     *recorder
	alerts  prometheus.Counter
}

// NewPoller builds a poller with its own bounded pool.
func NewPoller(o PollerOptions) (*Poller, error) {
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.TrackingClock == nil {
		o.TrackingClock = o.Clock
	}
	if o.BatchSize <= 0 || o.Concurrency <= 0 || o.Lease <= 0 || o.RatePerSec <= 0 {
		return nil, errors.New("workers: poller needs a positive batch size, concurrency, lease and rate")
	}
	p := &Poller{
		o:       o,
		limiter: rate.NewLimiter(rate.Limit(o.RatePerSec), max(1, o.Concurrency)),
		calls:   make(chan struct{}, o.Concurrency),
		// Twice the call slots: while half the workers wait on the carrier,
		// the other half store answers.
		pool: NewPool(2*o.Concurrency, o.Concurrency),
	}
	var err error
	if p.alerts, err = registerAlerts(o.Metrics); err != nil {
		return nil, err
	}
	if p.rec, err = newRecorder(recorderOptions{
		carrier: o.Carrier.Name(), polls: o.Polls, parcels: o.Parcels, cadence: tracking.DefaultCadence(),
		rules: o.Rules, logger: o.Logger, metrics: o.Metrics, onChange: o.OnChange,
	}); err != nil {
		return nil, err
	}
	return p, nil
}

// Close waits for polls in flight.
func (p *Poller) Close(ctx context.Context) error { return p.pool.Close(ctx) }

// Stats sum up one batch.
type Stats struct {
	Claimed, Polled, Changed, Failed, Released int
}

// RunBatch claims one batch of due parcels, polls them and waits for the
// results. Zero Claimed means nothing was due (or the budget is spent).
func (p *Poller) RunBatch(ctx context.Context) (Stats, error) {
	b, err := p.claimBatch(ctx)
	if err != nil || len(b.claim.Rows) == 0 {
		return Stats{}, err
	}
	return p.pollBatch(ctx, b)
}

// Drain runs batches until nothing is due, ctx ends, or maxBatches ran.
//
// The next batch is claimed while the current one is polled: a claim reads
// the schedule for a while (a quarter of a second for 200 rows on the
// embedded server), and carrier calls should not wait for it. Rows in flight
// hold leases, so the claim ahead never picks them.
func (p *Poller) Drain(ctx context.Context, maxBatches int) (Stats, error) {
	var total Stats
	if maxBatches <= 0 {
		return total, nil
	}
	next, err := p.claimBatch(ctx)
	for ran := 1; err == nil && len(next.claim.Rows) > 0; ran++ {
		current := next
		var (
			ahead    batch
			aheadErr error
			claimed  = make(chan struct{})
		)
		if ran < maxBatches {
			go func() {
				defer close(claimed)
				ahead, aheadErr = p.claimBatch(ctx)
			}()
		} else {
			close(claimed)
		}
		st, runErr := p.pollBatch(ctx, current)
		total.add(st)
		<-claimed
		next, err = ahead, aheadErr
		if runErr != nil || st.Released > 0 {
			// The account was refused or the process is stopping: the
			// batch claimed ahead goes back untouched.
			p.abandon(ctx, next)
			return total, runErr
		}
	}
	return total, err
}

func (s *Stats) add(o Stats) {
	s.Claimed += o.Claimed
	s.Polled += o.Polled
	s.Changed += o.Changed
	s.Failed += o.Failed
	s.Released += o.Released
}

// batch is a claimed batch: its leases are held and its share of the day's
// budget is reserved until it is polled or abandoned.
type batch struct {
	day   string
	claim tracking.Claim
}

// claimBatch reserves budget and leases up to BatchSize due rows. An empty
// claim means nothing was due or the budget is spent.
func (p *Poller) claimBatch(ctx context.Context) (batch, error) {
	now := p.o.TrackingClock()
	day := p.budgetDay(now)
	// Reserve even without a daily limit: the budget row also carries the
	// account-wide back-off after the carrier refused the account.
	limit := unlimited
	if p.o.DailyLimit > 0 {
		// Only the share of the day's limit released by now (DailyPace):
		// most of it waits for the evening, when the day's events are in.
		limit = DailyPace(p.o.DailyLimit, now)
	}
	want, err := p.o.Budgets.Reserve(ctx, day, p.o.BatchSize, limit, now)
	if err != nil || want == 0 {
		return batch{}, err
	}
	claim, err := p.o.Polls.ClaimDue(ctx, p.o.Owner, now, p.o.Clock(), p.o.Lease, want)
	if err != nil {
		p.giveBack(ctx, day, want)
		return batch{}, err
	}
	p.giveBack(ctx, day, want-len(claim.Rows))
	return batch{day: day, claim: claim}, nil
}

// abandon gives a claimed batch's leases and budget back without polling it.
func (p *Poller) abandon(ctx context.Context, b batch) {
	if len(b.claim.Rows) == 0 {
		return
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := p.o.Polls.Release(rctx, b.claim.Token, b.claim.IDs()); err != nil {
		p.o.Logger.Error("give back unpolled batch", slog.String("error", err.Error()))
	}
	p.giveBack(rctx, b.day, len(b.claim.Rows))
}

// pollBatch polls a claimed batch, waits for every result and gives the
// leases back.
func (p *Poller) pollBatch(ctx context.Context, b batch) (Stats, error) {
	claim, day := b.claim, b.day
	st := Stats{Claimed: len(claim.Rows)}
	var (
		wg                      sync.WaitGroup
		polled, changed, failed atomic.Int64
		mu                      sync.Mutex
		untouched               []string
		blocked                 atomic.Bool
	)
	for _, row := range claim.Rows {
		wg.Add(1)
		err := p.pool.Submit(ctx, func(tctx context.Context) {
			defer wg.Done()
			if blocked.Load() {
				mu.Lock()
				untouched = append(untouched, row.ID)
				mu.Unlock()
				return
			}
			res := p.pollOne(tctx, claim, row, day, &blocked)
			switch res {
			case resultChanged:
				polled.Add(1)
				changed.Add(1)
			case resultSame:
				polled.Add(1)
			case resultFailed:
				failed.Add(1)
			case resultAccountBlocked:
				blocked.Store(true)
				mu.Lock()
				untouched = append(untouched, row.ID)
				mu.Unlock()
			}
		})
		if err != nil {
			wg.Done()
			mu.Lock()
			untouched = append(untouched, row.ID)
			mu.Unlock()
		}
	}
	wg.Wait()
	st.Polled, st.Changed, st.Failed = int(polled.Load()), int(changed.Load()), int(failed.Load())
	st.Released = len(untouched)
	// Give every lease back: stored rows are not due again until their next
	// poll time, and untouched ones are polled as soon as the account or the
	// process can again; the budget they held goes back too.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := p.o.Polls.Release(rctx, claim.Token, claim.IDs()); err != nil {
		return st, err
	}
	p.giveBack(rctx, day, len(untouched))
	return st, ctx.Err()
}

type pollResult int

const (
	resultSame pollResult = iota
	resultChanged
	resultFailed
	resultAccountBlocked
)

// holdsLease reports whether the claim still leaves a quarter of the lease:
// results are stored only then, so none lands after another worker may have
// claimed the row (the margin covers the write and clock differences).
func (p *Poller) holdsLease(claim tracking.Claim) bool {
	return p.o.Clock().Before(claim.Until.Add(-p.o.Lease / 4))
}

func (p *Poller) pollOne(ctx context.Context, claim tracking.Claim, row tracking.Schedule, day string, blocked *atomic.Bool) pollResult {
	events, err, ok := p.call(ctx, row.Track, blocked)
	if !ok {
		return resultAccountBlocked // refused or shutting down: give the row back untouched
	}
	now := p.o.TrackingClock()
	kind := carriers.KindOf(err)
	if err != nil && kind != carriers.Permanent && ctx.Err() != nil {
		return resultAccountBlocked // cancelled mid-request: not the parcel's fault
	}
	if kind == carriers.Account {
		until := carriers.AccountRest(err, now)
		p.alerts.Inc()
		p.o.Logger.Error("carrier refused the account; polling paused",
			slog.String("parcel_id", row.ID), slog.String("track", row.Track),
			slog.String("carrier", p.o.Carrier.Name()), slog.Time("until", until),
			slog.String("error", err.Error()), slog.Bool("alert", true))
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if berr := p.o.Budgets.Block(wctx, day, until); berr != nil {
			p.o.Logger.Error("record carrier back-off", slog.String("error", berr.Error()))
		}
		p.rec.polled.WithLabelValues(p.o.Carrier.Name(), "account").Inc()
		return resultAccountBlocked
	}
	return p.rec.record(ctx, row, carriers.Answer(events, err), now, func() bool { return p.holdsLease(claim) })
}

// call asks the carrier for track's history within the concurrency and rate
// limits; ok is false when the call did not start because ctx ended or the
// carrier refused the account meanwhile (blocked).
func (p *Poller) call(ctx context.Context, track string, blocked *atomic.Bool) (events []tracking.Event, err error, ok bool) {
	select {
	case p.calls <- struct{}{}:
	case <-ctx.Done():
		return nil, nil, false
	}
	defer func() { <-p.calls }()
	if err := p.limiter.Wait(ctx); err != nil || blocked.Load() {
		return nil, nil, false
	}
	events, err = p.o.Carrier.History(ctx, track)
	if carriers.KindOf(err) == carriers.Account {
		// Before the slot is freed, so no call waiting for it goes out.
		blocked.Store(true)
	}
	return events, err, true
}

// recorder stores what one carrier answer means for one parcel — the
// verdict is tracking's (Cadence.Judge) — and writes what changed. The
// single-access Poller and the BatchPoller share it, so an answer is
// treated alike however it came.
type recorder struct {
	recorderOptions
	polled *prometheus.CounterVec
}

type recorderOptions struct {
	carrier  string
	polls    PollStore
	parcels  ParcelStore
	cadence  tracking.Cadence
	rules    tracking.Rules
	logger   *slog.Logger
	metrics  prometheus.Registerer
	onChange func(ctx context.Context, c tracking.Change) error
}

func newRecorder(o recorderOptions) (*recorder, error) {
	if o.logger == nil {
		o.logger = slog.New(slog.DiscardHandler)
	}
	polled, err := registerShared(o.metrics, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "parceltrack_polls_total", Help: "Carrier polls by carrier and outcome.",
	}, []string{"carrier", "outcome"}))
	if err != nil {
		return nil, err
	}
	return &recorder{recorderOptions: o, polled: polled}, nil
}

// record stores the carrier's answer for row at now (tracking clock).
// holds is asked right before writing whether the row's lease still allows
// it. The outcome is written even when ctx was cancelled meanwhile: the poll
// happened and its answer is worth keeping.
func (r *recorder) record(ctx context.Context, row tracking.Schedule, a tracking.Answer, now time.Time, holds func() bool) pollResult {
	log := r.logger.With(slog.String("parcel_id", row.ID), slog.String("track", row.Track))
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()

	v := r.cadence.Judge(row, a, now, r.rules, rand.Float64())
	switch {
	case v.Failed():
		r.polled.WithLabelValues(r.carrier, "error").Inc()
		log.Warn("poll failed", slog.Int("failures", v.Outcome.Failures), slog.String("error", a.Reason))
	case a.Rejected:
		log.Warn("carrier rejected the track number", slog.String("error", a.Reason))
	}
	if !holds() {
		// Another worker may own the row by now; it polls again and stores
		// the same answer, so dropping this one loses nothing.
		log.Warn("lease ran out before the poll was stored; the parcel is polled again")
		return resultFailed
	}
	if v.Failed() {
		if _, err := r.polls.Complete(wctx, row.ID, v.Outcome); err != nil {
			log.Error("record poll failure", slog.String("error", err.Error()))
		}
		return resultFailed
	}
	if v.Changed {
		// The parcel is written before the lease is given back: a crash in
		// between only makes another worker poll and write the same again.
		if err := r.parcels.ApplyTracking(wctx, row.ID, v.Status, now); err != nil {
			log.Error("store tracking", slog.String("error", err.Error()))
			return resultFailed
		}
	}
	if v.Changed && r.onChange != nil {
		// Before the schedule moves on: if this fails the schedule still
		// holds the old history and state, so the next poll sees the
		// change again.
		if err := r.onChange(wctx, tracking.Change{Schedule: row, Status: v.Status, At: now}); err != nil {
			log.Error("state change left unfinished", slog.String("error", err.Error()))
			return resultFailed
		}
	}
	ok, err := r.polls.Complete(wctx, row.ID, v.Outcome)
	if err != nil {
		log.Error("complete poll", slog.String("error", err.Error()))
		return resultFailed
	}
	if !ok {
		// Stopping deletes the schedule. If this poll wrote the parcel
		// after the stop, the stop's state must win again.
		log.Info("parcel stopped while it was polled; the answer is dropped")
		if v.Changed {
			if err := r.parcels.KeepStopped(wctx, row.ID); err != nil {
				log.Error("keep stopped state", slog.String("error", err.Error()))
			}
		}
		return resultSame
	}
	r.polled.WithLabelValues(r.carrier, "ok").Inc()
	if !v.Changed {
		return resultSame
	}
	return resultChanged
}

// registerShared registers c, or returns the collector already registered
// under its name, so the single and the batch poller can share a metric.
func registerShared[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	if reg == nil {
		return c, nil
	}
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	if err != nil {
		return c, fmt.Errorf("workers: poller metrics: %w", err)
	}
	return c, nil
}

func registerAlerts(reg prometheus.Registerer) (prometheus.Counter, error) {
	return registerShared(reg, prometheus.NewCounter(prometheus.CounterOpts{
		Name: "parceltrack_carrier_account_alerts_total", Help: "Times a carrier refused the whole account.",
	}))
}

// budgetDay names the carrier's request budget for now's Moscow day.
func (p *Poller) budgetDay(now time.Time) string {
	return p.o.Carrier.Name() + ":" + tracking.MoscowDate(now)
}

// unlimited stands for "no daily limit" in the shared budget counter.
const unlimited = 1 << 40

func (p *Poller) giveBack(ctx context.Context, day string, n int) {
	if n <= 0 {
		return
	}
	// Also when ctx has ended (the process is stopping): unused requests
	// kept would be lost to every process for the rest of the day.
	gctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := p.o.Budgets.Give(gctx, day, n); err != nil {
		p.o.Logger.Error("return unused budget", slog.String("error", err.Error()))
	}
}
