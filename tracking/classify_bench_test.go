package tracking

import (
	"testing"
	"time"
)

// history30 is a realistic 30-event history ending in a waiting state with a
// storage countdown: the worst case for the classifier's scans.
func history30(b *testing.B) []Event {
	t0 := at(b, "2024-03-01T10:00:00+03:00")
	codes := [][2]int{
		{1, 1}, {8, 1}, {8, 0}, {8, 3}, {8, 4}, {8, 7}, {8, 8}, {8, 3}, {8, 4}, {8, 3},
		{8, 4}, {8, 7}, {8, 8}, {8, 3}, {8, 0}, {8, 4}, {8, 3}, {8, 4}, {8, 2}, {4, 1},
		{8, 3}, {8, 4}, {8, 2}, {8, 24}, {8, 25}, {12, 1}, {8, 19}, {8, 27}, {99, 3}, {8, 35},
	}
	evs := make([]Event, len(codes))
	for i, c := range codes {
		evs[i] = Event{At: t0.Add(time.Duration(i) * 9 * time.Hour), Type: c[0], Attr: c[1],
			OfficeIndex: "644008", OfficeName: "Омск 8"}
	}
	// Deliver them out of order, as the carrier sometimes does.
	evs[3], evs[17] = evs[17], evs[3]
	return evs
}

func BenchmarkClassify30(b *testing.B) {
	evs := history30(b)
	f := baseFacts(b)
	now := evs[len(evs)-1].At.Add(48 * time.Hour)
	r := DefaultRules()
	if st := Classify(f, evs, now, r); !st.State.Waiting() || st.Deadline.IsZero() {
		b.Fatalf("benchmark history classifies as %q, deadline %v", st.State, st.Deadline)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = Classify(f, evs, now, r)
	}
}
