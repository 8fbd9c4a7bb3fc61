package workers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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
	"parceltrack/carriers/russianpost"
	"parceltrack/storage"
	"parceltrack/tracking"
)

// PollStore is what the poller needs from the database.
type PollStore interface {
	ClaimDue(ctx context.Context, owner string, dueBy, leaseNow time.Time, lease time.Duration, limit int) (storage.Claim, error)
	Complete(ctx context.Context, id string, o storage.PollOutcome) (bool, error)
	Release(ctx context.Context, token string, ids []string) error
}

// ParcelStore receives the carrier-derived part of a parcel when it changed.
type ParcelStore interface {
	ApplyTracking(ctx context.Context, id string, u storage.TrackingUpdate) error
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
	BatchSize   int
	Lease       time.Duration
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
	// OnChange is told about every parcel whose state changed (notifications
	// and status sync hang off it). It must not block for long.
	OnChange func(ctx context.Context, parcelID string, from, to tracking.State)
}

// Poller claims due parcels, asks the carrier, classifies the answer and
// stores what changed.
type Poller struct {
	o       PollerOptions
	limiter *rate.Limiter
	pool    *Pool
	polled  *prometheus.CounterVec
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
		pool:    NewPool(o.Concurrency, o.Concurrency),
		polled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parceltrack_polls_total", Help: "Carrier polls by carrier and outcome.",
		}, []string{"carrier", "outcome"}),
		alerts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "parceltrack_carrier_account_alerts_total", Help: "Times a carrier refused the whole account.",
		}),
	}
	if o.Metrics != nil {
		for _, c := range []prometheus.Collector{p.polled, p.alerts} {
			if err := o.Metrics.Register(c); err != nil {
				return nil, fmt.Errorf("workers: poller metrics: %w", err)
			}
		}
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
	var st Stats
	now := p.o.TrackingClock()
	day := p.budgetDay(now)
	// Reserve even without a daily limit: the budget row also carries the
	// account-wide back-off after the carrier refused the account.
	limit := p.o.DailyLimit
	if limit <= 0 {
		limit = unlimited
	}
	want, err := p.o.Budgets.Reserve(ctx, day, p.o.BatchSize, limit, now)
	if err != nil || want == 0 {
		return st, err
	}
	claim, err := p.o.Polls.ClaimDue(ctx, p.o.Owner, now, p.o.Clock(), p.o.Lease, want)
	if err != nil {
		p.giveBack(ctx, day, want)
		return st, err
	}
	st.Claimed = len(claim.Polls)
	p.giveBack(ctx, day, want-st.Claimed)
	if st.Claimed == 0 {
		return st, nil
	}

	var (
		wg                      sync.WaitGroup
		polled, changed, failed atomic.Int64
		mu                      sync.Mutex
		untouched               []string
		blocked                 atomic.Bool
	)
	for _, row := range claim.Polls {
		wg.Add(1)
		err := p.pool.Submit(ctx, func(tctx context.Context) {
			defer wg.Done()
			if blocked.Load() {
				mu.Lock()
				untouched = append(untouched, row.ID)
				mu.Unlock()
				return
			}
			res := p.pollOne(tctx, claim, row, day)
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
	if len(untouched) > 0 {
		// Give the rows back as they were, so they are polled as soon as the
		// account or the process can again, and the budget they held too.
		st.Released = len(untouched)
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := p.o.Polls.Release(rctx, claim.Token, untouched); err != nil {
			return st, err
		}
		p.giveBack(rctx, day, len(untouched))
	}
	return st, ctx.Err()
}

// Drain runs batches until nothing is due, ctx ends, or maxBatches ran.
func (p *Poller) Drain(ctx context.Context, maxBatches int) (Stats, error) {
	var total Stats
	for range maxBatches {
		st, err := p.RunBatch(ctx)
		total.Claimed += st.Claimed
		total.Polled += st.Polled
		total.Changed += st.Changed
		total.Failed += st.Failed
		total.Released += st.Released
		if err != nil || st.Claimed == 0 || st.Released > 0 {
			return total, err
		}
	}
	return total, nil
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
func (p *Poller) holdsLease(claim storage.Claim) bool {
	return p.o.Clock().Before(claim.Until.Add(-p.o.Lease / 4))
}

func (p *Poller) pollOne(ctx context.Context, claim storage.Claim, row storage.Poll, day string) pollResult {
	log := p.o.Logger.With(slog.String("parcel_id", row.ID), slog.String("track", row.Track))
	if err := p.limiter.Wait(ctx); err != nil {
		return resultAccountBlocked // shutting down: give the row back untouched
	}
	events, err := p.o.Carrier.History(ctx, row.Track)
	now := p.o.TrackingClock()
	facts := tracking.Facts{
		Track:               row.Track,
		EnteredAt:           row.EnteredAt,
		DestinationPostcode: row.DestPostcode,
		MailKind:            tracking.MailKind(row.MailKind),
		StorageDays:         row.StorageDays,
	}
	// The outcome is written even when ctx was cancelled mid-batch: the poll
	// happened and its answer is worth keeping.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()

	outcome := storage.PollOutcome{PolledAt: now, EventsHash: row.EventsHash, State: row.State}
	switch kind := carriers.KindOf(err); {
	case err == nil:
	case kind == carriers.Account:
		if ctx.Err() != nil {
			return resultAccountBlocked
		}
		until := accountBackoff(err, now)
		p.alerts.Inc()
		log.Error("carrier refused the account; polling paused",
			slog.String("carrier", p.o.Carrier.Name()), slog.Time("until", until),
			slog.String("error", err.Error()), slog.Bool("alert", true))
		if berr := p.o.Budgets.Block(wctx, day, until); berr != nil {
			log.Error("record carrier back-off", slog.String("error", berr.Error()))
		}
		p.polled.WithLabelValues(p.o.Carrier.Name(), "account").Inc()
		return resultAccountBlocked
	case kind == carriers.Permanent:
		facts.TrackError = true
		events = nil
		log.Warn("carrier rejected the track number", slog.String("error", err.Error()))
	default:
		if ctx.Err() != nil {
			return resultAccountBlocked // cancelled mid-request: not the parcel's fault
		}
		outcome.Failures = row.Failures + 1
		outcome.LastError = err.Error()
		st := tracking.Status{State: tracking.State(row.State)}
		next := tracking.NextPoll(st, now, outcome.Failures, rand.Float64())
		if d := carriers.RetryAfterOf(err); d > 0 && now.Add(d).After(next) {
			next = now.Add(d)
		}
		outcome.NextPollAt = &next
		outcome.PollPriority = row.PollPriority
		p.polled.WithLabelValues(p.o.Carrier.Name(), "error").Inc()
		log.Warn("poll failed", slog.Int("failures", outcome.Failures), slog.String("error", err.Error()))
		if !p.holdsLease(claim) {
			log.Warn("lease ran out before the failure was stored; the parcel is polled again")
			return resultFailed
		}
		if _, cerr := p.o.Polls.Complete(wctx, row.ID, outcome); cerr != nil {
			log.Error("record poll failure", slog.String("error", cerr.Error()))
		}
		return resultFailed
	}

	st := tracking.Classify(facts, events, now, p.o.Rules)
	outcome.State = string(st.State)
	outcome.EventsHash = hashEvents(st.Events)
	if next := tracking.NextPoll(st, now, 0, rand.Float64()); !next.IsZero() {
		outcome.NextPollAt = &next
	}
	outcome.PollPriority = tracking.Priority(st)
	changed := outcome.EventsHash != row.EventsHash || outcome.State != row.State
	if !p.holdsLease(claim) {
		// Another worker may own the row by now; it polls again and stores
		// the same answer, so dropping this one loses nothing.
		log.Warn("lease ran out before the poll was stored; the parcel is polled again")
		return resultFailed
	}
	if changed {
		// The parcel is written before the lease is given back: a crash in
		// between only makes another worker poll and write the same again.
		if err := p.o.Parcels.ApplyTracking(wctx, row.ID, trackingUpdate(st, now)); err != nil {
			log.Error("store tracking", slog.String("error", err.Error()))
			return resultFailed
		}
	}
	ok, err := p.o.Polls.Complete(wctx, row.ID, outcome)
	if err != nil {
		log.Error("complete poll", slog.String("error", err.Error()))
		return resultFailed
	}
	if !ok {
		log.Info("parcel stopped while it was polled; the answer is dropped")
	}
	p.polled.WithLabelValues(p.o.Carrier.Name(), "ok").Inc()
	if !changed {
		return resultSame
	}
	if outcome.State != row.State && p.o.OnChange != nil {
		p.o.OnChange(wctx, row.ID, tracking.State(row.State), st.State)
	}
	return resultChanged
}

// accountBackoff is how long the whole account rests: until the carrier's
// day ends (Moscow midnight) when the daily limit is the reason, else an hour
// or what the carrier asked for.
func accountBackoff(err error, now time.Time) time.Time {
	var ce *carriers.Error
	if errors.As(err, &ce) && ce.Code == russianpost.CodeLimit {
		return nextMoscowMidnight(now)
	}
	if d := carriers.RetryAfterOf(err); d > 0 {
		return now.Add(d)
	}
	return now.Add(time.Hour)
}

var moscow = time.FixedZone("MSK", 3*60*60)

func nextMoscowMidnight(now time.Time) time.Time {
	t := now.In(moscow)
	return time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, moscow)
}

// budgetDay names the carrier's request budget for now's Moscow day.
func (p *Poller) budgetDay(now time.Time) string {
	return p.o.Carrier.Name() + ":" + now.In(moscow).Format("2006-01-02")
}

// unlimited stands for "no daily limit" in the shared budget counter.
const unlimited = 1 << 40

func (p *Poller) giveBack(ctx context.Context, day string, n int) {
	if n <= 0 {
		return
	}
	if err := p.o.Budgets.Give(ctx, day, n); err != nil {
		p.o.Logger.Error("return unused budget", slog.String("error", err.Error()))
	}
}

func trackingUpdate(st tracking.Status, now time.Time) storage.TrackingUpdate {
	opt := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		return &t
	}
	return storage.TrackingUpdate{
		Events:      st.Events,
		State:       string(st.State),
		StateSince:  st.Since,
		ArrivedAt:   opt(st.ArrivedAt),
		Deadline:    opt(st.Deadline),
		LastEventAt: opt(st.LastEventAt),
		UpdatedAt:   now,
	}
}

// hashEvents fingerprints a sorted history.
func hashEvents(events []tracking.Event) string {
	if len(events) == 0 {
		return ""
	}
	b, _ := json.Marshal(events) // plain structs: cannot fail
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:12])
}
