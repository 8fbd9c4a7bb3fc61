package billing

import (
	"context"
	"fmt"
)

// Refund gives back, once, what was charged under chargeRef: a credit of
// kind refund for the charge's amount, under refundRef. found is false when
// no charge was made under chargeRef, and nothing changes: a caller that
// cannot tell whether a crash came before or after its charge refunds
// without fear of paying out what was never taken. Calling it again returns
// the first refund's entry.
func (s *Service) Refund(ctx context.Context, shopID, chargeRef, refundRef string, meta Meta) (Entry, bool, error) {
	charge, found, err := s.applied(ctx, shopID, chargeRef)
	if err != nil || !found {
		return Entry{}, false, err
	}
	if !charge.Kind.IsCharge() || charge.Amount >= 0 {
		return Entry{}, true, fmt.Errorf("billing: refund of %s, a %s: %w", chargeRef, charge.Kind, ErrRefConflict)
	}
	e, err := s.Credit(ctx, shopID, refundRef, -charge.Amount, KindRefund, meta)
	return e, true, err
}

// applied finds the change made under ref: pending on the shop, or in the
// ledger. The account is read before the ledger (see the package comment),
// so a change is found wherever it moves meanwhile.
func (s *Service) applied(ctx context.Context, shopID, ref string) (Entry, bool, error) {
	acc, found, err := s.store.Account(ctx, shopID)
	if err != nil {
		return Entry{}, false, fmt.Errorf("billing: find %s: read account: %w", ref, err)
	}
	if !found {
		return Entry{}, false, fmt.Errorf("billing: find %s: shop %s: %w", ref, shopID, ErrUnknownShop)
	}
	for _, p := range acc.Pending {
		if p.Ref == ref {
			return p.Entry, true, nil
		}
	}
	e, found, err := s.store.LedgerByRef(ctx, shopID, ref)
	if err != nil {
		return Entry{}, false, fmt.Errorf("billing: find %s: read ledger: %w", ref, err)
	}
	return e, found, nil
}
