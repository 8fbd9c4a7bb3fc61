package tracking

import (
	"testing"
	"time"
)

func TestNextPoll(t *testing.T) {
	t.Parallel()
	now := at(t, "2024-03-01T10:00:00+03:00")
	tests := []struct {
		name     string
		state    State
		failures int
		jitter   float64
		want     time.Duration // -1 = never
	}{
		{"registered", StateRegistered, 0, 0.5, 6 * time.Hour},
		{"in transit", StateInTransit, 0, 0.5, 6 * time.Hour},
		{"probably arrived", StateProbablyArrived, 0, 0.5, 3 * time.Hour},
		{"arrived", StateArrived, 0, 0.5, 2 * time.Hour},
		{"waiting", StateWaiting, 0, 0.5, 2 * time.Hour},
		{"waiting long", StateWaitingLong, 0, 0.5, 2 * time.Hour},
		{"delivered never", StateDelivered, 0, 0.5, -1},
		{"returned never", StateReturned, 0, 0.5, -1},
		{"lost never", StateLost, 0, 0.5, -1},
		{"stale never", StateStale, 0, 0.5, -1},
		{"stopped never", StateStopped, 0, 0.5, -1},
		{"no track never", StateNoTrack, 0, 0.5, -1},
		{"track error never", StateTrackError, 0, 0.5, -1},
		{"no balance never", StateNoBalance, 0, 0.5, -1},
		{"terminal never, even after failures", StateDelivered, 3, 0.5, -1},
		{"first failure", StateInTransit, 1, 0.5, 15 * time.Minute},
		{"second failure", StateWaiting, 2, 0.5, 30 * time.Minute},
		{"fifth failure", StateRegistered, 5, 0.5, 4 * time.Hour},
		{"capped at a day", StateInTransit, 8, 0.5, 24 * time.Hour},
		{"huge failure count stays capped", StateInTransit, 1 << 30, 0.5, 24 * time.Hour},
		{"jitter low end", StateInTransit, 0, 0, 6 * time.Hour * 9 / 10},
		{"jitter high end", StateInTransit, 0, 1, 6 * time.Hour * 11 / 10},
		{"jitter out of range is clamped", StateWaiting, 0, 7, 2 * time.Hour * 11 / 10},
		{"jitter on the backoff", StateInTransit, 1, 0, 15 * time.Minute * 9 / 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := NextPoll(Status{State: tt.state}, now, tt.failures, tt.jitter)
			if tt.want < 0 {
				if !got.IsZero() {
					t.Errorf("NextPoll = %v, want never (zero)", got)
				}
				return
			}
			if d := got.Sub(now); d != tt.want {
				t.Errorf("NextPoll in %v, want %v", d, tt.want)
			}
		})
	}
}

// TestNextPollQuietParcels: a parcel the carrier has not mentioned for more
// than a week is polled every two days, unless it waits at the office.
func TestNextPollQuietParcels(t *testing.T) {
	t.Parallel()
	now := at(t, "2024-03-20T10:00:00+03:00")
	week := 7 * 24 * time.Hour
	tests := []struct {
		name     string
		st       Status
		failures int
		want     time.Duration
	}{
		{"in transit, last event a week ago", Status{State: StateInTransit, LastEventAt: now.Add(-week)}, 0, 6 * time.Hour},
		{"in transit, quiet for more than a week", Status{State: StateInTransit, LastEventAt: now.Add(-week - time.Minute)}, 0, 48 * time.Hour},
		{"probably arrived long ago", Status{State: StateProbablyArrived, LastEventAt: now.Add(-30 * 24 * time.Hour)}, 0, 48 * time.Hour},
		{"registered a day ago", Status{State: StateRegistered, Since: now.Add(-24 * time.Hour)}, 0, 6 * time.Hour},
		{"registered, never seen by the carrier for ten days", Status{State: StateRegistered, Since: now.Add(-10 * 24 * time.Hour)}, 0, 48 * time.Hour},
		{"waiting quietly keeps its cadence", Status{State: StateWaiting, LastEventAt: now.Add(-10 * 24 * time.Hour)}, 0, 2 * time.Hour},
		{"unknown dates keep the state's cadence", Status{State: StateInTransit}, 0, 6 * time.Hour},
		{"failures back off as usual", Status{State: StateInTransit, LastEventAt: now.Add(-30 * 24 * time.Hour)}, 1, 15 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := NextPoll(tt.st, now, tt.failures, 0.5)
			if d := got.Sub(now); d != tt.want {
				t.Errorf("NextPoll in %v, want %v", d, tt.want)
			}
		})
	}
}

func TestBatchCadence(t *testing.T) {
	t.Parallel()
	now := at(t, "2024-03-20T10:00:00+03:00")
	c := BatchCadence()
	tests := []struct {
		name  string
		state State
		want  time.Duration // -1 = never
	}{
		{"registered", StateRegistered, 15 * time.Minute},
		{"in transit", StateInTransit, 5 * time.Minute},
		{"probably arrived", StateProbablyArrived, 5 * time.Minute},
		{"waiting", StateWaiting, 5 * time.Minute},
		{"delivered never", StateDelivered, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := c.Next(Status{State: tt.state}, now, 0, 0.5)
			if tt.want < 0 {
				if !got.IsZero() {
					t.Errorf("NextPoll = %v, want never (zero)", got)
				}
				return
			}
			if d := got.Sub(now); d != tt.want {
				t.Errorf("NextPoll in %v, want %v", d, tt.want)
			}
		})
	}
}

// TestPriority pins the order a scarce budget is spent in: parcels about
// to arrive, then any that can still arrive, then those waiting at the
// office, the longer the later.
func TestPriority(t *testing.T) {
	t.Parallel()
	t0 := at(t, "2024-03-01T10:00:00+03:00")
	dueToArrive := Status{State: StateInTransit, Events: []Event{ev(t0, 1, 1, "101000"), ev(t0, 8, 4, "644960")}}
	moving := Status{State: StateInTransit, Events: []Event{ev(t0, 1, 1, "101000")}}
	order := []Status{
		dueToArrive,
		{State: StateProbablyArrived},
		moving,
		{State: StateRegistered},
		{State: StateArrived},
		{State: StateWaiting},
		{State: StateWaitingLong},
		{State: StateDelivered},
	}
	for i := 1; i < len(order); i++ {
		if Priority(order[i-1]) <= Priority(order[i]) {
			t.Errorf("Priority(%s #%d) = %d is not above Priority(%s) = %d",
				order[i-1].State, i-1, Priority(order[i-1]), order[i].State, Priority(order[i]))
		}
	}
	for _, s := range States() {
		if !s.Polled() && Priority(Status{State: s}) != 0 {
			t.Errorf("unpolled %s has priority %d", s, Priority(Status{State: s}))
		}
	}
}
