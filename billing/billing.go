// Package billing keeps every shop's prepaid balance: prices, the ledger of
// balance changes, and Charge/Credit (and ChargeMany, a batch of one shop's
// charges), which are atomic, idempotent by ref, never take a balance below
// zero and keep balance == sum(ledger) per shop.
//
// The package imports no database code. It declares Store, the few operations
// it needs, and the storage package implements it (storage.Ledger).
//
// How a change is applied without transactions (every storage write is one
// atomic single-document update):
//
//  1. read the shop's account: balance, balance version (seq) and the changes
//     still pending on it; then look the ref up in the ledger;
//  2. compare-and-set on the shop: only if seq is unchanged and the ref is not
//     pending, add the amount to the balance, bump seq and push a pending
//     record that already carries the full ledger entry (balance after, seq);
//  3. insert the ledger entry (its key is unique, so a repeat is harmless);
//  4. pull the pending record.
//
// A ref that was ever applied is, at every instant, pending on the shop or in
// the ledger (the pending record goes only after the entry is in). Step 1 reads
// the account before the ledger, and step 2 only succeeds if no other change
// touched the balance since that read, so a ref applied before the read is
// seen in step 1 and one applied after it makes step 2 fail and retry: the same
// ref is applied at most once with no time window and no bounded "recent refs"
// list. A crash or error after step 2 leaves a pending record; a retry of the
// same ref, Settle, RepairPending or Reconcile finish steps 3–4 from it.
//
// ChargeMany runs the same four steps for up to MaxChargeBatch charges of one
// shop at once: step 1 reads the account and then looks every ref of the batch
// up in the ledger; step 2 is one compare-and-set that, only if seq is
// unchanged and none of the refs is pending, takes all the fresh charges from
// the balance, adds their number to seq and pushes one pending record per
// charge, each with its own seq and balance after, in the batch's order; step
// 3 inserts all their entries; step 4, once every one is in the ledger, pulls
// all their records. The argument above holds ref by ref: the one
// compare-and-set succeeds only if no change at all touched the balance since
// the read, so every ref of the batch applied before the read was seen in step
// 1, and one applied after it fails the whole step 2, which is retried from
// step 1. The version goes up by one per charge, so the ledger still replays
// seq by seq. A crash after step 2 leaves ordinary pending records, finished by
// a retry of the batch or of any of its refs, by Settle or RepairPending.
package billing

import (
	"errors"
	"fmt"
	"time"
)

// Errors returned by the Service; callers test them with errors.Is.
var (
	// ErrInsufficientFunds means the balance cannot pay the charge; nothing
	// was changed.
	ErrInsufficientFunds = errors.New("billing: insufficient funds")
	// ErrInvalidAmount means an amount of zero or less was given.
	ErrInvalidAmount = errors.New("billing: amount must be positive")
	// ErrInvalidKind means the kind does not fit the operation (a charge of
	// kind topup, a credit of kind sms, an unknown kind).
	ErrInvalidKind = errors.New("billing: invalid kind")
	// ErrInvalidRef means an empty ref was given.
	ErrInvalidRef = errors.New("billing: empty ref")
	// ErrUnknownShop means no shop has the given id.
	ErrUnknownShop = errors.New("billing: unknown shop")
	// ErrRefConflict means the ref was already used for a different kind of
	// change (a charge ref reused for a credit, or another kind).
	ErrRefConflict = errors.New("billing: ref already used for another change")
	// ErrBusy means the balance kept changing under this operation; it is safe
	// to retry with the same ref.
	ErrBusy = errors.New("billing: balance busy, try again")
)

// Kind says what a balance change is for.
type Kind string

// Kinds of balance change. Charges are track, track_change, sms, voice, email
// and adjustment; credits are topup, refund, adjustment and welcome.
const (
	KindTopup       Kind = "topup"
	KindTrack       Kind = "track"
	KindTrackChange Kind = "track_change"
	KindSMS         Kind = "sms"
	KindVoice       Kind = "voice"
	KindEmail       Kind = "email"
	KindRefund      Kind = "refund"
	KindAdjustment  Kind = "adjustment"
	KindWelcome     Kind = "welcome"
)

// IsCharge reports whether the kind takes money from the balance.
func (k Kind) IsCharge() bool {
	switch k {
	case KindTrack, KindTrackChange, KindSMS, KindVoice, KindEmail, KindAdjustment:
		return true
	}
	return false
}

// IsCredit reports whether the kind adds money to the balance.
func (k Kind) IsCredit() bool {
	switch k {
	case KindTopup, KindRefund, KindAdjustment, KindWelcome:
		return true
	}
	return false
}

// ActorType says who caused a balance change.
type ActorType string

// Actor types.
const (
	ActorSystem  ActorType = "system"
	ActorStripe  ActorType = "stripe"
	ActorSupport ActorType = "support"
	ActorAPI     ActorType = "api"
)

// Actor is who caused a balance change and why: the system, a Stripe event
// (ID = event id), a support user (ID = admin id, Reason required by the admin
// portal), an API client.
type Actor struct {
	Type   ActorType
	ID     string
	Reason string
}

// Meta describes a balance change beyond its amount.
type Meta struct {
	Actor          Actor
	ParcelID       string
	NotificationID string
}

// Entry is one ledger row: a balance change that happened.
type Entry struct {
	ShopID string
	// Ref is the idempotency key given by the caller, unique per shop, e.g.
	// "track:<parcel id>", "sms:<notification id>", "topup:<stripe event id>".
	Ref  string
	Kind Kind
	// Amount is signed kopecks: negative for charges, positive for credits.
	Amount       int64
	BalanceAfter int64
	// Seq is the shop's balance version this change produced; it orders a
	// shop's entries exactly (BalanceAfter of seq n = BalanceAfter of n-1 +
	// Amount of n).
	Seq            int64
	Actor          Actor
	ParcelID       string
	NotificationID string
	CreatedAt      time.Time
}

// Pending is a change applied to a shop's balance whose ledger entry may not
// be recorded yet. Op identifies this attempt.
type Pending struct {
	Op string
	Entry
}

// Account is a shop's balance, its version and its unfinished changes.
type Account struct {
	ShopID  string
	Balance int64
	// Seq is incremented by every change of the balance made through the ledger.
	Seq     int64
	Pending []Pending
}

// Mismatch is a shop whose balance differs from the sum of its ledger.
type Mismatch struct {
	ShopID    string
	Balance   int64
	LedgerSum int64
	// Diff is Balance - LedgerSum.
	Diff int64
	// Unsettled means the balance kept changing during the check, so it could
	// not be compared; the figures are from the last attempt. Re-run.
	Unsettled bool
}

// String formats the mismatch for the operator (the reconcile command).
func (m Mismatch) String() string {
	if m.Unsettled {
		return fmt.Sprintf("shop %s: balance kept changing during the check (balance %d, ledger sum %d kopecks); re-run", m.ShopID, m.Balance, m.LedgerSum)
	}
	return fmt.Sprintf("shop %s: balance %d, ledger sum %d, difference %+d kopecks (%s)", m.ShopID, m.Balance, m.LedgerSum, m.Diff, FormatRub(m.Diff))
}

// FormatMismatch formats m for the operator; see Mismatch.String.
func FormatMismatch(m Mismatch) string { return m.String() }
