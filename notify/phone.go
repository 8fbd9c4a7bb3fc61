package notify

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"github.com/nyaruka/phonenumbers"
)

// ErrInvalidPhone is wrapped by every NormalizePhone failure.
var ErrInvalidPhone = errors.New("invalid phone number")

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// IsE164 reports whether s is syntactically an E.164 number ("+79123456789").
// It does not check that the number exists; NormalizePhone does.
func IsE164(s string) bool { return e164.MatchString(s) }

// NormalizePhone turns a phone number as a buyer or a shop typed it into
// E.164. defaultRegion (ISO code, "RU" when empty) applies to numbers written
// without a country code. Every common Russian writing is accepted:
// "8 912 345-67-89", "+7 (912) 345-67-89", "89123456789", "79123456789",
// "7 912 345 67 89", "9123456789". Numbers that cannot receive a message
// (too short, wrong length, unassigned ranges, letters) are rejected with an
// error wrapping ErrInvalidPhone. ("79123456789" without "+" is read as a
// Russian number with its country code: phonenumbers knows that writing.)
func NormalizePhone(raw, defaultRegion string) (string, error) {
	if defaultRegion == "" {
		defaultRegion = "RU"
	}
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", fmt.Errorf("notify: normalize phone: empty: %w", ErrInvalidPhone)
	}
	// Letters are a typo, not a vanity number: phonenumbers would map them
	// to digits and could produce a valid but wrong number.
	for _, r := range s {
		if unicode.IsLetter(r) {
			return "", fmt.Errorf("notify: normalize phone: contains letters: %w", ErrInvalidPhone)
		}
	}
	// "00" international prefix as written from Europe.
	if strings.HasPrefix(s, "00") {
		s = "+" + s[2:]
	}
	num, err := phonenumbers.Parse(s, defaultRegion)
	if err != nil {
		return "", fmt.Errorf("notify: normalize phone: %w: %w", ErrInvalidPhone, err)
	}
	if !phonenumbers.IsValidNumber(num) {
		return "", fmt.Errorf("notify: normalize phone: not a valid number: %w", ErrInvalidPhone)
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
}

// IsMobileRU reports whether an E.164 number is a Russian mobile number, the
// only kind that can receive an SMS in Russia. Voice calls work to landlines too.
func IsMobileRU(e164 string) bool {
	num, err := phonenumbers.Parse(e164, "RU")
	if err != nil || phonenumbers.GetRegionCodeForNumber(num) != "RU" {
		return false
	}
	switch phonenumbers.GetNumberType(num) {
	case phonenumbers.MOBILE, phonenumbers.FIXED_LINE_OR_MOBILE:
		return true
	}
	return false
}

// MaskPhone hides the middle of a number for logs: "+79123456789" →
// "+7912*****89". Only the country code, three digits and the last two stay.
func MaskPhone(phone string) string {
	d := []rune(phone)
	const keepHead, keepTail = 5, 2
	if len(d) <= keepHead+keepTail {
		return strings.Repeat("*", len(d))
	}
	for i := keepHead; i < len(d)-keepTail; i++ {
		d[i] = '*'
	}
	return string(d)
}

// MaskEmail hides most of the local part for logs: "buyer@example.com" →
// "b****@example.com". The domain stays: it tells support which provider
// bounced.
func MaskEmail(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return strings.Repeat("*", len([]rune(addr)))
	}
	local := []rune(addr[:at])
	if len(local) == 0 {
		return addr
	}
	return string(local[0]) + strings.Repeat("*", len(local)-1) + addr[at:]
}
