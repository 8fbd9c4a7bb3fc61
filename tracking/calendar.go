package tracking

import "time"

// Moscow is the zone of the carrier's day (Russian Post counts its daily
// request limit in Moscow time) and of every date the app shows until a shop
// chooses its own zone. UTC+3 all year: Russia has no summer time.
var Moscow = time.FixedZone("MSK", 3*60*60)

// NextMidnight is the first midnight in loc after now.
func NextMidnight(now time.Time, loc *time.Location) time.Time {
	t := now.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, loc)
}

// MoscowDate names now's calendar day in Moscow ("2026-03-25"): the key of
// daily counters (the carrier's request budget, caps on codes sent a day).
func MoscowDate(now time.Time) string { return now.In(Moscow).Format(time.DateOnly) }

// WholeDays is the number of whole days from since to now, floor(Δ / 24h),
// never negative (a clock ahead of ours must not make a parcel wait "−1
// days"): how long a parcel has waited at the office, the figure the waiting
// states and the reminders count.
func WholeDays(since, now time.Time) int {
	if since.IsZero() {
		return 0
	}
	return wholeDays(now.Sub(since))
}

// StorageDay is the last day of storage as a calendar date (midnight UTC of
// that date), read in the deadline's own offset — the office's, which
// Classify keeps — so a Kaliningrad deadline is not moved to the next day by
// being read in Moscow. Zero for a zero deadline.
func StorageDay(deadline time.Time) time.Time {
	if deadline.IsZero() {
		return time.Time{}
	}
	y, m, d := deadline.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// DaysLeft counts calendar days from now's date to the deadline's date, both
// read in the deadline's offset: 0 on the last day and after it.
func DaysLeft(deadline, now time.Time) int { return daysLeft(deadline, now) }

// StorageExpired reports whether the deadline (the end of the last day of
// storage) has passed at now.
func StorageExpired(deadline, now time.Time) bool {
	return !deadline.IsZero() && now.After(deadline)
}
