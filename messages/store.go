package messages

import (
	"context"
	"errors"
	"time"

	"parceltrack/billing"
	"parceltrack/shopapp"
)

// ErrNotFound is what Store.Get returns for an unknown key (storage uses
// shopapp's sentinels, so every store answers the same value).
var ErrNotFound = shopapp.ErrNotFound

// Store keeps the outbox (package storage implements it).
type Store interface {
	// Add stores the rows whose keys are new and reports how many it
	// stored; a key already stored is left exactly as it is, which is what
	// makes planning the same parcel twice harmless.
	Add(ctx context.Context, rows []Notification) (int, error)
	// ClaimDue leases up to limit rows whose NextAt is at or before dueBy
	// (the tracking clock), the earliest first, until leaseNow+lease (the
	// wall clock). No row is ever leased to two claimers at once.
	ClaimDue(ctx context.Context, owner string, dueBy, leaseNow time.Time, lease time.Duration, limit int) (Claim, error)
	// Save writes a row's state (everything but its plan) by key.
	Save(ctx context.Context, n Notification) error
	// SaveMany is Save for several rows in one round trip.
	SaveMany(ctx context.Context, rows []Notification) error
	// MarkSent records a send (status, provider id, times, segments) and
	// returns the row after it, with any delivery report already stored:
	// it never writes over one.
	MarkSent(ctx context.Context, n Notification) (Notification, error)
	// SetDelivery stores a provider's delivery report on the row and
	// returns the row after it.
	SetDelivery(ctx context.Context, key, delivery string, at time.Time) (Notification, error)
	// Release gives the claim's leases on keys back.
	Release(ctx context.Context, token string, keys []string) error
	Get(ctx context.Context, key string) (Notification, error)
	// Waiting lists up to limit of the shop's rows waiting for a credit
	// (StatusNoBalance), the earliest SendAt first; with an empty shopID,
	// of every shop.
	Waiting(ctx context.Context, shopID string, limit int) ([]Notification, error)
}

// Claim is a batch of rows leased to one dispatcher.
type Claim struct {
	Token string
	// Until is when the leases end (wall clock).
	Until time.Time
	Rows  []Notification
}

// Parcels reads the parcels messages are about.
type Parcels interface {
	Parcel(ctx context.Context, id string) (shopapp.Parcel, error)
}

// Shops reads the shops messages are sent for.
type Shops interface {
	Shop(ctx context.Context, id string) (shopapp.Shop, error)
}

// Biller takes messages' prices from a shop's balance and gives them back.
type Biller interface {
	ChargeMany(ctx context.Context, shopID string, charges []billing.Charge) ([]billing.Outcome, error)
	Refund(ctx context.Context, shopID, chargeRef, refundRef string, meta billing.Meta) (billing.Entry, bool, error)
	Balance(ctx context.Context, shopID string) (int64, error)
	Prices() billing.Prices
}

// Budgets count a shop's calls per day, shared by every process.
type Budgets interface {
	// Reserve takes up to want of the day's limit and returns how many it
	// got.
	Reserve(ctx context.Context, day string, want, limit int, now time.Time) (int, error)
}

// isNotFound reports a store's "no such record".
func isNotFound(err error) bool { return errors.Is(err, ErrNotFound) }
