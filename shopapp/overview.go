package shopapp

import (
	"context"
	"fmt"
	"time"

	"parceltrack/tracking"
)

// Overview is what the app's start page shows about a shop.
type Overview struct {
	Shop    Shop
	Parcels []Parcel
	// Now is the tracking clock's instant the parcels' dates are read at
	// (the sandbox carrier's fast clock in sandbox mode), and Rules the
	// shop's: a parcel's status is p.Tracking(Now, Rules).
	Now   time.Time
	Rules tracking.Rules
}

// Overview reads the shop and its most recently updated parcels.
func (a *App) Overview(ctx context.Context, shopID string, limit int) (Overview, error) {
	shop, err := a.shopByID(ctx, shopID)
	if err != nil {
		return Overview{}, err
	}
	parcels, err := a.o.Parcels.ShopParcels(ctx, shopID, limit)
	if err != nil {
		return Overview{}, fmt.Errorf("shopapp: overview: %w", err)
	}
	return Overview{Shop: shop, Parcels: parcels, Now: a.o.TrackingClock(), Rules: a.rules(shop)}, nil
}
