package insales

import (
	"context"
	"errors"
	"fmt"
	"time"

	"parceltrack/tracking"
)

// OrderWidget is what the order-page widget shows for one order. It holds
// no buyer data: the widget key that reaches it is embedded in the shop's
// admin pages, and the page it feeds is framed there.
type OrderWidget struct {
	// ShopDomain is the shop's domain, the admin the widget may be framed in.
	ShopDomain string
	// InsalesID names the shop in the app's login link (the cabinet).
	InsalesID int64
	OrderID   int64
	// Parcel is the order's current parcel; nil when the order has no track
	// (none was ever typed, or it was cleared).
	Parcel *WidgetParcel
	// Now is the tracking clock's instant the dates were judged at (the
	// sandbox carrier's fast clock in sandbox mode).
	Now time.Time
}

// WidgetParcel is the order's current parcel as the widget shows it. Absent
// dates are zero.
type WidgetParcel struct {
	Track string
	State tracking.State
	// TrackProblem says, for a number of the wrong shape, what is wrong
	// with it; it is empty when the carrier refused a well-formed number.
	TrackProblem string
	// EnteredAt is when tracking started (the tracking clock).
	EnteredAt time.Time
	// ArrivedAt is when the parcel reached the delivery point it waits at,
	// and OfficeIndex/OfficeName that point's, from the arrival event.
	ArrivedAt   time.Time
	OfficeIndex string
	OfficeName  string
	// DaysWaiting is the whole days since ArrivedAt (0 when not waiting).
	DaysWaiting int
	// StorageDay is the last day of storage as a calendar date (midnight
	// UTC of that date), zero when unknown. DaysLeft counts calendar days
	// from today (Moscow) to it, 0 on the day itself; StorageExpired is set
	// once the deadline has passed.
	StorageDay     time.Time
	DaysLeft       int
	StorageExpired bool
	// LastEvent is the newest carrier event; nil before the first one.
	LastEvent *tracking.Event
}

// widgetKeyLen is the length of a widget key: 16 random bytes in hex (see
// Install).
const widgetKeyLen = 32

// moscow is the zone whose calendar "today" is counted in.
var moscow = time.FixedZone("MSK", 3*60*60)

// earliestRussianZone is UTC+2 (Kaliningrad), the westernmost offset of a
// Russian post office. A storage deadline is 23:59:59 in its office's
// offset, UTC+2 to UTC+12, so read at UTC+2 it always falls on the office's
// own date; read in Moscow, a Kaliningrad deadline would move to the next
// morning and promise the merchant a day that does not exist.
var earliestRussianZone = time.FixedZone("UTC+2", 2*60*60)

// OrderWidget returns what the order-page widget shows for order orderID of
// the shop whose widget key is widgetKey. An unknown key or an uninstalled
// shop is ErrUnknownShop; an order id that is not positive is ErrBadRequest.
// An order of another shop reads as an order without a track: parcels are
// looked up within the key's shop only.
func (a *App) OrderWidget(ctx context.Context, widgetKey string, orderID int64) (OrderWidget, error) {
	if orderID <= 0 {
		return OrderWidget{}, fmt.Errorf("insales: widget: order %d: %w", orderID, ErrBadRequest)
	}
	// The key is a credential: it is never put into an error or a log.
	if !isWidgetKey(widgetKey) {
		return OrderWidget{}, fmt.Errorf("insales: widget: malformed key: %w", ErrUnknownShop)
	}
	shop, err := a.o.Shops.ShopByWidgetKey(ctx, widgetKey)
	if errors.Is(err, ErrStoreNotFound) {
		return OrderWidget{}, fmt.Errorf("insales: widget: no shop has the key: %w", ErrUnknownShop)
	}
	if err != nil {
		return OrderWidget{}, fmt.Errorf("insales: widget: find shop: %w", err)
	}
	if shop.Uninstalled {
		return OrderWidget{}, fmt.Errorf("insales: widget: shop %s is uninstalled: %w", shop.ID, ErrUnknownShop)
	}
	w := OrderWidget{ShopDomain: shop.Domain, InsalesID: shop.InsalesID, OrderID: orderID, Now: a.o.TrackingClock()}
	parcels, err := a.o.Parcels.OrderParcels(ctx, shop.ID, orderID)
	if err != nil {
		return OrderWidget{}, fmt.Errorf("insales: widget: shop %s order %d: %w", shop.ID, orderID, err)
	}
	cur := currentParcel(parcels)
	if cur == nil || cur.StopReason == StopTrackCleared {
		return w, nil // the order carries no track now
	}
	p := widgetParcel(*cur, w.Now)
	w.Parcel = &p
	return w, nil
}

func isWidgetKey(k string) bool {
	if len(k) != widgetKeyLen {
		return false
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// widgetParcel is the parcel's stored state and tracking details, judged at
// now.
func widgetParcel(p ImportedParcel, now time.Time) WidgetParcel {
	det := p.Tracking
	w := WidgetParcel{Track: p.Track, State: p.State, EnteredAt: p.EnteredAt}
	if p.State == tracking.StateTrackError {
		if _, err := tracking.Validate(p.Track); err != nil {
			w.TrackProblem = tracking.BarcodeErrorText(err)
		}
	}
	events := tracking.SortEvents(det.Events)
	if n := len(events); n > 0 {
		last := events[n-1]
		w.LastEvent = &last
	}
	if !det.ArrivedAt.IsZero() {
		w.ArrivedAt = det.ArrivedAt
		// The arrival event is the one at the stored arrival instant; the
		// newest such event wins, as a forwarded parcel arrives again.
		for i := len(events) - 1; i >= 0; i-- {
			if events[i].At.Equal(det.ArrivedAt) {
				w.OfficeIndex, w.OfficeName = events[i].OfficeIndex, events[i].OfficeName
				break
			}
		}
		if d := now.Sub(det.ArrivedAt); d > 0 {
			w.DaysWaiting = int(d / (24 * time.Hour))
		}
	}
	if !det.Deadline.IsZero() {
		y, m, d := det.Deadline.In(earliestRussianZone).Date()
		w.StorageDay = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		ty, tm, td := now.In(moscow).Date()
		today := time.Date(ty, tm, td, 0, 0, 0, 0, time.UTC)
		if left := w.StorageDay.Sub(today); left > 0 {
			w.DaysLeft = int(left / (24 * time.Hour))
		}
		w.StorageExpired = now.After(det.Deadline)
	}
	return w
}
