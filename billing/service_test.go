package billing_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"

	"parceltrack/billing"
	"parceltrack/shopapp"
	"parceltrack/storage"
)

// The wiring layer hands *storage.Ledger to billing.New.
var _ billing.Store = (*storage.Ledger)(nil)

type fixture struct {
	db  *storage.DB
	svc *billing.Service
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	db := server.DB(t)
	return fixture{db: db, svc: billing.New(db.Ledger(), billing.Options{Prices: billing.DefaultPrices()})}
}

// shop installs a shop with a welcome balance and records the welcome credit,
// as the install handler does.
func (f fixture) shop(t testing.TB, insalesID, welcome int64) string {
	t.Helper()
	ctx := context.Background()
	s, _, err := f.db.Shops().InstallShop(ctx, shopapp.InstallRecord{InsalesID: insalesID, Domain: "shop.myinsales.ru"}, welcome, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Settle(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	return s.ID
}

// entries reads a shop's whole ledger in the order of its changes.
func (f fixture) entries(t testing.TB, shopID string) []billing.Entry {
	t.Helper()
	all, err := f.svc.History(context.Background(), shopID, 0, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(all, func(a, b billing.Entry) int { return int(a.Seq - b.Seq) })
	return all
}

// checkInvariants asserts what docs/architecture.md promises about one shop: nothing
// pending, a non-negative balance equal to the ledger sum, and a ledger that
// replays exactly — versions 1..n, each balance_after the previous plus its
// amount, the last one the balance.
func (f fixture) checkInvariants(t testing.TB, shopID string) int64 {
	t.Helper()
	ctx := context.Background()
	acc, found, err := f.db.Ledger().Account(ctx, shopID)
	if err != nil || !found {
		t.Fatalf("account %s: %v %v", shopID, found, err)
	}
	if len(acc.Pending) != 0 {
		t.Errorf("shop %s: %d changes still pending", shopID, len(acc.Pending))
	}
	if acc.Balance < 0 {
		t.Errorf("shop %s: balance %d below zero", shopID, acc.Balance)
	}
	sum, err := f.db.Ledger().SumLedger(ctx, shopID)
	if err != nil {
		t.Fatal(err)
	}
	if sum != acc.Balance {
		t.Errorf("shop %s: balance %d, ledger sum %d", shopID, acc.Balance, sum)
	}
	var running int64
	for i, e := range f.entries(t, shopID) {
		running += e.Amount
		if e.Seq != int64(i+1) || e.BalanceAfter != running {
			t.Errorf("shop %s: entry %d (%s) has seq %d, balance_after %d; want %d, %d", shopID, i, e.Ref, e.Seq, e.BalanceAfter, i+1, running)
		}
	}
	if int64(len(f.entries(t, shopID))) != acc.Seq {
		t.Errorf("shop %s: balance version %d, %d entries", shopID, acc.Seq, len(f.entries(t, shopID)))
	}
	return acc.Balance
}

func TestChargeAndCredit(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	shop := f.shop(t, 1, 1000)
	meta := billing.Meta{Actor: billing.Actor{Type: billing.ActorSystem}, ParcelID: "p1"}
	type op func() (billing.Entry, error)
	charge := func(ref string, amount int64, kind billing.Kind) op {
		return func() (billing.Entry, error) { return f.svc.Charge(ctx, shop, ref, amount, kind, meta) }
	}
	credit := func(ref string, amount int64, kind billing.Kind) op {
		return func() (billing.Entry, error) { return f.svc.Credit(ctx, shop, ref, amount, kind, meta) }
	}
	steps := []struct {
		name    string
		op      op
		err     error
		amount  int64 // of the returned entry
		balance int64 // afterwards
	}{
		{"charge a parcel", charge("track:p1", 300, billing.KindTrack), nil, -300, 700},
		{"top up", credit("topup:evt1", 500, billing.KindTopup), nil, 500, 1200},
		{"charge more than the balance", charge("sms:n1", 1201, billing.KindSMS), billing.ErrInsufficientFunds, 0, 1200},
		{"replayed charge returns the first entry", charge("track:p1", 300, billing.KindTrack), nil, -300, 1200},
		{"replay at another price still returns the first entry", charge("track:p1", 999, billing.KindTrack), nil, -300, 1200},
		{"replayed top-up", credit("topup:evt1", 500, billing.KindTopup), nil, 500, 1200},
		{"charge exactly the balance", charge("sms:n1", 1200, billing.KindSMS), nil, -1200, 0},
		{"nothing left", charge("email:n2", 1, billing.KindEmail), billing.ErrInsufficientFunds, 0, 0},
		{"refund", credit("refund:sms:n1", 1200, billing.KindRefund), nil, 1200, 1200},
		{"a charge ref reused for a credit", credit("track:p1", 300, billing.KindRefund), billing.ErrRefConflict, 0, 1200},
		{"zero amount", charge("x", 0, billing.KindSMS), billing.ErrInvalidAmount, 0, 1200},
		{"negative amount", credit("y", -5, billing.KindTopup), billing.ErrInvalidAmount, 0, 1200},
		{"charge as a top-up", charge("z", 5, billing.KindTopup), billing.ErrInvalidKind, 0, 1200},
		{"credit as an sms", credit("z", 5, billing.KindSMS), billing.ErrInvalidKind, 0, 1200},
		{"empty ref", charge("", 5, billing.KindSMS), billing.ErrInvalidRef, 0, 1200},
	}
	first := map[string]billing.Entry{}
	for _, s := range steps {
		e, err := s.op()
		if !errors.Is(err, s.err) {
			t.Fatalf("%s: error %v, want %v", s.name, err, s.err)
		}
		if err == nil {
			if e.Amount != s.amount || e.ShopID != shop {
				t.Fatalf("%s: entry %+v, want amount %d", s.name, e, s.amount)
			}
			if prev, seen := first[e.Ref]; seen && prev != e {
				t.Fatalf("%s: replay returned %+v, first call %+v", s.name, e, prev)
			}
			first[e.Ref] = e
		}
		if b, err := f.svc.Balance(ctx, shop); err != nil || b != s.balance {
			t.Fatalf("%s: balance %d (%v), want %d", s.name, b, err, s.balance)
		}
	}
	f.checkInvariants(t, shop)

	var kinds []billing.Kind
	for _, e := range f.entries(t, shop) {
		kinds = append(kinds, e.Kind)
	}
	want := []billing.Kind{billing.KindWelcome, billing.KindTrack, billing.KindTopup, billing.KindSMS, billing.KindRefund}
	if !slices.Equal(kinds, want) {
		t.Fatalf("ledger kinds %v, want %v", kinds, want)
	}
	if e := first["track:p1"]; e.ParcelID != "p1" || e.Actor.Type != billing.ActorSystem || e.BalanceAfter != 700 {
		t.Fatalf("entry lost its metadata: %+v", e)
	}

	for _, op := range []func() error{
		func() error { _, err := f.svc.Charge(ctx, "nope", "r", 1, billing.KindSMS, meta); return err },
		func() error { _, err := f.svc.Credit(ctx, "nope", "r", 1, billing.KindTopup, meta); return err },
		func() error { _, err := f.svc.Balance(ctx, "nope"); return err },
	} {
		if err := op(); !errors.Is(err, billing.ErrUnknownShop) {
			t.Errorf("unknown shop: %v", err)
		}
	}
}

// TestConcurrentChargesAndCredits races 20 goroutines over two shops, each
// ref tried by several of them, charges and credits mixed.
func TestConcurrentChargesAndCredits(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	shops := []string{f.shop(t, 1, 600), f.shop(t, 2, 600)}

	type op struct {
		shop   string
		ref    string
		amount int64
		credit bool
	}
	var ops []op
	for s, shop := range shops {
		for i := range 12 {
			o := op{shop: shop, ref: fmt.Sprintf("r%d-%d", s, i), amount: int64(150 + 10*i)}
			o.credit = i%3 == 0
			ops = append(ops, o)
		}
	}
	const workers, perWorker = 20, 6
	var (
		mu      sync.Mutex
		applied = map[string][]billing.Entry{}
		wg      sync.WaitGroup
	)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range perWorker {
				// 120 attempts over 24 refs: every ref is tried 5 times, by
				// different goroutines at different moments.
				o := ops[(w*perWorker+k)*7%len(ops)]
				var e billing.Entry
				var err error
				if o.credit {
					e, err = f.svc.Credit(ctx, o.shop, o.ref, o.amount, billing.KindTopup, billing.Meta{})
				} else {
					e, err = f.svc.Charge(ctx, o.shop, o.ref, o.amount, billing.KindSMS, billing.Meta{})
				}
				if errors.Is(err, billing.ErrInsufficientFunds) {
					continue
				}
				if err != nil {
					t.Errorf("%s: %v", o.ref, err)
					continue
				}
				mu.Lock()
				applied[o.shop+"/"+o.ref] = append(applied[o.shop+"/"+o.ref], e)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()

	for key, es := range applied {
		for _, e := range es[1:] {
			if e != es[0] {
				t.Errorf("%s: callers got different entries %+v and %+v", key, es[0], e)
			}
		}
	}
	for _, shop := range shops {
		f.checkInvariants(t, shop)
		for _, e := range f.entries(t, shop) {
			if e.Kind == billing.KindWelcome {
				continue
			}
			es, ok := applied[shop+"/"+e.Ref]
			if !ok || es[0] != e {
				t.Errorf("ledger entry %+v was reported to no caller", e)
			}
		}
	}
	if len(applied) < len(ops)/2 {
		t.Errorf("only %d of %d refs applied; the test exercises too little", len(applied), len(ops))
	}
}

// crashingStore makes one step of the protocol fail, as a process dying at
// that point would leave it.
type crashingStore struct {
	billing.Store
	failInsert, failClear bool
}

var errCrash = errors.New("crash")

func (c crashingStore) InsertLedger(ctx context.Context, e billing.Entry) (bool, error) {
	if c.failInsert {
		return false, errCrash
	}
	return c.Store.InsertLedger(ctx, e)
}

func (c crashingStore) ClearPending(ctx context.Context, p billing.Pending) error {
	if c.failClear {
		return errCrash
	}
	return c.Store.ClearPending(ctx, p)
}

func TestInterruptedChangeIsCompletedOnce(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                  string
		failInsert, failClear bool
		recover               string // "repair" or "retry"
	}{
		{"crash before the ledger entry, repaired", true, false, "repair"},
		{"crash before the ledger entry, retried", true, false, "retry"},
		{"crash before clearing pending, repaired", false, true, "repair"},
		{"crash before clearing pending, retried", false, true, "retry"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			ctx := context.Background()
			shop := f.shop(t, int64(i+1), 1000)
			crashing := billing.New(crashingStore{Store: f.db.Ledger(), failInsert: tc.failInsert, failClear: tc.failClear}, billing.Options{})

			if _, err := crashing.Charge(ctx, shop, "voice:n1", 900, billing.KindVoice, billing.Meta{}); !errors.Is(err, errCrash) {
				t.Fatalf("crashing charge: %v", err)
			}
			// The money moved and is accounted for by the pending record.
			acc, _, _ := f.db.Ledger().Account(ctx, shop)
			if acc.Balance != 100 || len(acc.Pending) != 1 {
				t.Fatalf("after the crash: %+v", acc)
			}
			// A charge the balance can no longer pay is refused meanwhile.
			if _, err := f.svc.Charge(ctx, shop, "voice:n2", 900, billing.KindVoice, billing.Meta{}); !errors.Is(err, billing.ErrInsufficientFunds) {
				t.Fatalf("second charge: %v", err)
			}

			switch tc.recover {
			case "repair":
				// Too recent for a repair that waits a minute...
				if n, err := f.svc.RepairPending(ctx, time.Minute); err != nil || n != 0 {
					t.Fatalf("early repair: %d %v", n, err)
				}
				if n, err := f.svc.RepairPending(ctx, 0); err != nil || n != 1 {
					t.Fatalf("repair: %d %v", n, err)
				}
			case "retry":
			}
			e, err := f.svc.Charge(ctx, shop, "voice:n1", 900, billing.KindVoice, billing.Meta{})
			if err != nil || e.Amount != -900 || e.BalanceAfter != 100 {
				t.Fatalf("retry after recovery: %+v %v", e, err)
			}
			if f.checkInvariants(t, shop) != 100 {
				t.Fatal("the interrupted charge was applied twice or lost")
			}
		})
	}
}

func TestReconcile(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	healthy := f.shop(t, 1, 500)
	other := f.shop(t, 2, 0)
	if _, err := f.svc.Credit(ctx, other, "topup:1", 700, billing.KindTopup, billing.Meta{}); err != nil {
		t.Fatal(err)
	}
	// A shop whose welcome credit was never recorded (the process died after
	// the install) and one with a charge interrupted by a crash.
	unsettled, _, err := f.db.Shops().InstallShop(ctx, shopapp.InstallRecord{InsalesID: 3}, 300, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	crashing := billing.New(crashingStore{Store: f.db.Ledger(), failInsert: true}, billing.Options{})
	if _, err := crashing.Charge(ctx, healthy, "track:p", 200, billing.KindTrack, billing.Meta{}); !errors.Is(err, errCrash) {
		t.Fatal(err)
	}

	got, err := f.svc.Reconcile(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Fatalf("healthy database: %v", got)
	}
	for _, shop := range []string{healthy, other, unsettled.ID} {
		f.checkInvariants(t, shop)
	}

	// Corrupt one balance behind the ledger's back.
	if _, err := f.db.Database().Collection("shops").UpdateOne(ctx,
		bson.D{{Key: "_id", Value: other}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "balance", Value: int64(-250)}}}}); err != nil {
		t.Fatal(err)
	}
	got, err = f.svc.Reconcile(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []billing.Mismatch{{ShopID: other, Balance: 450, LedgerSum: 700, Diff: -250}}
	if !slices.Equal(got, want) {
		t.Fatalf("after corruption: %+v, want %+v", got, want)
	}
	if s := billing.FormatMismatch(got[0]); s != "shop "+other+": balance 450, ledger sum 700, difference -250 kopecks (-2,50\u00a0₽)" {
		t.Fatalf("formatted: %q", s)
	}
}

// busyStore reports a new balance version on every read, as a shop that is
// charged continuously would.
type busyStore struct {
	billing.Store
	mu    *sync.Mutex
	reads *int64
}

func (b busyStore) Account(ctx context.Context, shopID string) (billing.Account, bool, error) {
	acc, found, err := b.Store.Account(ctx, shopID)
	b.mu.Lock()
	*b.reads++
	acc.Seq += *b.reads
	b.mu.Unlock()
	return acc, found, err
}

func TestReconcileReportsAShopThatNeverSettles(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	shop := f.shop(t, 1, 100)
	var reads int64
	svc := billing.New(busyStore{Store: f.db.Ledger(), mu: &sync.Mutex{}, reads: &reads}, billing.Options{})
	got, err := svc.Reconcile(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []billing.Mismatch{{ShopID: shop, Balance: 100, LedgerSum: 100, Unsettled: true}}
	if !slices.Equal(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	if s := got[0].String(); !strings.Contains(s, "re-run") {
		t.Fatalf("formatted: %q", s)
	}
}
