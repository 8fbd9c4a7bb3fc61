package tracking

import (
	"slices"
	"time"
)

// day is the length of a "whole day" in the state model: the state model counts
// days as floor(elapsed / 24h), not calendar days.
const day = 24 * time.Hour

// Facts are what the classifier needs to know about a parcel besides its
// carrier events. The wiring layer fills them from the parcel and shop records.
type Facts struct {
	// Track is the number as entered; it is normalised and shape-checked here.
	Track string
	// EnteredAt is when the track number was entered (drives stale when the
	// carrier has no events).
	EnteredAt time.Time
	// DestinationPostcode is the buyer's 6-digit postcode, "" if unknown.
	DestinationPostcode string
	// Stopped: the merchant pressed "stop tracking" (StoppedAt is optional).
	Stopped   bool
	StoppedAt time.Time
	// NoBalance: the shop's balance cannot pay for tracking this parcel.
	NoBalance bool
	// TrackError: the carrier rejected the number permanently (malformed-barcode
	// fault) or polling failed permanently for it.
	TrackError bool
	// MailKind selects the default storage period (see MailKind.StorageDays).
	MailKind MailKind
	// StorageDays, when > 0, overrides the storage period for this parcel.
	StorageDays int
}

// Rules are the tunable thresholds of the state model. A zero field means
// "use the default", so Rules{} behaves like DefaultRules().
type Rules struct {
	// StalePeriod: a non-terminal parcel with nothing new for MORE than this is stale.
	StalePeriod time.Duration
	// ProbablyArrivedSameRegion / OtherRegion: how long after 8/4 "left the
	// sorting centre" the parcel is assumed to be at the post office, when the
	// centre's postcode shares / does not share its first 3 digits with the
	// destination postcode. The age must be strictly greater.
	ProbablyArrivedSameRegion  time.Duration
	ProbablyArrivedOtherRegion time.Duration
	// WaitingFromDays and WaitingLongFromDays are the first whole day of the
	// waiting and waiting_long states (0..WaitingFromDays-1 is arrived).
	WaitingFromDays     int
	WaitingLongFromDays int
	// DefaultStorageDays is used when neither the parcel, the shop nor the
	// mail kind gives a storage period.
	DefaultStorageDays int
	// StorageDays, when > 0, is the shop's override of the storage period; a
	// parcel's own Facts.StorageDays still wins over it.
	StorageDays int
}

// DefaultRules returns the thresholds from docs/state-model.md.
func DefaultRules() Rules {
	return Rules{
		StalePeriod:                60 * day,
		ProbablyArrivedSameRegion:  2 * day,
		ProbablyArrivedOtherRegion: 5 * day,
		WaitingFromDays:            5,
		WaitingLongFromDays:        15,
		DefaultStorageDays:         15,
	}
}

// withDefaults fills zero fields from DefaultRules.
func (r Rules) withDefaults() Rules {
	d := DefaultRules()
	if r.StalePeriod <= 0 {
		r.StalePeriod = d.StalePeriod
	}
	if r.ProbablyArrivedSameRegion <= 0 {
		r.ProbablyArrivedSameRegion = d.ProbablyArrivedSameRegion
	}
	if r.ProbablyArrivedOtherRegion <= 0 {
		r.ProbablyArrivedOtherRegion = d.ProbablyArrivedOtherRegion
	}
	if r.WaitingFromDays <= 0 {
		r.WaitingFromDays = d.WaitingFromDays
	}
	if r.WaitingLongFromDays <= 0 {
		r.WaitingLongFromDays = d.WaitingLongFromDays
	}
	if r.DefaultStorageDays <= 0 {
		r.DefaultStorageDays = d.DefaultStorageDays
	}
	return r
}

// Status is the classifier's verdict. Absent instants are zero times (see
// Report for the JSON form with nulls).
type Status struct {
	State State
	// Since is when the current state began, best effort (zero if unknown):
	// the deciding event for terminal states, the moment a time threshold was
	// crossed for stale/waiting/probably_arrived, EnteredAt for registered.
	Since time.Time
	// Days is the number of whole days waiting at the delivery point
	// (floor((now − ArrivedAt)/24h), never negative); 0 outside waiting states.
	Days int
	// ArrivedAt is the first arrival event of the current waiting episode;
	// set only in waiting states.
	ArrivedAt time.Time
	// Deadline is the end of the last day of storage, in the arrival office's
	// UTC offset (see StorageDeadline); zero when unknown or not waiting.
	Deadline time.Time
	// DaysLeft is the number of calendar days from today (in the office's
	// offset) to the deadline's day: 0 on the last day, never negative.
	DaysLeft int
	// OfficeIndex and OfficeName are the arrival office's while waiting, else
	// the last event's.
	OfficeIndex string
	OfficeName  string
	// LastEventAt is the newest event's instant (zero without events).
	LastEventAt time.Time
	// Events is a sorted copy of the input: by instant, ties in response order.
	Events []Event
}

// Classify applies the state model of docs/state-model.md. It is pure: the result
// depends only on its arguments, and events is not modified.
func Classify(f Facts, events []Event, now time.Time, r Rules) Status {
	r = r.withDefaults()
	evs := SortEvents(events)
	st := Status{Events: evs}
	var last *Event
	if len(evs) > 0 {
		last = &evs[len(evs)-1]
		st.LastEventAt = last.At
		st.OfficeIndex, st.OfficeName = last.OfficeIndex, last.OfficeName
	}

	switch {
	case f.Stopped:
		st.State, st.Since = StateStopped, f.StoppedAt
		return st
	case f.NoBalance:
		st.State = StateNoBalance
		return st
	}
	track := Normalize(f.Track)
	if track == "" {
		st.State = StateNoTrack
		return st
	}
	if _, err := Validate(track); err != nil || f.TrackError {
		st.State = StateTrackError
		return st
	}

	// Terminal events win wherever they sit in the history: a notice logged
	// after the hand-over does not undo the delivery.
	delivered, returned, lost := -1, -1, -1
	for i := range evs {
		t, a := evs[i].Type, evs[i].Attr
		switch {
		case delivered < 0 && isDelivery(t, a):
			delivered = i
		case returned < 0 && isReturn(t, a):
			returned = i
		case lost < 0 && isLoss(t, a):
			lost = i
		}
	}
	switch {
	case delivered >= 0:
		st.State, st.Since = StateDelivered, evs[delivered].At
		return st
	case returned >= 0:
		st.State, st.Since = StateReturned, evs[returned].At
		return st
	case lost >= 0:
		st.State, st.Since = StateLost, evs[lost].At
		return st
	}

	quietSince := f.EnteredAt
	if last != nil {
		quietSince = last.At
	}
	if !quietSince.IsZero() && now.Sub(quietSince) > r.StalePeriod {
		st.State, st.Since = StateStale, quietSince.Add(r.StalePeriod)
		return st
	}

	if arr := arrivalIndex(evs); arr >= 0 {
		a := evs[arr]
		st.ArrivedAt = a.At
		st.OfficeIndex, st.OfficeName = a.OfficeIndex, a.OfficeName
		st.Days = wholeDays(now.Sub(a.At))
		switch {
		case st.Days < r.WaitingFromDays:
			st.State, st.Since = StateArrived, a.At
		case st.Days < r.WaitingLongFromDays:
			st.State, st.Since = StateWaiting, a.At.Add(time.Duration(r.WaitingFromDays)*day)
		default:
			st.State, st.Since = StateWaitingLong, a.At.Add(time.Duration(r.WaitingLongFromDays)*day)
		}
		st.Deadline = storageDeadline(evs[arr:], storageDays(f, r))
		st.DaysLeft = daysLeft(st.Deadline, now)
		return st
	}

	if last == nil {
		st.State, st.Since = StateRegistered, f.EnteredAt
		return st
	}
	if last.Type == 8 && last.Attr == 4 {
		wait := r.ProbablyArrivedOtherRegion
		if sameRegion(last.OfficeIndex, f.DestinationPostcode) {
			wait = r.ProbablyArrivedSameRegion
		}
		if now.Sub(last.At) > wait {
			st.State, st.Since = StateProbablyArrived, last.At.Add(wait)
			return st
		}
	}
	// Anything else, unknown codes included, is movement.
	st.State, st.Since = StateInTransit, transitSince(evs)
	return st
}

// SortEvents returns a copy of events sorted by instant; events at the same
// instant keep the carrier's response order (a stable sort), whatever their
// UTC offsets.
func SortEvents(events []Event) []Event {
	out := make([]Event, len(events))
	byInstant := func(a, b Event) int { return a.At.Compare(b.At) }
	if slices.IsSortedFunc(events, byInstant) {
		copy(out, events) // the usual case: the carrier answered in order
		return out
	}
	// Sort positions rather than the 100-byte events themselves, then copy
	// each event once: far fewer pointer writes than swapping structs.
	var buf [64]int
	idx := buf[:0]
	for i := range events {
		idx = append(idx, i)
	}
	slices.SortStableFunc(idx, func(a, b int) int { return events[a].At.Compare(events[b].At) })
	for i, j := range idx {
		out[i] = events[j]
	}
	return out
}

// arrivalIndex returns the index of the first arrival event of the current
// waiting episode, or -1 when the parcel is not waiting at a delivery point.
// An episode starts at an arrival and ends at an event that takes the item
// away; notices, failed attempts, storage events and anything else in between
// keep it going, so a later re-arrival (after forwarding) starts a new one.
func arrivalIndex(evs []Event) int {
	idx := -1
	for i := range evs {
		t, a := evs[i].Type, evs[i].Attr
		switch {
		case leavesDeliveryPoint(t, a):
			idx = -1
		case idx < 0 && isArrival(t, a):
			idx = i
		}
	}
	return idx
}

// transitSince is the start of the current in-transit stretch: the last event
// that took the item away from a delivery point, else the first event.
func transitSince(evs []Event) time.Time {
	for i := len(evs) - 1; i >= 0; i-- {
		if leavesDeliveryPoint(evs[i].Type, evs[i].Attr) {
			return evs[i].At
		}
	}
	return evs[0].At
}

// wholeDays is floor(d / 24h), clamped at 0 (a clock ahead of ours must not
// produce negative waiting days).
func wholeDays(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int(d / day)
}

// sameRegion reports whether two postcodes share their first 3 digits.
func sameRegion(a, b string) bool {
	return len(a) >= 3 && len(b) >= 3 && allDigits(a[:3]) && a[:3] == b[:3]
}

// isSenderHandover lists the 2/* attributes that hand the item to the sender.
func isSenderHandover(attr int) bool {
	switch attr {
	case 2, 4, 7, 9, 16, 20, 22, 24, 28, 29, 30, 31:
		return true
	}
	return false
}

// isDelivery: 2/* handed to the addressee (2/0, party unknown, counts too).
func isDelivery(t, a int) bool { return t == 2 && !isSenderHandover(a) }

// isReturn: return started or completed.
func isReturn(t, a int) bool {
	switch {
	case t == 3:
		return true
	case t == 2:
		return isSenderHandover(a)
	case t == 8:
		return a == 36 || a == 40 || a == 41
	}
	return false
}

// isLoss: lost, seized, or one of the final disposal types 15–18.
func isLoss(t, a int) bool {
	return t == 5 && (a == 1 || a == 2) || t >= 15 && t <= 18
}

// isArrival: the item is at a delivery point (post office, locker, pick-up centre…).
func isArrival(t, a int) bool {
	if t != 8 {
		return false
	}
	switch a {
	case 2, 9, 14, 19, 39, 60, 62, 74:
		return true
	}
	return false
}

// leavesDeliveryPoint: the item is no longer waiting for the buyer.
func leavesDeliveryPoint(t, a int) bool {
	switch {
	case t >= 2 && t <= 5, t >= 15 && t <= 18, t == 62:
		return true
	case t == 8:
		return a == 12 || a == 36 || a == 40 || a == 41
	}
	return false
}
