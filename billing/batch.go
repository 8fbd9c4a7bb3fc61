package billing

import (
	"context"
	"fmt"
)

// MaxChargeBatch is the most charges ChargeMany applies with one
// compare-and-set; it splits longer batches into runs of this size, in order.
//
// Why 50: until its ledger entry is recorded each charge of a run sits on the
// shop document as a pending record of about 250 bytes, and the embedded
// server reads and rewrites that whole document on every read of the account
// and every change of the balance, of every process charging the shop; a run
// of 50 adds about 12 KB, two runs in flight at once stay far below anything
// that slows it. It keeps every write of a run — and any bulk write a store
// might make of it, one update per charge — well under the 99 updates the
// embedded server survives in one bulk write (docs/architecture.md). And it
// bounds what a lost compare-and-set throws away: the read of the account and
// the ledger look-up, one find per charge on the embedded server.
const MaxChargeBatch = 50

// Charge is one charge of a batch given to ChargeMany, the arguments of one
// Charge call.
type Charge struct {
	// Ref is the idempotency key, unique per shop (e.g. "sms:<message key>").
	Ref string
	// Amount is in kopecks, > 0.
	Amount int64
	// Kind is a charge kind (Kind.IsCharge).
	Kind Kind
	Meta Meta
}

// Outcome is what ChargeMany made of one charge: its ledger entry — new, or
// the one its ref was applied with before — or the reason it has none.
type Outcome struct {
	Entry Entry
	Err   error
}

// ChargeMany takes several charges from one shop's balance with about the
// round trips of one Charge (see the package comment): outcomes[i] is what
// became of charges[i]. Each charge is applied at most once, exactly as by
// Charge with the same arguments, also against Charge and other ChargeMany
// calls running at the same time:
//
//   - a ref already applied — in the ledger, pending on the shop, or earlier
//     in this batch — gives the entry it was applied with, or ErrRefConflict
//     when that was another kind of change; this holds wherever it stands in
//     the batch;
//   - the other charges are applied in the given order while the balance
//     covers them; the first it does not cover, and every such charge after
//     it, get ErrInsufficientFunds and change nothing: a later, smaller charge
//     never jumps the queue;
//   - an invalid charge gets ErrInvalidAmount, ErrInvalidKind or
//     ErrInvalidRef and is left out; it does not stop the others.
//
// Batches longer than MaxChargeBatch are applied in runs of that size, in
// order. err is non-nil when the batch stopped before every charge was
// decided: an unknown shop (ErrUnknownShop), a balance that kept changing
// (ErrBusy), a database error or the context. Every charge not decided then
// carries err as its Outcome.Err; as with Charge, some of them may already
// have been taken from the balance, and calling ChargeMany again with the same
// batch is always safe: it completes those and charges nothing twice.
func (s *Service) ChargeMany(ctx context.Context, shopID string, charges []Charge) ([]Outcome, error) {
	b := &batch{svc: s, shopID: shopID, charges: charges,
		out: make([]Outcome, len(charges)), done: make([]bool, len(charges))}
	first := make(map[string]int, len(charges))
	var fresh []int
	for i, c := range charges {
		if !c.Kind.IsCharge() {
			b.decide(i, Entry{}, fmt.Errorf("billing: charge %s as %q: %w", c.Ref, c.Kind, ErrInvalidKind))
			continue
		}
		if err := check(c.Ref, c.Amount, c.Kind); err != nil {
			b.decide(i, Entry{}, err)
			continue
		}
		if _, seen := first[c.Ref]; !seen {
			first[c.Ref] = i
			fresh = append(fresh, i)
		}
	}
	var err error
	for start := 0; start < len(fresh) && err == nil; start += MaxChargeBatch {
		err = b.run(ctx, fresh[start:min(start+MaxChargeBatch, len(fresh))])
	}
	for i, c := range charges {
		if b.done[i] {
			continue
		}
		// A ref repeated in the batch shares its first charge's outcome.
		if j, ok := first[c.Ref]; ok && j != i && b.done[j] {
			o := b.out[j]
			if o.Err == nil {
				o.Entry, o.Err = same(o.Entry, c.Kind, -c.Amount)
			}
			b.decide(i, o.Entry, o.Err)
			continue
		}
		b.out[i].Err = err
	}
	return b.out, err
}

// batch is the state of one ChargeMany call.
type batch struct {
	svc     *Service
	shopID  string
	charges []Charge
	out     []Outcome
	done    []bool
	// refused is set once a charge of the batch could not be paid: every
	// later charge that is not a replay is refused too.
	refused bool
}

func (b *batch) decide(i int, e Entry, err error) {
	b.out[i], b.done[i] = Outcome{Entry: e, Err: err}, true
}

// run applies the charges at idx — at most MaxChargeBatch, valid, distinct
// refs, in order — by the protocol of the package comment, retrying the
// compare-and-set when another change wins it.
func (b *batch) run(ctx context.Context, idx []int) error {
	s := b.svc
	unlock, err := s.locks.lock(ctx, b.shopID)
	if err != nil {
		return fmt.Errorf("billing: charge batch of %s: %w", b.shopID, err)
	}
	defer unlock()
	for attempt := range s.maxAttempts {
		if attempt > 0 {
			if err := pause(ctx, attempt); err != nil {
				return fmt.Errorf("billing: charge batch of %s: %w", b.shopID, err)
			}
		}
		var open []int
		for _, i := range idx {
			if !b.done[i] {
				open = append(open, i)
			}
		}
		if len(open) == 0 {
			return nil
		}
		// The account is read before the ledger: see the package comment.
		acc, found, err := s.store.Account(ctx, b.shopID)
		if err != nil {
			return fmt.Errorf("billing: charge batch of %s: read account: %w", b.shopID, err)
		}
		if !found {
			return fmt.Errorf("billing: charge batch of %s: %w", b.shopID, ErrUnknownShop)
		}
		onShop := make(map[string]Pending, len(acc.Pending))
		for _, p := range acc.Pending {
			onShop[p.Ref] = p
		}
		// Refs of the batch pending on the shop were applied by an attempt
		// that has not finished (or crashed): they are finished with ours.
		var replays, lookup []string
		var replayIdx []int
		var finish []Pending
		for _, i := range open {
			ref := b.charges[i].Ref
			if p, ok := onShop[ref]; ok {
				finish, replayIdx, replays = append(finish, p), append(replayIdx, i), append(replays, ref)
			} else {
				lookup = append(lookup, ref)
			}
		}
		stored, err := s.store.LedgerByRefs(ctx, b.shopID, lookup)
		if err != nil {
			return fmt.Errorf("billing: charge batch of %s: read ledger: %w", b.shopID, err)
		}

		// Plan the fresh charges in order; a refusal counts only once the
		// plan is carried out, as the balance may be different next attempt.
		balance, refused := acc.Balance, b.refused
		var short, applyIdx []int
		var apply []Pending
		at := s.stamp()
		for _, i := range open {
			c := b.charges[i]
			if _, ok := onShop[c.Ref]; ok {
				continue
			}
			if e, ok := stored[c.Ref]; ok {
				// Entries are never removed: this outcome holds whatever
				// this attempt becomes.
				e, err := same(e, c.Kind, -c.Amount)
				b.decide(i, e, err)
				continue
			}
			if refused || balance < c.Amount {
				refused = true
				short = append(short, i)
				continue
			}
			balance -= c.Amount
			apply = append(apply, newPending(b.shopID, c.Ref, c.Kind, -c.Amount, balance, acc.Seq+int64(len(apply))+1, c.Meta, at))
			applyIdx = append(applyIdx, i)
		}
		if len(apply) > 0 {
			applied, err := s.store.ApplyPendingMany(ctx, b.shopID, acc.Seq, apply)
			if err != nil {
				return fmt.Errorf("billing: charge batch of %s: apply: %w", b.shopID, err)
			}
			if !applied {
				continue
			}
		}
		for k, i := range short {
			c := b.charges[i]
			why := fmt.Sprintf("with balance %d", balance)
			if k > 0 || b.refused {
				why = "after an earlier charge of the batch"
			}
			b.decide(i, Entry{}, fmt.Errorf("billing: %s %s of %d %s: %w", c.Kind, c.Ref, c.Amount, why, ErrInsufficientFunds))
		}
		b.refused = refused
		es, err := s.finishMany(ctx, b.shopID, append(finish, apply...))
		if err != nil {
			return fmt.Errorf("billing: charge batch of %s: %w", b.shopID, err)
		}
		for k, i := range replayIdx {
			e, err := same(es[k], b.charges[i].Kind, -b.charges[i].Amount)
			b.decide(i, e, err)
		}
		for k, i := range applyIdx {
			b.decide(i, es[len(finish)+k], nil)
		}
		return nil
	}
	return fmt.Errorf("billing: charge batch of %s after %d attempts: %w", b.shopID, s.maxAttempts, ErrBusy)
}

// finishMany records pending changes of one shop in the ledger and then
// removes them from the shop, in one round trip each (a third reads back
// entries someone else recorded first). Any number of callers may finish the
// same changes.
func (s *Service) finishMany(ctx context.Context, shopID string, ps []Pending) ([]Entry, error) {
	if len(ps) == 0 {
		return nil, nil
	}
	es := make([]Entry, len(ps))
	for i, p := range ps {
		es[i] = p.Entry
	}
	inserted, err := s.store.InsertLedgerMany(ctx, es)
	if err != nil {
		return nil, fmt.Errorf("record ledger entries: %w", err)
	}
	var again []string
	for i, ok := range inserted {
		if !ok {
			again = append(again, ps[i].Ref)
		}
	}
	if len(again) > 0 {
		stored, err := s.store.LedgerByRefs(ctx, shopID, again)
		if err != nil {
			return nil, fmt.Errorf("read ledger entries: %w", err)
		}
		for i, ok := range inserted {
			if ok {
				continue
			}
			e, found := stored[ps[i].Ref]
			if !found {
				return nil, fmt.Errorf("ledger entry %s refused as duplicate but not found", ps[i].Ref)
			}
			es[i] = e
		}
	}
	// Only now, with every entry in the ledger, do the records go.
	if err := s.store.ClearPendingMany(ctx, shopID, ps); err != nil {
		return nil, fmt.Errorf("clear pending: %w", err)
	}
	return es, nil
}
