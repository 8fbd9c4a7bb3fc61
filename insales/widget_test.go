package insales_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"parceltrack/insales"
	"parceltrack/storage"
	"parceltrack/tracking"
)

// TestOrderWidget reads the widget's view of orders in every shape a
// merchant meets, judged at trackingNow (02.01.2030 06:04 in Moscow).
func TestOrderWidget(t *testing.T) {
	t.Parallel()
	rich := testPrices
	rich.Welcome = 100_000
	e := newEnv(t, envOptions{prices: &rich})
	shop := e.installDirect(21, 555)
	other := e.installDirect(22, 555)
	updated := time.Date(2029, 12, 1, 10, 0, 0, 0, time.UTC)

	nsk := time.FixedZone("+07", 7*60*60)
	kgd := time.FixedZone("+02", 2*60*60)
	msk := time.FixedZone("+03", 3*60*60)
	accepted := tracking.Event{At: time.Date(2029, 12, 20, 9, 0, 0, 0, msk), Type: 1, Attr: 1, OfficeIndex: "101000", OfficeName: "Москва 101000"}
	arrival := func(at time.Time, index, name string) tracking.Event {
		return tracking.Event{At: at, Type: 8, Attr: 2, OfficeIndex: index, OfficeName: name}
	}
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

	tests := []struct {
		name  string
		order int64
		// track is imported into the order ("" imports nothing); clear
		// then clears it again.
		track string
		clear bool
		// upd, when set, is what the poller stored afterwards.
		upd   *storage.TrackingUpdate
		check func(t *testing.T, p *insales.WidgetParcel)
	}{
		{name: "order never tracked", order: 1, check: wantNoParcel},
		{name: "track cleared", order: 2, track: "80092063905992", clear: true, check: wantNoParcel},
		{name: "just imported", order: 3, track: "80092063905992", check: func(t *testing.T, p *insales.WidgetParcel) {
			if p.State != tracking.StateRegistered || !p.EnteredAt.Equal(trackingNow) || p.LastEvent != nil || !p.StorageDay.IsZero() || !p.ArrivedAt.IsZero() {
				t.Fatalf("%+v", p)
			}
		}},
		{name: "waiting in Novosibirsk", order: 4, track: "RA644000001RU",
			upd: arrivedAt(tracking.StateArrived,
				[]tracking.Event{arrival(time.Date(2029, 12, 30, 10, 0, 0, 0, nsk), "630099", "Новосибирск 99"), accepted}, // unsorted
				time.Date(2030, 1, 14, 23, 59, 59, 0, nsk)),
			check: func(t *testing.T, p *insales.WidgetParcel) {
				if p.OfficeIndex != "630099" || p.OfficeName != "Новосибирск 99" || p.DaysWaiting != 3 ||
					!p.StorageDay.Equal(day(2030, 1, 14)) || p.DaysLeft != 12 || p.StorageExpired {
					t.Fatalf("%+v", p)
				}
				if p.LastEvent == nil || p.LastEvent.Type != 8 || p.LastEvent.OfficeIndex != "630099" {
					t.Fatalf("last event %+v, want the arrival (the newest)", p.LastEvent)
				}
			}},
		{name: "Kaliningrad deadline keeps its own date", order: 5, track: "RA644000001RU",
			upd: arrivedAt(tracking.StateWaiting, []tracking.Event{accepted, arrival(time.Date(2029, 12, 24, 12, 0, 0, 0, kgd), "236000", "Калининград")},
				time.Date(2030, 1, 5, 23, 59, 59, 0, kgd)),
			check: func(t *testing.T, p *insales.WidgetParcel) {
				if !p.StorageDay.Equal(day(2030, 1, 5)) || p.DaysLeft != 3 || p.OfficeName != "Калининград" || p.DaysWaiting != 8 {
					t.Fatalf("%+v", p)
				}
			}},
		{name: "last day of storage", order: 6, track: "RA644000001RU",
			upd: arrivedAt(tracking.StateWaitingLong, []tracking.Event{arrival(time.Date(2029, 12, 10, 9, 0, 0, 0, msk), "127018", "Москва 127018")},
				time.Date(2030, 1, 2, 23, 59, 59, 0, msk)),
			check: func(t *testing.T, p *insales.WidgetParcel) {
				if !p.StorageDay.Equal(day(2030, 1, 2)) || p.DaysLeft != 0 || p.StorageExpired || p.DaysWaiting != 22 {
					t.Fatalf("%+v", p)
				}
			}},
		{name: "storage expired", order: 7, track: "RA644000001RU",
			upd: arrivedAt(tracking.StateWaitingLong, []tracking.Event{arrival(time.Date(2029, 12, 10, 9, 0, 0, 0, msk), "127018", "Москва 127018")},
				time.Date(2030, 1, 1, 23, 59, 59, 0, msk)),
			check: func(t *testing.T, p *insales.WidgetParcel) {
				if !p.StorageDay.Equal(day(2030, 1, 1)) || p.DaysLeft != 0 || !p.StorageExpired {
					t.Fatalf("%+v", p)
				}
			}},
		{name: "number of the wrong shape", order: 8, track: "12345", check: func(t *testing.T, p *insales.WidgetParcel) {
			if p.State != tracking.StateTrackError || !strings.Contains(p.TrackProblem, "14 цифр") {
				t.Fatalf("%+v", p)
			}
		}},
		{name: "number the carrier refused", order: 9, track: "RA644000001RU",
			upd: &storage.TrackingUpdate{State: string(tracking.StateTrackError), UpdatedAt: trackingNow},
			check: func(t *testing.T, p *insales.WidgetParcel) {
				if p.State != tracking.StateTrackError || p.TrackProblem != "" {
					t.Fatalf("%+v", p)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.track != "" {
				res := mustImport(t, e, shop, orderWithTrack(tt.order, updated, 555, tt.track))
				if tt.clear {
					mustImport(t, e, shop, orderWithTrack(tt.order, updated.Add(time.Hour), 555, ""))
				}
				if tt.upd != nil {
					if err := e.db.Parcels().ApplyTracking(e.ctx(), res.ParcelID, *tt.upd); err != nil {
						t.Fatal(err)
					}
				}
			}
			w, err := e.app.OrderWidget(e.ctx(), shop.WidgetKey, tt.order)
			if err != nil {
				t.Fatal(err)
			}
			if w.ShopDomain != shop.Domain || w.OrderID != tt.order || !w.Now.Equal(trackingNow) {
				t.Fatalf("widget %+v", w)
			}
			if w.Parcel != nil && w.Parcel.Track != tracking.Normalize(tt.track) {
				t.Fatalf("track %q, want %q", w.Parcel.Track, tt.track)
			}
			tt.check(t, w.Parcel)
		})
	}

	t.Run("refusals", func(t *testing.T) {
		if err := e.db.AppShops().MarkUninstalled(e.ctx(), other.ID, trackingNow); err != nil {
			t.Fatal(err)
		}
		refusals := []struct {
			name    string
			key     string
			order   int64
			wantErr error
		}{
			{"order id zero", shop.WidgetKey, 0, insales.ErrBadRequest},
			{"negative order id", shop.WidgetKey, -4, insales.ErrBadRequest},
			{"unknown key", strings.Repeat("0", 32), 4, insales.ErrUnknownShop},
			{"malformed key", "../" + shop.WidgetKey, 4, insales.ErrUnknownShop},
			{"key in capitals", strings.ToUpper(shop.WidgetKey), 4, insales.ErrUnknownShop},
			{"empty key", "", 4, insales.ErrUnknownShop},
			{"uninstalled shop", other.WidgetKey, 4, insales.ErrUnknownShop},
		}
		for _, r := range refusals {
			w, err := e.app.OrderWidget(e.ctx(), r.key, r.order)
			if !errors.Is(err, r.wantErr) {
				t.Errorf("%s: %+v, %v; want %v", r.name, w, err, r.wantErr)
			}
			if err != nil && shop.WidgetKey != "" && strings.Contains(err.Error(), shop.WidgetKey) {
				t.Errorf("%s: the error carries the widget key: %v", r.name, err)
			}
		}
	})

	t.Run("another shop's order", func(t *testing.T) {
		third := e.installDirect(23, 555)
		w, err := e.app.OrderWidget(e.ctx(), third.WidgetKey, 4)
		if err != nil || w.Parcel != nil {
			t.Fatalf("shop 23 sees shop 21's order 4: %+v %v", w.Parcel, err)
		}
	})
}

// arrivedAt is what the poller stores for a parcel waiting since its last
// arrival event.
func arrivedAt(state tracking.State, events []tracking.Event, deadline time.Time) *storage.TrackingUpdate {
	arrived := tracking.SortEvents(events)[len(events)-1].At
	for _, ev := range events {
		if ev.Type == 8 {
			arrived = ev.At
		}
	}
	return &storage.TrackingUpdate{Events: events, State: string(state), StateSince: arrived,
		ArrivedAt: &arrived, Deadline: &deadline, LastEventAt: &arrived, UpdatedAt: trackingNow}
}

func wantNoParcel(t *testing.T, p *insales.WidgetParcel) {
	t.Helper()
	if p != nil {
		t.Fatalf("parcel %+v, want none", p)
	}
}
