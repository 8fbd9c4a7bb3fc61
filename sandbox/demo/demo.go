// Package demo fills the default (sandbox) run with something to look at: a
// demo shop with one parcel for every scripted Russian Post scenario, and a
// way to add parcels by track number from the sandbox page.
package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"parceltrack/billing"
	rpsandbox "parceltrack/sandbox/russianpost"
	"parceltrack/storage"
	"parceltrack/tracking"
)

// ShopDomain and InsalesID name the demo shop; the sandbox InSales shop uses
// the same, so installing the app there adopts this shop.
const (
	ShopDomain = "demo-shop.myinsales.ru"
	InsalesID  = 1000001
)

// Store is what the demo needs from the database.
type Store interface {
	ShopByInsalesID(ctx context.Context, insalesID int64) (storage.Shop, error)
	UpsertShop(ctx context.Context, in storage.Install, welcome int64, now time.Time) (storage.Shop, bool, error)
	CreateParcel(ctx context.Context, parcel storage.Parcel, poll storage.Poll) error
	FirstTime(ctx context.Context, key string, t time.Time) (time.Time, error)
}

// Charger takes the tracking fee.
type Charger interface {
	Settle(ctx context.Context, shopID string) (int, error)
	Charge(ctx context.Context, shopID, ref string, amount int64, kind billing.Kind, meta billing.Meta) (billing.Entry, error)
}

// Demo seeds and extends the demo shop.
type Demo struct {
	Store   Store
	Billing Charger
	Prices  billing.Prices
	// Clock is the tracking clock (the sandbox carrier's fast clock), so a new
	// parcel is due at once and its age is measured as the carrier's.
	Clock func() time.Time
}

// Shop returns the demo shop, creating it with the sandbox welcome balance.
func (d *Demo) Shop(ctx context.Context) (storage.Shop, error) {
	shop, err := d.Store.ShopByInsalesID(ctx, InsalesID)
	if err == nil {
		return shop, nil
	}
	if !errors.Is(err, storage.ErrNotFound) {
		return storage.Shop{}, fmt.Errorf("demo: shop: %w", err)
	}
	shop, _, err = d.Store.UpsertShop(ctx, storage.Install{InsalesID: InsalesID, Domain: ShopDomain}, d.Prices.Welcome, time.Now())
	if err != nil {
		return storage.Shop{}, fmt.Errorf("demo: shop: %w", err)
	}
	if _, err := d.Billing.Settle(ctx, shop.ID); err != nil {
		return storage.Shop{}, fmt.Errorf("demo: settle welcome: %w", err)
	}
	return shop, nil
}

// Seed adds one parcel per scenario, once per database.
func (d *Demo) Seed(ctx context.Context) (bool, error) {
	// The database keeps milliseconds: the mark is ours when it reads back
	// as our own instant, else an earlier run seeded already.
	now := time.Now().Truncate(time.Millisecond)
	first, err := d.Store.FirstTime(ctx, "demo_seeded", now)
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
		if _, err := d.Add(ctx, track, int64(900+i), sc.Title); err != nil && !errors.Is(err, storage.ErrConflict) {
			return false, err
		}
	}
	return true, nil
}

// Add tracks a number for the demo shop, charging the tracking fee.
func (d *Demo) Add(ctx context.Context, track string, orderID int64, note string) (storage.Parcel, error) {
	bc, err := tracking.Validate(track)
	if err != nil {
		return storage.Parcel{}, err
	}
	shop, err := d.Shop(ctx)
	if err != nil {
		return storage.Parcel{}, err
	}
	now := d.Clock()
	if orderID == 0 {
		orderID = now.UnixMilli()
	}
	parcel := storage.Parcel{
		ID: storage.NewID(), ShopID: shop.ID, OrderID: orderID, OrderNumber: fmt.Sprint(orderID),
		Track: bc.Number, Carrier: "russianpost", EnteredAt: now, Products: []string{note},
		Buyer: storage.Buyer{Name: "Покупатель песочницы"}, State: string(tracking.StateRegistered),
		StateSince: now, CreatedAt: now, UpdatedAt: now,
	}
	poll := storage.Poll{ShopID: shop.ID, Track: bc.Number, Carrier: "russianpost", EnteredAt: now,
		State: string(tracking.StateRegistered), NextPollAt: &now, PollPriority: 1}
	// The ref names the order and track, so adding the same number again
	// charges once; the parcel insert then reports the conflict.
	ref := fmt.Sprintf("track:%d:%s", orderID, bc.Number)
	if _, err := d.Billing.Charge(ctx, shop.ID, ref, d.Prices.Track, billing.KindTrack,
		billing.Meta{Actor: billing.Actor{Type: billing.ActorSystem}, ParcelID: parcel.ID}); err != nil {
		return storage.Parcel{}, fmt.Errorf("demo: charge: %w", err)
	}
	if err := d.Store.CreateParcel(ctx, parcel, poll); err != nil {
		return storage.Parcel{}, fmt.Errorf("demo: add %s: %w", bc.Number, err)
	}
	return parcel, nil
}
