package shopapp_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"parceltrack/shopapp"
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
		// stored, when set, is what the poller stored afterwards.
		stored *tracking.Status
		check  func(t *testing.T, p *shopapp.WidgetParcel)
	}{
		{name: "order never tracked", order: 1, check: wantNoParcel},
		{name: "track cleared", order: 2, track: "80092063905992", clear: true, check: wantNoParcel},
		{name: "just imported", order: 3, track: "80092063905992", check: func(t *testing.T, p *shopapp.WidgetParcel) {
			if p.Status.State != tracking.StateRegistered || !p.EnteredAt.Equal(trackingNow) || p.LastEvent() != nil ||
				!p.Status.Deadline.IsZero() || !p.Status.ArrivedAt.IsZero() {
				t.Fatalf("%+v", p)
			}
		}},
		{name: "waiting in Novosibirsk", order: 4, track: "RA644000001RU",
			stored: polled(arrival(time.Date(2029, 12, 30, 10, 0, 0, 0, nsk), "630099", "Новосибирск 99"), accepted), // unsorted
			check: func(t *testing.T, p *shopapp.WidgetParcel) {
				st := p.Status
				// Arrived 30.12 + 1 + 15 days: the last day is 15.01, 13 days after today (02.01 in Novosibirsk).
				if st.State != tracking.StateArrived || st.OfficeIndex != "630099" || st.OfficeName != "Новосибирск 99" || st.Days != 3 ||
					!tracking.StorageDay(st.Deadline).Equal(day(2030, 1, 15)) || st.DaysLeft != 13 || tracking.StorageExpired(st.Deadline, trackingNow) {
					t.Fatalf("%+v", st)
				}
				if e := p.LastEvent(); e == nil || e.Type != 8 || e.OfficeIndex != "630099" {
					t.Fatalf("last event %+v, want the arrival (the newest)", e)
				}
			}},
		{name: "Kaliningrad deadline keeps its own date", order: 5, track: "RA644000001RU",
			stored: polled(accepted, arrival(time.Date(2029, 12, 24, 12, 0, 0, 0, kgd), "236000", "Калининград")),
			check: func(t *testing.T, p *shopapp.WidgetParcel) {
				// 23:59:59 on 09.01 in Kaliningrad is already 10.01 in Moscow.
				st := p.Status
				if st.State != tracking.StateWaiting || !tracking.StorageDay(st.Deadline).Equal(day(2030, 1, 9)) ||
					st.DaysLeft != 7 || st.OfficeName != "Калининград" || st.Days != 8 {
					t.Fatalf("%+v", st)
				}
			}},
		{name: "last day of storage", order: 6, track: "RA644000001RU",
			stored: polled(arrival(time.Date(2029, 12, 17, 9, 0, 0, 0, msk), "127018", "Москва 127018")),
			check: func(t *testing.T, p *shopapp.WidgetParcel) {
				st := p.Status
				if st.State != tracking.StateWaitingLong || !tracking.StorageDay(st.Deadline).Equal(day(2030, 1, 2)) ||
					st.DaysLeft != 0 || tracking.StorageExpired(st.Deadline, trackingNow) || st.Days != 15 {
					t.Fatalf("%+v", st)
				}
			}},
		{name: "storage expired", order: 7, track: "RA644000001RU",
			stored: polled(arrival(time.Date(2029, 12, 10, 9, 0, 0, 0, msk), "127018", "Москва 127018")),
			check: func(t *testing.T, p *shopapp.WidgetParcel) {
				st := p.Status
				if !tracking.StorageDay(st.Deadline).Equal(day(2029, 12, 26)) || st.DaysLeft != 0 ||
					!tracking.StorageExpired(st.Deadline, trackingNow) || st.Days != 22 {
					t.Fatalf("%+v", st)
				}
			}},
		{name: "polled long ago: the state follows the clock", order: 10, track: "RA644000001RU",
			// Stored while it had just arrived; 22 days on it waits long,
			// whatever the stored state still says.
			stored: storedAt(tracking.StateArrived, arrival(time.Date(2029, 12, 10, 9, 0, 0, 0, msk), "127018", "Москва 127018")),
			check: func(t *testing.T, p *shopapp.WidgetParcel) {
				if p.Status.State != tracking.StateWaitingLong || p.Status.Days != 22 {
					t.Fatalf("%+v", p.Status)
				}
			}},
		{name: "number of the wrong shape", order: 8, track: "12345", check: func(t *testing.T, p *shopapp.WidgetParcel) {
			if p.Status.State != tracking.StateTrackError || !strings.Contains(p.TrackProblem, "14 цифр") {
				t.Fatalf("%+v", p)
			}
		}},
		{name: "number the carrier refused", order: 9, track: "RA644000001RU",
			stored: &tracking.Status{State: tracking.StateTrackError},
			check: func(t *testing.T, p *shopapp.WidgetParcel) {
				if p.Status.State != tracking.StateTrackError || p.TrackProblem != "" {
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
				if tt.stored != nil {
					if err := e.db.Parcels().ApplyTracking(e.ctx(), res.ParcelID, *tt.stored, trackingNow); err != nil {
						t.Fatal(err)
					}
				}
			}
			w, err := e.app.OrderWidget(e.ctx(), shop.Settings.WidgetKey, tt.order)
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
		if err := e.db.Shops().MarkUninstalled(e.ctx(), other.ID, trackingNow); err != nil {
			t.Fatal(err)
		}
		refusals := []struct {
			name    string
			key     string
			order   int64
			wantErr error
		}{
			{"order id zero", shop.Settings.WidgetKey, 0, shopapp.ErrBadRequest},
			{"negative order id", shop.Settings.WidgetKey, -4, shopapp.ErrBadRequest},
			{"unknown key", strings.Repeat("0", 32), 4, shopapp.ErrUnknownShop},
			{"malformed key", "../" + shop.Settings.WidgetKey, 4, shopapp.ErrUnknownShop},
			{"key in capitals", strings.ToUpper(shop.Settings.WidgetKey), 4, shopapp.ErrUnknownShop},
			{"empty key", "", 4, shopapp.ErrUnknownShop},
			{"uninstalled shop", other.Settings.WidgetKey, 4, shopapp.ErrUnknownShop},
		}
		for _, r := range refusals {
			w, err := e.app.OrderWidget(e.ctx(), r.key, r.order)
			if !errors.Is(err, r.wantErr) {
				t.Errorf("%s: %+v, %v; want %v", r.name, w, err, r.wantErr)
			}
			if err != nil && shop.Settings.WidgetKey != "" && strings.Contains(err.Error(), shop.Settings.WidgetKey) {
				t.Errorf("%s: the error carries the widget key: %v", r.name, err)
			}
		}
	})

	t.Run("another shop's order", func(t *testing.T) {
		third := e.installDirect(23, 555)
		w, err := e.app.OrderWidget(e.ctx(), third.Settings.WidgetKey, 4)
		if err != nil || w.Parcel != nil {
			t.Fatalf("shop 23 sees shop 21's order 4: %+v %v", w.Parcel, err)
		}
	})
}

// polled is what the poller stores for a parcel with this history, polled
// at trackingNow.
func polled(events ...tracking.Event) *tracking.Status {
	st := tracking.Classify(tracking.Facts{Track: "RA644000001RU", EnteredAt: trackingNow.Add(-30 * 24 * time.Hour)},
		events, trackingNow, tracking.Rules{})
	return &st
}

// storedAt is the history stored with a state an earlier poll gave it.
func storedAt(state tracking.State, events ...tracking.Event) *tracking.Status {
	st := polled(events...)
	st.State = state
	return st
}

func wantNoParcel(t *testing.T, p *shopapp.WidgetParcel) {
	t.Helper()
	if p != nil {
		t.Fatalf("parcel %+v, want none", p)
	}
}
