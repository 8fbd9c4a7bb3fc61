package tracking

// IsArrival reports whether an operation puts the item at a delivery point
// (8/2, 8/9, 8/14, 8/19, 8/39, 8/60, 8/62, 8/74): the events that start a
// waiting episode, and whose office is most likely the buyer's own (notify
// takes the buyer's zone from it when the postcode does not tell).
func IsArrival(typ, attr int) bool { return isArrival(typ, attr) }

// Episode numbers the parcel's current stay at a delivery point: 1 for its
// first, 2 once it was taken away (forwarded, sent back to sorting) and
// arrived again, and so on; 0 when it is not waiting. Messages about a stay
// (arrived, reminders) carry it, so a forwarded parcel's new office gets its
// own "arrived" and its own reminders. It counts episodes the way Classify
// finds the current one, over the sorted Events.
func (s Status) Episode() int {
	if !s.State.Waiting() {
		return 0
	}
	n, in := 0, false
	for i := range s.Events {
		t, a := s.Events[i].Type, s.Events[i].Attr
		switch {
		case leavesDeliveryPoint(t, a):
			in = false
		case !in && isArrival(t, a):
			in = true
			n++
		}
	}
	return n
}
