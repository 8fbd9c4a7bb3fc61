package billing

import (
	"fmt"

	"parceltrack/ru"
)

// Prices are what each unit of work costs a shop, in kopecks, and the balance
// a new shop starts with. They come from configuration; DefaultPrices are the
// defaults.
type Prices struct {
	// Track is charged once when a parcel starts being tracked.
	Track int64
	// TrackChange is charged when an order's track number is replaced.
	TrackChange int64
	// SMSSegment is charged per SMS segment (see notify.Segments).
	SMSSegment int64
	// Voice is charged per voice call.
	Voice int64
	// Email is charged per e-mail.
	Email int64
	// Welcome is credited to every new shop once, on install.
	Welcome int64
}

// SandboxWelcome is the welcome balance of sandbox mode: 1 000 ₽, enough to
// play with every feature.
const SandboxWelcome int64 = 100_000

// DefaultPrices are the production defaults: 5 ₽ per tracked parcel and per
// track change, 3,50 ₽ per SMS segment, 9 ₽ per call, 0,50 ₽ per e-mail, and
// no welcome balance.
func DefaultPrices() Prices {
	return Prices{Track: 500, TrackChange: 500, SMSSegment: 350, Voice: 900, Email: 50, Welcome: 0}
}

// Validate rejects negative prices.
func (p Prices) Validate() error {
	for _, f := range []struct {
		name string
		v    int64
	}{
		{"track", p.Track}, {"track change", p.TrackChange}, {"sms segment", p.SMSSegment},
		{"voice", p.Voice}, {"email", p.Email}, {"welcome", p.Welcome},
	} {
		if f.v < 0 {
			return fmt.Errorf("billing: %s price %d is negative", f.name, f.v)
		}
	}
	return nil
}

// SMS is the price of a message of the given number of segments.
func (p Prices) SMS(segments int) int64 { return p.SMSSegment * int64(segments) }

// FormatRub shows kopecks as roubles the Russian way: "1 234,50 ₽" with
// no-break spaces (U+00A0) between thousands and before the sign, a decimal
// comma, always two kopeck digits, and a leading "-" for negative amounts.
// It is ru.Rub, so a price in the cabinet and a balance in a merchant's
// e-mail (notify) are written alike.
func FormatRub(kopecks int64) string { return ru.Rub(kopecks) }
