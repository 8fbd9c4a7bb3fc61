package storage_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"parceltrack/billing"
	"parceltrack/insales"
	"parceltrack/storage"
	"parceltrack/tracking"
)

func TestAppShopsInstallSecretsAndSetup(t *testing.T) {
	t.Parallel()
	db := server.DB(t)
	ctx := context.Background()
	shops := db.AppShops()
	t0 := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)

	shop, created, err := shops.InstallShop(ctx, insales.InstallRecord{InsalesID: 5, Domain: "a.myinsales.ru", PasswordEnc: []byte("x")}, 1000, t0)
	if err != nil || !created || shop.Balance != 1000 || shop.Setup.Complete {
		t.Fatalf("install: %+v %v %v", shop, created, err)
	}
	cursor := insales.OrderCursor{UpdatedSince: t0.Add(-time.Hour), FromID: 0}
	shop, err = shops.PrepareInstall(ctx, shop.ID, insales.InstallPrep{WebhookSecret: "s1", WidgetKey: "k1", Cursor: cursor, At: t0})
	if err != nil || shop.WebhookSecret != "s1" || shop.WidgetKey != "k1" || !shop.Cursor.UpdatedSince.Equal(cursor.UpdatedSince) {
		t.Fatalf("prepare: %+v %v", shop, err)
	}
	// A second install (a racing one, or a reinstall) keeps the secrets.
	shop, err = shops.PrepareInstall(ctx, shop.ID, insales.InstallPrep{WebhookSecret: "s2", WidgetKey: "k2", Cursor: cursor, At: t0})
	if err != nil || shop.WebhookSecret != "s1" || shop.WidgetKey != "k1" {
		t.Fatalf("second prepare replaced a secret: %+v %v", shop, err)
	}
	if ids, err := shops.ShopsNeedingSetup(ctx, 10); err != nil || !slices.Equal(ids, []string{shop.ID}) {
		t.Fatalf("needing setup: %v %v", ids, err)
	}

	st := insales.StepState{Step: insales.StepTrackField, Status: insales.StepDone, Attempts: 2, UpdatedAt: t0}
	if err := shops.SaveSetupStep(ctx, shop.ID, st, insales.SetupResult{TrackFieldID: 77, WebhookIDs: []int64{1, 2}}); err != nil {
		t.Fatal(err)
	}
	failed := insales.StepState{Step: insales.StepWidget, Status: insales.StepFailed, Attempts: 1, LastError: "boom", UpdatedAt: t0}
	if err := shops.SaveSetupStep(ctx, shop.ID, failed, insales.SetupResult{}); err != nil {
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
	if got.TrackFieldID != 77 || !slices.Equal(got.WebhookIDs, []int64{1, 2}) || !got.Setup.Complete ||
		got.Setup.Step(insales.StepTrackField).Attempts != 2 || got.Setup.Step(insales.StepWidget).LastError != "boom" ||
		got.Setup.Step(insales.StepWebhooks).Status != insales.StepPending || got.Cursor.FromID != 42 {
		t.Fatalf("after setup: %+v", got)
	}
	if ids, _ := shops.ShopsNeedingSetup(ctx, 10); len(ids) != 0 {
		t.Fatalf("complete shop still needs setup: %v", ids)
	}
	if _, err := shops.ShopByID(ctx, "missing"); !errors.Is(err, insales.ErrStoreNotFound) || !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("missing shop: %v", err)
	}
}

func TestParcelImportsLifecycle(t *testing.T) {
	t.Parallel()
	db := server.DB(t)
	ctx := context.Background()
	ps := db.ParcelImports()
	t0 := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	p := insales.ImportedParcel{
		ID: "p1", ShopID: "s1", OrderID: 9, Track: "RA644000001RU", State: tracking.StateNoBalance,
		OrderFacts: insales.OrderFacts{OrderNumber: "17", Buyer: insales.Buyer{Name: "Иванов Иван", Phone: "+79123456789", PhoneOK: true},
			Products: []string{"Чайник"}, DestPostcode: "101000", OrderUpdatedAt: t0},
		ChargeKind: billing.KindTrack, TrackSetAt: t0, EnteredAt: t0,
	}
	if err := ps.SchedulePoll(ctx, p, insales.PollPlan{State: tracking.StateNoBalance, EnteredAt: t0}); err != nil {
		t.Fatal(err)
	}
	if err := ps.InsertParcel(ctx, p, t0); err != nil {
		t.Fatal(err)
	}
	if err := ps.InsertParcel(ctx, p, t0); !errors.Is(err, insales.ErrStoreConflict) {
		t.Fatalf("duplicate insert: %v", err)
	}
	waiting, err := ps.NoBalanceParcels(ctx, "s1", 10)
	if err != nil || len(waiting) != 1 || waiting[0].Buyer.Phone != "+79123456789" || waiting[0].Products[0] != "Чайник" {
		t.Fatalf("no balance: %+v %v", waiting, err)
	}

	// Paid: polled at once.
	next := t0.Add(time.Minute)
	if err := ps.SchedulePoll(ctx, p, insales.PollPlan{State: tracking.StateRegistered, NextPollAt: &next, Priority: 1, EnteredAt: next}); err != nil {
		t.Fatal(err)
	}
	if err := ps.MarkCharged(ctx, "p1", tracking.StateRegistered, next, next); err != nil {
		t.Fatal(err)
	}
	poll, err := db.Polls().Get(ctx, "p1")
	if err != nil || poll.NextPollAt == nil || !poll.NextPollAt.Equal(next) || poll.State != "registered" || poll.ShopID != "s1" {
		t.Fatalf("scheduled poll: %+v %v", poll, err)
	}
	claim, err := db.Polls().ClaimDue(ctx, "w", next, next, time.Minute, 10)
	if err != nil || len(claim.Polls) != 1 {
		t.Fatalf("the poller cannot claim the scheduled row: %+v %v", claim, err)
	}

	// Stopped: the polling row is gone, so a poll in flight cannot revive it.
	if err := ps.StopParcel(ctx, "p1", insales.StopTrackChanged, t0.Add(time.Hour), next); err != nil {
		t.Fatal(err)
	}
	got, _ := ps.Parcel(ctx, "p1")
	if !got.Stopped() || got.StopReason != insales.StopTrackChanged || !got.Charged {
		t.Fatalf("stopped: %+v", got)
	}
	if _, err := db.Polls().Get(ctx, "p1"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("polling row of a stopped parcel: %v, want it deleted", err)
	}
	if ok, err := db.Polls().Complete(ctx, "p1", storage.PollOutcome{NextPollAt: &next}); err != nil || ok {
		t.Fatalf("a poll in flight rescheduled a stopped row: %v %v", ok, err)
	}
	if _, err := db.Polls().Get(ctx, "p1"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("a poll in flight recreated the row: %v", err)
	}

	got.StoppedAt, got.StopReason, got.State = nil, "", tracking.StateRegistered
	if err := ps.Reactivate(ctx, got, next); err != nil {
		t.Fatal(err)
	}
	list, err := ps.OrderParcels(ctx, "s1", 9)
	if err != nil || len(list) != 1 || list[0].Stopped() || list[0].State != tracking.StateRegistered {
		t.Fatalf("reactivated: %+v %v", list, err)
	}
	if err := ps.SaveStatusWrite(ctx, "p1", insales.StatusWrite{Permalink: "otgruzhen", State: tracking.StateInTransit, OrderUpdatedAt: next, At: next}); err != nil {
		t.Fatal(err)
	}
	if got, _ := ps.Parcel(ctx, "p1"); got.Status.Permalink != "otgruzhen" || got.Status.State != tracking.StateInTransit {
		t.Fatalf("status write: %+v", got.Status)
	}

	n, err := ps.StopShopParcels(ctx, "s1", insales.StopUninstalled, next)
	if err != nil || n != 1 {
		t.Fatalf("stop shop: %d %v", n, err)
	}
	if shopParcels, _ := ps.ShopParcels(ctx, "s1", 10); len(shopParcels) != 1 || shopParcels[0].StopReason != insales.StopUninstalled {
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
	if err := ss.Create(ctx, storage.Session{ID: "h1", Kind: storage.SessionLogin, ShopID: "s", Nonce: "n", CreatedAt: t0, ExpiresAt: t0.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		op   func() (storage.Session, error)
		ok   bool
	}{
		{"get while valid", func() (storage.Session, error) { return ss.Get(ctx, "h1", t0) }, true},
		{"get once expired", func() (storage.Session, error) { return ss.Get(ctx, "h1", t0.Add(time.Minute)) }, false},
		{"take", func() (storage.Session, error) { return ss.Take(ctx, "h1", t0) }, true},
		{"take again", func() (storage.Session, error) { return ss.Take(ctx, "h1", t0) }, false},
	}
	for _, tc := range tests {
		s, err := tc.op()
		if tc.ok && (err != nil || s.Nonce != "n") {
			t.Errorf("%s: %+v %v", tc.name, s, err)
		}
		if !tc.ok && !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("%s: %v, want ErrNotFound", tc.name, err)
		}
	}
}
