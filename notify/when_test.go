package notify_test

import (
	"testing"
	"time"

	"parceltrack/notify"
	"parceltrack/tracking"
)

// zone loads an IANA zone; notify embeds the tz database, so it loads on
// any machine.
func zone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// rfc parses an RFC 3339 instant.
func rfc(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestWindowNext(t *testing.T) {
	t.Parallel()
	kgd, msk := zone(t, "Europe/Kaliningrad"), zone(t, "Europe/Moscow")
	nsk, vvo := zone(t, "Asia/Novosibirsk"), zone(t, "Asia/Vladivostok")
	w := notify.DefaultWindow()
	tests := []struct {
		name string
		w    notify.Window
		at   string
		loc  *time.Location
		want string // in loc's offset
	}{
		// 05:30 UTC: early morning in the west, daytime in Siberia and the east.
		{"early: Kaliningrad waits", w, "2026-03-10T05:30:00Z", kgd, "2026-03-10T09:00:00+02:00"},
		{"early: Moscow waits", w, "2026-03-10T05:30:00Z", msk, "2026-03-10T09:00:00+03:00"},
		{"early: Novosibirsk now", w, "2026-03-10T05:30:00Z", nsk, "2026-03-10T12:30:00+07:00"},
		{"early: Vladivostok now", w, "2026-03-10T05:30:00Z", vvo, "2026-03-10T15:30:00+10:00"},
		// 12:30 UTC: 22:30 in Vladivostok is too late, the rest are inside.
		{"midday: Kaliningrad now", w, "2026-03-10T12:30:00Z", kgd, "2026-03-10T14:30:00+02:00"},
		{"midday: Moscow now", w, "2026-03-10T12:30:00Z", msk, "2026-03-10T15:30:00+03:00"},
		{"midday: Novosibirsk now", w, "2026-03-10T12:30:00Z", nsk, "2026-03-10T19:30:00+07:00"},
		{"midday: Vladivostok tomorrow", w, "2026-03-10T12:30:00Z", vvo, "2026-03-11T09:00:00+10:00"},
		// 18:30 UTC: only Kaliningrad is still awake.
		{"evening: Kaliningrad now", w, "2026-03-10T18:30:00Z", kgd, "2026-03-10T20:30:00+02:00"},
		{"evening: Moscow tomorrow", w, "2026-03-10T18:30:00Z", msk, "2026-03-11T09:00:00+03:00"},
		{"evening: Novosibirsk after its night", w, "2026-03-10T18:30:00Z", nsk, "2026-03-11T09:00:00+07:00"},
		{"evening: Vladivostok after its night", w, "2026-03-10T18:30:00Z", vvo, "2026-03-11T09:00:00+10:00"},
		// The bounds: From is inside, To is not.
		{"exactly at From", w, "2026-03-10T09:00:00+03:00", msk, "2026-03-10T09:00:00+03:00"},
		{"a second before To", w, "2026-03-10T20:59:59+03:00", msk, "2026-03-10T20:59:59+03:00"},
		{"exactly at To", w, "2026-03-10T21:00:00+03:00", msk, "2026-03-11T09:00:00+03:00"},
		{"midnight", w, "2026-03-10T00:00:00+03:00", msk, "2026-03-10T09:00:00+03:00"},
		{"end of the month", w, "2026-03-31T22:00:00+03:00", msk, "2026-04-01T09:00:00+03:00"},
		// Russian zones keep one offset all year: July answers as March does.
		{"no summer time in Moscow", w, "2026-07-10T05:30:00Z", msk, "2026-07-10T09:00:00+03:00"},
		{"no summer time in Novosibirsk", w, "2026-07-10T18:30:00Z", nsk, "2026-07-11T09:00:00+07:00"},
		// A zone with summer time keeps the wall clock: 09:00 on the day the
		// clocks go forward is 07:00 UTC, not 08:00.
		{"wall clock on a DST day", w, "2026-03-29T00:30:00Z", zone(t, "Europe/Berlin"), "2026-03-29T09:00:00+02:00"},
		{"a shop's own window", notify.Window{From: 10 * time.Hour, To: 18*time.Hour + 30*time.Minute}, "2026-03-10T18:29:00+03:00", msk, "2026-03-10T18:29:00+03:00"},
		{"a shop's window ends", notify.Window{From: 10 * time.Hour, To: 18*time.Hour + 30*time.Minute}, "2026-03-10T18:30:00+03:00", msk, "2026-03-11T10:00:00+03:00"},
		{"whole day", notify.Window{From: 0, To: 24 * time.Hour}, "2026-03-10T23:59:00+03:00", msk, "2026-03-10T23:59:00+03:00"},
		// Nonsense windows are the default: never at night, never "never".
		{"zero window is the default", notify.Window{}, "2026-03-10T07:00:00+03:00", msk, "2026-03-10T09:00:00+03:00"},
		{"reversed window is the default", notify.Window{From: 22 * time.Hour, To: 8 * time.Hour}, "2026-03-10T23:00:00+03:00", msk, "2026-03-11T09:00:00+03:00"},
		{"empty window is the default", notify.Window{From: 12 * time.Hour, To: 12 * time.Hour}, "2026-03-10T15:00:00+03:00", msk, "2026-03-10T15:00:00+03:00"},
		{"window past midnight is the default", notify.Window{From: 9 * time.Hour, To: 25 * time.Hour}, "2026-03-10T22:00:00+03:00", msk, "2026-03-11T09:00:00+03:00"},
		{"negative From is the default", notify.Window{From: -time.Hour, To: 20 * time.Hour}, "2026-03-10T08:00:00+03:00", msk, "2026-03-10T09:00:00+03:00"},
		{"nil zone is Moscow", w, "2026-03-10T05:30:00Z", nil, "2026-03-10T09:00:00+03:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := tt.w.Next(rfc(t, tt.at), tt.loc)
			if got.Format(time.RFC3339) != tt.want {
				t.Errorf("Next(%s) = %s, want %s", tt.at, got.Format(time.RFC3339), tt.want)
			}
			if tt.loc != nil && got.Location() != tt.loc {
				t.Errorf("Next returned a time in %s, want %s", got.Location(), tt.loc)
			}
		})
	}
}

func TestWindowValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		w    notify.Window
		want bool
	}{
		{notify.DefaultWindow(), true},
		{notify.Window{From: 0, To: 24 * time.Hour}, true},
		{notify.Window{}, false},
		{notify.Window{From: 21 * time.Hour, To: 9 * time.Hour}, false},
		{notify.Window{From: 9 * time.Hour, To: 9 * time.Hour}, false},
		{notify.Window{From: 9 * time.Hour, To: 24*time.Hour + time.Second}, false},
	}
	for _, tt := range tests {
		if got := tt.w.Valid(); got != tt.want {
			t.Errorf("%+v.Valid() = %v, want %v", tt.w, got, tt.want)
		}
	}
}

func TestFirstAllowed(t *testing.T) {
	t.Parallel()
	msk, vvo := zone(t, "Europe/Moscow"), zone(t, "Asia/Vladivostok")
	tests := []struct {
		name, entered string
		loc           *time.Location
		want          string
	}{
		{"morning entry: tomorrow", "2026-03-10T08:00:00+03:00", msk, "2026-03-11T00:00:00+03:00"},
		{"late evening entry: tomorrow", "2026-03-10T23:59:00+03:00", msk, "2026-03-11T00:00:00+03:00"},
		{"midnight entry: the next day", "2026-03-10T00:00:00+03:00", msk, "2026-03-11T00:00:00+03:00"},
		// 22:00 in Moscow is already 05:00 next day in Vladivostok: the
		// buyer's day, not the merchant's, counts.
		{"the buyer's date decides", "2026-03-10T22:00:00+03:00", vvo, "2026-03-12T00:00:00+10:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := notify.FirstAllowed(rfc(t, tt.entered), tt.loc).Format(time.RFC3339); got != tt.want {
				t.Errorf("FirstAllowed(%s) = %s, want %s", tt.entered, got, tt.want)
			}
		})
	}
}

func TestSendAt(t *testing.T) {
	t.Parallel()
	msk, kgd, vvo := zone(t, "Europe/Moscow"), zone(t, "Europe/Kaliningrad"), zone(t, "Asia/Vladivostok")
	w := notify.DefaultWindow()
	tests := []struct {
		name, due, entered string
		loc                *time.Location
		want               string
	}{
		{"due on the entry day waits for the next morning", "2026-03-10T14:00:00+03:00", "2026-03-10T10:00:00+03:00", msk, "2026-03-11T09:00:00+03:00"},
		{"entered late in the evening, due at once", "2026-03-10T23:40:00+03:00", "2026-03-10T23:30:00+03:00", msk, "2026-03-11T09:00:00+03:00"},
		{"entered late in the evening, due next noon", "2026-03-11T12:00:00+03:00", "2026-03-10T23:30:00+03:00", msk, "2026-03-11T12:00:00+03:00"},
		{"due days later: only the window", "2026-03-15T22:10:00+03:00", "2026-03-10T10:00:00+03:00", msk, "2026-03-16T09:00:00+03:00"},
		{"due exactly at From", "2026-03-15T09:00:00+03:00", "2026-03-10T10:00:00+03:00", msk, "2026-03-15T09:00:00+03:00"},
		{"due exactly at To", "2026-03-15T21:00:00+03:00", "2026-03-10T10:00:00+03:00", msk, "2026-03-16T09:00:00+03:00"},
		// Entered at 23:30 Moscow = 21:30 Kaliningrad: still the same day there.
		{"Kaliningrad: entered 21:30 local", "2026-03-10T23:40:00+03:00", "2026-03-10T23:30:00+03:00", kgd, "2026-03-11T09:00:00+02:00"},
		// Entered at 20:00 Moscow = 03:00 next day in Vladivostok: the day
		// after the entry is the 12th there.
		{"Vladivostok: the buyer's next day", "2026-03-11T03:30:00+03:00", "2026-03-10T20:00:00+03:00", vvo, "2026-03-12T09:00:00+10:00"},
		{"no entry time: only the window", "2026-03-10T14:00:00+03:00", "", msk, "2026-03-10T14:00:00+03:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var entered time.Time
			if tt.entered != "" {
				entered = rfc(t, tt.entered)
			}
			got := notify.SendAt(rfc(t, tt.due), entered, w, tt.loc)
			if got.Format(time.RFC3339) != tt.want || got.Location() != tt.loc {
				t.Errorf("SendAt = %s (%s), want %s in %s", got.Format(time.RFC3339), got.Location(), tt.want, tt.loc)
			}
		})
	}
	// The app's fixed Moscow zone and the IANA one agree.
	a := notify.SendAt(rfc(t, "2026-03-10T14:00:00+03:00"), rfc(t, "2026-03-10T10:00:00+03:00"), w, tracking.Moscow)
	b := notify.SendAt(rfc(t, "2026-03-10T14:00:00+03:00"), rfc(t, "2026-03-10T10:00:00+03:00"), w, msk)
	if !a.Equal(b) {
		t.Errorf("fixed Moscow %s, IANA Moscow %s", a, b)
	}
}
