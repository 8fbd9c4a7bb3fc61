package shopapp

import (
	"context"
	"errors"
	"time"

	"parceltrack/billing"
	"parceltrack/insales"
	"parceltrack/tracking"
)

// The app keeps its records through the small store interfaces below;
// package storage implements them over the same entity types. This package
// never imports storage.

// Errors a store returns, wrapped (test with errors.Is). Package storage
// uses them as its own sentinels, so every caller tests the same values.
var (
	// ErrNotFound means the record asked for does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict means a record with the same key exists already.
	ErrConflict = errors.New("conflict")
)

// InstallRecord is what an install request changes on a shop.
type InstallRecord struct {
	InsalesID int64
	Domain    string
	// Name is the shop's title at InSales (empty: not known).
	Name        string
	PasswordEnc []byte
}

// InstallPrep is what Install stores after the upsert: fresh secrets (set
// only where the shop has none yet), setup steps back to pending and the
// reconciliation cursor.
type InstallPrep struct {
	WebhookSecret string
	WidgetKey     string
	Cursor        insales.OrderCursor
	At            time.Time
}

// SetupResult is what a successful step learned; zero members are left as
// stored.
type SetupResult struct {
	TrackFieldID int64
	WidgetID     int64
	WebhookIDs   []int64
}

// ShopStore keeps shops.
type ShopStore interface {
	// InstallShop upserts the shop by InsalesID. A new shop starts with
	// welcome kopecks, left pending on it for Biller.Settle to record.
	InstallShop(ctx context.Context, in InstallRecord, welcome int64, now time.Time) (shop Shop, created bool, err error)
	// PrepareInstall applies p (see InstallPrep) and returns the shop after it.
	PrepareInstall(ctx context.Context, shopID string, p InstallPrep) (Shop, error)
	Shop(ctx context.Context, id string) (Shop, error)
	ShopByInsalesID(ctx context.Context, insalesID int64) (Shop, error)
	// ShopByWidgetKey finds the shop whose order-page widget carries key.
	ShopByWidgetKey(ctx context.Context, key string) (Shop, error)
	MarkUninstalled(ctx context.Context, shopID string, now time.Time) error
	// SaveSetupStep records one step's state and, on success, its result.
	SaveSetupStep(ctx context.Context, shopID string, st StepState, res SetupResult) error
	// SetSetupComplete marks the whole setup done.
	SetSetupComplete(ctx context.Context, shopID string, now time.Time) error
	// ShopsNeedingSetup lists up to limit installed shops whose setup is not
	// complete.
	ShopsNeedingSetup(ctx context.Context, limit int) ([]string, error)
	// ShopIDs pages through every shop id in order.
	ShopIDs(ctx context.Context, after string, limit int) ([]string, error)
	SaveCursor(ctx context.Context, shopID string, c insales.OrderCursor) error
}

// ParcelStore keeps parcels and their polling schedules.
type ParcelStore interface {
	// OrderParcels returns every parcel of the order, any state.
	OrderParcels(ctx context.Context, shopID string, orderID int64) ([]Parcel, error)
	// Schedule writes (creates or updates) the parcel's polling schedule,
	// keeping its lease and history fingerprint.
	Schedule(ctx context.Context, s tracking.Schedule) error
	// InsertParcel adds a parcel; ErrConflict when its id exists.
	InsertParcel(ctx context.Context, p Parcel, now time.Time) error
	// UpdateFacts stores new order facts on a parcel (and the postcode on its
	// schedule when it changed).
	UpdateFacts(ctx context.Context, id string, f OrderFacts, postcodeChanged bool, now time.Time) error
	// StopParcel marks the parcel stopped and deletes its schedule.
	StopParcel(ctx context.Context, id, reason string, orderUpdatedAt, now time.Time) error
	// Reactivate clears a stop and sets the parcel's state, charge and facts
	// (the caller writes the schedule).
	Reactivate(ctx context.Context, p Parcel, now time.Time) error
	// MarkCharged records that a no_balance parcel was paid for and is now
	// in state, tracked from enteredAt.
	MarkCharged(ctx context.Context, id string, state tracking.State, enteredAt, now time.Time) error
	// NoBalanceParcels lists up to limit parcels of the shop waiting for
	// money, oldest first.
	NoBalanceParcels(ctx context.Context, shopID string, limit int) ([]Parcel, error)
	// Parcel reads one parcel.
	Parcel(ctx context.Context, id string) (Parcel, error)
	// ShopParcels lists the shop's most recently updated parcels.
	ShopParcels(ctx context.Context, shopID string, limit int) ([]Parcel, error)
	// SaveStatusWrite records the order status the app set.
	SaveStatusWrite(ctx context.Context, id string, w StatusWrite) error
	// StopShopParcels stops every parcel of the shop not stopped yet.
	StopShopParcels(ctx context.Context, shopID, reason string, now time.Time) (int, error)
	// StoppedParcels lists up to limit of the shop's parcels stopped for
	// reason.
	StoppedParcels(ctx context.Context, shopID, reason string, limit int) ([]Parcel, error)
	// CreateLink records token as the buyer's link to the parcel;
	// ErrConflict when the token is taken. SetLink puts it on the parcel.
	CreateLink(ctx context.Context, token, parcelID, shopID string, now time.Time) error
	SetLink(ctx context.Context, parcelID, token string) error
	// LinkedParcel is the parcel a link opens; ErrNotFound for a token
	// nobody was given.
	LinkedParcel(ctx context.Context, token string) (Parcel, error)
}

// EventStore remembers order events already handled (events_seen).
type EventStore interface {
	// Seen reports whether key was recorded.
	Seen(ctx context.Context, key string) (bool, error)
	// MarkSeen records key; recording it twice is not an error.
	MarkSeen(ctx context.Context, key string, now time.Time) error
}

// Biller is the part of billing.Service the app uses.
type Biller interface {
	Charge(ctx context.Context, shopID, ref string, amount int64, kind billing.Kind, meta billing.Meta) (billing.Entry, error)
	Settle(ctx context.Context, shopID string) (int, error)
	Prices() billing.Prices
}

// Locker holds named, expiring locks shared by every process on the
// database. The setup takes one per shop, so two runs never look for the
// same resources at once and both create them.
type Locker interface {
	Acquire(ctx context.Context, key, owner string, now time.Time, ttl time.Duration) (bool, error)
	Release(ctx context.Context, key, owner string) error
}
