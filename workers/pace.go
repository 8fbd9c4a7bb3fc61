package workers

import (
	"math"
	"time"

	"parceltrack/tracking"
)

// The daily budget is released in two parts of the Moscow day (DailyPace).
const (
	// paceEvening is when the rest of the day's budget is released: post
	// offices close at 20:00 local time, 21:00 in Moscow for the westernmost
	// and earlier for everyone east of Moscow, so by then the day's
	// arrivals and pick-ups are in the carrier's answers.
	paceEvening = 21 * time.Hour
	// paceNight is the share free from Moscow midnight, for what cannot
	// wait for the evening: first polls of numbers entered during the day
	// (a wrong one shows at once) and the Far East, whose offices work
	// while Moscow sleeps.
	paceNight = 0.12
)

// DailyPace returns how many requests of a daily limit may have been made by
// now in now's Moscow day: a small night share from midnight, the whole limit
// from 21:00 MSK. A limit of 0 or less means none and is returned as it is.
//
// Spent at once after midnight (as before pacing), a free account's budget
// finds the events of a day about three hours later than spent after the
// offices close. Spreading it over the day instead was measured worse
// (workers/freshness_test.go): the highest poll_priority due parcels are
// claimed first and come due again within hours, so requests spread over
// the day go to the same parcels in transit again and again, while parcels
// waiting at the office go unpolled for days — their pick-ups unseen and
// their reminders still sent. One round a day polls every due parcel once,
// in priority order, as far as the budget goes.
func DailyPace(limit int, now time.Time) int {
	if limit <= 0 {
		return limit
	}
	t := now.In(tracking.Moscow)
	sinceMidnight := time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute +
		time.Duration(t.Second())*time.Second + time.Duration(t.Nanosecond())
	if sinceMidnight >= paceEvening {
		return limit
	}
	// Rounded to the nearest request: a limit of 1 waits for the evening.
	return int(math.Round(paceNight * float64(limit)))
}
