package tracking

import (
	"testing"
	"time"
)

func TestNextPoll(t *testing.T) {
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

func TestPriority(t *testing.T) {
	t0 := at(t, "2024-03-01T10:00:00+03:00")
	dueToArrive := Status{State: StateInTransit, Events: []Event{ev(t0, 1, 1, "101000"), ev(t0, 8, 4, "644960")}}
	moving := Status{State: StateInTransit, Events: []Event{ev(t0, 1, 1, "101000")}}
	order := []Status{
		{State: StateWaitingLong},
		{State: StateProbablyArrived},
		dueToArrive,
		moving,
		{State: StateRegistered},
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
