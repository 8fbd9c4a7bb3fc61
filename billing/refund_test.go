package billing_test

import (
	"context"
	"errors"
	"testing"

	"parceltrack/billing"
)

func TestRefund(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	shop := f.shop(t, 1, 1000)
	meta := billing.Meta{Actor: billing.Actor{Type: billing.ActorSystem}, NotificationID: "p1:arrived:sms:1"}
	if _, err := f.svc.Charge(ctx, shop, "p1:arrived:sms:1", 150, billing.KindSMS, meta); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Credit(ctx, shop, "topup:1", 500, billing.KindTopup, meta); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name            string
		chargeRef       string
		found           bool
		err             error
		amount, balance int64
	}{
		{"refund a charge", "p1:arrived:sms:1", true, nil, 150, 1500},
		{"refund it again: the same entry", "p1:arrived:sms:1", true, nil, 150, 1500},
		{"nothing charged under the ref", "p1:reminder:sms:5", false, nil, 0, 1500},
		{"a credit is not refunded", "topup:1", true, billing.ErrRefConflict, 0, 1500},
	}
	for _, s := range steps {
		e, found, err := f.svc.Refund(ctx, shop, s.chargeRef, "refund:"+s.chargeRef, meta)
		if found != s.found || !errors.Is(err, s.err) || e.Amount != s.amount {
			t.Fatalf("%s: entry %+v found %v err %v; want amount %d found %v err %v", s.name, e, found, err, s.amount, s.found, s.err)
		}
		if s.amount != 0 && (e.Kind != billing.KindRefund || e.NotificationID != meta.NotificationID) {
			t.Fatalf("%s: entry %+v", s.name, e)
		}
		if b, _ := f.svc.Balance(ctx, shop); b != s.balance {
			t.Fatalf("%s: balance %d, want %d", s.name, b, s.balance)
		}
	}
	if _, _, err := f.svc.Refund(ctx, "nope", "x", "refund:x", meta); !errors.Is(err, billing.ErrUnknownShop) {
		t.Fatalf("unknown shop: %v", err)
	}
	f.checkInvariants(t, shop)
}
