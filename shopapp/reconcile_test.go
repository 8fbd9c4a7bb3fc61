package shopapp_test

import (
	"context"
	"testing"

	"parceltrack/insales"
	insalessandbox "parceltrack/sandbox/insales"
	"parceltrack/tracking"
)

// demoTracked lists the sandbox orders that got a demo track in the app's
// field, by order id.
func (e *env) demoTracked(t *testing.T, fieldID int64) map[int64]string {
	t.Helper()
	orders, err := e.sbStore.ListOrders(context.Background(), insalessandbox.OrderQuery{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64]string{}
	for _, o := range orders {
		for _, fv := range o.FieldsValues {
			if fv.FieldID == fieldID && fv.Value != "" {
				out[o.ID] = fv.Value
			}
		}
	}
	return out
}

func TestReconcileImportsWhatNoWebhookBrought(t *testing.T) {
	t.Parallel()
	rich := testPrices
	rich.Welcome = 100_000
	e := newEnv(t, envOptions{sandbox: true, prices: &rich})
	ctx := e.ctx()
	shop := e.installSandbox()
	if !shop.Setup.Complete {
		t.Fatalf("setup: %+v", shop.Setup)
	}
	// Creating the field filled the demo tracks in without any webhook, like
	// deliveries InSales lost.
	tracked := e.demoTracked(t, shop.Settings.TrackFieldID)
	if len(tracked) == 0 {
		t.Fatal("the sandbox filled no demo track")
	}
	st, err := e.app.ReconcileAll(ctx)
	if err != nil || st.Changed != len(tracked) || st.Failed != 0 {
		t.Fatalf("first pass: %+v %v; %d tracked orders", st, err, len(tracked))
	}
	for id, track := range tracked {
		ps := e.parcels(shop.ID, id)
		if len(ps) != 1 || ps[0].Track != tracking.Normalize(track) {
			t.Fatalf("order %d: %s", id, describe(ps))
		}
	}
	after := e.shop(shop.ID)
	if after.Cursor.FromID == 0 || !after.Cursor.UpdatedSince.After(shop.Cursor.UpdatedSince) {
		t.Fatalf("cursor did not move: %+v → %+v", shop.Cursor, after.Cursor)
	}
	charges := len(e.charges(shop.ID))

	// Nothing changed since: the next pass reads nothing new and charges nothing.
	st, err = e.app.ReconcileShop(ctx, shop.ID)
	if err != nil || st.Changed != 0 {
		t.Fatalf("second pass: %+v %v", st, err)
	}
	if got := len(e.charges(shop.ID)); got != charges || charges != len(tracked) {
		t.Fatalf("charges %d then %d, want %d", charges, got, len(tracked))
	}

	// A merchant edit delivered by webhook, then seen again by the
	// reconciler: one change, no second charge.
	var orderID int64
	for id := range tracked {
		orderID = id
		break
	}
	o, err := e.client.GetOrder(ctx, insales.Shop{Domain: e.sb.ShopDomain(), Password: e.sb.State().Password, ID: shop.InsalesID}, orderID)
	if err != nil {
		t.Fatal(err)
	}
	fv, _ := o.FieldValueEntry(shop.Settings.TrackFieldID)
	// The PUT makes the sandbox deliver orders/update to the app (synchronously).
	if _, err := e.client.UpdateOrder(ctx, insales.Shop{Domain: e.sb.ShopDomain(), Password: e.sb.State().Password, ID: shop.InsalesID}, orderID,
		insales.OrderUpdate{FieldsValuesAttributes: []insales.FieldValueAttr{{ID: fv.ID, Value: "RA123456785RU"}}}); err != nil {
		t.Fatal(err)
	}
	ps := e.parcels(shop.ID, orderID)
	if len(ps) != 2 {
		t.Fatalf("after the track change webhook: %s", describe(ps))
	}
	if st, err = e.app.ReconcileShop(ctx, shop.ID); err != nil || st.Changed != 0 || st.Orders == 0 {
		t.Fatalf("pass after the webhook: %+v %v", st, err)
	}
	if got := len(e.charges(shop.ID)); got != charges+1 {
		t.Fatalf("charges %d, want %d", got, charges+1)
	}
}

func TestReconcileSkipsShopsWithoutSetup(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	shop := e.installDirect(21, 0) // no track field yet, InSales unreachable
	st, err := e.app.ReconcileShop(e.ctx(), shop.ID)
	if err != nil || st.Orders != 0 {
		t.Fatalf("reconcile without a track field: %+v %v", st, err)
	}
	with := e.installDirect(22, 555) // InSales unreachable: the pass fails, the cursor stays
	before := e.shop(with.ID).Cursor
	if _, err := e.app.ReconcileShop(e.ctx(), with.ID); err == nil {
		t.Fatal("reconcile against an unreachable shop succeeded")
	}
	if after := e.shop(with.ID).Cursor; after != before {
		t.Fatalf("cursor moved on failure: %+v → %+v", before, after)
	}
	total, err := e.app.ReconcileAll(e.ctx())
	if err != nil || total.Failed != 1 {
		t.Fatalf("reconcile all: %+v %v", total, err)
	}
}
