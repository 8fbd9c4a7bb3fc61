package onboarding_test

import (
	"strings"
	"testing"

	"parceltrack/billing"
	"parceltrack/notify"
	"parceltrack/onboarding"
)

func TestHowItWorksSample(t *testing.T) {
	t.Parallel()
	h := onboarding.SampleHowItWorks(billing.DefaultPrices(), "shop.myinsales.ru")
	// The sample is the default "arrived" SMS: the first product (cut at a
	// word), the count of the others, the office and the deadline, in one
	// segment.
	want := "Плед шерстяной… и ещё 2 товара — ждёт на почте Москва 101000 до 25 мая"
	if h.SMS != want {
		t.Errorf("sample SMS %q, want %q", h.SMS, want)
	}
	if h.SMSEncoding != notify.EncodingUCS2 || h.SMSSegments != 1 || h.SMSChars != len([]rune(want)) {
		t.Errorf("sample SMS is %s, %d chars, %d segments", h.SMSEncoding, h.SMSChars, h.SMSSegments)
	}
	if h.SMSPrice != billing.FormatRub(billing.DefaultPrices().SMS(1)) || h.TrackPrice != billing.FormatRub(500) {
		t.Errorf("sample prices %q, %q", h.SMSPrice, h.TrackPrice)
	}
	if h.QuietFrom != "09:00" || h.QuietTo != "21:00" || h.Order.Deadline != "25 мая" {
		t.Errorf("sample %+v", h)
	}
	if strings.Contains(h.SMS, "{") {
		t.Errorf("sample SMS %q keeps a placeholder", h.SMS)
	}
}
