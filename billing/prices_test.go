package billing_test

import (
	"math"
	"strings"
	"testing"

	"parceltrack/billing"
)

func TestFormatRub(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		kopecks int64
		want    string
	}{
		{"zero", 0, "0,00 ₽"},
		{"kopecks only", 5, "0,05 ₽"},
		{"whole roubles", 500, "5,00 ₽"},
		{"below a thousand", 99999, "999,99 ₽"},
		{"thousands", 123450, "1 234,50 ₽"},
		{"millions", 123456789, "1 234 567,89 ₽"},
		{"negative", -123450, "-1 234,50 ₽"},
		{"negative kopecks", -7, "-0,07 ₽"},
		{"smallest int64", math.MinInt64, "-92 233 720 368 547 758,08 ₽"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// The spaces in want are written as ordinary spaces for legibility;
			// FormatRub uses no-break spaces, so no other space may appear.
			got := billing.FormatRub(tc.kopecks)
			if strings.Contains(got, " ") {
				t.Fatalf("FormatRub(%d) = %q contains an ordinary space", tc.kopecks, got)
			}
			if want := strings.ReplaceAll(tc.want, " ", "\u00a0"); got != want {
				t.Fatalf("FormatRub(%d) = %q, want %q", tc.kopecks, got, want)
			}
		})
	}
}

func TestPrices(t *testing.T) {
	t.Parallel()
	p := billing.DefaultPrices()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if p.Welcome != 0 || p.Track <= 0 || p.SMSSegment <= 0 || p.Voice <= 0 || p.Email <= 0 || p.TrackChange <= 0 {
		t.Fatalf("implausible defaults: %+v", p)
	}
	if got := p.SMS(3); got != 3*p.SMSSegment {
		t.Fatalf("3 segments cost %d", got)
	}
	p.Email = -1
	if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "email") {
		t.Fatalf("negative e-mail price: %v", err)
	}
}

func TestKinds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind           billing.Kind
		charge, credit bool
	}{
		{billing.KindTrack, true, false},
		{billing.KindTrackChange, true, false},
		{billing.KindSMS, true, false},
		{billing.KindVoice, true, false},
		{billing.KindEmail, true, false},
		{billing.KindAdjustment, true, true},
		{billing.KindTopup, false, true},
		{billing.KindRefund, false, true},
		{billing.KindWelcome, false, true},
		{"bogus", false, false},
	}
	for _, tc := range tests {
		if tc.kind.IsCharge() != tc.charge || tc.kind.IsCredit() != tc.credit {
			t.Errorf("%s: charge=%v credit=%v", tc.kind, tc.kind.IsCharge(), tc.kind.IsCredit())
		}
	}
}
