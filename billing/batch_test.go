package billing_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"parceltrack/billing"
)

func charge(ref string, amount int64, kind billing.Kind) billing.Charge {
	return billing.Charge{Ref: ref, Amount: amount, Kind: kind, Meta: billing.Meta{NotificationID: "n-" + ref}}
}

// refsBySeq lists the refs of a shop's ledger in the order of its changes.
func (f fixture) refsBySeq(t *testing.T, shopID string) []string {
	t.Helper()
	var refs []string
	for _, e := range f.entries(t, shopID) {
		refs = append(refs, e.Ref)
	}
	return refs
}

func TestChargeMany(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	shop := f.shop(t, 1, 1000)
	type want struct {
		amount int64 // of the entry, 0 with an error
		err    error
	}
	paid := func(amount int64) want { return want{amount: -amount} }
	failed := func(err error) want { return want{err: err} }
	short := failed(billing.ErrInsufficientFunds)
	sms, voice, email := billing.KindSMS, billing.KindVoice, billing.KindEmail
	steps := []struct {
		name    string
		charges []billing.Charge
		want    []want
		balance int64 // afterwards
	}{
		{"fresh charges in one batch", []billing.Charge{charge("a", 100, sms), charge("b", 200, voice), charge("c", 300, email)},
			[]want{paid(100), paid(200), paid(300)}, 400},
		{"replays give the first entries, at any price", []billing.Charge{charge("a", 100, sms), charge("d", 50, sms), charge("b", 999, voice)},
			[]want{paid(100), paid(50), paid(200)}, 350},
		{"the first charge the balance cannot pay refuses the rest", []billing.Charge{charge("e", 300, sms), charge("f", 100, sms), charge("g", 10, sms)},
			[]want{paid(300), short, short}, 50},
		{"a smaller charge never jumps the queue", []billing.Charge{charge("h", 60, sms), charge("i", 10, sms)},
			[]want{short, short}, 50},
		{"replays are answered after a refusal", []billing.Charge{charge("j", 1000, sms), charge("a", 100, sms), charge("k", 50, sms)},
			[]want{short, paid(100), short}, 50},
		{"refs used for another kind of change", []billing.Charge{charge("a", 100, email), charge(shopWelcomeRef, 10, sms)},
			[]want{failed(billing.ErrRefConflict), failed(billing.ErrRefConflict)}, 50},
		{"invalid charges are left out", []billing.Charge{charge("l", 0, sms), charge("m", 5, billing.KindTopup), charge("", 5, sms), charge("n", 20, sms)},
			[]want{failed(billing.ErrInvalidAmount), failed(billing.ErrInvalidKind), failed(billing.ErrInvalidRef), paid(20)}, 30},
		{"a ref repeated in the batch", []billing.Charge{charge("o", 10, sms), charge("o", 10, sms), charge("o", 10, voice)},
			[]want{paid(10), paid(10), failed(billing.ErrRefConflict)}, 20},
		{"a repeat of a refused charge", []billing.Charge{charge("p", 100, sms), charge("p", 100, sms)},
			[]want{short, short}, 20},
		{"an empty batch", nil, nil, 20},
	}
	first := map[string]billing.Entry{}
	for _, s := range steps {
		out, err := f.svc.ChargeMany(ctx, shop, s.charges)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if len(out) != len(s.want) {
			t.Fatalf("%s: %d outcomes for %d charges", s.name, len(out), len(s.charges))
		}
		for i, o := range out {
			c, w := s.charges[i], s.want[i]
			if !errors.Is(o.Err, w.err) || o.Entry.Amount != w.amount {
				t.Fatalf("%s: charge %d (%s): amount %d, error %v; want %d, %v", s.name, i, c.Ref, o.Entry.Amount, o.Err, w.amount, w.err)
			}
			if o.Err != nil {
				continue
			}
			if o.Entry.ShopID != shop || o.Entry.Ref != c.Ref || o.Entry.NotificationID != "n-"+c.Ref {
				t.Fatalf("%s: charge %d: entry %+v", s.name, i, o.Entry)
			}
			if prev, seen := first[c.Ref]; seen && prev != o.Entry {
				t.Fatalf("%s: %s gave %+v, first %+v", s.name, c.Ref, o.Entry, prev)
			}
			first[c.Ref] = o.Entry
		}
		if b, err := f.svc.Balance(ctx, shop); err != nil || b != s.balance {
			t.Fatalf("%s: balance %d (%v), want %d", s.name, b, err, s.balance)
		}
	}
	f.checkInvariants(t, shop)
	if got, want := f.refsBySeq(t, shop), []string{shopWelcomeRef, "a", "b", "c", "d", "e", "n", "o"}; !slices.Equal(got, want) {
		t.Fatalf("ledger %v, want %v", got, want)
	}
	if e := first["b"]; e.Kind != billing.KindVoice || e.Seq != 3 || e.BalanceAfter != 700 {
		t.Fatalf("entry of b: %+v", e)
	}

	out, err := f.svc.ChargeMany(ctx, "nope", []billing.Charge{charge("a", 1, sms), charge("b", 0, sms)})
	if !errors.Is(err, billing.ErrUnknownShop) || !errors.Is(out[0].Err, billing.ErrUnknownShop) || !errors.Is(out[1].Err, billing.ErrInvalidAmount) {
		t.Fatalf("unknown shop: %v, %+v", err, out)
	}
}

// shopWelcomeRef is the ref of the welcome credit a shop is installed with
// (storage.WelcomeRef).
const shopWelcomeRef = "welcome"

// watchStore counts the compare-and-sets made through it and those lost,
// and records the size of every batch one.
type watchStore struct {
	billing.Store
	mu          sync.Mutex
	sizes       []int
	tried, lost int
}

func (w *watchStore) saw(size int, applied bool, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if size > 0 {
		w.sizes = append(w.sizes, size)
	}
	w.tried++
	if !applied && err == nil {
		w.lost++
	}
}

func (w *watchStore) ApplyPending(ctx context.Context, shopID string, seq int64, p billing.Pending) (bool, error) {
	applied, err := w.Store.ApplyPending(ctx, shopID, seq, p)
	w.saw(0, applied, err)
	return applied, err
}

func (w *watchStore) ApplyPendingMany(ctx context.Context, shopID string, seq int64, ps []billing.Pending) (bool, error) {
	applied, err := w.Store.ApplyPendingMany(ctx, shopID, seq, ps)
	w.saw(len(ps), applied, err)
	return applied, err
}

func TestChargeManySplitsLongBatches(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	shop := f.shop(t, 1, 110)
	w := &watchStore{Store: f.db.Ledger()}
	svc := billing.New(w, billing.Options{})
	var charges []billing.Charge
	refs := []string{shopWelcomeRef}
	for i := range 120 {
		charges = append(charges, charge(fmt.Sprintf("sms:%03d", i), 1, billing.KindSMS))
		refs = append(refs, charges[i].Ref)
	}
	out, err := svc.ChargeMany(ctx, shop, charges)
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range out {
		if paid := i < 110; paid != (o.Err == nil) || (!paid && !errors.Is(o.Err, billing.ErrInsufficientFunds)) {
			t.Fatalf("charge %d: %+v", i, o)
		}
	}
	if want := []int{50, 50, 10}; !slices.Equal(w.sizes, want) {
		t.Fatalf("compare-and-sets of %v charges, want %v", w.sizes, want)
	}
	if f.checkInvariants(t, shop) != 0 {
		t.Fatal("balance left")
	}
	if got := f.refsBySeq(t, shop); !slices.Equal(got, refs[:111]) {
		t.Fatalf("ledger out of the batch's order: %v", got)
	}
}

// TestChargeManyRacesCharge races batches and single charges of the same
// refs on one shop from eight goroutines — two charging in batches and two
// one by one in each process — in one process and in two, modelled by
// services that share nothing but the database. The balance pays for three
// refs in four.
func TestChargeManyRacesCharge(t *testing.T) {
	t.Parallel()
	for n, processes := range []int{1, 2} {
		t.Run(fmt.Sprintf("processes=%d", processes), func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			raceCharges(t, f, f.shop(t, int64(n+1), 40*100*3/4), processes)
		})
	}
}

func raceCharges(t *testing.T, f fixture, shop string, processes int) {
	const refs, amount = 40, 100
	ctx := context.Background()
	ref := func(i int) string { return fmt.Sprintf("sms:%02d", i%refs) }
	var (
		mu       sync.Mutex
		reported = map[string][]billing.Entry{}
		wg       sync.WaitGroup
	)
	report := func(r string, e billing.Entry, err error) {
		if errors.Is(err, billing.ErrInsufficientFunds) {
			return
		}
		if err != nil {
			t.Errorf("%s: %v", r, err)
			return
		}
		mu.Lock()
		reported[r] = append(reported[r], e)
		mu.Unlock()
	}
	watch := &watchStore{Store: f.db.Ledger()}
	var svcs []*billing.Service
	for range processes {
		svcs = append(svcs, billing.New(watch, billing.Options{}))
	}
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			svc := svcs[w%processes]
			// Each worker takes 20 refs from its own starting point, so every
			// ref is wanted by four workers at different moments.
			start := w * refs / 8
			if w/processes%2 == 1 {
				for i := range 20 {
					e, err := svc.Charge(ctx, shop, ref(start+i), amount, billing.KindSMS, billing.Meta{})
					report(ref(start+i), e, err)
				}
				return
			}
			for round := range 2 { // the second round replays most of the first
				var batch []billing.Charge
				for i := range 20 {
					batch = append(batch, charge(ref(start+i+round*7), amount, billing.KindSMS))
				}
				out, err := svc.ChargeMany(ctx, shop, batch)
				if err != nil {
					t.Errorf("batch: %v", err)
				}
				for i, o := range out {
					report(batch[i].Ref, o.Entry, o.Err)
				}
			}
		}()
	}
	wg.Wait()

	for r, es := range reported {
		for _, e := range es[1:] {
			if e != es[0] {
				t.Errorf("%s: callers got different entries %+v and %+v", r, es[0], e)
			}
		}
	}
	if f.checkInvariants(t, shop) != 0 {
		t.Error("the balance was not used up")
	}
	for _, e := range f.entries(t, shop) {
		if e.Kind == billing.KindWelcome {
			continue
		}
		if es, ok := reported[e.Ref]; !ok || es[0] != e {
			t.Errorf("ledger entry %+v was reported to no caller", e)
		}
	}
	if len(reported) != refs*3/4 {
		t.Errorf("%d refs charged, want %d", len(reported), refs*3/4)
	}
	t.Logf("%d compare-and-sets, %d lost, batches of %v", watch.tried, watch.lost, watch.sizes)
	// Within one process changes of a shop wait for each other rather than
	// lose compare-and-sets to each other.
	if processes == 1 && watch.lost > 0 {
		t.Errorf("%d of %d compare-and-sets lost in one process", watch.lost, watch.tried)
	}
}

// batchCrashStore fails one step of a batch, as a process dying at that
// point would leave it.
type batchCrashStore struct {
	billing.Store
	at string // "apply", "insert", "inserted" or "clear"
}

func (c batchCrashStore) ApplyPendingMany(ctx context.Context, shopID string, seq int64, ps []billing.Pending) (bool, error) {
	applied, err := c.Store.ApplyPendingMany(ctx, shopID, seq, ps)
	if c.at == "apply" && applied && err == nil {
		return false, errCrash
	}
	return applied, err
}

func (c batchCrashStore) InsertLedgerMany(ctx context.Context, es []billing.Entry) ([]bool, error) {
	if c.at == "insert" {
		return nil, errCrash
	}
	inserted, err := c.Store.InsertLedgerMany(ctx, es)
	if c.at == "inserted" && err == nil {
		return nil, errCrash
	}
	return inserted, err
}

func (c batchCrashStore) ClearPendingMany(ctx context.Context, shopID string, ps []billing.Pending) error {
	if c.at == "clear" {
		return errCrash
	}
	return c.Store.ClearPendingMany(ctx, shopID, ps)
}

func TestInterruptedBatchIsCompletedOnce(t *testing.T) {
	t.Parallel()
	crashes := []struct{ name, at string }{
		{"after the compare-and-set", "apply"},
		{"before the ledger entries", "insert"},
		{"after the ledger entries", "inserted"},
		{"before clearing pending", "clear"},
	}
	n := 0
	for _, crash := range crashes {
		for _, recovery := range []string{"settle", "repair", "retry"} {
			n++
			insalesID := int64(n)
			t.Run(crash.name+", "+recovery, func(t *testing.T) {
				t.Parallel()
				interruptBatch(t, insalesID, crash.at, recovery)
			})
		}
	}
}

// interruptBatch crashes a batch of three charges at the step at, finishes it
// by recovery — Settle, RepairPending, or nothing before the retry — and
// retries the batch.
func interruptBatch(t *testing.T, insalesID int64, at, recovery string) {
	f := newFixture(t)
	ctx := context.Background()
	shop := f.shop(t, insalesID, 1000)
	batch := []billing.Charge{charge("a", 100, billing.KindSMS), charge("b", 200, billing.KindVoice), charge("c", 300, billing.KindEmail)}
	crashing := billing.New(batchCrashStore{Store: f.db.Ledger(), at: at}, billing.Options{})
	out, err := crashing.ChargeMany(ctx, shop, batch)
	if !errors.Is(err, errCrash) || !errors.Is(out[2].Err, errCrash) {
		t.Fatalf("crashing batch: %v %+v", err, out)
	}
	// The money moved and is accounted for by the pending records.
	acc, _, _ := f.db.Ledger().Account(ctx, shop)
	if acc.Balance != 400 || len(acc.Pending) != 3 {
		t.Fatalf("after the crash: %+v", acc)
	}
	// A charge the balance can no longer pay is refused meanwhile.
	if out, err := f.svc.ChargeMany(ctx, shop, []billing.Charge{charge("d", 500, billing.KindSMS)}); err != nil || !errors.Is(out[0].Err, billing.ErrInsufficientFunds) {
		t.Fatalf("another batch: %v %+v", err, out)
	}

	finished := map[string]func() (int, error){
		"settle": func() (int, error) { return f.svc.Settle(ctx, shop) },
		"repair": func() (int, error) {
			// Too recent for a repair that waits a minute...
			if n, err := f.svc.RepairPending(ctx, time.Minute); err != nil || n != 0 {
				return n, errors.Join(errors.New("early repair"), err)
			}
			return f.svc.RepairPending(ctx, 0)
		},
		"retry": func() (int, error) { return 3, nil },
	}
	if n, err := finished[recovery](); err != nil || n != 3 {
		t.Fatalf("%s finished %d changes: %v", recovery, n, err)
	}
	out, err = f.svc.ChargeMany(ctx, shop, batch)
	if err != nil {
		t.Fatal(err)
	}
	after := []int64{900, 700, 400}
	for i, o := range out {
		if o.Err != nil || o.Entry.Amount != -batch[i].Amount || o.Entry.BalanceAfter != after[i] || o.Entry.Seq != int64(i+2) {
			t.Fatalf("retry, charge %d: %+v", i, o)
		}
	}
	// A single retry of one of its refs agrees.
	e, err := f.svc.Charge(ctx, shop, "b", 200, billing.KindVoice, billing.Meta{})
	switch {
	case err != nil || e != out[1].Entry:
		t.Fatalf("single retry of b: %+v %v", e, err)
	case f.checkInvariants(t, shop) != 400:
		t.Fatal("the interrupted batch was applied twice or lost")
	}
}

func TestChargeManyGivesUpWhenBusy(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	shop := f.shop(t, 1, 1000)
	if _, err := f.svc.Charge(ctx, shop, "sms:0", 100, billing.KindSMS, billing.Meta{}); err != nil {
		t.Fatal(err)
	}
	var reads int64
	svc := billing.New(busyStore{Store: f.db.Ledger(), mu: &sync.Mutex{}, reads: &reads}, billing.Options{MaxAttempts: 3})
	// 60 charges: the first run of 50 never wins, and the second, which
	// would come after it, is not tried.
	var batch []billing.Charge
	for i := range 60 {
		batch = append(batch, charge(fmt.Sprintf("sms:%d", i), 10, billing.KindSMS))
	}
	out, err := svc.ChargeMany(ctx, shop, batch)
	if !errors.Is(err, billing.ErrBusy) {
		t.Fatalf("error %v, want busy", err)
	}
	if out[0].Err != nil || out[0].Entry.Amount != -100 {
		t.Fatalf("the charge already made: %+v", out[0])
	}
	for i, o := range out[1:] {
		if !errors.Is(o.Err, billing.ErrBusy) {
			t.Fatalf("charge %d: %+v", i+1, o)
		}
	}
	if reads != 3 {
		t.Fatalf("%d reads of the account, want 3", reads)
	}
	if f.checkInvariants(t, shop) != 900 {
		t.Fatal("a busy batch changed the balance")
	}
}
