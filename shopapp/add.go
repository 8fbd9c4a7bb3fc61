package shopapp

import (
	"context"
	"fmt"
	"slices"

	"parceltrack/billing"
	"parceltrack/tracking"
)

// AddParcel tracks a number for an order of the shop without going through
// the order's track field: the sandbox's demo shop today, the public API
// next. The parcel is checked, charged and scheduled as an import would be
// (a number of the wrong shape is refused with tracking's barcode error, a
// balance that cannot pay leaves it in no_balance). The same track for the
// same order again is ErrConflict, and charged once.
func (a *App) AddParcel(ctx context.Context, shopID string, orderID int64, facts OrderFacts, track string) (Parcel, error) {
	bc, err := tracking.Validate(track)
	if err != nil {
		return Parcel{}, err
	}
	shop, err := a.shopByID(ctx, shopID)
	if err != nil {
		return Parcel{}, err
	}
	existing, err := a.o.Parcels.OrderParcels(ctx, shop.ID, orderID)
	if err != nil {
		return Parcel{}, fmt.Errorf("shopapp: add parcel: %w", err)
	}
	if slices.ContainsFunc(existing, func(p Parcel) bool { return p.Track == bc.Number }) {
		return Parcel{}, fmt.Errorf("shopapp: add parcel %s to order %d: %w", bc.Number, orderID, ErrConflict)
	}
	now := a.o.Now()
	p := Parcel{
		ID: ParcelID(shop.ID, orderID, bc.Number), ShopID: shop.ID, OrderID: orderID, Track: bc.Number,
		Carrier: CarrierRussianPost, OrderFacts: facts, ChargeKind: billing.KindTrack,
		TrackSetAt: now, CreatedAt: now, UpdatedAt: now,
	}
	if _, err := a.payAndSchedule(ctx, shop, &p); err != nil {
		return Parcel{}, fmt.Errorf("shopapp: add parcel: %w", err)
	}
	if err := a.createLink(ctx, &p); err != nil {
		return Parcel{}, err
	}
	if err := a.o.Parcels.InsertParcel(ctx, p, now); err != nil {
		return Parcel{}, fmt.Errorf("shopapp: add parcel: %w", err)
	}
	return p, nil
}
