package shopapp_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"parceltrack/billing"
	"parceltrack/insales"
	"parceltrack/shopapp"
	"parceltrack/tracking"
)

// sampleTrackField is the id of a track field in the real sample shop
// (another app's "Трек-номер", handle aks_track_number): order-3 and order-6
// carry a value in it.
const sampleTrackField = 80222849

func TestImportEverySampleOrder(t *testing.T) {
	t.Parallel()
	rich := testPrices
	rich.Welcome = 100_000
	e := newEnv(t, envOptions{prices: &rich})
	shop := e.installDirect(11, sampleTrackField)

	files, err := filepath.Glob("../insales/testdata/order-*.json") // the real InSales orders the client is tested on
	if err != nil || len(files) == 0 {
		t.Fatalf("no samples: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			o, err := insales.ParseOrder(b)
			if err != nil {
				t.Fatal(err)
			}
			sampleTrack, has := o.FieldValue(sampleTrackField)
			if !has {
				o.FieldsValues = append(o.FieldsValues, insales.FieldValue{ID: 1, FieldID: sampleTrackField, Value: "RA644000001RU"})
			}
			res := mustImport(t, e, shop, o)
			if res.Outcome != shopapp.OutcomeCreated {
				t.Fatalf("outcome %+v", res)
			}
			p, err := e.db.Parcels().Parcel(e.ctx(), res.ParcelID)
			if err != nil {
				t.Fatal(err)
			}
			if p.OrderNumber == "" || p.Buyer.Name == "" || !p.Buyer.PhoneOK || !strings.HasPrefix(p.Buyer.Phone, "+7") ||
				!p.Buyer.EmailOK || len(p.Products) == 0 || p.DestPostcode != o.DestinationZip() || p.DestPostcode == "" {
				t.Fatalf("parcel facts: %+v", p)
			}
			poll := e.poll(p.ID)
			if has {
				// The sample's track (11 digits, another carrier's) is not a
				// Russian Post number: imported, flagged, never charged or polled.
				if p.Track != sampleTrack || p.State != tracking.StateTrackError || p.Charged || !poll.NextPollAt.IsZero() || res.Charged {
					t.Fatalf("sample track: %+v poll %+v", p, poll)
				}
				return
			}
			if p.State != tracking.StateRegistered || !p.Charged || !res.Charged || !p.EnteredAt.Equal(trackingNow) ||
				poll.NextPollAt.IsZero() || !poll.NextPollAt.Equal(trackingNow) || !poll.EnteredAt.Equal(trackingNow) {
				t.Fatalf("tracked parcel: %+v poll %+v", p, poll)
			}
		})
	}
}

func TestImportScenarios(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	const field = 555
	t0 := time.Date(2026, 4, 8, 11, 0, 0, 0, time.UTC)
	t1, t2 := t0.Add(time.Minute), t0.Add(2*time.Minute)
	o := func(at time.Time, track string) insales.Order { return orderWithTrack(77, at, field, track) }
	const a, b = "RA644000001RU", "80081234567890"

	type step struct {
		order insales.Order
		want  shopapp.Outcome
	}
	tests := []struct {
		name  string
		steps []step
		// active is the track expected to be tracked at the end ("" none);
		// charges the kinds charged, in order.
		active  string
		stopped []string
		charges []billing.Kind
	}{
		{"duplicate delivery", []step{{o(t0, a), shopapp.OutcomeCreated}, {o(t0, a), shopapp.OutcomeDuplicate}},
			a, nil, []billing.Kind{billing.KindTrack}},
		{"track change", []step{{o(t0, a), shopapp.OutcomeCreated}, {o(t1, b), shopapp.OutcomeReplaced}, {o(t1, b), shopapp.OutcomeDuplicate}},
			b, []string{a}, []billing.Kind{billing.KindTrack, billing.KindTrackChange}},
		{"cleared track", []step{{o(t0, a), shopapp.OutcomeCreated}, {o(t1, ""), shopapp.OutcomeStopped}, {o(t2, ""), shopapp.OutcomeUnchanged}},
			"", []string{a}, []billing.Kind{billing.KindTrack}},
		{"track typed again after clearing", []step{{o(t0, a), shopapp.OutcomeCreated}, {o(t1, ""), shopapp.OutcomeStopped}, {o(t2, " ra-644000001-ru "), shopapp.OutcomeReactivated}},
			a, nil, []billing.Kind{billing.KindTrack}},
		{"back to the first track", []step{{o(t0, a), shopapp.OutcomeCreated}, {o(t1, b), shopapp.OutcomeReplaced}, {o(t2, a), shopapp.OutcomeReactivated}},
			a, []string{b}, []billing.Kind{billing.KindTrack, billing.KindTrackChange}},
		{"older event after a newer one", []step{{o(t1, a), shopapp.OutcomeCreated}, {o(t0, b), shopapp.OutcomeStale}},
			a, nil, []billing.Kind{billing.KindTrack}},
		{"order without a track", []step{{o(t0, ""), shopapp.OutcomeIgnored}},
			"", nil, nil},
		{"malformed track is flagged, not charged", []step{{o(t0, "12345"), shopapp.OutcomeCreated}},
			"12345", nil, nil},
		{"fixing a malformed track charges a first track", []step{{o(t0, "12345"), shopapp.OutcomeCreated}, {o(t1, a), shopapp.OutcomeReplaced}},
			a, []string{"12345"}, []billing.Kind{billing.KindTrack}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			shop := e.installDirect(int64(100+i), field)
			for n, s := range tt.steps {
				if res := mustImport(t, e, shop, s.order); res.Outcome != s.want {
					t.Fatalf("step %d: outcome %+v, want %s (parcels %s)", n, res, s.want, describe(e.parcels(shop.ID, 77)))
				}
			}
			ps := e.parcels(shop.ID, 77)
			var active, stopped []string
			for _, p := range ps {
				poll := e.poll(p.ID)
				if p.Stopped() {
					stopped = append(stopped, p.Track)
					if !poll.NextPollAt.IsZero() || p.State != tracking.StateStopped {
						t.Errorf("stopped parcel %s still scheduled: %+v", p.Track, poll)
					}
					continue
				}
				active = append(active, p.Track)
				if scheduled := !poll.NextPollAt.IsZero(); scheduled != (p.State == tracking.StateRegistered) {
					t.Errorf("parcel %s in %s: scheduled = %v", p.Track, p.State, scheduled)
				}
			}
			if want := slices.DeleteFunc([]string{tt.active}, func(s string) bool { return s == "" }); !slices.Equal(active, want) {
				t.Errorf("active tracks %v, want %v (%s)", active, want, describe(ps))
			}
			slices.Sort(stopped)
			if !slices.Equal(stopped, tt.stopped) {
				t.Errorf("stopped tracks %v, want %v", stopped, tt.stopped)
			}
			var kinds []billing.Kind
			for _, c := range e.charges(shop.ID) {
				kinds = append(kinds, c.Kind)
				if !strings.HasPrefix(c.Ref, "track:") || c.ParcelID == "" {
					t.Errorf("charge %+v: want ref track:<parcel>", c)
				}
			}
			if !slices.Equal(kinds, tt.charges) {
				t.Errorf("charges %v, want %v", kinds, tt.charges)
			}
		})
	}
}

func TestImportBuyerContacts(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	shop := e.installDirect(12, 555)
	t0 := time.Date(2026, 4, 8, 11, 0, 0, 0, time.UTC)
	tests := []struct {
		name        string
		phone, ship string
		email       string
		wantPhone   string
		wantPhoneOK bool
		wantEmail   string
		wantEmailOK bool
	}{
		{"usable contacts normalised", "8 (912) 345-67-89", "", " Ivan <ivan@example.ru> ", "+79123456789", true, "ivan@example.ru", true},
		{"shipping phone used when the client has none", "", "+7(900)000-22-40", "a@b.ru", "+79000002240", true, "a@b.ru", true},
		{"no phone or e-mail", "", "", "", "", false, "", false},
		{"unusable kept as written", "12-34", "", "ivan at example", "12-34", false, "ivan at example", false},
		{"e-mail without a domain dot", "+79123456789", "", "ivan@localhost", "+79123456789", true, "ivan@localhost", false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := orderWithTrack(int64(200+i), t0, 555, "RA644000001RU")
			o.Customer.Phone, o.ShippingAddress.Phone, o.Customer.Email = tt.phone, tt.ship, tt.email
			res := mustImport(t, e, shop, o)
			p, err := e.db.Parcels().Parcel(e.ctx(), res.ParcelID)
			if err != nil {
				t.Fatal(err)
			}
			got := p.Buyer
			if got.Phone != tt.wantPhone || got.PhoneOK != tt.wantPhoneOK || got.Email != tt.wantEmail || got.EmailOK != tt.wantEmailOK {
				t.Fatalf("buyer %+v", got)
			}
			if got.Name != "Петров Иван" || !slices.Equal(p.Products, []string{"Чайник", "Кружка"}) || p.DestPostcode != "101000" {
				t.Fatalf("facts %+v", p.OrderFacts)
			}
		})
	}

	// A changed phone on a later event updates the parcel.
	o := orderWithTrack(200, t0.Add(time.Minute), 555, "RA644000001RU")
	o.Customer.Phone = "+7 999 111-22-33"
	if res := mustImport(t, e, shop, o); res.Outcome != shopapp.OutcomeUpdated {
		t.Fatalf("outcome %+v", res)
	}
	if p := e.parcels(shop.ID, 200)[0]; p.Buyer.Phone != "+79991112233" || !p.OrderUpdatedAt.Equal(o.UpdatedAt) {
		t.Fatalf("updated buyer %+v", p.OrderFacts)
	}
}

func TestNoBalanceWaitsForCredit(t *testing.T) {
	t.Parallel()
	poor := testPrices
	poor.Welcome = 0
	e := newEnv(t, envOptions{prices: &poor})
	ctx := e.ctx()
	shop := e.installDirect(13, 555)
	t0 := time.Date(2026, 4, 8, 11, 0, 0, 0, time.UTC)

	first := mustImport(t, e, shop, orderWithTrack(1, t0, 555, "RA644000001RU"))
	second := mustImport(t, e, shop, orderWithTrack(2, t0, 555, "RA123456785RU"))
	for _, r := range []shopapp.ImportResult{first, second} {
		if r.State != tracking.StateNoBalance || r.Charged || !e.poll(r.ParcelID).NextPollAt.IsZero() {
			t.Fatalf("import without balance: %+v poll %+v", r, e.poll(r.ParcelID))
		}
	}

	steps := []struct {
		name    string
		credit  int64
		resumed int
		active  []string // parcels tracked afterwards
	}{
		{"nothing credited", 0, 0, nil},
		{"money for one: the oldest goes first", 500, 1, []string{first.ParcelID}},
		{"a second resume charges nothing more", 0, 0, []string{first.ParcelID}},
		{"money for the other", 500, 1, []string{first.ParcelID, second.ParcelID}},
	}
	for i, st := range steps {
		if st.credit > 0 {
			if _, err := e.bill.Credit(ctx, shop.ID, "topup:"+st.name, st.credit, billing.KindTopup, billing.Meta{Actor: billing.Actor{Type: billing.ActorSystem}}); err != nil {
				t.Fatal(err)
			}
		}
		n, err := e.app.ResumeNoBalance(ctx, shop.ID)
		if err != nil || n != st.resumed {
			t.Fatalf("step %d %s: resumed %d, %v; want %d", i, st.name, n, err, st.resumed)
		}
		for _, id := range st.active {
			p, _ := e.db.Parcels().Parcel(ctx, id)
			poll := e.poll(id)
			if p.State != tracking.StateRegistered || !p.Charged || poll.NextPollAt.IsZero() || !poll.NextPollAt.Equal(trackingNow) {
				t.Fatalf("step %s: parcel %+v poll %+v", st.name, p, poll)
			}
		}
	}
	// The same webhook again after the top-up charges nothing.
	if r := mustImport(t, e, shop, orderWithTrack(1, t0, 555, "RA644000001RU")); r.Outcome != shopapp.OutcomeDuplicate {
		t.Fatalf("redelivery: %+v", r)
	}
	if c := e.charges(shop.ID); len(c) != 2 || c[0].ParcelID != first.ParcelID || c[1].ParcelID != second.ParcelID {
		t.Fatalf("charges %+v", c)
	}
	if bal, _ := e.bill.Balance(ctx, shop.ID); bal != 0 {
		t.Fatalf("balance %d, want 0", bal)
	}
}
