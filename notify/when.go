package notify

import (
	"time"

	"parceltrack/tracking"
)

// Window is the part of the buyer's day messages may reach them in, as
// offsets from local midnight: a message may go at From and up to, not at,
// To. The offsets are wall-clock times of day, so 09:00 stays 09:00 on a day
// a zone changes its clocks (Russia has not since 2014; a shop's zone
// elsewhere might).
//
// A window must lie inside one day (0 ≤ From < To ≤ 24 h): one that wraps
// midnight, is empty or is out of range is nonsense for "daytime", and every
// method treats it as DefaultWindow rather than sending at night or never.
// The zero Window is therefore the default too.
type Window struct {
	From, To time.Duration
}

// DefaultWindow is 09:00–21:00, the hours docs/state-model.md promises buyers.
func DefaultWindow() Window { return Window{From: 9 * time.Hour, To: 21 * time.Hour} }

// Valid reports whether w is a window of its own (not replaced by the default).
func (w Window) Valid() bool { return w.From >= 0 && w.From < w.To && w.To <= 24*time.Hour }

// normalised is w, or the default when w is not valid.
func (w Window) normalised() Window {
	if w.Valid() {
		return w
	}
	return DefaultWindow()
}

// Next is the earliest instant at or after t inside the window in loc (t
// itself when inside), in loc. A nil loc is Moscow, the app's zone until a
// shop chooses its own.
func (w Window) Next(t time.Time, loc *time.Location) time.Time {
	w = w.normalised()
	loc = orMoscow(loc)
	t = t.In(loc)
	y, m, d := t.Date()
	from := atClock(y, m, d, w.From, loc)
	switch {
	case t.Before(from):
		return from
	case t.Before(atClock(y, m, d, w.To, loc)):
		return t
	}
	return atClock(y, m, d+1, w.From, loc)
}

// atClock is the instant the wall clock in loc shows offset past midnight of
// the given day (time.Date normalises the nanoseconds into hours and minutes).
func atClock(y int, m time.Month, d int, offset time.Duration, loc *time.Location) time.Time {
	return time.Date(y, m, d, 0, 0, 0, int(offset), loc)
}

// FirstAllowed is the start of the buyer's next local day after enteredAt,
// in loc: the "never before the day after the track was entered" rule, so a
// merchant who types a track in the evening and fixes a typo a minute later
// has not already texted the buyer. A nil loc is Moscow.
func FirstAllowed(enteredAt time.Time, loc *time.Location) time.Time {
	return tracking.NextMidnight(enteredAt, orMoscow(loc))
}

// SendAt is when a buyer's message due at due may go: the earliest instant
// not before due, nor before FirstAllowed(enteredAt), inside the window, in
// loc (the result carries loc). A zero enteredAt adds no constraint.
func SendAt(due, enteredAt time.Time, w Window, loc *time.Location) time.Time {
	loc = orMoscow(loc)
	if !enteredAt.IsZero() {
		if first := FirstAllowed(enteredAt, loc); due.Before(first) {
			due = first
		}
	}
	return w.Next(due, loc)
}

// orMoscow is loc, or Moscow for nil: a missing zone must not panic a
// dispatcher, and Moscow is what every date defaults to.
func orMoscow(loc *time.Location) *time.Location {
	if loc == nil {
		return tracking.Moscow
	}
	return loc
}
