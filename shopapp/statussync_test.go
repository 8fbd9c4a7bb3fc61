package shopapp_test

import (
	"testing"
	"time"

	"parceltrack/insales"
	"parceltrack/shopapp"
	"parceltrack/tracking"
)

func TestStatusRankIsForwardOnly(t *testing.T) {
	t.Parallel()
	order := []tracking.State{tracking.StateRegistered, tracking.StateInTransit, tracking.StateProbablyArrived,
		tracking.StateArrived, tracking.StateWaiting, tracking.StateWaitingLong, tracking.StateDelivered}
	for i := 1; i < len(order); i++ {
		if shopapp.StatusRank(order[i]) <= shopapp.StatusRank(order[i-1]) {
			t.Errorf("%s does not rank above %s", order[i], order[i-1])
		}
	}
	for _, s := range []tracking.State{tracking.StateStopped, tracking.StateNoBalance, tracking.StateTrackError, tracking.StateStale, tracking.StateNoTrack} {
		if shopapp.StatusRank(s) != 0 {
			t.Errorf("%s moves order statuses", s)
		}
	}
}

func TestStatusSyncMovesForwardAndRespectsTheMerchant(t *testing.T) {
	t.Parallel()
	e, shop, orderID, parcel := trackedDemoOrder(t)
	ctx := e.ctx()
	creds := insales.Shop{Domain: e.sb.ShopDomain(), Password: e.sb.State().Password, ID: shop.InsalesID}
	setByHand := func(permalink string) {
		t.Helper()
		if _, err := e.client.UpdateOrder(ctx, creds, orderID, insales.OrderUpdate{CustomStatusPermalink: &permalink}); err != nil {
			t.Fatal(err)
		}
	}
	orderStatus := func() string {
		t.Helper()
		o, err := e.client.GetOrder(ctx, creds, orderID)
		if err != nil {
			t.Fatal(err)
		}
		return o.CustomStatus.Permalink
	}
	setSync := func(enabled bool) {
		t.Helper()
		err := e.db.Shops().SaveStatusSync(ctx, shop.ID, shopapp.StatusSync{Enabled: enabled, Mapping: map[string]string{
			"registered": "v-obrabotke", "in_transit": "otgruzhen", "delivered": "dostavlen",
		}}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
	}
	setByHand("soglasovan")

	steps := []struct {
		name      string
		setup     func()
		state     tracking.State
		want      shopapp.SyncOutcome
		wantOrder string
	}{
		{"off until the merchant turns it on", nil, tracking.StateRegistered, shopapp.SyncOff, "soglasovan"},
		{"first mapped state", func() { setSync(true) }, tracking.StateRegistered, shopapp.SyncSet, "v-obrabotke"},
		{"forward", nil, tracking.StateInTransit, shopapp.SyncSet, "otgruzhen"},
		{"never backwards", nil, tracking.StateRegistered, shopapp.SyncBackwards, "otgruzhen"},
		{"unmapped state", nil, tracking.StateArrived, shopapp.SyncUnmapped, "otgruzhen"},
		{"the merchant's own status wins", func() { setByHand("soglasovan") }, tracking.StateDelivered, shopapp.SyncManual, "soglasovan"},
	}
	for _, st := range steps {
		if st.setup != nil {
			st.setup()
		}
		err := e.db.Parcels().ApplyTracking(ctx, parcel.ID, tracking.Status{State: st.state, Since: trackingNow}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		got, err := e.app.SyncStatus(ctx, parcel.ID)
		if err != nil || got != st.want {
			t.Fatalf("%s: %q %v, want %q", st.name, got, err, st.want)
		}
		if s := orderStatus(); s != st.wantOrder {
			t.Fatalf("%s: order status %q, want %q", st.name, s, st.wantOrder)
		}
	}

	// Our own write's echo changes nothing.
	o, err := e.client.GetOrder(ctx, creds, orderID)
	if err != nil {
		t.Fatal(err)
	}
	if res := mustImport(t, e, e.shop(shop.ID), o); res.Outcome != shopapp.OutcomeDuplicate && res.Outcome != shopapp.OutcomeUnchanged {
		t.Fatalf("echo import: %+v", res)
	}
}

func TestOnStateChangeSyncsThroughTheHook(t *testing.T) {
	t.Parallel()
	e, shop, orderID, parcel := trackedDemoOrder(t)
	ctx := e.ctx()
	if err := e.db.Shops().SaveStatusSync(ctx, shop.ID, shopapp.StatusSync{Enabled: true, Mapping: map[string]string{"delivered": "dostavlen"}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := e.db.Parcels().ApplyTracking(ctx, parcel.ID, tracking.Status{State: tracking.StateDelivered}, time.Now()); err != nil {
		t.Fatal(err)
	}
	change := tracking.Change{Schedule: tracking.Schedule{ID: parcel.ID, State: tracking.StateInTransit},
		Status: tracking.Status{State: tracking.StateDelivered}, At: time.Now()}
	if err := e.app.OnStateChange(ctx, change); err != nil {
		t.Fatal(err)
	}
	o, err := e.client.GetOrder(ctx, insales.Shop{Domain: e.sb.ShopDomain(), Password: e.sb.State().Password, ID: shop.InsalesID}, orderID)
	if err != nil || o.CustomStatus.Permalink != "dostavlen" {
		t.Fatalf("order status %q, %v", o.CustomStatus.Permalink, err)
	}
	if p, _ := e.db.Parcels().Parcel(ctx, parcel.ID); p.OrderStatus.Permalink != "dostavlen" || p.OrderStatus.State != tracking.StateDelivered {
		t.Fatalf("status write not recorded: %+v", p.OrderStatus)
	}
}

// trackedDemoOrder installs the app in the sandbox shop, imports its demo
// orders and returns one order that carries a track, with its parcel.
func trackedDemoOrder(t *testing.T) (*env, shopapp.Shop, int64, shopapp.Parcel) {
	t.Helper()
	e := newEnv(t, envOptions{sandbox: true})
	shop := e.installSandbox()
	if _, err := e.app.ReconcileShop(e.ctx(), shop.ID); err != nil {
		t.Fatal(err)
	}
	var orderID int64
	for id := range e.demoTracked(t, shop.Settings.TrackFieldID) {
		orderID = id
		break
	}
	return e, shop, orderID, e.parcels(shop.ID, orderID)[0]
}
