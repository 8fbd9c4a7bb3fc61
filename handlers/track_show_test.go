package handlers

import (
	"context"
	"strings"
	"testing"
	"time"

	"parceltrack/tracking"
)

// TestTrackPage: the buyer's link opens one parcel, in the buyer's words,
// with the office and the storage deadline while it waits; anything else
// is a plain 404.
func TestTrackPage(t *testing.T) {
	t.Parallel()
	w := newWidgetWorld(t)
	ctx := context.Background()
	now := testTrackingNow
	waiting := w.importTrack(t, 21, now.Add(-time.Hour), "RA644000001RU")
	other := w.importTrack(t, 22, now.Add(-time.Hour), "80092063905992")
	arrived := tracking.Event{At: now.Add(-3 * 24 * time.Hour), Type: 8, Attr: 2, Name: "Прибыло в место вручения", OfficeIndex: "127018", OfficeName: "Москва 127018"}
	st := tracking.Classify(tracking.Facts{Track: "RA644000001RU", EnteredAt: now.Add(-10 * 24 * time.Hour)}, []tracking.Event{arrived}, now, tracking.Rules{})
	if err := w.db.Parcels().ApplyTracking(ctx, waiting, st, now); err != nil {
		t.Fatal(err)
	}
	link := func(id string) string {
		t.Helper()
		p, err := w.db.Parcels().Parcel(ctx, id)
		if err != nil || len(p.Link) != 8 {
			t.Fatalf("parcel %s has link %q (%v)", id, p.Link, err)
		}
		return p.Link
	}

	r := w.get(t, "/t/"+link(waiting))
	if r.StatusCode != 200 {
		t.Fatalf("status %d:\n%s", r.StatusCode, r.body)
	}
	doc := r.doc(t)
	if got := doc.Find("#track-state").AttrOr("data-state", ""); got != string(tracking.StateArrived) {
		t.Errorf("state %q, want arrived", got)
	}
	text := doc.Text()
	// Arrived 11.03: kept until 27.03, 13 days after today (14.03).
	for _, want := range []string{"RA644000001RU", "Москва 127018", "27 марта", "осталось 13 дней", "паспорт", "Прибыло в место вручения"} {
		if !strings.Contains(text, want) {
			t.Errorf("the page lacks %q:\n%s", want, text)
		}
	}
	for _, private := range []string{"80092063905992", widgetBuyerName, widgetBuyerPhone, widgetBuyerEmail, w.shop.Settings.WidgetKey} {
		if strings.Contains(r.body, private) {
			t.Errorf("the page shows %q, which is not this buyer's parcel's", private)
		}
	}
	if r.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", r.Header.Get("Cache-Control"))
	}

	if err := w.db.Parcels().StopParcel(ctx, other, "merchant", time.Time{}, now); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, path string }{
		{"a token nobody was given", "/t/AAAAAAAA"},
		{"a malformed token", "/t/../../x"},
		{"too short", "/t/abc"},
		{"a stopped parcel", "/t/" + link(other)},
	} {
		if r := w.get(t, tt.path); r.StatusCode != 404 || strings.Contains(r.body, "RA644000001RU") {
			t.Errorf("%s: status %d", tt.name, r.StatusCode)
		}
	}
}
