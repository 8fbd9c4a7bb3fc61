package notify_test

import (
	"errors"
	"testing"

	"parceltrack/notify"
)

func TestNormalizePhone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		raw    string
		region string
		want   string // "" means an error is expected
	}{
		{"eight with spaces and dashes", "8 912 345-67-89", "RU", "+79123456789"},
		{"plus seven with brackets", "+7 (912) 345-67-89", "RU", "+79123456789"},
		{"eight digits only", "89123456789", "RU", "+79123456789"},
		{"e164 already", "+79123456789", "RU", "+79123456789"},
		{"seven without plus spaced", "7 912 345 67 89", "RU", "+79123456789"},
		{"seven without plus", "79123456789", "RU", "+79123456789"},
		{"ten digits without prefix", "9123456789", "RU", "+79123456789"},
		{"empty region means RU", "8 912 345 67 89", "", "+79123456789"},
		{"surrounding spaces", "  +7 912 345 67 89 ", "RU", "+79123456789"},
		{"double zero international", "007 912 345 67 89", "RU", "+79123456789"},
		{"moscow landline", "8 (495) 123-45-67", "RU", "+74951234567"},
		{"foreign with plus", "+375 29 123 45 67", "RU", "+375291234567"},
		{"sandbox magic number is valid", "+7 999 000 00 00", "RU", "+79990000000"},
		{"empty", "", "RU", ""},
		{"spaces only", "   ", "RU", ""},
		{"too short", "912345678", "RU", ""},
		{"one digit missing", "+7 912 345 67 8", "RU", ""},
		{"too long", "+7 912 345 67 899", "RU", ""},
		{"unassigned range", "+7 000 000 00 00", "RU", ""},
		{"letters", "8 912 ЗАКАЗ", "RU", ""},
		{"extension in words", "8 912 345 67 89 доб. 5", "RU", ""},
		{"two numbers", "8 912 345 67 89, 8 913 111 22 33", "RU", ""},
		{"garbage", "нет телефона", "RU", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := notify.NormalizePhone(tc.raw, tc.region)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("NormalizePhone(%q) = %q, want an error", tc.raw, got)
				}
				if !errors.Is(err, notify.ErrInvalidPhone) {
					t.Errorf("error %v does not wrap ErrInvalidPhone", err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("NormalizePhone(%q) = %q, %v; want %q", tc.raw, got, err, tc.want)
			}
			if !notify.IsE164(got) {
				t.Errorf("IsE164(%q) = false", got)
			}
		})
	}
}

func TestIsMobileRU(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"mts mobile", "+79123456789", true},
		{"moscow landline", "+74951234567", false},
		{"toll free", "+78005553535", false},
		{"belarus mobile", "+375291234567", false},
		{"not a number", "hello", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := notify.IsMobileRU(tc.in); got != tc.want {
				t.Errorf("IsMobileRU(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestMaskPhone(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"russian mobile", "+79123456789", "+7912*****89"},
		{"longer foreign", "+375291234567", "+3752******67"},
		{"too short to show anything", "+7912", "*****"},
		{"empty", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := notify.MaskPhone(tc.in); got != tc.want {
				t.Errorf("MaskPhone(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestIsE164(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"russian", "+79123456789", true},
		{"no plus", "79123456789", false},
		{"leading zero country", "+0123456789", false},
		{"spaces", "+7 912 345 67 89", false},
		{"sixteen digits", "+1234567890123456", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := notify.IsE164(tc.in); got != tc.want {
				t.Errorf("IsE164(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestMaskEmail(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"ordinary", "buyer@example.com", "b****@example.com"},
		{"one letter", "b@example.com", "b@example.com"},
		{"cyrillic local part", "иван@пример.рф", "и***@пример.рф"},
		{"not an address", "abc", "***"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := notify.MaskEmail(tc.in); got != tc.want {
				t.Errorf("MaskEmail(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
