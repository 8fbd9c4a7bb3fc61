package shopapp_test

import (
	"errors"
	"testing"

	"parceltrack/billing"
	"parceltrack/insales"
	"parceltrack/shopapp"
	"parceltrack/tracking"
)

// TestAddParcel: a number tracked outside the order's field is checked,
// charged once and polled, as an import would be.
func TestAddParcel(t *testing.T) {
	t.Parallel()
	poor := testPrices
	poor.Welcome = testPrices.Track // one parcel's worth
	e := newEnv(t, envOptions{prices: &poor})
	shop := e.installDirect(41, 555)
	facts := shopapp.OrderFacts{OrderNumber: "7", Buyer: shopapp.Buyer{Name: "Анна"}}

	tests := []struct {
		name      string
		order     int64
		track     string
		wantErr   func(error) bool
		wantState tracking.State
		charges   int
	}{
		{"a good number is charged and polled", 7, "ra 644000001 ru", nil, tracking.StateRegistered, 1},
		{"the same number again is a conflict, charged once", 7, "RA644000001RU",
			func(err error) bool { return errors.Is(err, shopapp.ErrConflict) }, "", 1},
		{"a number of the wrong shape is refused with the reason", 8, "12345",
			func(err error) bool { return tracking.BarcodeErrorText(err) != "" }, "", 1},
		{"without money it waits, unpolled", 9, "RA123456785RU", nil, tracking.StateNoBalance, 1},
	}
	for _, tt := range tests {
		p, err := e.app.AddParcel(e.ctx(), shop.ID, tt.order, facts, tt.track)
		switch {
		case tt.wantErr != nil && (err == nil || !tt.wantErr(err)):
			t.Fatalf("%s: error %v", tt.name, err)
		case tt.wantErr == nil && err != nil:
			t.Fatalf("%s: %v", tt.name, err)
		case tt.wantErr == nil:
			stored := e.parcels(shop.ID, tt.order)
			if len(stored) != 1 || stored[0].State != tt.wantState || stored[0].ID != p.ID || stored[0].Track != tracking.Normalize(tt.track) {
				t.Fatalf("%s: stored %s", tt.name, describe(stored))
			}
			if polled := !e.poll(p.ID).NextPollAt.IsZero(); polled != (tt.wantState == tracking.StateRegistered) {
				t.Fatalf("%s: polled %v in state %s", tt.name, polled, tt.wantState)
			}
		}
		var tracks int
		for _, c := range e.charges(shop.ID) {
			if c.Kind == billing.KindTrack {
				tracks++
			}
		}
		if tracks != tt.charges {
			t.Fatalf("%s: %d track charges, want %d", tt.name, tracks, tt.charges)
		}
	}
	if _, err := e.app.AddParcel(e.ctx(), "no-such-shop", 1, facts, "RA644000001RU"); !errors.Is(err, shopapp.ErrUnknownShop) {
		t.Fatalf("unknown shop: %v", err)
	}
}

// TestCustomStatusesUseTheShopsPassword: the wizard's status list and the
// statuses it creates go to InSales with the shop's own stored password.
func TestCustomStatusesUseTheShopsPassword(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{sandbox: true})
	shop := e.installSandbox()
	before, err := e.app.CustomStatuses(e.ctx(), shop.ID)
	if err != nil {
		t.Fatal(err)
	}
	created, err := e.app.CreateCustomStatus(e.ctx(), shop.ID, insalesStatus("Посылка в пути"))
	if err != nil || created.Permalink == "" {
		t.Fatalf("create: %+v %v", created, err)
	}
	after, err := e.app.CustomStatuses(e.ctx(), shop.ID)
	if err != nil || len(after) != len(before)+1 {
		t.Fatalf("statuses %d, then %d (%v)", len(before), len(after), err)
	}
	if _, err := e.app.CustomStatuses(e.ctx(), "no-such-shop"); !errors.Is(err, shopapp.ErrUnknownShop) {
		t.Fatalf("unknown shop: %v", err)
	}
}

func insalesStatus(title string) insales.CustomStatusInput {
	return insales.CustomStatusInput{SystemStatus: insales.FulfillmentDispatched, Title: title}
}
