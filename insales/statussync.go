package insales

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"parceltrack/tracking"
)

// StatusRank orders the parcel states status sync moves an order through;
// a status is only ever set for a state ranked above the last one set. 0
// means the state never moves an order status (stopped, no_balance,
// no_track, track_error, stale).
func StatusRank(s tracking.State) int {
	switch s {
	case tracking.StateRegistered:
		return 1
	case tracking.StateInTransit:
		return 2
	case tracking.StateProbablyArrived:
		return 3
	case tracking.StateArrived:
		return 4
	case tracking.StateWaiting:
		return 5
	case tracking.StateWaitingLong:
		return 6
	case tracking.StateDelivered, tracking.StateReturned, tracking.StateLost:
		return 7
	}
	return 0
}

// SyncOutcome says what SyncStatus did.
type SyncOutcome string

// Status sync outcomes.
const (
	SyncSet       SyncOutcome = "set"       // the order status was changed
	SyncAlready   SyncOutcome = "already"   // the order already had the status
	SyncOff       SyncOutcome = "off"       // status sync is off, or the parcel/shop is gone or stopped
	SyncUnmapped  SyncOutcome = "unmapped"  // no status is mapped to this state
	SyncBackwards SyncOutcome = "backwards" // the state is not ahead of the last one synced
	SyncManual    SyncOutcome = "manual"    // the merchant changed the status since the app's last write
)

// OnStateChange is the poller's hook (workers.PollerOptions.OnChange): it
// queues a status sync for the parcel and returns at once, since the sync
// calls InSales.
func (a *App) OnStateChange(ctx context.Context, parcelID string, from, to tracking.State) {
	if StatusRank(to) == 0 {
		return
	}
	a.queue.submit(ctx, "status:"+parcelID, "", func(ctx context.Context) {
		out, err := a.SyncStatus(ctx, parcelID)
		if err != nil {
			a.log.Warn("status sync failed", slog.String("parcel_id", parcelID),
				slog.String("from", string(from)), slog.String("to", string(to)), slog.String("error", errText(err)))
			return
		}
		if out == SyncSet || out == SyncManual {
			a.log.Info("status sync", slog.String("parcel_id", parcelID), slog.String("state", string(to)), slog.String("outcome", string(out)))
		}
	})
}

// SyncStatus moves the InSales status of the parcel's order to the one the
// shop mapped to the parcel's current state, when the shop turned status
// sync on. It only moves forward (StatusRank) and never overwrites a status
// the merchant set by hand after the app's last write. The app's own write
// is recorded as seen, so its orders/update echo is skipped.
func (a *App) SyncStatus(ctx context.Context, parcelID string) (SyncOutcome, error) {
	p, err := a.o.Parcels.Parcel(ctx, parcelID)
	if errors.Is(err, ErrStoreNotFound) {
		return SyncOff, nil
	}
	if err != nil {
		return "", fmt.Errorf("insales: status sync %s: %w", parcelID, err)
	}
	if p.Stopped() {
		return SyncOff, nil
	}
	shop, err := a.o.Shops.ShopByID(ctx, p.ShopID)
	if err != nil {
		return "", fmt.Errorf("insales: status sync %s: %w", parcelID, err)
	}
	if shop.Uninstalled || !shop.StatusSync.Enabled {
		return SyncOff, nil
	}
	to := p.State
	permalink := shop.StatusSync.Mapping[string(to)]
	rank := StatusRank(to)
	if permalink == "" || rank == 0 {
		return SyncUnmapped, nil
	}
	last := p.Status
	if last.State != "" && rank <= StatusRank(last.State) {
		return SyncBackwards, nil
	}
	if last.Permalink == permalink {
		return SyncAlready, nil
	}
	creds, err := a.creds(shop)
	if err != nil {
		return "", err
	}
	order, err := a.o.Client.GetOrder(ctx, creds, p.OrderID)
	if err != nil {
		return "", fmt.Errorf("insales: status sync %s: %w", parcelID, err)
	}
	current := order.CustomStatus.Permalink
	if last.Permalink != "" && current != last.Permalink {
		return SyncManual, nil
	}
	now := a.o.Now()
	if current == permalink {
		w := StatusWrite{Permalink: permalink, State: to, OrderUpdatedAt: order.UpdatedAt, At: now}
		if err := a.o.Parcels.SaveStatusWrite(ctx, p.ID, w); err != nil {
			return "", fmt.Errorf("insales: status sync %s: %w", parcelID, err)
		}
		return SyncAlready, nil
	}
	updated, err := a.o.Client.UpdateOrder(ctx, creds, p.OrderID, OrderUpdate{CustomStatusPermalink: &permalink})
	if err != nil {
		return "", fmt.Errorf("insales: status sync %s: %w", parcelID, err)
	}
	w := StatusWrite{Permalink: permalink, State: to, OrderUpdatedAt: updated.UpdatedAt, At: now}
	if err := a.o.Parcels.SaveStatusWrite(ctx, p.ID, w); err != nil {
		return "", fmt.Errorf("insales: status sync %s: %w", parcelID, err)
	}
	if key := EventKey(shop.ID, p.OrderID, updated.UpdatedAt); key != "" {
		if err := a.o.Events.MarkSeen(ctx, key, now); err != nil {
			return SyncSet, fmt.Errorf("insales: status sync %s: remember echo: %w", parcelID, err)
		}
	}
	return SyncSet, nil
}
