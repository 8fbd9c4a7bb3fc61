package shopapp

import (
	"context"
	"errors"
	"fmt"

	"parceltrack/insales"
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

// SyncStatus moves the InSales status of the parcel's order to the one the
// shop mapped to the parcel's current state, when the shop turned status
// sync on. It only moves forward (StatusRank) and never overwrites a status
// the merchant set by hand after the app's last write. The app's own write
// is recorded as seen, so its orders/update echo is skipped.
func (a *App) SyncStatus(ctx context.Context, parcelID string) (SyncOutcome, error) {
	p, err := a.o.Parcels.Parcel(ctx, parcelID)
	if errors.Is(err, ErrNotFound) {
		return SyncOff, nil
	}
	if err != nil {
		return "", fmt.Errorf("shopapp: status sync %s: %w", parcelID, err)
	}
	if p.Stopped() {
		return SyncOff, nil
	}
	shop, err := a.o.Shops.Shop(ctx, p.ShopID)
	if err != nil {
		return "", fmt.Errorf("shopapp: status sync %s: %w", parcelID, err)
	}
	sync := shop.Settings.StatusSync
	if shop.Uninstalled() || !sync.Enabled {
		return SyncOff, nil
	}
	to := p.State
	permalink := sync.Mapping[string(to)]
	rank := StatusRank(to)
	if permalink == "" || rank == 0 {
		return SyncUnmapped, nil
	}
	last := p.OrderStatus
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
		return "", fmt.Errorf("shopapp: status sync %s: %w", parcelID, err)
	}
	current := order.CustomStatus.Permalink
	if last.Permalink != "" && current != last.Permalink {
		return SyncManual, nil
	}
	now := a.o.Now()
	if current == permalink {
		w := StatusWrite{Permalink: permalink, State: to, OrderUpdatedAt: order.UpdatedAt, At: now}
		if err := a.o.Parcels.SaveStatusWrite(ctx, p.ID, w); err != nil {
			return "", fmt.Errorf("shopapp: status sync %s: %w", parcelID, err)
		}
		return SyncAlready, nil
	}
	updated, err := a.o.Client.UpdateOrder(ctx, creds, p.OrderID, insales.OrderUpdate{CustomStatusPermalink: &permalink})
	if err != nil {
		return "", fmt.Errorf("shopapp: status sync %s: %w", parcelID, err)
	}
	w := StatusWrite{Permalink: permalink, State: to, OrderUpdatedAt: updated.UpdatedAt, At: now}
	if err := a.o.Parcels.SaveStatusWrite(ctx, p.ID, w); err != nil {
		return "", fmt.Errorf("shopapp: status sync %s: %w", parcelID, err)
	}
	if key := EventKey(shop.ID, p.OrderID, updated.UpdatedAt); key != "" {
		if err := a.o.Events.MarkSeen(ctx, key, now); err != nil {
			return SyncSet, fmt.Errorf("shopapp: status sync %s: remember echo: %w", parcelID, err)
		}
	}
	return SyncSet, nil
}
