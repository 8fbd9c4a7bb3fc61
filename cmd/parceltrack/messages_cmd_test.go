package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"parceltrack/billing"
	"parceltrack/messages"
	"parceltrack/notify"
	"parceltrack/sandbox/outbox"
	"parceltrack/shopapp"
	"parceltrack/tracking"
)

func TestPlanPrintsWhatTheBuyerGets(t *testing.T) {
	sample := testdata + "rtm34_resp_RA644000001RU_testbarcode_RUS.xml"
	tests := []struct {
		name   string
		args   []string
		first  string // trigger/channel/step of the first message
		last   string
		count  int
		offset string
	}{
		{"moscow buyer, the whole storage", []string{"--postcode", "101000", sample},
			"shipped/sms/1", "reminder/sms/last_day", 13, "+03:00"},
		// Vladivostok was at UTC+10 in 2015 as now (Novosibirsk was not).
		{"vladivostok buyer: the same messages in their time", []string{"--postcode", "690000", sample},
			"shipped/sms/1", "reminder/sms/last_day", 13, "+10:00"},
		{"until cuts the replay", []string{"--postcode", "101000", "--until", "2015-03-27T00:00:00+03:00", sample},
			"shipped/sms/1", "arrived/email/1", 4, "+03:00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := run(context.Background(), append([]string{"plan", "--carrier", "russianpost"}, tc.args...), &out, &errOut); code != 0 {
				t.Fatalf("exit %d: %s", code, errOut.String())
			}
			var got []struct {
				Trigger, Channel, Step string
				SendAt                 string `json:"send_at"`
			}
			if err := json.Unmarshal(out.Bytes(), &got); err != nil {
				t.Fatalf("not a JSON array: %v\n%s", err, out.String())
			}
			if len(got) != tc.count {
				t.Fatalf("%d messages, want %d: %s", len(got), tc.count, out.String())
			}
			name := func(i int) string { return got[i].Trigger + "/" + got[i].Channel + "/" + got[i].Step }
			if name(0) != tc.first || name(len(got)-1) != tc.last {
				t.Fatalf("first %s, last %s", name(0), name(len(got)-1))
			}
			var prev time.Time
			for i, m := range got {
				at, err := time.Parse(time.RFC3339, m.SendAt)
				if err != nil || !strings.HasSuffix(m.SendAt, tc.offset) {
					t.Fatalf("message %d send_at %q, want RFC 3339 at %s", i, m.SendAt, tc.offset)
				}
				if at.Before(prev) {
					t.Fatalf("message %d out of time order", i)
				}
				if h := at.Hour(); h < 9 || h >= 21 {
					t.Fatalf("message %d at %s: outside 09:00–21:00 of the buyer", i, m.SendAt)
				}
				prev = at
			}
		})
	}
	for _, bad := range [][]string{{"plan"}, {"plan", "--until", "soon", sample}, {"plan", "--carrier", "dhl", sample}} {
		if code := run(context.Background(), bad, io.Discard, io.Discard); code != 2 {
			t.Errorf("%v: exit %d, want 2", bad, code)
		}
	}
}

// TestDispatchOnceSends: a due message goes out through the sandbox Twilio
// and is charged, by the command alone.
func TestDispatchOnceSends(t *testing.T) {
	ctx := context.Background()
	e := migratedEnv(t)
	now := time.Now()
	shop, _, err := e.db.Shops().InstallShop(ctx, shopapp.InstallRecord{InsalesID: 7, Domain: "seven.myinsales.ru"}, 10_000, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := billing.New(e.db.Ledger(), billing.Options{}).Settle(ctx, shop.ID); err != nil {
		t.Fatal(err)
	}
	// The whole day is allowed: the sandbox clock's hour is not the test's.
	if err := e.db.Shops().SaveMessageSettings(ctx, shop.ID, shopapp.MessageSettings{
		Window: shopapp.SendWindow{FromMinute: 0, ToMinute: 24 * 60}}, now); err != nil {
		t.Fatal(err)
	}
	arrival := now.Add(-24 * time.Hour).In(tracking.Moscow)
	p := shopapp.Parcel{ID: "p1", ShopID: shop.ID, OrderID: 1, Track: "RA644000001RU", Carrier: "russianpost",
		OrderFacts: shopapp.OrderFacts{OrderNumber: "1001", Products: []string{"Плед"}, DestPostcode: "101000",
			Buyer: shopapp.Buyer{Name: "Анна", Phone: "+79161234567", PhoneOK: true}},
		State: tracking.StateArrived, EnteredAt: now.Add(-72 * time.Hour), Link: "AbCdEfGh",
		Events: []tracking.Event{{At: arrival, Type: 8, Attr: 2, OfficeIndex: "101000", OfficeName: "Москва 101000"}}}
	if err := e.db.Parcels().InsertParcel(ctx, p, now); err != nil {
		t.Fatal(err)
	}
	key := "p1:arrived:sms:1"
	if _, err := e.db.Notifications().Add(ctx, []messages.Notification{{Key: key, ShopID: shop.ID, ParcelID: "p1",
		Trigger: notify.TriggerArrived, Channel: notify.KindSMS, Step: "1", Due: arrival, SendAt: arrival,
		Zone: "Europe/Moscow", Status: messages.StatusQueued, NextAt: arrival}}); err != nil {
		t.Fatal(err)
	}
	e.close()

	var out, errOut bytes.Buffer
	if code := run(ctx, []string{"dispatch-once"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "claimed 1, sent 1") {
		t.Fatalf("output %q", out.String())
	}
	e, err = openEnv(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer e.close()
	recs, err := outbox.NewMongo(e.db.Database()).List(ctx, 10)
	if err != nil || len(recs) != 1 || recs[0].To != "+79161234567" || !strings.Contains(recs[0].Text, "Плед") {
		t.Fatalf("sandbox outbox %+v, %v", recs, err)
	}
	n, err := e.db.Notifications().Get(ctx, key)
	if err != nil || n.Status != messages.StatusSent || n.ProviderID != recs[0].ID || !n.Charged {
		t.Fatalf("row %+v, %v", n, err)
	}
}
