package tracking

import "time"

// Cadence sets how often a parcel is polled in each state. Waiting parcels are
// polled most often because reminders must stop as soon as the buyer collects.
type Cadence struct {
	Registered      time.Duration
	InTransit       time.Duration
	ProbablyArrived time.Duration
	Waiting         time.Duration // arrived, waiting, waiting_long
	// ErrorBase is the first retry delay after a failure; each further
	// consecutive failure doubles it, up to ErrorMax.
	ErrorBase time.Duration
	ErrorMax  time.Duration
	// Jitter is the relative spread applied to every delay (0.1 = ±10%), so
	// parcels imported together do not hit the carrier together.
	Jitter float64
	// Quiet, when longer than the state's delay, is the delay of a parcel
	// not waiting at the delivery point that has had no carrier event for
	// more than QuietAfter (counted from the track's entry when it has
	// none): a number the carrier has not mentioned for a week is unlikely to
	// move within hours, and a scarce request budget is better spent on
	// parcels that are about to arrive or be collected. Zero disables it.
	QuietAfter time.Duration
	Quiet      time.Duration
}

// DefaultCadence returns the production cadence.
func DefaultCadence() Cadence {
	return Cadence{
		Registered:      6 * time.Hour,
		InTransit:       6 * time.Hour,
		ProbablyArrived: 3 * time.Hour,
		Waiting:         2 * time.Hour,
		ErrorBase:       15 * time.Minute,
		ErrorMax:        24 * time.Hour,
		Jitter:          0.1,
		QuietAfter:      7 * 24 * time.Hour,
		Quiet:           48 * time.Hour,
	}
}

// BatchCadence returns the cadence for batch access, where one request asks
// about up to 500 parcels and its answer is prepared 15 minutes later: a
// poll costs nearly nothing, so a parcel is asked about again a few minutes
// after each answer and the preparation time sets the pace — a carrier event
// reaches the database within about two preparation times. Registered
// parcels, which mostly wait for the sender, get a little more room.
func BatchCadence() Cadence {
	return Cadence{
		Registered:      15 * time.Minute,
		InTransit:       5 * time.Minute,
		ProbablyArrived: 5 * time.Minute,
		Waiting:         5 * time.Minute,
		ErrorBase:       15 * time.Minute,
		ErrorMax:        6 * time.Hour,
		Jitter:          0.1,
	}
}

// NextPoll is DefaultCadence().Next.
func NextPoll(st Status, now time.Time, failures int, jitter float64) time.Time {
	return DefaultCadence().Next(st, now, failures, jitter)
}

// Next returns when the parcel should be polled again, or the zero time for
// never (terminal, stale, stopped, no_track, track_error, and no_balance until
// a top-up). failures is the number of consecutive failed polls (0 after a
// success): then the delay is ErrorBase × 2^(failures−1), capped at ErrorMax.
// jitter is a random number in [0, 1) supplied by the caller (e.g.
// rand.Float64()) so the function stays deterministic; 0.5 means no jitter,
// 0 and 1 the ends of the ±Jitter spread.
func (c Cadence) Next(st Status, now time.Time, failures int, jitter float64) time.Time {
	if !st.State.Polled() {
		return time.Time{}
	}
	var d time.Duration
	switch {
	case failures > 0:
		d = c.ErrorBase
		for i := 1; i < failures && d > 0 && d < c.ErrorMax; i++ {
			d *= 2
		}
		d = min(d, c.ErrorMax)
	case st.State.Waiting():
		d = c.Waiting
	case st.State == StateProbablyArrived:
		d = c.ProbablyArrived
	case st.State == StateInTransit:
		d = c.InTransit
	default:
		d = c.Registered
	}
	if failures == 0 && !st.State.Waiting() && c.QuietAfter > 0 && c.Quiet > d {
		last := st.LastEventAt
		if last.IsZero() {
			last = st.Since // the track's entry for a registered parcel
		}
		if !last.IsZero() && now.Sub(last) > c.QuietAfter {
			d = c.Quiet
		}
	}
	jitter = min(max(jitter, 0), 1)
	d += time.Duration(float64(d) * c.Jitter * (2*jitter - 1))
	return now.Add(d)
}

// Priority ranks parcels for a scarce daily request budget: higher first.
// When more parcels are due than the budget allows, the order decides which
// are polled at all, so it follows what a poll is most likely to find and
// what matters most to the buyer: first the parcels about to arrive (last
// seen leaving a sorting centre, or probably already at the office), then
// every other parcel that can still arrive — the arrival message is the one
// that must not be late, and an in-transit parcel left unpolled would be
// missed when it reaches that point — and registered ones (a first
// acceptance starts the journey), then parcels that just arrived (a pick-up
// is most likely in the first days), then those waiting longer. Parcels that
// are not polled get 0. Ties are meant to be broken by the oldest
// next_poll_at.
func Priority(st Status) int {
	switch st.State {
	case StateInTransit:
		if n := len(st.Events); n > 0 && st.Events[n-1].Type == 8 && st.Events[n-1].Attr == 4 {
			return 60
		}
		return 50
	case StateProbablyArrived:
		return 55
	case StateRegistered:
		return 45
	case StateArrived:
		return 40
	case StateWaiting:
		return 30
	case StateWaitingLong:
		return 20
	}
	return 0
}
