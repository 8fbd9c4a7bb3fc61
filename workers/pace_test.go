package workers_test

import (
	"testing"
	"time"

	"parceltrack/workers"
)

func TestDailyPace(t *testing.T) {
	t.Parallel()
	msk := time.FixedZone("MSK", 3*3600)
	day := time.Date(2025, 3, 4, 0, 0, 0, 0, msk)
	for _, tc := range []struct {
		name  string
		limit int
		at    time.Time
		want  int
	}{
		{"midnight: the night share", 100, day, 12},
		{"early morning", 100, day.Add(6 * time.Hour), 12},
		{"mid-day", 100, day.Add(13*time.Hour + 30*time.Minute), 12},
		{"the last instant before the evening", 100, day.Add(21*time.Hour - time.Nanosecond), 12},
		{"evening: the whole limit", 100, day.Add(21 * time.Hour), 100},
		{"23:59", 100, day.Add(23*time.Hour + 59*time.Minute), 100},
		{"day change", 100, day.Add(24 * time.Hour), 12},
		{"Moscow day, not UTC: 17:59 UTC is 20:59 MSK", 100, time.Date(2025, 3, 4, 17, 59, 0, 0, time.UTC), 12},
		{"Moscow day, not UTC: 18:00 UTC is 21:00 MSK", 100, time.Date(2025, 3, 4, 18, 0, 0, 0, time.UTC), 100},
		{"Moscow day, not UTC: 21:00 UTC is the next midnight", 100, time.Date(2025, 3, 4, 21, 0, 0, 0, time.UTC), 12},
		{"limit 1 waits for the evening", 1, day, 0},
		{"limit 1 at 20:59", 1, day.Add(20*time.Hour + 59*time.Minute), 0},
		{"limit 1 in the evening", 1, day.Add(21 * time.Hour), 1},
		{"limit 5 at midnight", 5, day, 1},
		{"limit 5 in the evening", 5, day.Add(23*time.Hour + 59*time.Minute), 5},
		{"large limit", 10_000_000, day.Add(time.Hour), 1_200_000},
		{"no limit", 0, day.Add(time.Hour), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := workers.DailyPace(tc.limit, tc.at); got != tc.want {
				t.Errorf("DailyPace(%d, %s) = %d, want %d", tc.limit, tc.at.Format(time.RFC3339Nano), got, tc.want)
			}
		})
	}
}
