// Package demo fills the default (sandbox) run with something to look at: a
// demo shop with one parcel for every scripted Russian Post scenario, and a
// way to add parcels by track number from the sandbox page. It goes through
// the app like any caller would: the shop store and shopapp.App.AddParcel.
package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"parceltrack/billing"
	rpsandbox "parceltrack/sandbox/russianpost"
	"parceltrack/shopapp"
)

// ShopDomain and InsalesID name the demo shop; the sandbox InSales shop uses
// the same, so installing the app there adopts this shop.
const (
	ShopDomain = "demo-shop.myinsales.ru"
	InsalesID  = 1000001
	// ShopName is the demo shop's title, as its buyers see it.
	ShopName = "Уютный дом"
)

// Shops is what the demo needs of the shop store.
type Shops interface {
	ShopByInsalesID(ctx context.Context, insalesID int64) (shopapp.Shop, error)
	InstallShop(ctx context.Context, in shopapp.InstallRecord, welcome int64, now time.Time) (shopapp.Shop, bool, error)
}

// Parcels lists the demo shop's parcels.
type Parcels interface {
	ShopParcels(ctx context.Context, shopID string, limit int) ([]shopapp.Parcel, error)
}

// Tracker adds parcels; *shopapp.App implements it.
type Tracker interface {
	AddParcel(ctx context.Context, shopID string, orderID int64, facts shopapp.OrderFacts, track string) (shopapp.Parcel, error)
}

// Ledger records a new shop's welcome credit and reads the balance and
// its changes (billing.Service).
type Ledger interface {
	Settle(ctx context.Context, shopID string) (int, error)
	Balance(ctx context.Context, shopID string) (int64, error)
	History(ctx context.Context, shopID string, offset, limit int) ([]billing.Entry, error)
}

// Marks remember one-time facts (storage.Settings).
type Marks interface {
	FirstTime(ctx context.Context, key string, t time.Time) (time.Time, error)
}

// Demo seeds and extends the demo shop.
type Demo struct {
	Shops       Shops
	ParcelStore Parcels
	App         Tracker
	Billing     Ledger
	Marks       Marks
	// Welcome is the demo shop's starting balance in kopecks.
	Welcome int64
	// Clock is the tracking clock (the sandbox carrier's fast clock): the
	// page shows it, and new orders are numbered by it.
	Clock func() time.Time
}

// shown is how many parcels the sandbox page lists.
const shown = 200

// Shop returns the demo shop, creating it with the sandbox welcome balance.
func (d *Demo) Shop(ctx context.Context) (shopapp.Shop, error) {
	shop, err := d.Shops.ShopByInsalesID(ctx, InsalesID)
	if err == nil {
		return shop, nil
	}
	if !errors.Is(err, shopapp.ErrNotFound) {
		return shopapp.Shop{}, fmt.Errorf("demo: shop: %w", err)
	}
	shop, _, err = d.Shops.InstallShop(ctx, shopapp.InstallRecord{InsalesID: InsalesID, Domain: ShopDomain, Name: ShopName}, d.Welcome, time.Now())
	if err != nil {
		return shopapp.Shop{}, fmt.Errorf("demo: shop: %w", err)
	}
	if _, err := d.Billing.Settle(ctx, shop.ID); err != nil {
		return shopapp.Shop{}, fmt.Errorf("demo: settle welcome: %w", err)
	}
	return shop, nil
}

// Seed adds one parcel per scenario, once per database.
func (d *Demo) Seed(ctx context.Context) (bool, error) {
	// The database keeps milliseconds: the mark is ours when it reads back
	// as our own instant, else an earlier run seeded already.
	now := time.Now().Truncate(time.Millisecond)
	first, err := d.Marks.FirstTime(ctx, "demo_seeded", now)
	if err != nil {
		return false, fmt.Errorf("demo: seed mark: %w", err)
	}
	if !first.Equal(now) {
		return false, nil
	}
	for i, sc := range rpsandbox.Scenarios() {
		if sc.ID == rpsandbox.Malformed {
			continue
		}
		track := rpsandbox.Barcode(sc, 1)
		if sc.ID == rpsandbox.TestNumber {
			track = "RA644000001RU"
		}
		if _, err := d.add(ctx, track, int64(900+i), sc.Title); err != nil && !errors.Is(err, shopapp.ErrConflict) {
			return false, err
		}
	}
	return true, nil
}

// Add tracks a number for the demo shop as a new order.
func (d *Demo) Add(ctx context.Context, track string) (shopapp.Parcel, error) {
	return d.add(ctx, track, d.Clock().UnixMilli(), "Добавлена вручную")
}

func (d *Demo) add(ctx context.Context, track string, orderID int64, note string) (shopapp.Parcel, error) {
	shop, err := d.Shop(ctx)
	if err != nil {
		return shopapp.Parcel{}, err
	}
	facts := shopapp.OrderFacts{OrderNumber: fmt.Sprint(orderID), Buyer: shopapp.Buyer{Name: "Покупатель песочницы"}}
	if note != "" {
		facts.Products = []string{note}
	}
	return d.App.AddParcel(ctx, shop.ID, orderID, facts, track)
}

// Parcels lists the demo shop's parcels, most recently changed first.
func (d *Demo) Parcels(ctx context.Context) ([]shopapp.Parcel, error) {
	shop, err := d.Shop(ctx)
	if err != nil {
		return nil, err
	}
	return d.ParcelStore.ShopParcels(ctx, shop.ID, shown)
}

// Ledger returns the demo shop's balance and its last changes, newest
// first: what each parcel and message cost.
func (d *Demo) Ledger(ctx context.Context, limit int) (int64, []billing.Entry, error) {
	shop, err := d.Shop(ctx)
	if err != nil {
		return 0, nil, err
	}
	balance, err := d.Billing.Balance(ctx, shop.ID)
	if err != nil {
		return 0, nil, err
	}
	entries, err := d.Billing.History(ctx, shop.ID, 0, limit)
	return balance, entries, err
}

// Now is the sandbox carrier's clock.
func (d *Demo) Now() time.Time { return d.Clock() }
