package retryafter

import (
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)
	tests := []struct {
		name   string
		header string
		want   time.Duration
		wantOK bool
	}{
		{"absent", "", 0, false},
		{"blank", "   ", 0, false},
		{"seconds", "120", 2 * time.Minute, true},
		{"seconds with spaces", " 7 ", 7 * time.Second, true},
		{"zero means now", "0", 0, true},
		{"leading zeros", "007", 7 * time.Second, true},
		{"negative", "-5", 0, false},
		{"plus sign", "+5", 0, false},
		{"fraction", "1.5", 0, false},
		{"garbage", "soon", 0, false},
		{"seconds with unit", "10s", 0, false},
		{"largest representable", "9223372036", 9223372036 * time.Second, true},
		{"too long for a Duration", "9223372037", 0, false},
		{"beyond int64", "99999999999999999999", 0, false},
		{"IMF date ahead", "Fri, 14 Mar 2025 09:28:53 GMT", 2 * time.Minute, true},
		{"RFC 850 date ahead", "Friday, 14-Mar-25 09:27:03 GMT", 10 * time.Second, true},
		{"asctime date ahead", "Fri Mar 14 09:27:53 2025", time.Minute, true},
		{"date now", "Fri, 14 Mar 2025 09:26:53 GMT", 0, true},
		{"date in the past", "Fri, 14 Mar 2025 08:00:00 GMT", 0, true},
		{"date without zone", "2025-03-14T09:30:00", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := Parse(tt.header, now)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("Parse(%q) = %v, %v; want %v, %v", tt.header, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
