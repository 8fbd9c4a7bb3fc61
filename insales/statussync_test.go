package insales_test

import (
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"

	"parceltrack/insales"
	"parceltrack/storage"
	"parceltrack/tracking"
)

func TestStatusRankIsForwardOnly(t *testing.T) {
	order := []tracking.State{tracking.StateRegistered, tracking.StateInTransit, tracking.StateProbablyArrived,
		tracking.StateArrived, tracking.StateWaiting, tracking.StateWaitingLong, tracking.StateDelivered}
	for i := 1; i < len(order); i++ {
		if insales.StatusRank(order[i]) <= insales.StatusRank(order[i-1]) {
			t.Errorf("%s does not rank above %s", order[i], order[i-1])
		}
	}
	for _, s := range []tracking.State{tracking.StateStopped, tracking.StateNoBalance, tracking.StateTrackError, tracking.StateStale, tracking.StateNoTrack} {
		if insales.StatusRank(s) != 0 {
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
		_, err := e.db.Database().Collection("shops").UpdateOne(ctx, bson.D{{Key: "_id", Value: shop.ID}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "settings.status_sync", Value: storage.StatusSync{Enabled: enabled, Mapping: map[string]string{
				"registered": "v-obrabotke", "in_transit": "otgruzhen", "delivered": "dostavlen",
			}}}}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	setByHand("soglasovan")

	steps := []struct {
		name      string
		setup     func()
		state     tracking.State
		want      insales.SyncOutcome
		wantOrder string
	}{
		{"off until the merchant turns it on", nil, tracking.StateRegistered, insales.SyncOff, "soglasovan"},
		{"first mapped state", func() { setSync(true) }, tracking.StateRegistered, insales.SyncSet, "v-obrabotke"},
		{"forward", nil, tracking.StateInTransit, insales.SyncSet, "otgruzhen"},
		{"never backwards", nil, tracking.StateRegistered, insales.SyncBackwards, "otgruzhen"},
		{"unmapped state", nil, tracking.StateArrived, insales.SyncUnmapped, "otgruzhen"},
		{"the merchant's own status wins", func() { setByHand("soglasovan") }, tracking.StateDelivered, insales.SyncManual, "soglasovan"},
	}
	for _, st := range steps {
		if st.setup != nil {
			st.setup()
		}
		err := e.db.Parcels().ApplyTracking(ctx, parcel.ID, storage.TrackingUpdate{State: string(st.state), StateSince: trackingNow, UpdatedAt: time.Now()})
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
	if res := mustImport(t, e, e.shop(shop.ID), o); res.Outcome != insales.OutcomeDuplicate && res.Outcome != insales.OutcomeUnchanged {
		t.Fatalf("echo import: %+v", res)
	}
}

func TestOnStateChangeSyncsThroughTheHook(t *testing.T) {
	t.Parallel()
	e, shop, orderID, parcel := trackedDemoOrder(t)
	ctx := e.ctx()
	if _, err := e.db.Database().Collection("shops").UpdateOne(ctx, bson.D{{Key: "_id", Value: shop.ID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "settings.status_sync", Value: storage.StatusSync{Enabled: true, Mapping: map[string]string{"delivered": "dostavlen"}}}}}}); err != nil {
		t.Fatal(err)
	}
	if err := e.db.Parcels().ApplyTracking(ctx, parcel.ID, storage.TrackingUpdate{State: "delivered", UpdatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	e.app.OnStateChange(ctx, parcel.ID, tracking.StateInTransit, tracking.StateDelivered)
	o, err := e.client.GetOrder(ctx, insales.Shop{Domain: e.sb.ShopDomain(), Password: e.sb.State().Password, ID: shop.InsalesID}, orderID)
	if err != nil || o.CustomStatus.Permalink != "dostavlen" {
		t.Fatalf("order status %q, %v", o.CustomStatus.Permalink, err)
	}
	if p, _ := e.db.ParcelImports().Parcel(ctx, parcel.ID); p.Status.Permalink != "dostavlen" || p.Status.State != tracking.StateDelivered {
		t.Fatalf("status write not recorded: %+v", p.Status)
	}
}

// trackedDemoOrder installs the app in the sandbox shop, imports its demo
// orders and returns one order that carries a track, with its parcel.
func trackedDemoOrder(t *testing.T) (*env, insales.AppShop, int64, insales.ImportedParcel) {
	t.Helper()
	e := newEnv(t, envOptions{sandbox: true})
	shop := e.installSandbox()
	if _, err := e.app.ReconcileShop(e.ctx(), shop.ID); err != nil {
		t.Fatal(err)
	}
	var orderID int64
	for id := range e.demoTracked(t, shop.TrackFieldID) {
		orderID = id
		break
	}
	return e, shop, orderID, e.parcels(shop.ID, orderID)[0]
}
