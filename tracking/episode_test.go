package tracking

import (
	"testing"
	"time"
)

func TestEpisode(t *testing.T) {
	t.Parallel()
	t0 := at(t, "2024-03-01T10:00:00+03:00")
	d := func(n float64) time.Time { return t0.Add(time.Duration(n * 24 * float64(time.Hour))) }
	accept := ev(t0, 1, 1, "101000")
	arrive := ev(d(3), 8, 2, "644008")
	notice := ev(d(4), 8, 24, "644008")
	forward := ev(d(6), 4, 1, "644008") // forwarded to another office
	arriveAgain := ev(d(8), 8, 2, "644099")
	delivered := ev(d(9), 2, 1, "644099")
	tests := []struct {
		name   string
		events []Event
		now    time.Time
		want   int
	}{
		{"not yet arrived", []Event{accept}, d(1), 0},
		{"first stay", []Event{accept, arrive}, d(3.5), 1},
		{"a notice keeps the first stay", []Event{accept, arrive, notice}, d(5), 1},
		{"forwarded: in transit again", []Event{accept, arrive, notice, forward}, d(7), 0},
		{"second stay", []Event{accept, arrive, notice, forward, arriveAgain}, d(8.5), 2},
		{"delivered: no stay", []Event{accept, arrive, forward, arriveAgain, delivered}, d(10), 0},
		{"unsorted input counts the same", []Event{arriveAgain, accept, forward, arrive}, d(8.5), 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st := Classify(baseFacts(t), tt.events, tt.now, DefaultRules())
			if got := st.Episode(); got != tt.want {
				t.Errorf("Episode() = %d, want %d (state %s)", got, tt.want, st.State)
			}
		})
	}
}

func TestIsArrival(t *testing.T) {
	t.Parallel()
	for _, a := range []int{2, 9, 14, 19, 39, 60, 62, 74} {
		if !IsArrival(8, a) {
			t.Errorf("8/%d is an arrival", a)
		}
	}
	for _, c := range [][2]int{{8, 4}, {8, 24}, {1, 1}, {2, 1}, {4, 1}} {
		if IsArrival(c[0], c[1]) {
			t.Errorf("%d/%d is not an arrival", c[0], c[1])
		}
	}
}
