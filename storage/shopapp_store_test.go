package storage_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"parceltrack/billing"
	"parceltrack/insales"
	"parceltrack/shopapp"
	"parceltrack/tracking"
)

func TestShopsInstallSecretsAndSetup(t *testing.T) {
	t.Parallel()
	db := server.DB(t)
	ctx := context.Background()
	shops := db.Shops()
	t0 := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)

	shop, created, err := shops.InstallShop(ctx, shopapp.InstallRecord{InsalesID: 5, Domain: "a.myinsales.ru", Name: "Чайная лавка", PasswordEnc: []byte("x")}, 1000, t0)
	if err != nil || !created || shop.Balance != 1000 || shop.Setup.Complete || shop.Title() != "Чайная лавка" {
		t.Fatalf("install: %+v %v %v", shop, created, err)
	}
	cursor := insales.OrderCursor{UpdatedSince: t0.Add(-time.Hour), FromID: 0}
	shop, err = shops.PrepareInstall(ctx, shop.ID, shopapp.InstallPrep{WebhookSecret: "s1", WidgetKey: "k1", Cursor: cursor, At: t0})
	if err != nil || shop.Settings.WebhookSecret != "s1" || shop.Settings.WidgetKey != "k1" || !shop.Cursor.UpdatedSince.Equal(cursor.UpdatedSince) {
		t.Fatalf("prepare: %+v %v", shop, err)
	}
	// A second install (a racing one, or a reinstall) keeps the secrets.
	shop, err = shops.PrepareInstall(ctx, shop.ID, shopapp.InstallPrep{WebhookSecret: "s2", WidgetKey: "k2", Cursor: cursor, At: t0})
	if err != nil || shop.Settings.WebhookSecret != "s1" || shop.Settings.WidgetKey != "k1" {
		t.Fatalf("second prepare replaced a secret: %+v %v", shop, err)
	}
	if ids, err := shops.ShopsNeedingSetup(ctx, 10); err != nil || !slices.Equal(ids, []string{shop.ID}) {
		t.Fatalf("needing setup: %v %v", ids, err)
	}

	st := shopapp.StepState{Step: shopapp.StepTrackField, Status: shopapp.StepDone, Attempts: 2, UpdatedAt: t0}
	if err := shops.SaveSetupStep(ctx, shop.ID, st, shopapp.SetupResult{TrackFieldID: 77, WebhookIDs: []int64{1, 2}}); err != nil {
		t.Fatal(err)
	}
	failed := shopapp.StepState{Step: shopapp.StepWidget, Status: shopapp.StepFailed, Attempts: 1, LastError: "boom", UpdatedAt: t0}
	if err := shops.SaveSetupStep(ctx, shop.ID, failed, shopapp.SetupResult{}); err != nil {
		t.Fatal(err)
	}
	if err := shops.SetSetupComplete(ctx, shop.ID, t0); err != nil {
		t.Fatal(err)
	}
	later := insales.OrderCursor{UpdatedSince: t0.Add(time.Minute), FromID: 42}
	if err := shops.SaveCursor(ctx, shop.ID, later); err != nil {
		t.Fatal(err)
	}
	got, err := shops.ShopByInsalesID(ctx, 5)
	if err != nil {
		t.Fatal(err)
	}
	if got.Settings.TrackFieldID != 77 || !slices.Equal(got.Settings.WebhookIDs, []int64{1, 2}) || !got.Setup.Complete ||
		got.Setup.Step(shopapp.StepTrackField).Attempts != 2 || got.Setup.Step(shopapp.StepWidget).LastError != "boom" ||
		got.Setup.Step(shopapp.StepWebhooks).Status != shopapp.StepPending || got.Cursor.FromID != 42 {
		t.Fatalf("after setup: %+v", got)
	}
	if ids, _ := shops.ShopsNeedingSetup(ctx, 10); len(ids) != 0 {
		t.Fatalf("complete shop still needs setup: %v", ids)
	}
	if _, err := shops.Shop(ctx, "missing"); !errors.Is(err, shopapp.ErrNotFound) {
		t.Fatalf("missing shop: %v", err)
	}
}

func TestParcelsLifecycle(t *testing.T) {
	t.Parallel()
	db := server.DB(t)
	ctx := context.Background()
	ps := db.Parcels()
	t0 := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	p := shopapp.Parcel{
		ID: "p1", ShopID: "s1", OrderID: 9, Track: "RA644000001RU", State: tracking.StateNoBalance,
		OrderFacts: shopapp.OrderFacts{OrderNumber: "17", Buyer: shopapp.Buyer{Name: "Иванов Иван", Phone: "+79123456789", PhoneOK: true},
			Products: []string{"Чайник"}, DestPostcode: "101000", OrderUpdatedAt: t0},
		ChargeKind: billing.KindTrack, TrackSetAt: t0, EnteredAt: t0,
	}
	if err := ps.Schedule(ctx, tracking.Schedule{ID: p.ID, ShopID: p.ShopID, Track: p.Track, State: tracking.StateNoBalance, EnteredAt: t0}); err != nil {
		t.Fatal(err)
	}
	if err := ps.InsertParcel(ctx, p, t0); err != nil {
		t.Fatal(err)
	}
	if err := ps.InsertParcel(ctx, p, t0); !errors.Is(err, shopapp.ErrConflict) {
		t.Fatalf("duplicate insert: %v", err)
	}
	waiting, err := ps.NoBalanceParcels(ctx, "s1", 10)
	if err != nil || len(waiting) != 1 || waiting[0].Buyer.Phone != "+79123456789" || waiting[0].Products[0] != "Чайник" {
		t.Fatalf("no balance: %+v %v", waiting, err)
	}

	// Paid: polled at once.
	next := t0.Add(time.Minute)
	if err := ps.Schedule(ctx, tracking.Schedule{ID: p.ID, ShopID: p.ShopID, Track: p.Track, State: tracking.StateRegistered, NextPollAt: next, Priority: 1, EnteredAt: next}); err != nil {
		t.Fatal(err)
	}
	if err := ps.MarkCharged(ctx, "p1", tracking.StateRegistered, next, next); err != nil {
		t.Fatal(err)
	}
	poll, err := db.Polls().Get(ctx, "p1")
	if err != nil || !poll.NextPollAt.Equal(next) || poll.State != "registered" || poll.ShopID != "s1" {
		t.Fatalf("scheduled poll: %+v %v", poll, err)
	}
	claim, err := db.Polls().ClaimDue(ctx, "w", next, next, time.Minute, 10)
	if err != nil || len(claim.Rows) != 1 {
		t.Fatalf("the poller cannot claim the scheduled row: %+v %v", claim, err)
	}

	// Stopped: the polling row is gone, so a poll in flight cannot revive it.
	if err := ps.StopParcel(ctx, "p1", shopapp.StopTrackChanged, t0.Add(time.Hour), next); err != nil {
		t.Fatal(err)
	}
	got, _ := ps.Parcel(ctx, "p1")
	if !got.Stopped() || got.StopReason != shopapp.StopTrackChanged || !got.Charged {
		t.Fatalf("stopped: %+v", got)
	}
	if _, err := db.Polls().Get(ctx, "p1"); !errors.Is(err, shopapp.ErrNotFound) {
		t.Fatalf("polling row of a stopped parcel: %v, want it deleted", err)
	}
	if ok, err := db.Polls().Complete(ctx, "p1", tracking.PollOutcome{NextPollAt: next}); err != nil || ok {
		t.Fatalf("a poll in flight rescheduled a stopped row: %v %v", ok, err)
	}
	if _, err := db.Polls().Get(ctx, "p1"); !errors.Is(err, shopapp.ErrNotFound) {
		t.Fatalf("a poll in flight recreated the row: %v", err)
	}

	got.StoppedAt, got.StopReason, got.State = time.Time{}, "", tracking.StateRegistered
	if err := ps.Reactivate(ctx, got, next); err != nil {
		t.Fatal(err)
	}
	list, err := ps.OrderParcels(ctx, "s1", 9)
	if err != nil || len(list) != 1 || list[0].Stopped() || list[0].State != tracking.StateRegistered {
		t.Fatalf("reactivated: %+v %v", list, err)
	}
	if err := ps.SaveStatusWrite(ctx, "p1", shopapp.StatusWrite{Permalink: "otgruzhen", State: tracking.StateInTransit, OrderUpdatedAt: next, At: next}); err != nil {
		t.Fatal(err)
	}
	if got, _ := ps.Parcel(ctx, "p1"); got.OrderStatus.Permalink != "otgruzhen" || got.OrderStatus.State != tracking.StateInTransit {
		t.Fatalf("status write: %+v", got.OrderStatus)
	}

	n, err := ps.StopShopParcels(ctx, "s1", shopapp.StopUninstalled, next)
	if err != nil || n != 1 {
		t.Fatalf("stop shop: %d %v", n, err)
	}
	if shopParcels, _ := ps.ShopParcels(ctx, "s1", 10); len(shopParcels) != 1 || shopParcels[0].StopReason != shopapp.StopUninstalled {
		t.Fatalf("shop parcels: %+v", shopParcels)
	}
}

func TestEventsSeenAndSessions(t *testing.T) {
	t.Parallel()
	db := server.DB(t)
	ctx := context.Background()
	t0 := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)

	ev := db.EventsSeen()
	if seen, err := ev.Seen(ctx, "k"); err != nil || seen {
		t.Fatalf("fresh key seen: %v %v", seen, err)
	}
	for range 2 {
		if err := ev.MarkSeen(ctx, "k", t0); err != nil {
			t.Fatal(err)
		}
	}
	if seen, _ := ev.Seen(ctx, "k"); !seen {
		t.Fatal("key not seen after MarkSeen")
	}
	if n, err := ev.Sweep(ctx, t0.Add(time.Second)); err != nil || n != 1 {
		t.Fatalf("sweep: %d %v", n, err)
	}

	ss := db.Sessions()
	if err := ss.Create(ctx, shopapp.Session{ID: "h1", Kind: shopapp.SessionLogin, ShopID: "s", Nonce: "n", CreatedAt: t0, ExpiresAt: t0.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		op   func() (shopapp.Session, error)
		ok   bool
	}{
		{"get while valid", func() (shopapp.Session, error) { return ss.Get(ctx, "h1", t0) }, true},
		{"get once expired", func() (shopapp.Session, error) { return ss.Get(ctx, "h1", t0.Add(time.Minute)) }, false},
		{"take", func() (shopapp.Session, error) { return ss.Take(ctx, "h1", t0) }, true},
		{"take again", func() (shopapp.Session, error) { return ss.Take(ctx, "h1", t0) }, false},
	}
	for _, tc := range tests {
		s, err := tc.op()
		if tc.ok && (err != nil || s.Nonce != "n") {
			t.Errorf("%s: %+v %v", tc.name, s, err)
		}
		if !tc.ok && !errors.Is(err, shopapp.ErrNotFound) {
			t.Errorf("%s: %v, want ErrNotFound", tc.name, err)
		}
	}
}
