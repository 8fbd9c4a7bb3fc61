package messages

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"parceltrack/billing"
	"parceltrack/notify"
	"parceltrack/shopapp"
	"parceltrack/tracking"
)

// Linker gives a parcel its buyer's page token (shopapp.App.Link).
type Linker interface {
	Link(ctx context.Context, p shopapp.Parcel) (string, error)
}

// DispatcherOptions configure a Dispatcher.
type DispatcherOptions struct {
	// Owner names this process in leases.
	Owner    string
	Store    Store
	Parcels  Parcels
	Shops    Shops
	Billing  Biller
	Budgets  Budgets
	Links    Linker
	Channels []notify.Channel
	// Rates caps what this process hands each provider, in messages per
	// second (absent or 0: no cap).
	Rates map[notify.ChannelKind]float64
	// BaseURL is the app's public URL: the buyer's page is BaseURL/t/<token>.
	BaseURL string
	// StatusCallback is where Twilio reports delivery; each message's URL
	// carries its key (?key=…).
	StatusCallback string
	// BatchSize rows are claimed at a time (default 100); Lease is how long
	// (default 2 min); Concurrency caps sends in flight (default 8).
	BatchSize   int
	Lease       time.Duration
	Concurrency int
	// MaxAttempts bounds the sends of one message before it fails
	// (default 5); temporary failures wait Backoff(attempt) in between.
	MaxAttempts int
	// CallsPerDay caps a shop's calls per Moscow day unless the shop set
	// its own cap (default 100).
	CallsPerDay int
	// LowBalance is the balance, in kopecks, under which the shop's owner
	// is told to top up (default 100 ₽).
	LowBalance int64
	Rules      tracking.Rules
	// Clock is the wall clock (leases); TrackingClock the clock parcels
	// and send times are on (the sandbox's fast one in sandbox mode).
	Clock         func() time.Time
	TrackingClock func() time.Time
	Logger        *slog.Logger
	Metrics       prometheus.Registerer
}

// Dispatcher sends the outbox's due messages: it claims rows with leases,
// checks each is still true and allowed now, charges them per shop in one
// batch, marks them sending, sends them through their channels under the
// per-channel rate limits and records what the provider said.
type Dispatcher struct {
	o        DispatcherOptions
	channels map[notify.ChannelKind]notify.Channel
	limits   map[notify.ChannelKind]*rate.Limiter
	outcomes *prometheus.CounterVec
}

// NewDispatcher builds a Dispatcher.
func NewDispatcher(o DispatcherOptions) (*Dispatcher, error) {
	if o.Store == nil || o.Parcels == nil || o.Shops == nil || o.Billing == nil || o.Budgets == nil || o.Links == nil {
		return nil, errors.New("messages: dispatcher needs its stores, billing, budgets and links")
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 100
	}
	if o.Lease <= 0 {
		o.Lease = 2 * time.Minute
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 8
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 5
	}
	if o.CallsPerDay <= 0 {
		o.CallsPerDay = 100
	}
	if o.LowBalance <= 0 {
		o.LowBalance = 10_000
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.TrackingClock == nil {
		o.TrackingClock = o.Clock
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Owner == "" {
		o.Owner = "dispatcher"
	}
	d := &Dispatcher{o: o, channels: map[notify.ChannelKind]notify.Channel{}, limits: map[notify.ChannelKind]*rate.Limiter{}}
	for _, ch := range o.Channels {
		d.channels[ch.Kind()] = ch
		if r := o.Rates[ch.Kind()]; r > 0 {
			d.limits[ch.Kind()] = rate.NewLimiter(rate.Limit(r), max(1, int(r)))
		}
	}
	d.outcomes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "parceltrack_messages_total", Help: "Messages by channel and what became of them.",
	}, []string{"channel", "outcome"})
	if o.Metrics != nil {
		if err := o.Metrics.Register(d.outcomes); err != nil {
			var are prometheus.AlreadyRegisteredError
			if !errors.As(err, &are) {
				return nil, fmt.Errorf("messages: metrics: %w", err)
			}
			d.outcomes = are.ExistingCollector.(*prometheus.CounterVec)
		}
	}
	return d, nil
}

// Stats count what one or more batches did.
type Stats struct {
	Claimed, Sent, Failed, Retried, Skipped, Deferred, NoBalance, Recovered int
}

func (s *Stats) add(o Stats) {
	s.Claimed += o.Claimed
	s.Sent += o.Sent
	s.Failed += o.Failed
	s.Retried += o.Retried
	s.Skipped += o.Skipped
	s.Deferred += o.Deferred
	s.NoBalance += o.NoBalance
	s.Recovered += o.Recovered
}

// Drain runs batches until one comes back short, at most maxBatches. The
// next batch is claimed, checked and charged while the current one is
// sent, so the provider's rate limit, not the database, sets the pace; a
// batch is marked sending only when its turn to send comes, so a stop
// while it waits leaves it queued (and charged, which its next claim
// replays, not repeats).
func (d *Dispatcher) Drain(ctx context.Context, maxBatches int) (Stats, error) {
	type prepared struct {
		b   *batch
		err error
	}
	ready := make(chan prepared, 1)
	stop := make(chan struct{})
	go func() {
		defer close(ready)
		for range maxBatches {
			b, err := d.prepareBatch(ctx)
			if b == nil && err == nil {
				return
			}
			// Read before handing b over: the sender owns it from then on.
			full := b != nil && b.stats.Claimed == d.o.BatchSize
			select {
			case ready <- prepared{b, err}:
			case <-stop:
				if b != nil {
					d.release(ctx, b.claim)
				}
				return
			}
			if err != nil || !full || ctx.Err() != nil {
				return
			}
		}
	}()
	defer func() {
		close(stop)
		for p := range ready {
			if p.b != nil {
				d.release(ctx, p.b.claim)
			}
		}
	}()
	var total Stats
	for p := range ready {
		if p.err != nil {
			if p.b != nil {
				d.release(ctx, p.b.claim)
			}
			return total, p.err
		}
		st, err := d.sendBatch(ctx, p.b)
		total.add(st)
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// job is one claimed row on its way: its row as it will be saved, and the
// message to send when it is sent.
type job struct {
	n    Notification
	msg  notify.Message
	kind billing.Kind
}

// batch is one claim being worked.
type batch struct {
	claim   Claim
	now     time.Time // tracking clock, fixed for the batch's decisions
	stats   Stats
	save    []Notification // decided rows, written together
	send    []*job
	parcels map[string]parcelRead
}

type parcelRead struct {
	p   shopapp.Parcel
	err error
}

// RunOnce claims one batch and works it. Rows it could not decide (a
// database error) are given back untouched and come round again.
func (d *Dispatcher) RunOnce(ctx context.Context) (Stats, error) {
	b, err := d.prepareBatch(ctx)
	if b == nil || err != nil {
		if b != nil {
			d.release(ctx, b.claim)
		}
		return Stats{}, err
	}
	return d.sendBatch(ctx, b)
}

// prepareBatch claims due rows, decides each and charges those to send;
// nil when nothing is due.
func (d *Dispatcher) prepareBatch(ctx context.Context) (*batch, error) {
	now := d.o.TrackingClock()
	claim, err := d.o.Store.ClaimDue(ctx, d.o.Owner, now, d.o.Clock(), d.o.Lease, d.o.BatchSize)
	if err != nil {
		return nil, fmt.Errorf("messages: claim: %w", err)
	}
	if len(claim.Rows) == 0 {
		return nil, nil
	}
	b := &batch{claim: claim, now: now, stats: Stats{Claimed: len(claim.Rows)}, parcels: map[string]parcelRead{}}
	for _, rows := range byShop(claim.Rows) {
		if err := d.prepareShop(ctx, b, rows); err != nil {
			d.o.Logger.Error("prepare messages", slog.String("shop_id", rows[0].ShopID), slog.String("error", err.Error()))
		}
	}
	return b, nil
}

// sendBatch records the batch's decisions, marks its messages sending,
// sends them and gives the claim back.
func (d *Dispatcher) sendBatch(ctx context.Context, b *batch) (Stats, error) {
	defer d.release(ctx, b.claim)
	if !d.holds(b.claim) {
		// Everything decided so far is redone by the next claimer: charges
		// are idempotent by key, and nothing was marked or sent.
		return b.stats, errors.New("messages: lease ran out before sending")
	}
	for _, j := range b.send {
		j.n.Status, j.n.Attempts, j.n.NextAt, j.n.UpdatedAt = StatusSending, j.n.Attempts+1, b.now, d.o.Clock()
		b.save = append(b.save, j.n)
	}
	if err := d.o.Store.SaveMany(ctx, b.save); err != nil {
		// Nothing is sent that is not marked sending first.
		return b.stats, fmt.Errorf("messages: save batch: %w", err)
	}
	d.sendAll(ctx, b)
	return b.stats, nil
}

// byShop groups rows by shop, keeping their order.
func byShop(rows []Notification) [][]Notification {
	index := map[string]int{}
	var out [][]Notification
	for _, n := range rows {
		i, ok := index[n.ShopID]
		if !ok {
			i = len(out)
			index[n.ShopID] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], n)
	}
	return out
}

// prepareShop decides one shop's rows and charges those to send in one
// batch.
func (d *Dispatcher) prepareShop(ctx context.Context, b *batch, rows []Notification) error {
	shop, err := d.o.Shops.Shop(ctx, rows[0].ShopID)
	if isNotFound(err) {
		for _, n := range rows {
			d.decide(b, n, StatusSkipped, "магазин удалён")
		}
		return nil
	}
	if err != nil {
		return err
	}
	var paid []*job
	for _, n := range rows {
		j, err := d.prepare(ctx, b, shop, n)
		if err != nil {
			d.o.Logger.Error("prepare message", slog.String("key", n.Key), slog.String("error", err.Error()))
			continue
		}
		if j == nil {
			continue
		}
		if j.n.Price > 0 {
			paid = append(paid, j)
		} else {
			b.send = append(b.send, j)
		}
	}
	return d.charge(ctx, b, shop, paid)
}

// prepare decides one row: nil when it is settled here (skipped, moved to
// later, recovered), else the job to charge and send.
func (d *Dispatcher) prepare(ctx context.Context, b *batch, shop shopapp.Shop, n Notification) (*job, error) {
	if n.Status == StatusSending {
		return nil, d.recover(ctx, b, n)
	}
	if shop.Uninstalled() {
		return nil, d.skip(ctx, b, n, "приложение удалено из магазина")
	}
	settings := SettingsFor(shop)
	loc := n.Location()
	if next := settings.Window.Next(b.now, loc); next.After(b.now) {
		// Quiet hours where the recipient is (a retry, or a row planned
		// late, lands at night): the morning.
		n.NextAt, n.UpdatedAt = next, d.o.Clock()
		b.save = append(b.save, n)
		b.stats.Deferred++
		return nil, nil
	}
	a := about{shop: shop}
	if n.ParcelID != "" {
		p, err := b.parcel(ctx, d.o.Parcels, n.ParcelID)
		if isNotFound(err) {
			return nil, d.skip(ctx, b, n, "посылка удалена")
		}
		if err != nil {
			return nil, err
		}
		if p.Stopped() {
			return nil, d.skip(ctx, b, n, "посылка больше не отслеживается")
		}
		a.parcel = &p
		a.status = p.Tracking(b.now, d.rules(shop))
		if ok, why := notify.StillDue(n.Planned(), a.status, b.now); !ok {
			return nil, d.skip(ctx, b, n, why)
		}
		if !n.ToMerchant {
			if a.link, err = d.link(ctx, p); err != nil {
				return nil, err
			}
		}
	}
	if n.Trigger == notify.TriggerLowBalance || n.Trigger == notify.TriggerBalanceExhausted {
		bal, err := d.o.Billing.Balance(ctx, shop.ID)
		if err != nil {
			return nil, err
		}
		a.balance = bal
	}
	l, err := compose(n, a)
	if err != nil {
		// A text that cannot be rendered will not render on a retry.
		return nil, d.fail(ctx, b, n, err.Error())
	}
	if l.To == "" {
		return nil, d.skip(ctx, b, n, "нет адреса для канала "+string(n.Channel))
	}
	ch := d.channels[n.Channel]
	if ch == nil {
		return nil, d.skip(ctx, b, n, "канал "+string(n.Channel)+" не подключён")
	}
	if n.Channel == notify.KindVoice {
		if ok, err := d.callAllowed(ctx, shop, b.now); err != nil {
			return nil, err
		} else if !ok {
			// Over the shop's calls for today: tomorrow's window.
			n.NextAt = settings.Window.Next(tracking.NextMidnight(b.now, loc), loc)
			n.Error, n.UpdatedAt = "дневной лимит звонков магазина исчерпан", d.o.Clock()
			b.save = append(b.save, n)
			b.stats.Deferred++
			return nil, nil
		}
	}
	if n.Text != "" && n.Channel != notify.KindEmail {
		// A retry says what was charged for the first time.
		l.Text, l.Segments = n.Text, n.Segments
	}
	n.To, n.Subject, n.Text, n.Segments = l.To, l.Subject, l.Text, l.Segments
	var kind billing.Kind
	n.Price, kind = price(n, l, d.o.Billing.Prices())
	msg := notify.Message{Channel: n.Channel, To: l.To, Subject: l.Subject, Text: l.Text, HTML: l.HTML, Key: n.Key}
	if d.o.StatusCallback != "" && n.Channel != notify.KindEmail {
		msg.StatusCallback = d.o.StatusCallback + "?key=" + url.QueryEscape(n.Key)
	}
	return &job{n: n, msg: msg, kind: kind}, nil
}

func (b *batch) parcel(ctx context.Context, parcels Parcels, id string) (shopapp.Parcel, error) {
	if r, ok := b.parcels[id]; ok {
		return r.p, r.err
	}
	p, err := parcels.Parcel(ctx, id)
	b.parcels[id] = parcelRead{p: p, err: err}
	return p, err
}

func (d *Dispatcher) rules(shop shopapp.Shop) tracking.Rules {
	r := d.o.Rules
	if shop.Settings.StorageDays > 0 {
		r.StorageDays = shop.Settings.StorageDays
	}
	return r
}

func (d *Dispatcher) link(ctx context.Context, p shopapp.Parcel) (string, error) {
	token, err := d.o.Links.Link(ctx, p)
	if err != nil {
		return "", err
	}
	return d.o.BaseURL + "/t/" + token, nil
}

// callAllowed takes one of the shop's calls for the day.
func (d *Dispatcher) callAllowed(ctx context.Context, shop shopapp.Shop, now time.Time) (bool, error) {
	limit := d.o.CallsPerDay
	if c := shop.Settings.Messages.CallsPerDay; c > 0 {
		limit = c
	}
	got, err := d.o.Budgets.Reserve(ctx, "calls:"+shop.ID+":"+tracking.MoscowDate(now), 1, limit, d.o.Clock())
	if err != nil {
		return false, fmt.Errorf("messages: call budget: %w", err)
	}
	return got == 1, nil
}

// charge takes the shop's paid messages from its balance in one batch, in
// the order they were due. Those the balance does not cover wait for a
// credit; the owner is told, once a day, that the balance ran out or runs
// low.
func (d *Dispatcher) charge(ctx context.Context, b *batch, shop shopapp.Shop, paid []*job) error {
	if len(paid) == 0 {
		return nil
	}
	charges := make([]billing.Charge, len(paid))
	for i, j := range paid {
		charges[i] = billing.Charge{Ref: j.n.ChargeRef(), Amount: j.n.Price, Kind: j.kind, Meta: billing.Meta{
			Actor: billing.Actor{Type: billing.ActorSystem}, ParcelID: j.n.ParcelID, NotificationID: j.n.Key}}
	}
	outcomes, err := d.o.Billing.ChargeMany(ctx, shop.ID, charges)
	exhausted, lowest := false, int64(-1)
	for i, o := range outcomes {
		j := paid[i]
		switch {
		case o.Err == nil:
			j.n.Charged = true
			b.send = append(b.send, j)
			if lowest < 0 || o.Entry.BalanceAfter < lowest {
				lowest = o.Entry.BalanceAfter
			}
		case errors.Is(o.Err, billing.ErrInsufficientFunds):
			exhausted = true
			d.decide(b, j.n, StatusNoBalance, "недостаточно средств на балансе")
		default:
			// Left as it is: it comes round again with the next claim.
			d.o.Logger.Error("charge message", slog.String("key", j.n.Key), slog.String("error", o.Err.Error()))
		}
	}
	switch {
	case exhausted:
		d.alert(ctx, shop, notify.TriggerBalanceExhausted, b.now)
	case lowest >= 0 && lowest < d.o.LowBalance:
		d.alert(ctx, shop, notify.TriggerLowBalance, b.now)
	}
	return err
}

// alert plans the owner's balance e-mail (one per trigger and day, by its
// key).
func (d *Dispatcher) alert(ctx context.Context, shop shopapp.Shop, tr notify.Trigger, now time.Time) {
	if shop.Owner.Email == "" {
		return
	}
	w := SettingsFor(shop).Window
	p := notify.PlanBalanceAlert(shop.ID, tr, now, tracking.Moscow, w)
	if _, err := d.o.Store.Add(ctx, []Notification{newNotification(shop.ID, p, tracking.Moscow, d.o.Clock())}); err != nil {
		d.o.Logger.Error("plan balance alert", slog.String("shop_id", shop.ID), slog.String("error", err.Error()))
	}
}

// decide settles a row in status with a reason, to be saved with the batch.
func (d *Dispatcher) decide(b *batch, n Notification, st Status, why string) {
	n.Status, n.Error, n.NextAt, n.UpdatedAt = st, why, time.Time{}, d.o.Clock()
	b.save = append(b.save, n)
	switch st {
	case StatusSkipped:
		b.stats.Skipped++
	case StatusNoBalance:
		b.stats.NoBalance++
	case StatusFailed:
		b.stats.Failed++
	}
	d.outcomes.WithLabelValues(string(n.Channel), string(st)).Inc()
}

// skip settles a row that is no longer true. A crash after an earlier
// claim charged it, before that claim could record it, leaves a charge
// the row does not know about: the refund finds it, or finds nothing.
func (d *Dispatcher) skip(ctx context.Context, b *batch, n Notification, why string) error {
	if err := d.refund(ctx, &n, !n.ToMerchant); err != nil {
		return err
	}
	d.decide(b, n, StatusSkipped, why)
	return nil
}

// fail settles a row that will never be sent, its charge refunded.
func (d *Dispatcher) fail(ctx context.Context, b *batch, n Notification, why string) error {
	if err := d.refund(ctx, &n, !n.ToMerchant); err != nil {
		return err
	}
	d.decide(b, n, StatusFailed, why)
	return nil
}

// refund gives back n's charge once, if there may be one (maybe: not
// recorded on the row, but possibly made before a crash).
func (d *Dispatcher) refund(ctx context.Context, n *Notification, maybe bool) error {
	if n.Refunded || (!n.Charged && !maybe) {
		return nil
	}
	_, found, err := d.o.Billing.Refund(ctx, n.ShopID, n.ChargeRef(), n.RefundRef(), billing.Meta{
		Actor: billing.Actor{Type: billing.ActorSystem}, ParcelID: n.ParcelID, NotificationID: n.Key})
	if err != nil {
		return fmt.Errorf("messages: refund %s: %w", n.Key, err)
	}
	n.Refunded = found
	return nil
}

// recover settles a row an earlier dispatcher left in "sending" (it
// stopped between marking it and recording the provider's answer). Unless
// a delivery report told what became of it, nobody knows whether the
// provider took it, and sending it again could reach the buyer twice: it
// fails, refunded — at most once, and paid only when surely sent.
func (d *Dispatcher) recover(ctx context.Context, b *batch, n Notification) error {
	b.stats.Recovered++
	if n.Delivery != "" {
		n = settleDelivery(n, d.o.Clock())
		if n.Status == StatusFailed {
			if err := d.refund(ctx, &n, false); err != nil {
				return err
			}
		}
		n.NextAt = time.Time{}
		b.save = append(b.save, n)
		d.outcomes.WithLabelValues(string(n.Channel), string(n.Status)).Inc()
		return nil
	}
	return d.fail(ctx, b, n, "отправка прервана: неизвестно, ушло ли сообщение, поэтому оно не повторяется и не оплачивается")
}

// holds reports whether the claim's leases last long enough to start a
// send: a quarter of the lease is kept as margin for the send to finish
// and be recorded before another dispatcher may claim the row.
func (d *Dispatcher) holds(c Claim) bool {
	return d.o.Clock().Add(d.o.Lease / 4).Before(c.Until)
}

// sendAll sends the batch's messages, Concurrency at a time.
func (d *Dispatcher) sendAll(ctx context.Context, b *batch) {
	var (
		wg sync.WaitGroup
		mu sync.Mutex
	)
	slots := make(chan struct{}, d.o.Concurrency)
	for _, j := range b.send {
		if err := d.wait(ctx, j.n.Channel); err != nil || !d.holds(b.claim) {
			// Stopping, or the lease is running out: what is not sent yet
			// goes back to the queue as it was.
			d.putBack(ctx, j.n)
			continue
		}
		slots <- struct{}{}
		wg.Add(1)
		go func(j *job) {
			defer func() { <-slots; wg.Done() }()
			st := d.sendOne(ctx, b, j)
			mu.Lock()
			b.stats.add(st)
			mu.Unlock()
		}(j)
	}
	wg.Wait()
}

// wait takes a token of the channel's rate limit.
func (d *Dispatcher) wait(ctx context.Context, ch notify.ChannelKind) error {
	if l := d.limits[ch]; l != nil {
		return l.Wait(ctx)
	}
	return ctx.Err()
}

// putBack returns a row marked sending, but not sent, to the queue.
func (d *Dispatcher) putBack(ctx context.Context, n Notification) {
	n.Status, n.Attempts, n.UpdatedAt = StatusQueued, max(0, n.Attempts-1), d.o.Clock()
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := d.o.Store.Save(wctx, n); err != nil {
		d.o.Logger.Error("put message back", slog.String("key", n.Key), slog.String("error", err.Error()))
	}
}

// sendTimeout bounds one provider call, well inside the lease margin.
const sendTimeout = 20 * time.Second

// sendOne sends one message and records the outcome.
func (d *Dispatcher) sendOne(ctx context.Context, b *batch, j *job) Stats {
	sctx, cancel := context.WithTimeout(ctx, min(sendTimeout, d.o.Lease/4))
	res, err := d.channels[j.n.Channel].Send(sctx, j.msg)
	cancel()
	// The answer is recorded even when ctx ends now: the message went.
	wctx, cancelWrite := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancelWrite()
	n := j.n
	log := d.o.Logger.With(slog.String("key", n.Key), slog.String("channel", string(n.Channel)),
		slog.String("to", mask(n)))
	var st Stats
	switch {
	case err == nil:
		n.Status, n.ProviderID, n.SentAt, n.NextAt, n.Error = StatusSent, res.ProviderID, b.now, time.Time{}, ""
		if res.Segments > 0 {
			n.Segments = res.Segments
		}
		n.UpdatedAt = d.o.Clock()
		after, err := d.o.Store.MarkSent(wctx, n)
		if err != nil {
			log.Error("record sent message", slog.String("error", err.Error()))
			return Stats{Sent: 1}
		}
		if after.Delivery != "" {
			// The delivery report came before we could record the send.
			if err := d.applyDelivery(wctx, after); err != nil {
				log.Error("apply early delivery report", slog.String("error", err.Error()))
			}
		}
		st.Sent++
		d.outcomes.WithLabelValues(string(n.Channel), string(StatusSent)).Inc()
		log.Info("message sent", slog.String("trigger", string(n.Trigger)), slog.String("provider_id", res.ProviderID))
	case notify.IsPermanent(err) || n.Attempts >= d.o.MaxAttempts:
		n.Status, n.Error, n.NextAt, n.UpdatedAt = StatusFailed, err.Error(), time.Time{}, d.o.Clock()
		if rerr := d.refund(wctx, &n, false); rerr != nil {
			// Saved as failed but not refunded: a report or support sees it.
			log.Error("refund failed message", slog.String("error", rerr.Error()))
		}
		st.Failed++
		d.outcomes.WithLabelValues(string(n.Channel), string(StatusFailed)).Inc()
		log.Warn("message failed", slog.String("error", err.Error()), slog.Int("attempts", n.Attempts))
		if serr := d.o.Store.Save(wctx, n); serr != nil {
			log.Error("record failed message", slog.String("error", serr.Error()))
		}
	default:
		wait := max(Backoff(n.Attempts), notify.RetryAfter(err))
		n.Status, n.Error, n.NextAt, n.UpdatedAt = StatusQueued, err.Error(), b.now.Add(wait), d.o.Clock()
		st.Retried++
		d.outcomes.WithLabelValues(string(n.Channel), "retried").Inc()
		log.Warn("message send failed, will retry", slog.String("error", err.Error()),
			slog.Int("attempts", n.Attempts), slog.Duration("wait", wait))
		if serr := d.o.Store.Save(wctx, n); serr != nil {
			log.Error("record retry", slog.String("error", serr.Error()))
		}
	}
	return st
}

// Backoff is the wait after the attempt-th failed send: 1, 4, 16, 64
// minutes, then 4 hours.
func Backoff(attempt int) time.Duration {
	d := time.Minute
	for i := 1; i < attempt && d < 4*time.Hour; i++ {
		d *= 4
	}
	return min(d, 4*time.Hour)
}

// release gives the claim's leases back, also when ctx has ended.
func (d *Dispatcher) release(ctx context.Context, c Claim) {
	keys := make([]string, len(c.Rows))
	for i, n := range c.Rows {
		keys[i] = n.Key
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := d.o.Store.Release(wctx, c.Token, keys); err != nil {
		d.o.Logger.Error("release message leases", slog.String("error", err.Error()))
	}
}

// mask is the recipient as logs may show it.
func mask(n Notification) string {
	if n.Channel == notify.KindEmail {
		return notify.MaskEmail(n.To)
	}
	return notify.MaskPhone(n.To)
}
