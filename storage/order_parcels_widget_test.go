package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"parceltrack/billing"
	"parceltrack/shopapp"
	"parceltrack/tracking"
)

func TestShopByWidgetKey(t *testing.T) {
	t.Parallel()
	db := server.DB(t)
	ctx := context.Background()
	shops := db.Shops()
	t0 := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)

	install := func(insalesID int64, key string) shopapp.Shop {
		t.Helper()
		s, _, err := shops.InstallShop(ctx, shopapp.InstallRecord{InsalesID: insalesID, Domain: "a.myinsales.ru", PasswordEnc: []byte("x")}, 0, t0)
		if err != nil {
			t.Fatal(err)
		}
		if key == "" {
			return s
		}
		if s, err = shops.PrepareInstall(ctx, s.ID, shopapp.InstallPrep{WidgetKey: key, At: t0}); err != nil {
			t.Fatal(err)
		}
		return s
	}
	a := install(1, "0123456789abcdef0123456789abcdef")
	b := install(2, "fedcba9876543210fedcba9876543210")
	install(3, "") // a shop without a key must not match the empty key

	tests := []struct {
		name   string
		key    string
		wantID string // empty: not found
	}{
		{"first shop", "0123456789abcdef0123456789abcdef", a.ID},
		{"second shop", "fedcba9876543210fedcba9876543210", b.ID},
		{"unknown key", "00000000000000000000000000000000", ""},
		{"another shop's key in capitals", "FEDCBA9876543210FEDCBA9876543210", ""},
		{"empty key", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := shops.ShopByWidgetKey(ctx, tt.key)
			if tt.wantID == "" {
				if !errors.Is(err, shopapp.ErrNotFound) || !errors.Is(err, shopapp.ErrNotFound) {
					t.Fatalf("got %+v, %v; want not found", got, err)
				}
				return
			}
			if err != nil || got.ID != tt.wantID || got.Settings.WidgetKey != tt.key {
				t.Fatalf("got %s (key %q), %v; want %s", got.ID, got.Settings.WidgetKey, err, tt.wantID)
			}
		})
	}
}

// TestOrderParcelsCarryTracking: an order's parcels come with what the
// carrier told, so the widget reads each parcel once.
func TestOrderParcelsCarryTracking(t *testing.T) {
	t.Parallel()
	db := server.DB(t)
	ctx := context.Background()
	ps := db.Parcels()
	t0 := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	p := shopapp.Parcel{ID: "p1", ShopID: "s1", OrderID: 9, Track: "RA644000001RU", State: tracking.StateRegistered,
		ChargeKind: billing.KindTrack, TrackSetAt: t0, EnteredAt: t0}
	if err := ps.InsertParcel(ctx, p, t0); err != nil {
		t.Fatal(err)
	}

	tracked := func() (shopapp.Parcel, error) {
		ps, err := ps.OrderParcels(ctx, "s1", 9)
		if err != nil || len(ps) != 1 || ps[0].ID != "p1" {
			t.Fatalf("order parcels: %+v %v", ps, err)
		}
		return ps[0], nil
	}
	// Before the first poll: no dates, no events.
	det, err := tracked()
	if err != nil || !det.ArrivedAt.IsZero() || !det.Deadline.IsZero() || !det.LastEventAt.IsZero() || len(det.Events) != 0 {
		t.Fatalf("fresh parcel: %+v %v", det, err)
	}

	office := time.FixedZone("+07", 7*60*60)
	arrived := time.Date(2026, 4, 5, 10, 30, 0, 0, office)
	deadline := time.Date(2026, 4, 20, 23, 59, 59, 0, office)
	events := []tracking.Event{
		{At: t0.Add(time.Hour), Type: 1, Attr: 1, OfficeIndex: "101000", OfficeName: "Москва 101000"},
		{At: arrived, Type: 8, Attr: 2, OfficeIndex: "630099", OfficeName: "Новосибирск 99"},
	}
	if err := db.Parcels().ApplyTracking(ctx, "p1", tracking.Status{Events: events, State: tracking.StateArrived,
		Since: arrived, ArrivedAt: arrived, Deadline: deadline, LastEventAt: arrived}, arrived); err != nil {
		t.Fatal(err)
	}
	det, err = tracked()
	if err != nil {
		t.Fatal(err)
	}
	if !det.ArrivedAt.Equal(arrived) || !det.Deadline.Equal(deadline) || !det.LastEventAt.Equal(arrived) {
		t.Fatalf("dates: %+v", det)
	}
	if len(det.Events) != 2 || !det.Events[1].At.Equal(arrived) || det.Events[1].OfficeName != "Новосибирск 99" || det.Events[1].Attr != 2 {
		t.Fatalf("events: %+v", det.Events)
	}

	// BSON keeps instants; the office's offset comes back beside it, so the
	// classifier finds the same local days on the stored history.
	if _, off := det.Events[1].At.Zone(); off != 7*60*60 {
		t.Errorf("arrival read back at offset %ds, want the office's +7h", off)
	}
	if _, off := det.Events[0].At.Zone(); off != 0 {
		t.Errorf("a UTC event read back at offset %ds", off)
	}
}
