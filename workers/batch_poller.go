package workers

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"parceltrack/carriers"
	"parceltrack/tracking"
)

// Batch-access timing, as the carrier documents it (docs/russianpost.md).
const (
	// batchFirstAsk: an answer may be asked for no sooner than this after
	// its ticket, and then no more often than every batchAskEvery.
	batchFirstAsk = 15 * time.Minute
	batchAskEvery = 15 * time.Minute
	// batchAnswerKept is how long the carrier keeps an answer; a ticket
	// still unanswered after that is given up and its parcels submitted again.
	batchAnswerKept = 32 * time.Hour
	// maxTicketsPerCollect bounds one Collect, so a run always ends.
	maxTicketsPerCollect = 100
)

// BatchCarrier is a carrier with batch access.
type BatchCarrier interface {
	carriers.Carrier
	carriers.Batcher
}

// TicketStore keeps batch tickets between submission and collection.
type TicketStore interface {
	Insert(ctx context.Context, t tracking.Ticket) error
	// ClaimDue leases the ticket due longest that nobody collects.
	ClaimDue(ctx context.Context, owner string, dueBy, leaseNow time.Time, lease time.Duration) (tracking.Ticket, bool, error)
	// Retry gives the ticket back, to be asked again at next.
	Retry(ctx context.Context, id, owner string, next time.Time) (bool, error)
	Delete(ctx context.Context, id, owner string) error
	// HeldRows reads the ticket's schedules still leased with its token.
	HeldRows(ctx context.Context, t tracking.Ticket) ([]tracking.Schedule, error)
	// HoldRows extends the lease on the ticket's schedules to until.
	HoldRows(ctx context.Context, t tracking.Ticket, until time.Time) (int, error)
}

// BatchPollerOptions configure a BatchPoller. Zero durations and sizes take
// the defaults named on each field.
type BatchPollerOptions struct {
	Owner   string
	Polls   PollStore
	Parcels ParcelStore
	Tickets TicketStore
	// Budgets holds the account-wide back-off after the carrier refused the
	// account, shared with every process; batch requests are counted on
	// their own day key, apart from the single-access budget.
	Budgets BudgetStore
	Carrier BatchCarrier
	// TicketSize is the most parcels per ticket (default 500, the size the
	// carrier recommends).
	TicketSize int
	// MaxTickets caps the tickets one Submit sends (default 20). Only one
	// ticket's rows are held in memory at a time.
	MaxTickets int
	// Lease is how long a ticket's rows stay with it, on the wall clock
	// (default 40 minutes: the answer's preparation plus a late retry). The
	// collector extends it while the answer is late.
	Lease time.Duration
	// CollectLease is how long one worker may take to collect a ticket and
	// store its answers before another may take over (default 10 minutes).
	CollectLease time.Duration
	// Concurrency is the number of answers stored at once (default 4).
	Concurrency int
	// Cadence schedules the next poll after an answer (default
	// tracking.BatchCadence()).
	Cadence tracking.Cadence
	// Clock is the wall clock, for leases; TrackingClock the carrier's, for
	// carrier dates and the 15-minute answer rule (the sandbox's fast clock
	// in sandbox mode). Both default to time.Now.
	Clock         func() time.Time
	TrackingClock func() time.Time
	Rules         tracking.Rules
	Logger        *slog.Logger
	Metrics       prometheus.Registerer
	// OnChange is told about every parcel whose history or state changed,
	// as with Poller.
	OnChange func(ctx context.Context, c tracking.Change) error
}

// BatchPoller polls through the carrier's batch access: it claims due
// parcels, submits them in tickets that it keeps in the database, and
// collects each answer once it is ready, storing it exactly as Poller does.
// Any worker collects any ticket, so a worker that dies with tickets
// outstanding loses nothing.
type BatchPoller struct {
	o       BatchPollerOptions
	rec     *recorder
	pool    *Pool
	tickets *prometheus.CounterVec
	alerts  prometheus.Counter
}

// NewBatchPoller builds a batch poller with its own bounded pool.
func NewBatchPoller(o BatchPollerOptions) (*BatchPoller, error) {
	if o.Polls == nil || o.Parcels == nil || o.Tickets == nil || o.Budgets == nil || o.Carrier == nil {
		return nil, errors.New("workers: batch poller needs polls, parcels, tickets, budgets and a carrier")
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.TrackingClock == nil {
		o.TrackingClock = o.Clock
	}
	if o.TicketSize <= 0 {
		o.TicketSize = 500
	}
	if o.MaxTickets <= 0 {
		o.MaxTickets = 20
	}
	if o.Lease <= 0 {
		o.Lease = 40 * time.Minute
	}
	if o.CollectLease <= 0 {
		o.CollectLease = 10 * time.Minute
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.Cadence == (tracking.Cadence{}) {
		o.Cadence = tracking.BatchCadence()
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	b := &BatchPoller{o: o, pool: NewPool(o.Concurrency, o.Concurrency)}
	var err error
	if b.rec, err = newRecorder(recorderOptions{
		carrier: o.Carrier.Name(), polls: o.Polls, parcels: o.Parcels, cadence: o.Cadence,
		rules: o.Rules, logger: o.Logger, metrics: o.Metrics, onChange: o.OnChange,
	}); err != nil {
		return nil, err
	}
	if b.alerts, err = registerAlerts(o.Metrics); err != nil {
		return nil, err
	}
	if b.tickets, err = registerShared(o.Metrics, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "parceltrack_batch_tickets_total", Help: "Carrier batch tickets by outcome.",
	}, []string{"carrier", "outcome"})); err != nil {
		return nil, err
	}
	return b, nil
}

// Close waits for answers being stored.
func (b *BatchPoller) Close(ctx context.Context) error { return b.pool.Close(ctx) }

// BatchStats sum up a Run.
type BatchStats struct {
	// Submitted tickets holding Queued parcels.
	Submitted, Queued int
	// Collected tickets whose answer was stored; NotReady ones asked for
	// too early (asked again 15 minutes later); Expired ones the carrier no
	// longer kept (their parcels are submitted again).
	Collected, NotReady, Expired int
	// Polled, Changed and Failed parcels, as in Stats; Released parcels were
	// given back untouched to be submitted again.
	Polled, Changed, Failed, Released int
}

func (s *BatchStats) add(o BatchStats) {
	s.Submitted += o.Submitted
	s.Queued += o.Queued
	s.Collected += o.Collected
	s.NotReady += o.NotReady
	s.Expired += o.Expired
	s.Polled += o.Polled
	s.Changed += o.Changed
	s.Failed += o.Failed
	s.Released += o.Released
}

// Run collects every ticket whose answer is due, then submits the parcels
// that are due in new tickets. The scheduler calls it every POLL_INTERVAL.
func (b *BatchPoller) Run(ctx context.Context) (BatchStats, error) {
	st, err := b.Collect(ctx)
	if err != nil {
		return st, err
	}
	sub, err := b.Submit(ctx)
	st.add(sub)
	return st, err
}

// Submit claims due parcels and submits them in tickets of up to TicketSize,
// until nothing is due, MaxTickets were sent, or the account is blocked.
func (b *BatchPoller) Submit(ctx context.Context) (BatchStats, error) {
	var st BatchStats
	for range b.o.MaxTickets {
		n, err := b.submitOne(ctx, &st)
		if err != nil || n < b.o.TicketSize {
			return st, err // a short ticket took everything due
		}
	}
	return st, nil
}

// submitOne sends one ticket and returns how many parcels it claimed.
func (b *BatchPoller) submitOne(ctx context.Context, st *BatchStats) (int, error) {
	now := b.o.TrackingClock()
	day := b.budgetDay(now)
	claim, err := b.o.Polls.ClaimDue(ctx, b.o.Owner, now, b.o.Clock(), b.o.Lease, b.o.TicketSize)
	if err != nil || len(claim.Rows) == 0 {
		return 0, err
	}
	// Counted once there is something to ask; the counter also carries the
	// account-wide back-off, and a resting account gives the parcels back.
	if got, err := b.o.Budgets.Reserve(ctx, day, 1, unlimited, now); err != nil || got == 0 {
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		st.Released += len(claim.Rows)
		return 0, errors.Join(err, b.o.Polls.Release(wctx, claim.Token, claim.IDs()))
	}
	// One barcode per ticket even when several parcels share it.
	var (
		barcodes []string
		parcels  = make([]tracking.TicketParcel, 0, len(claim.Rows))
		seen     = make(map[string]bool, len(claim.Rows))
	)
	for _, row := range claim.Rows {
		parcels = append(parcels, tracking.TicketParcel{ID: row.ID, Track: row.Track})
		if key := tracking.Normalize(row.Track); !seen[key] {
			seen[key] = true
			barcodes = append(barcodes, row.Track)
		}
	}
	log := b.o.Logger.With(slog.Int("parcels", len(parcels)))

	id, err := b.o.Carrier.SubmitBatch(ctx, barcodes)
	if err != nil {
		b.tickets.WithLabelValues(b.o.Carrier.Name(), "submit_error").Inc()
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		b.giveBack(wctx, day)
		if carriers.KindOf(err) == carriers.Account || ctx.Err() != nil {
			// The parcels are not at fault: they wait as they were.
			if carriers.KindOf(err) == carriers.Account {
				b.blockAccount(wctx, day, err, now)
			}
			st.Released += len(claim.Rows)
			return 0, errors.Join(b.o.Polls.Release(wctx, claim.Token, claim.IDs()), ctx.Err())
		}
		// Whatever the carrier disliked, no single parcel is known to be at
		// fault: each backs off as after a failed poll, and none is marked
		// a wrong track.
		log.Warn("batch submit failed", slog.String("error", err.Error()))
		failure := carriers.Answer(nil, &carriers.Error{Kind: carriers.Temporary, Code: "batch_submit", Err: err})
		holds := func() bool { return b.o.Clock().Before(claim.Until.Add(-b.o.Lease / 4)) }
		b.recordAll(ctx, claim.Rows, func(tracking.Schedule) tracking.Answer { return failure }, now, holds, st)
		if err := b.o.Polls.Release(wctx, claim.Token, claim.IDs()); err != nil {
			log.Error("give back parcels", slog.String("error", err.Error()))
		}
		return 0, nil // the carrier is unwell: submit no more this run
	}

	t := tracking.Ticket{
		ID: id, Carrier: b.o.Carrier.Name(), Token: claim.Token, Submitter: b.o.Owner, Parcels: parcels,
		SubmittedAt: now, NextTryAt: now.Add(batchFirstAsk), RowsUntil: claim.Until,
	}
	if err := b.o.Tickets.Insert(context.WithoutCancel(ctx), t); err != nil {
		// The rows stay leased until their lease ends and are then submitted
		// again; only this ticket's answer is never asked for.
		log.Error("store batch ticket", slog.String("ticket", id), slog.String("error", err.Error()))
		return 0, err
	}
	b.tickets.WithLabelValues(b.o.Carrier.Name(), "submitted").Inc()
	log.Debug("batch ticket submitted", slog.String("ticket", id))
	st.Submitted++
	st.Queued += len(parcels)
	return len(parcels), nil
}

// Collect asks for the answer of every ticket that is due and stores it.
func (b *BatchPoller) Collect(ctx context.Context) (BatchStats, error) {
	var st BatchStats
	for range maxTicketsPerCollect {
		t, ok, err := b.o.Tickets.ClaimDue(ctx, b.o.Owner, b.o.TrackingClock(), b.o.Clock(), b.o.CollectLease)
		if err != nil || !ok {
			return st, err
		}
		if err := b.collectOne(ctx, t, &st); err != nil {
			return st, err
		}
	}
	return st, nil
}

func (b *BatchPoller) collectOne(ctx context.Context, t tracking.Ticket, st *BatchStats) error {
	now := b.o.TrackingClock()
	log := b.o.Logger.With(slog.String("ticket", t.ID), slog.Int("parcels", len(t.Parcels)))
	// Bookkeeping is written even when ctx ends meanwhile, so the ticket is
	// left in a state another worker can take up.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	retry := func(next time.Time) {
		if _, err := b.o.Tickets.Retry(wctx, t.ID, b.o.Owner, next); err != nil {
			log.Error("reschedule batch ticket", slog.String("error", err.Error()))
		}
	}

	// Keep the rows while the answer is awaited, so they are not submitted
	// again in another ticket meanwhile.
	if wall := b.o.Clock(); t.RowsUntil.Sub(wall) < b.o.Lease/2 {
		until := wall.Add(b.o.Lease)
		if _, err := b.o.Tickets.HoldRows(ctx, t, until); err != nil {
			retry(now)
			return err
		}
		t.RowsUntil = until
	}

	answers, err := b.o.Carrier.CollectBatch(ctx, t.ID)
	switch {
	case err == nil:
	case errors.Is(err, carriers.ErrNotReady):
		st.NotReady++
		b.tickets.WithLabelValues(b.o.Carrier.Name(), "not_ready").Inc()
		retry(now.Add(max(batchAskEvery, carriers.RetryAfterOf(err))))
		return nil
	case errors.Is(err, carriers.ErrExpired):
		st.Expired++
		b.tickets.WithLabelValues(b.o.Carrier.Name(), "expired").Inc()
		log.Warn("batch answer expired; the parcels are submitted again")
		return b.giveUp(wctx, t, st)
	case ctx.Err() != nil:
		retry(now) // shutting down: any worker may collect it at once
		return ctx.Err()
	case carriers.KindOf(err) == carriers.Account:
		b.tickets.WithLabelValues(b.o.Carrier.Name(), "error").Inc()
		until := b.blockAccount(wctx, b.budgetDay(now), err, now)
		retry(until)
		return nil
	default:
		b.tickets.WithLabelValues(b.o.Carrier.Name(), "error").Inc()
		if now.Sub(t.SubmittedAt) > batchAnswerKept {
			log.Warn("batch answer never came; the parcels are submitted again", slog.String("error", err.Error()))
			return b.giveUp(wctx, t, st)
		}
		log.Warn("collect batch answer", slog.String("error", err.Error()))
		retry(now.Add(batchAskEvery))
		return nil
	}

	rows, err := b.o.Tickets.HeldRows(ctx, t)
	if err != nil {
		retry(now) // the answer is kept: the next run stores it
		return err
	}
	byBarcode := make(map[string]carriers.BatchResult, len(answers))
	for barcode, res := range answers {
		byBarcode[tracking.Normalize(barcode)] = res
	}
	answered := rows[:0:0]
	missing := 0
	for _, row := range rows {
		if _, ok := byBarcode[tracking.Normalize(row.Track)]; ok {
			answered = append(answered, row)
		} else {
			missing++
		}
	}
	holds := func() bool { return b.o.Clock().Before(t.RowsUntil.Add(-b.o.Lease / 4)) }
	b.recordAll(ctx, answered, func(row tracking.Schedule) tracking.Answer {
		res := byBarcode[tracking.Normalize(row.Track)]
		return carriers.Answer(res.Events, res.Err)
	}, now, holds, st)
	// Every lease goes back: stored rows are due again at their next poll
	// time, unanswered ones at once, to be asked in the next ticket. A crash
	// before this stores the same answer again on the next collection (rows
	// already stored find it unchanged); a crash after it leaves a ticket
	// whose rows are no longer its own, which the next collector drops.
	st.Released += missing
	if err := b.o.Polls.Release(wctx, t.Token, t.IDs()); err != nil {
		log.Error("give back parcels", slog.String("error", err.Error()))
		return err
	}
	if err := b.o.Tickets.Delete(wctx, t.ID, b.o.Owner); err != nil {
		log.Error("delete batch ticket", slog.String("error", err.Error()))
	}
	st.Collected++
	b.tickets.WithLabelValues(b.o.Carrier.Name(), "answered").Inc()
	log.Debug("batch answer stored", slog.Int("answered", len(answered)), slog.Int("missing", missing))
	return ctx.Err()
}

// recordAll stores an answer for every row through the shared recorder,
// Concurrency at a time, and counts the results into st.
func (b *BatchPoller) recordAll(ctx context.Context, rows []tracking.Schedule, answer func(tracking.Schedule) tracking.Answer,
	now time.Time, holds func() bool, st *BatchStats) {
	var (
		wg                      sync.WaitGroup
		polled, changed, failed atomic.Int64
	)
	// Storing must finish even when ctx ends: the answer was paid for.
	sctx := context.WithoutCancel(ctx)
	for _, row := range rows {
		wg.Add(1)
		err := b.pool.Submit(sctx, func(tctx context.Context) {
			defer wg.Done()
			switch b.rec.record(tctx, row, answer(row), now, holds) {
			case resultChanged:
				polled.Add(1)
				changed.Add(1)
			case resultSame:
				polled.Add(1)
			default:
				failed.Add(1)
			}
		})
		if err != nil { // pool closed: the row's lease runs out and it is polled again
			wg.Done()
			failed.Add(1)
		}
	}
	wg.Wait()
	st.Polled += int(polled.Load())
	st.Changed += int(changed.Load())
	st.Failed += int(failed.Load())
}

// giveUp releases a ticket's rows to be submitted again and drops the ticket.
func (b *BatchPoller) giveUp(ctx context.Context, t tracking.Ticket, st *BatchStats) error {
	st.Released += len(t.Parcels)
	if err := b.o.Polls.Release(ctx, t.Token, t.IDs()); err != nil {
		return err
	}
	return b.o.Tickets.Delete(ctx, t.ID, b.o.Owner)
}

// blockAccount rests the batch account after the carrier refused it and
// returns until when.
func (b *BatchPoller) blockAccount(ctx context.Context, day string, err error, now time.Time) time.Time {
	until := carriers.AccountRest(err, now)
	b.alerts.Inc()
	b.o.Logger.Error("carrier refused the batch account; batch polling paused",
		slog.String("carrier", b.o.Carrier.Name()), slog.Time("until", until),
		slog.String("error", err.Error()), slog.Bool("alert", true))
	if berr := b.o.Budgets.Block(ctx, day, until); berr != nil {
		b.o.Logger.Error("record carrier back-off", slog.String("error", berr.Error()))
	}
	return until
}

// budgetDay names the batch account's counter for now's Moscow day, apart
// from the single-access budget.
func (b *BatchPoller) budgetDay(now time.Time) string {
	return b.o.Carrier.Name() + "-batch:" + tracking.MoscowDate(now)
}

func (b *BatchPoller) giveBack(ctx context.Context, day string) {
	if err := b.o.Budgets.Give(ctx, day, 1); err != nil {
		b.o.Logger.Error("return unused batch request", slog.String("error", err.Error()))
	}
}
