package shopapp

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

// WidgetParcel is the order's current parcel as the widget shows it.
type WidgetParcel struct {
	Track     string
	EnteredAt time.Time
	// Status is the parcel classified at the widget's Now (Parcel.Tracking):
	// its state, days at the office, storage deadline and days left agree
	// with each other and with what the messages say.
	Status tracking.Status
	// TrackProblem says, for a number of the wrong shape, what is wrong
	// with it; it is empty when the carrier refused a well-formed number.
	TrackProblem string
}

// LastEvent is the newest carrier event; nil before the first one.
func (w WidgetParcel) LastEvent() *tracking.Event {
	if n := len(w.Status.Events); n > 0 {
		return &w.Status.Events[n-1]
	}
	return nil
}

// widgetKeyLen is the length of a widget key: 16 random bytes in hex (see
// Install).
const widgetKeyLen = 32

// OrderWidget returns what the order-page widget shows for order orderID of
// the shop whose widget key is widgetKey. An unknown key or an uninstalled
// shop is ErrUnknownShop; an order id that is not positive is ErrBadRequest.
// An order of another shop reads as an order without a track: parcels are
// looked up within the key's shop only.
func (a *App) OrderWidget(ctx context.Context, widgetKey string, orderID int64) (OrderWidget, error) {
	if orderID <= 0 {
		return OrderWidget{}, fmt.Errorf("shopapp: widget: order %d: %w", orderID, ErrBadRequest)
	}
	// The key is a credential: it is never put into an error or a log.
	if !isWidgetKey(widgetKey) {
		return OrderWidget{}, fmt.Errorf("shopapp: widget: malformed key: %w", ErrUnknownShop)
	}
	shop, err := a.o.Shops.ShopByWidgetKey(ctx, widgetKey)
	if errors.Is(err, ErrNotFound) {
		return OrderWidget{}, fmt.Errorf("shopapp: widget: no shop has the key: %w", ErrUnknownShop)
	}
	if err != nil {
		return OrderWidget{}, fmt.Errorf("shopapp: widget: find shop: %w", err)
	}
	if shop.Uninstalled() {
		return OrderWidget{}, fmt.Errorf("shopapp: widget: shop %s is uninstalled: %w", shop.ID, ErrUnknownShop)
	}
	w := OrderWidget{ShopDomain: shop.Domain, InsalesID: shop.InsalesID, OrderID: orderID, Now: a.o.TrackingClock()}
	parcels, err := a.o.Parcels.OrderParcels(ctx, shop.ID, orderID)
	if err != nil {
		return OrderWidget{}, fmt.Errorf("shopapp: widget: shop %s order %d: %w", shop.ID, orderID, err)
	}
	cur := currentParcel(parcels)
	if cur == nil || cur.StopReason == StopTrackCleared {
		return w, nil // the order carries no track now
	}
	p := WidgetParcel{Track: cur.Track, EnteredAt: cur.EnteredAt, Status: cur.Tracking(w.Now, a.rules(shop))}
	if p.Status.State == tracking.StateTrackError {
		if _, err := tracking.Validate(cur.Track); err != nil {
			p.TrackProblem = tracking.BarcodeErrorText(err)
		}
	}
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
