package messages

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"parceltrack/billing"
	"parceltrack/notify"
)

// Reports applies providers' delivery reports and credits to the outbox.
// It runs in the web process (Twilio's callbacks) as well as in workers.
type Reports struct {
	store   Store
	billing Biller
	log     *slog.Logger
	now     func() time.Time
}

// NewReports builds Reports; a nil clock is time.Now.
func NewReports(store Store, biller Biller, logger *slog.Logger, clock func() time.Time) *Reports {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if clock == nil {
		clock = time.Now
	}
	return &Reports{store: store, billing: biller, log: logger, now: clock}
}

// Report records the provider's delivery status for the message key. A
// failure refunds the charge, once however often it is reported; a report
// that comes before the dispatcher recorded the send is applied by the
// dispatcher when it does. ErrNotFound: no such message.
func (r *Reports) Report(ctx context.Context, key string, dl notify.Delivery) error {
	n, err := r.store.SetDelivery(ctx, key, deliveryText(dl), r.now())
	if err != nil {
		return fmt.Errorf("messages: report %s: %w", key, err)
	}
	if n.Status == StatusSending {
		return nil
	}
	if dl.ProviderID != "" && n.ProviderID != "" && dl.ProviderID != n.ProviderID {
		return fmt.Errorf("messages: report %s: provider id %s, the message has %s", key, dl.ProviderID, n.ProviderID)
	}
	return applyDelivery(ctx, r.store, r.billing, n, r.now())
}

// deliveryText is the report as the row keeps it: the provider's word,
// with its error code when there is one.
func deliveryText(dl notify.Delivery) string {
	if dl.ErrorCode != "" && dl.ErrorCode != "0" {
		return dl.Status + " " + dl.ErrorCode
	}
	return dl.Status
}

// applyDelivery settles a sent row by its report and saves it; a failure
// is refunded.
func applyDelivery(ctx context.Context, store Store, biller Biller, n Notification, at time.Time) error {
	before := n.Status
	n = settleDelivery(n, at)
	if n.Status == StatusFailed && !n.Refunded {
		_, found, err := biller.Refund(ctx, n.ShopID, n.ChargeRef(), n.RefundRef(), billing.Meta{
			Actor: billing.Actor{Type: billing.ActorSystem}, ParcelID: n.ParcelID, NotificationID: n.Key})
		if err != nil {
			return fmt.Errorf("messages: refund %s: %w", n.Key, err)
		}
		n.Refunded = found
	}
	if n.Status == before && n.Status != StatusFailed {
		return nil // nothing new beyond the report, which is stored
	}
	if err := store.Save(ctx, n); err != nil {
		return fmt.Errorf("messages: settle %s: %w", n.Key, err)
	}
	return nil
}

// settleDelivery is the status a row's delivery report gives it:
// delivered (or a call answered), failed for the provider's failures, and
// for a report on the way ("sent", "ringing") sent — the provider has it.
func settleDelivery(n Notification, at time.Time) Notification {
	word := n.Delivery
	for i := range len(word) {
		if word[i] == ' ' {
			word = word[:i]
			break
		}
	}
	switch word {
	case "delivered", "read", "completed":
		n.Status = StatusDelivered
	case "undelivered", "failed", "busy", "no-answer", "canceled":
		n.Status = StatusFailed
		n.Error = "провайдер сообщил: " + n.Delivery
	default:
		if n.Status == StatusSending {
			n.Status = StatusSent
		}
	}
	n.NextAt, n.UpdatedAt = time.Time{}, at
	return n
}

// Resume puts the shop's messages that waited for money back in the queue,
// due now: called after a credit. What is out of date by then is skipped at
// dispatch, not sent.
func (r *Reports) Resume(ctx context.Context, shopID string, now time.Time) (int, error) {
	return resume(ctx, r.store, shopID, now, r.now())
}

func resume(ctx context.Context, store Store, shopID string, due, stamp time.Time) (int, error) {
	total := 0
	for {
		rows, err := store.Waiting(ctx, shopID, 99)
		if err != nil {
			return total, fmt.Errorf("messages: resume %s: %w", shopID, err)
		}
		if len(rows) == 0 {
			return total, nil
		}
		for i := range rows {
			rows[i].Status, rows[i].NextAt, rows[i].Error, rows[i].UpdatedAt = StatusQueued, due, "", stamp
		}
		if err := store.SaveMany(ctx, rows); err != nil {
			return total, fmt.Errorf("messages: resume %s: %w", shopID, err)
		}
		total += len(rows)
	}
}

// ResumeFunded resumes the waiting messages of every shop whose balance
// now pays the first of them: the sweep behind credits made where no one
// called Resume (a support adjustment, a repaired top-up).
func (d *Dispatcher) ResumeFunded(ctx context.Context) (int, error) {
	rows, err := d.o.Store.Waiting(ctx, "", 1000)
	if err != nil {
		return 0, fmt.Errorf("messages: waiting messages: %w", err)
	}
	first := map[string]Notification{}
	for _, n := range rows {
		if _, ok := first[n.ShopID]; !ok {
			first[n.ShopID] = n
		}
	}
	total := 0
	for shopID, n := range first {
		bal, err := d.o.Billing.Balance(ctx, shopID)
		if err != nil {
			return total, err
		}
		if bal < max(n.Price, 1) {
			continue
		}
		got, err := resume(ctx, d.o.Store, shopID, d.o.TrackingClock(), d.o.Clock())
		total += got
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// applyDelivery settles a row whose report came before its send was
// recorded.
func (d *Dispatcher) applyDelivery(ctx context.Context, n Notification) error {
	return applyDelivery(ctx, d.o.Store, d.o.Billing, n, d.o.Clock())
}
