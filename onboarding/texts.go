package onboarding

import (
	"time"

	"parceltrack/billing"
	"parceltrack/notify"
	"parceltrack/ru"
	"parceltrack/tracking"
)

// SampleOrder is the made-up order the "how it works" page shows.
type SampleOrder struct {
	Number   string
	Buyer    string
	Products []string
	Track    string
	Office   string
	Deadline string
	Shop     string
}

// HowItWorks is what the "how it works" page shows: a sample message for a
// sample order, the rules and the prices.
type HowItWorks struct {
	Order SampleOrder
	// SMS is the "arrived" SMS for the sample order, with its size and cost.
	SMS         string
	SMSEncoding string
	SMSChars    int
	SMSSegments int
	SMSPrice    string
	// Prices formatted in roubles.
	TrackPrice   string
	SegmentPrice string
	VoicePrice   string
	EmailPrice   string
	// QuietFrom and QuietTo bound the default sending window (buyer's time).
	QuietFrom, QuietTo string
}

// HowItWorks builds the page's content for shop (its domain names the shop
// in the sample).
func (s *Service) HowItWorks(shop string) HowItWorks {
	return SampleHowItWorks(s.o.Prices, shop)
}

// SampleHowItWorks is HowItWorks for any prices.
func SampleHowItWorks(p billing.Prices, shop string) HowItWorks {
	// The sample's last day of storage: only its day and month are shown.
	deadline := time.Date(2026, time.May, 25, 23, 59, 59, 0, tracking.Moscow)
	o := SampleOrder{
		Number: "1024", Buyer: "Анна",
		Products: []string{"Плед шерстяной «Уют» 140×200", "Кружка керамическая 350 мл", "Свеча ароматическая «Лаванда»"},
		Track:    "80092063905992", Office: "Москва 101000", Deadline: ru.DayMonth(deadline), Shop: shop,
	}
	// The sample is the real "arrived" SMS, rendered the way it is sent.
	arrived, _ := notify.DefaultText(notify.TriggerArrived, notify.KindSMS)
	sms, err := notify.RenderSMS(arrived.Body, notify.Vars{
		Name: o.Buyer, Order: o.Number, Products: o.Products, Track: o.Track, Shop: o.Shop,
		OfficeName: o.Office, OfficeIndex: "101000", Deadline: deadline,
	})
	if err != nil {
		// A default text that does not render is a defect the notify tests
		// catch; show it rather than a blank.
		sms = err.Error()
	}
	enc, chars, segs := notify.Segments(sms)
	window := notify.DefaultWindow()
	return HowItWorks{
		Order: o, SMS: sms, SMSEncoding: enc, SMSChars: chars, SMSSegments: segs,
		SMSPrice:   billing.FormatRub(p.SMS(segs)),
		TrackPrice: billing.FormatRub(p.Track), SegmentPrice: billing.FormatRub(p.SMSSegment),
		VoicePrice: billing.FormatRub(p.Voice), EmailPrice: billing.FormatRub(p.Email),
		QuietFrom: clock(window.From), QuietTo: clock(window.To),
	}
}

// clock writes an offset from midnight as "09:00".
func clock(d time.Duration) string {
	return time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).Add(d).Format("15:04")
}
