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
	}
}

// BatchCadence returns the cadence for batch access, where one request asks
// about up to 500 parcels and its answer is prepared 15 minutes later: the
// cost of a poll is nearly nothing, so every parcel in flight is asked about
// again shortly after each answer and a carrier event reaches the database
// within about two preparation times. Registered parcels, which mostly wait
// for the sender, are asked less often.
func BatchCadence() Cadence {
	return Cadence{
		Registered:      30 * time.Minute,
		InTransit:       10 * time.Minute,
		ProbablyArrived: 10 * time.Minute,
		Waiting:         10 * time.Minute,
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
	jitter = min(max(jitter, 0), 1)
	d += time.Duration(float64(d) * c.Jitter * (2*jitter - 1))
	return now.Add(d)
}

// Priority ranks parcels for a scarce daily request budget: higher first.
// Parcels whose state can change soonest come first — waiting at the delivery
// point (a pick-up ends the reminders), then probably arrived, then in transit
// and due to arrive (last seen leaving a sorting centre), then other in-transit,
// then registered. Parcels that are not polled get 0. Ties are meant to be
// broken by the oldest next_poll_at.
func Priority(st Status) int {
	switch st.State {
	case StateArrived, StateWaiting, StateWaitingLong:
		return 50
	case StateProbablyArrived:
		return 40
	case StateInTransit:
		if n := len(st.Events); n > 0 && st.Events[n-1].Type == 8 && st.Events[n-1].Attr == 4 {
			return 30
		}
		return 20
	case StateRegistered:
		return 10
	}
	return 0
}
