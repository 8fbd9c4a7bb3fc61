package storage_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"parceltrack/billing"
	"parceltrack/shopapp"
	"parceltrack/storage"
)

// The storage side of billing: compile-time proof that Ledger is its Store.
var _ billing.Store = (*storage.Ledger)(nil)

func newShop(t *testing.T, db *storage.DB, insalesID int64) string {
	t.Helper()
	s, _, err := db.Shops().InstallShop(context.Background(), shopapp.InstallRecord{InsalesID: insalesID, Domain: "shop"}, 0, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return s.ID
}

func pending(shopID, ref string, amount, after, seq int64) billing.Pending {
	return billing.Pending{Op: "op-" + ref, Entry: billing.Entry{
		ShopID: shopID, Ref: ref, Kind: billing.KindTopup, Amount: amount, BalanceAfter: after, Seq: seq,
		Actor:     billing.Actor{Type: billing.ActorSupport, ID: "admin1", Reason: "test"},
		CreatedAt: time.Now().UTC().Truncate(time.Millisecond),
	}}
}

func TestApplyPendingIsACompareAndSet(t *testing.T) {
	t.Parallel()
	db := server.DB(t)
	ctx := context.Background()
	l := db.Ledger()
	shop := newShop(t, db, 1)

	steps := []struct {
		name    string
		seq     int64
		p       billing.Pending
		applied bool
		balance int64
	}{
		{"credit at the current version", 0, pending(shop, "a", 1000, 1000, 1), true, 1000},
		{"stale version is refused", 0, pending(shop, "b", 10, 10, 1), false, 1000},
		{"ref already pending is refused", 1, pending(shop, "a", 1000, 2000, 2), false, 1000},
		{"debit within the balance", 1, pending(shop, "c", -400, 600, 2), true, 600},
		{"debit beyond the balance is refused", 2, pending(shop, "d", -601, -1, 3), false, 600},
		{"debit of exactly the balance", 2, pending(shop, "e", -600, 0, 3), true, 0},
	}
	for _, s := range steps {
		applied, err := l.ApplyPending(ctx, shop, s.seq, s.p)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		acc, _, err := l.Account(ctx, shop)
		if err != nil {
			t.Fatal(err)
		}
		if applied != s.applied || acc.Balance != s.balance {
			t.Fatalf("%s: applied=%v balance=%d, want %v and %d", s.name, applied, acc.Balance, s.applied, s.balance)
		}
	}
	acc, _, _ := l.Account(ctx, shop)
	var refs []string
	for _, p := range acc.Pending {
		refs = append(refs, p.Ref)
	}
	if acc.Seq != 3 || !slices.Equal(refs, []string{"a", "c", "e"}) {
		t.Fatalf("seq %d, pending %v", acc.Seq, refs)
	}
	if got, _ := l.ShopsWithPending(ctx, time.Now().Add(time.Minute)); !slices.Equal(got, []string{shop}) {
		t.Fatalf("shops with pending: %v", got)
	}
	if got, _ := l.ShopsWithPending(ctx, time.Now().Add(-time.Minute)); len(got) != 0 {
		t.Fatalf("shops with pending older than a minute: %v", got)
	}
	// Cleared as read back, and cleared again: harmless.
	if err := l.ClearPending(ctx, acc.Pending[1]); err != nil {
		t.Fatal(err)
	}
	if err := l.ClearPending(ctx, acc.Pending[1]); err != nil {
		t.Fatalf("clearing twice: %v", err)
	}
	acc, _, _ = l.Account(ctx, shop)
	if len(acc.Pending) != 2 || acc.Pending[0].Op != "op-a" || acc.Pending[1].Op != "op-e" {
		t.Fatalf("after clear: %+v", acc.Pending)
	}
	if _, found, err := l.Account(ctx, "nope"); found || err != nil {
		t.Fatalf("missing shop: found=%v err=%v", found, err)
	}
}

func TestLedgerEntries(t *testing.T) {
	t.Parallel()
	db := server.DB(t)
	ctx := context.Background()
	l := db.Ledger()
	shopA, shopB := newShop(t, db, 1), newShop(t, db, 2)
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	entry := func(shop, ref string, amount int64, i int) billing.Entry {
		return billing.Entry{ShopID: shop, Ref: ref, Kind: billing.KindSMS, Amount: amount, Seq: int64(i),
			ParcelID: "p1", NotificationID: "n" + ref, Actor: billing.Actor{Type: billing.ActorSystem},
			CreatedAt: t0.Add(time.Duration(i) * time.Minute)}
	}
	for i, e := range []billing.Entry{
		entry(shopA, "r1", 500, 1), entry(shopA, "r2", -120, 2), entry(shopA, "r3", -30, 3),
		// The same ref in another shop is another entry: refs are per shop.
		entry(shopB, "r1", 70, 1),
	} {
		inserted, err := l.InsertLedger(ctx, e)
		if err != nil || !inserted {
			t.Fatalf("insert %d: %v %v", i, inserted, err)
		}
	}
	if inserted, err := l.InsertLedger(ctx, entry(shopA, "r2", -999, 9)); inserted || err != nil {
		t.Fatalf("repeated ref: inserted=%v err=%v", inserted, err)
	}

	got, found, err := l.LedgerByRef(ctx, shopA, "r2")
	if err != nil || !found {
		t.Fatal(found, err)
	}
	if want := entry(shopA, "r2", -120, 2); got != want {
		t.Fatalf("by ref: %+v, want %+v", got, want)
	}
	if _, found, _ := l.LedgerByRef(ctx, shopB, "r2"); found {
		t.Fatal("found shop A's ref in shop B")
	}

	sums := []struct {
		shop string
		want int64
	}{{shopA, 350}, {shopB, 70}, {"empty", 0}}
	for _, s := range sums {
		if sum, err := l.SumLedger(ctx, s.shop); err != nil || sum != s.want {
			t.Errorf("sum %s: %d %v, want %d", s.shop, sum, err, s.want)
		}
	}

	page, err := l.ListLedger(ctx, shopA, 1, 10)
	if err != nil {
		t.Fatal(err)
	}
	var refs []string
	for _, e := range page {
		refs = append(refs, e.Ref)
	}
	if !slices.Equal(refs, []string{"r2", "r1"}) {
		t.Fatalf("page after the newest: %v", refs)
	}
}

func refsOf(ps []billing.Pending) []string {
	var refs []string
	for _, p := range ps {
		refs = append(refs, p.Ref)
	}
	return refs
}

// step is what a compare-and-set did.
type step struct {
	applied bool
	balance int64
	err     error
}

func TestApplyPendingManyIsOneCompareAndSet(t *testing.T) {
	t.Parallel()
	db := server.DB(t)
	ctx := context.Background()
	l := db.Ledger()
	shop := newShop(t, db, 1)
	batch := func(ps ...billing.Pending) []billing.Pending { return ps }

	steps := []struct {
		name    string
		seq     int64
		ps      []billing.Pending
		applied bool
		balance int64
	}{
		{"two credits at the current version", 0, batch(pending(shop, "a", 1000, 1000, 1), pending(shop, "b", 500, 1500, 2)), true, 1500},
		{"stale version is refused", 0, batch(pending(shop, "c", 10, 10, 1)), false, 1500},
		{"one ref already pending refuses the batch", 2, batch(pending(shop, "c", -100, 1400, 3), pending(shop, "a", -100, 1300, 4)), false, 1500},
		{"debits within the balance", 2, batch(pending(shop, "c", -1000, 500, 3), pending(shop, "d", -500, 0, 4)), true, 0},
		{"a debit the balance cannot pay before a later credit", 4, batch(pending(shop, "e", -10, -10, 5), pending(shop, "f", 100, 90, 6)), false, 0},
		{"the same changes in the order the balance can pay", 4, batch(pending(shop, "f", 100, 100, 5), pending(shop, "e", -10, 90, 6)), true, 90},
	}
	for _, s := range steps {
		applied, err := l.ApplyPendingMany(ctx, shop, s.seq, s.ps)
		acc, _, accErr := l.Account(ctx, shop)
		if got := (step{applied, acc.Balance, errors.Join(err, accErr)}); got != (step{s.applied, s.balance, nil}) {
			t.Fatalf("%s: got %+v, want applied=%v balance=%d", s.name, got, s.applied, s.balance)
		}
	}
	// The single compare-and-set refuses a ref pending among several too.
	if applied, err := l.ApplyPending(ctx, shop, 6, pending(shop, "c", 5, 95, 7)); applied || err != nil {
		t.Fatalf("a ref pending among others: applied=%v err=%v", applied, err)
	}
	if _, err := l.ApplyPendingMany(ctx, shop, 6, nil); err == nil {
		t.Fatal("an empty batch was accepted")
	}
	acc, _, _ := l.Account(ctx, shop)
	if refs := refsOf(acc.Pending); acc.Seq != 6 || !slices.Equal(refs, []string{"a", "b", "c", "d", "f", "e"}) {
		t.Fatalf("seq %d, pending %v", acc.Seq, refs)
	}

	// Cleared as read back, with one change that is not there; then again.
	gone := batch(acc.Pending[1], acc.Pending[3], pending(shop, "x", 1, 1, 7))
	for range 2 {
		if err := l.ClearPendingMany(ctx, shop, gone); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.ClearPendingMany(ctx, shop, nil); err != nil {
		t.Fatalf("clearing nothing: %v", err)
	}
	acc, _, _ = l.Account(ctx, shop)
	if refs := refsOf(acc.Pending); !slices.Equal(refs, []string{"a", "c", "f", "e"}) || acc.Balance != 90 {
		t.Fatalf("after clear: balance %d, pending %v", acc.Balance, refs)
	}
}

func TestLedgerBatchEntries(t *testing.T) {
	t.Parallel()
	db := server.DB(t)
	ctx := context.Background()
	shopA, shopB := newShop(t, db, 1), newShop(t, db, 2)
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	entry := func(shop, ref string, amount int64, i int) billing.Entry {
		return billing.Entry{ShopID: shop, Ref: ref, Kind: billing.KindSMS, Amount: amount, Seq: int64(i),
			NotificationID: "n" + ref, Actor: billing.Actor{Type: billing.ActorSystem},
			CreatedAt: t0.Add(time.Duration(i) * time.Minute)}
	}
	l := db.Ledger()
	first := entry(shopA, "r2", -120, 2)
	if inserted, err := l.InsertLedger(ctx, first); err != nil || !inserted {
		t.Fatalf("insert: %v %v", inserted, err)
	}
	inserted, err := l.InsertLedgerMany(ctx, []billing.Entry{
		entry(shopA, "r1", 500, 1), entry(shopA, "r2", -999, 9), entry(shopA, "r3", -30, 3), entry(shopB, "r1", 70, 1),
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []bool{true, false, true, true}; !slices.Equal(inserted, want) {
		t.Fatalf("inserted %v, want %v", inserted, want)
	}
	if inserted, err := l.InsertLedgerMany(ctx, nil); err != nil || len(inserted) != 0 {
		t.Fatalf("inserting nothing: %v %v", inserted, err)
	}

	for _, each := range []bool{false, true} {
		t.Run(fmt.Sprintf("each=%v", each), func(t *testing.T) {
			l := storage.LedgerFindingEach(db, each)
			got, err := l.LedgerByRefs(ctx, shopA, []string{"r1", "r2", "missing", "r3"})
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]billing.Entry{"r1": entry(shopA, "r1", 500, 1), "r2": first, "r3": entry(shopA, "r3", -30, 3)}
			if !maps.Equal(got, want) {
				t.Fatalf("got %+v, want %+v", got, want)
			}
			if got, err := l.LedgerByRefs(ctx, shopB, []string{"r2", "r3"}); err != nil || len(got) != 0 {
				t.Fatalf("shop A's refs in shop B: %+v %v", got, err)
			}
			if got, err := l.LedgerByRefs(ctx, shopB, nil); err != nil || len(got) != 0 {
				t.Fatalf("no refs: %+v %v", got, err)
			}
		})
	}
}
