package billing

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"time"
)

// Store is the storage the Service needs; storage.Ledger implements it. Every
// method is one round trip (LedgerByRefs may take one per ref) and every write
// is atomic on one document.
type Store interface {
	// Account reads a shop's balance, version and pending changes; found is
	// false when there is no such shop.
	Account(ctx context.Context, shopID string) (acc Account, found bool, err error)
	// ApplyPending is the compare-and-set of a change: only if the shop's
	// version is still seq, p.Ref is not pending on it, and (for a negative
	// amount) the balance covers it, it adds p.Amount to the balance,
	// increments the version and appends p to the pending changes — all in
	// one atomic update. It reports whether it did.
	ApplyPending(ctx context.Context, shopID string, seq int64, p Pending) (applied bool, err error)
	// InsertLedger records e; inserted is false when the shop's ledger already
	// holds an entry with e.Ref.
	InsertLedger(ctx context.Context, e Entry) (inserted bool, err error)
	// LedgerByRef reads the shop's entry with ref; found is false if none.
	LedgerByRef(ctx context.Context, shopID, ref string) (e Entry, found bool, err error)
	// ClearPending removes the pending change p (as read by Account or given
	// to ApplyPending) from its shop, if still there.
	ClearPending(ctx context.Context, p Pending) error
	// SumLedger adds up the amounts of the shop's ledger.
	SumLedger(ctx context.Context, shopID string) (int64, error)
	// ListLedger returns the shop's entries, newest first.
	ListLedger(ctx context.Context, shopID string, offset, limit int) ([]Entry, error)
	// ApplyPendingMany is ApplyPending for several changes of one shop in one
	// atomic update: only if the version is still seq, none of ps' refs is
	// pending and the balance, taking the changes in order, never goes below
	// zero, it adds their amounts, increments the version by len(ps) and
	// appends ps. The caller gives ps distinct refs and the seqs seq+1,
	// seq+2, … in order.
	ApplyPendingMany(ctx context.Context, shopID string, seq int64, ps []Pending) (applied bool, err error)
	// InsertLedgerMany records es; inserted[i] is false when the shop's
	// ledger already holds an entry with es[i].Ref. After an error some of
	// es may be recorded.
	InsertLedgerMany(ctx context.Context, es []Entry) (inserted []bool, err error)
	// LedgerByRefs reads the shop's entries with the given refs, keyed by
	// ref; a ref with no entry is absent from the map.
	LedgerByRefs(ctx context.Context, shopID string, refs []string) (map[string]Entry, error)
	// ClearPendingMany removes the pending changes ps (as read by Account or
	// given to ApplyPendingMany) from the shop, those still there.
	ClearPendingMany(ctx context.Context, shopID string, ps []Pending) error
	// ShopsWithPending lists the shops with a pending change older than before.
	ShopsWithPending(ctx context.Context, before time.Time) ([]string, error)
	// ShopIDs returns up to limit shop ids greater than after, in order.
	ShopIDs(ctx context.Context, after string, limit int) ([]string, error)
}

// Options configure a Service.
type Options struct {
	Prices Prices
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MaxAttempts bounds the compare-and-set retries of one change under
	// contention before ErrBusy (default 100).
	MaxAttempts int
}

// Service applies balance changes. It is safe for concurrent use, also from
// several processes sharing one database. Within one Service the changes of
// one shop take turns (see shopLocks); across processes the compare-and-set
// keeps them apart.
type Service struct {
	store       Store
	prices      Prices
	log         *slog.Logger
	now         func() time.Time
	maxAttempts int
	locks       shopLocks
}

// New returns a Service over store.
func New(store Store, o Options) *Service {
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 100
	}
	return &Service{store: store, prices: o.Prices, log: o.Logger, now: o.Now, maxAttempts: o.MaxAttempts}
}

// Prices returns the configured prices.
func (s *Service) Prices() Prices { return s.prices }

// Charge takes amount kopecks (> 0) from the shop's balance, recording it in
// the ledger under ref. Calling it again with the same ref — a retry, a
// duplicate event, another worker — changes nothing and returns the entry of
// the first call. When the balance cannot pay it returns ErrInsufficientFunds
// and changes nothing. An error other than those sentinels may come after the
// balance was changed; retrying with the same ref is always safe and completes
// the ledger entry.
func (s *Service) Charge(ctx context.Context, shopID, ref string, amount int64, kind Kind, meta Meta) (Entry, error) {
	if !kind.IsCharge() {
		return Entry{}, fmt.Errorf("billing: charge %s as %q: %w", ref, kind, ErrInvalidKind)
	}
	return s.apply(ctx, shopID, ref, -amount, amount, kind, meta)
}

// Credit adds amount kopecks (> 0) to the shop's balance under ref, with the
// same idempotency as Charge.
func (s *Service) Credit(ctx context.Context, shopID, ref string, amount int64, kind Kind, meta Meta) (Entry, error) {
	if !kind.IsCredit() {
		return Entry{}, fmt.Errorf("billing: credit %s as %q: %w", ref, kind, ErrInvalidKind)
	}
	return s.apply(ctx, shopID, ref, amount, amount, kind, meta)
}

// Balance returns the shop's balance in kopecks.
func (s *Service) Balance(ctx context.Context, shopID string) (int64, error) {
	acc, found, err := s.store.Account(ctx, shopID)
	if err != nil {
		return 0, fmt.Errorf("billing: balance of %s: %w", shopID, err)
	}
	if !found {
		return 0, fmt.Errorf("billing: balance of %s: %w", shopID, ErrUnknownShop)
	}
	return acc.Balance, nil
}

// History returns the shop's ledger, newest first.
func (s *Service) History(ctx context.Context, shopID string, offset, limit int) ([]Entry, error) {
	out, err := s.store.ListLedger(ctx, shopID, offset, limit)
	if err != nil {
		return nil, fmt.Errorf("billing: history of %s: %w", shopID, err)
	}
	return out, nil
}

// apply runs the protocol described in the package comment. delta is signed,
// amount is what the caller gave (validated > 0).
func (s *Service) apply(ctx context.Context, shopID, ref string, delta, amount int64, kind Kind, meta Meta) (Entry, error) {
	if err := check(ref, amount, kind); err != nil {
		return Entry{}, err
	}
	unlock, err := s.locks.lock(ctx, shopID)
	if err != nil {
		return Entry{}, fmt.Errorf("billing: %s %s: %w", kind, ref, err)
	}
	defer unlock()
	for attempt := range s.maxAttempts {
		if attempt > 0 {
			if err := pause(ctx, attempt); err != nil {
				return Entry{}, fmt.Errorf("billing: %s %s: %w", kind, ref, err)
			}
		}
		// The account is read before the ledger: see the package comment.
		acc, found, err := s.store.Account(ctx, shopID)
		if err != nil {
			return Entry{}, fmt.Errorf("billing: %s %s: read account: %w", kind, ref, err)
		}
		if !found {
			return Entry{}, fmt.Errorf("billing: %s %s: shop %s: %w", kind, ref, shopID, ErrUnknownShop)
		}
		for _, p := range acc.Pending {
			if p.Ref == ref {
				// Applied by an earlier attempt that has not finished (or
				// crashed): finish it for them.
				e, err := s.finish(ctx, p)
				if err != nil {
					return Entry{}, fmt.Errorf("billing: %s %s: %w", kind, ref, err)
				}
				return same(e, kind, delta)
			}
		}
		if e, found, err := s.store.LedgerByRef(ctx, shopID, ref); err != nil {
			return Entry{}, fmt.Errorf("billing: %s %s: read ledger: %w", kind, ref, err)
		} else if found {
			return same(e, kind, delta)
		}
		if delta > 0 && acc.Balance > math.MaxInt64-delta {
			return Entry{}, fmt.Errorf("billing: %s %s of %d overflows balance %d: %w", kind, ref, amount, acc.Balance, ErrInvalidAmount)
		}
		if delta < 0 && acc.Balance+delta < 0 {
			return Entry{}, fmt.Errorf("billing: %s %s of %d with balance %d: %w", kind, ref, amount, acc.Balance, ErrInsufficientFunds)
		}
		p := newPending(shopID, ref, kind, delta, acc.Balance+delta, acc.Seq+1, meta, s.stamp())
		applied, err := s.store.ApplyPending(ctx, shopID, acc.Seq, p)
		if err != nil {
			return Entry{}, fmt.Errorf("billing: %s %s: apply: %w", kind, ref, err)
		}
		if !applied {
			continue
		}
		e, err := s.finish(ctx, p)
		if err != nil {
			return Entry{}, fmt.Errorf("billing: %s %s: %w", kind, ref, err)
		}
		return e, nil
	}
	return Entry{}, fmt.Errorf("billing: %s %s after %d attempts: %w", kind, ref, s.maxAttempts, ErrBusy)
}

// check validates the amount and ref of a change.
func check(ref string, amount int64, kind Kind) error {
	if amount <= 0 {
		return fmt.Errorf("billing: %s %s of %d: %w", kind, ref, amount, ErrInvalidAmount)
	}
	if ref == "" {
		return fmt.Errorf("billing: %s of %d: %w", kind, amount, ErrInvalidRef)
	}
	return nil
}

// pause waits before another attempt of a compare-and-set: someone else
// changed the balance between our read and our write, and a short random
// pause spreads the contenders out.
func pause(ctx context.Context, attempt int) error {
	return sleep(ctx, time.Duration(mrand.IntN(min(attempt, 20)+1))*time.Millisecond)
}

// stamp is the creation time of a change. Millisecond precision is what the
// database keeps, so the entry returned now equals the one a replay reads
// back.
func (s *Service) stamp() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

// newPending is the pending record of a change of delta that leaves the
// balance at after and the balance version at seq.
func newPending(shopID, ref string, kind Kind, delta, after, seq int64, meta Meta, at time.Time) Pending {
	return Pending{Op: newOp(), Entry: Entry{
		ShopID:         shopID,
		Ref:            ref,
		Kind:           kind,
		Amount:         delta,
		BalanceAfter:   after,
		Seq:            seq,
		Actor:          meta.Actor,
		ParcelID:       meta.ParcelID,
		NotificationID: meta.NotificationID,
		CreatedAt:      at,
	}}
}

// finish records a pending change in the ledger and removes it from the shop.
// Both steps are idempotent, so any number of callers may finish one change.
func (s *Service) finish(ctx context.Context, p Pending) (Entry, error) {
	e := p.Entry
	inserted, err := s.store.InsertLedger(ctx, e)
	if err != nil {
		return Entry{}, fmt.Errorf("record ledger entry: %w", err)
	}
	if !inserted {
		// Someone else recorded it: return what is stored.
		stored, found, err := s.store.LedgerByRef(ctx, p.ShopID, p.Ref)
		if err != nil {
			return Entry{}, fmt.Errorf("read ledger entry: %w", err)
		}
		if !found {
			return Entry{}, fmt.Errorf("ledger entry %s refused as duplicate but not found", p.Ref)
		}
		e = stored
	}
	if err := s.store.ClearPending(ctx, p); err != nil {
		return Entry{}, fmt.Errorf("clear pending: %w", err)
	}
	return e, nil
}

// same checks that a replayed ref asks for the same kind of change it was
// first applied as, and returns the original entry.
func same(e Entry, kind Kind, delta int64) (Entry, error) {
	if e.Kind != kind || (e.Amount < 0) != (delta < 0) {
		return Entry{}, fmt.Errorf("billing: ref %s was a %s of %d, now asked as %s of %d: %w", e.Ref, e.Kind, e.Amount, kind, delta, ErrRefConflict)
	}
	return e, nil
}

// Settle finishes every pending change of one shop, whatever its age, and
// returns how many it finished. Finishing a change another process is still
// working on is harmless.
func (s *Service) Settle(ctx context.Context, shopID string) (int, error) {
	return s.settle(ctx, shopID, time.Time{})
}

// settle finishes the shop's pending changes made before cutoff (all of them
// when cutoff is zero).
func (s *Service) settle(ctx context.Context, shopID string, cutoff time.Time) (int, error) {
	acc, found, err := s.store.Account(ctx, shopID)
	if err != nil {
		return 0, fmt.Errorf("billing: settle %s: %w", shopID, err)
	}
	if !found {
		return 0, fmt.Errorf("billing: settle %s: %w", shopID, ErrUnknownShop)
	}
	var due []Pending
	for _, p := range acc.Pending {
		if cutoff.IsZero() || p.CreatedAt.Before(cutoff) {
			due = append(due, p)
		}
	}
	// All at once, as a batch left them: one insert and one clearing.
	if _, err := s.finishMany(ctx, shopID, due); err != nil {
		return 0, fmt.Errorf("billing: settle %s: %w", shopID, err)
	}
	return len(due), nil
}

// RepairPending finishes the changes left pending longer than olderThan —
// by a crash between applying a change and recording it — and returns how
// many it finished. A periodic job and Reconcile call it.
func (s *Service) RepairPending(ctx context.Context, olderThan time.Duration) (int, error) {
	cutoff := s.now().Add(-olderThan)
	ids, err := s.store.ShopsWithPending(ctx, cutoff)
	if err != nil {
		return 0, fmt.Errorf("billing: repair: %w", err)
	}
	total := 0
	for _, id := range ids {
		n, err := s.settle(ctx, id, cutoff)
		total += n
		if err != nil && !errors.Is(err, ErrUnknownShop) {
			return total, fmt.Errorf("billing: repair: %w", err)
		}
	}
	if total > 0 {
		s.log.Warn("billing: finished interrupted balance changes", slog.Int("count", total), slog.Int("shops", len(ids)))
	}
	return total, nil
}

// reconcileAttempts bounds how often Reconcile re-reads a shop whose balance
// keeps changing before reporting it unsettled.
const reconcileAttempts = 5

// reconcilePage is how many shop ids Reconcile reads per round trip.
const reconcilePage = 500

// Reconcile checks balance == sum(ledger) for every shop and returns the
// shops where it does not hold. It first repairs changes pending for more
// than a minute. A shop's comparison is made on a quiet snapshot — the same
// balance version before and after summing its ledger and nothing pending —
// so a running system gives no false alarms; a shop that never stays quiet
// is reported with Unsettled set.
func (s *Service) Reconcile(ctx context.Context) ([]Mismatch, error) {
	if _, err := s.RepairPending(ctx, time.Minute); err != nil {
		return nil, err
	}
	var out []Mismatch
	checked := 0
	after := ""
	for {
		ids, err := s.store.ShopIDs(ctx, after, reconcilePage)
		if err != nil {
			return out, fmt.Errorf("billing: reconcile: list shops: %w", err)
		}
		for _, id := range ids {
			m, ok, err := s.reconcileShop(ctx, id)
			if err != nil {
				return out, fmt.Errorf("billing: reconcile: %w", err)
			}
			checked++
			if !ok {
				s.log.Warn("billing: balance does not match ledger", slog.String("shop_id", id),
					slog.Int64("balance", m.Balance), slog.Int64("ledger_sum", m.LedgerSum), slog.Bool("unsettled", m.Unsettled))
				out = append(out, m)
			}
		}
		if len(ids) < reconcilePage {
			break
		}
		after = ids[len(ids)-1]
	}
	s.log.Info("billing: reconcile done", slog.Int("shops", checked), slog.Int("mismatched", len(out)))
	return out, nil
}

// reconcileShop compares one shop's balance with its ledger sum; ok is true
// when they match.
func (s *Service) reconcileShop(ctx context.Context, shopID string) (Mismatch, bool, error) {
	m := Mismatch{ShopID: shopID}
	for attempt := range reconcileAttempts {
		if attempt > 0 {
			if err := sleep(ctx, time.Duration(attempt*10)*time.Millisecond); err != nil {
				return m, false, err
			}
		}
		before, found, err := s.store.Account(ctx, shopID)
		if err != nil {
			return m, false, fmt.Errorf("shop %s: %w", shopID, err)
		}
		if !found {
			return m, true, nil // removed meanwhile: nothing to compare
		}
		if len(before.Pending) > 0 {
			if _, err := s.settle(ctx, shopID, time.Time{}); err != nil {
				return m, false, err
			}
			continue
		}
		sum, err := s.store.SumLedger(ctx, shopID)
		if err != nil {
			return m, false, fmt.Errorf("shop %s: %w", shopID, err)
		}
		after, _, err := s.store.Account(ctx, shopID)
		if err != nil {
			return m, false, fmt.Errorf("shop %s: %w", shopID, err)
		}
		m.Balance, m.LedgerSum, m.Diff = after.Balance, sum, after.Balance-sum
		// Same version and nothing pending on both reads: no change started
		// or finished while the ledger was summed.
		if after.Seq != before.Seq || len(after.Pending) > 0 || after.Balance != before.Balance {
			continue
		}
		return m, m.Diff == 0, nil
	}
	m.Unsettled = true
	return m, false, nil
}

func newOp() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand never fails on Linux
	return hex.EncodeToString(b)
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
