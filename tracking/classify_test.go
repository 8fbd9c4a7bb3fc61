package tracking

import (
	"slices"
	"testing"
	"time"
)

type wantStatus struct {
	state    State
	days     int
	since    time.Time
	arrived  time.Time
	deadline time.Time
	daysLeft int
	office   string
}

func checkStatus(t *testing.T, got Status, want wantStatus) {
	t.Helper()
	if got.State != want.state {
		t.Fatalf("State = %q, want %q (status %+v)", got.State, want.state, got)
	}
	if got.Days != want.days {
		t.Errorf("Days = %d, want %d", got.Days, want.days)
	}
	if !got.Since.Equal(want.since) {
		t.Errorf("Since = %v, want %v", got.Since, want.since)
	}
	if !got.ArrivedAt.Equal(want.arrived) {
		t.Errorf("ArrivedAt = %v, want %v", got.ArrivedAt, want.arrived)
	}
	if !got.Deadline.Equal(want.deadline) {
		t.Errorf("Deadline = %v, want %v", got.Deadline, want.deadline)
	}
	if got.DaysLeft != want.daysLeft {
		t.Errorf("DaysLeft = %d, want %d", got.DaysLeft, want.daysLeft)
	}
	if got.OfficeIndex != want.office {
		t.Errorf("OfficeIndex = %q, want %q", got.OfficeIndex, want.office)
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	t0 := at(t, "2024-03-01T10:00:00+03:00") // accepted in Moscow
	h := func(n float64) time.Time { return t0.Add(time.Duration(n * float64(time.Hour))) }
	d := func(n float64) time.Time { return h(24 * n) }
	accept := ev(t0, 1, 1, "101000")
	sortOmsk := ev(d(3), 8, 4, "644960")                 // left the Omsk sorting centre
	sortOther := ev(d(3), 8, 4, "620960")                // left the Yekaterinburg centre
	arrive := ev(d(4), 8, 2, "644008")                   // at the Omsk post office
	parcelDeadline := at(t, "2024-03-21T23:59:59+03:00") // Mar 5 + 1 + 15
	stoppedAt := d(9)

	tests := []struct {
		name   string
		facts  func(f *Facts)
		events []Event
		now    time.Time
		want   wantStatus
	}{
		// Precedence of the fact-driven states.
		{"stopped beats delivered", func(f *Facts) { f.Stopped, f.StoppedAt = true, stoppedAt },
			[]Event{accept, arrive, ev(d(5), 2, 1, "644008")}, d(10),
			wantStatus{state: StateStopped, since: stoppedAt, office: "644008"}},
		{"stopped beats no balance", func(f *Facts) { f.Stopped, f.NoBalance = true, true },
			nil, d(1), wantStatus{state: StateStopped}},
		{"no balance beats delivered", func(f *Facts) { f.NoBalance = true },
			[]Event{accept, ev(d(5), 2, 1, "644008")}, d(10),
			wantStatus{state: StateNoBalance, office: "644008"}},
		{"no balance beats no track", func(f *Facts) { f.NoBalance, f.Track = true, "" },
			nil, d(1), wantStatus{state: StateNoBalance}},
		{"no track", func(f *Facts) { f.Track = "" }, nil, d(1), wantStatus{state: StateNoTrack}},
		{"no track after normalising", func(f *Facts) { f.Track = "  -  " }, nil, d(1), wantStatus{state: StateNoTrack}},
		{"no track beats track error", func(f *Facts) { f.Track, f.TrackError = "", true }, nil, d(1), wantStatus{state: StateNoTrack}},
		{"track error on a bad shape", func(f *Facts) { f.Track = "12345" }, nil, d(1), wantStatus{state: StateTrackError}},
		{"carrier rejection beats delivered", func(f *Facts) { f.TrackError = true },
			[]Event{accept, ev(d(5), 2, 1, "644008")}, d(10),
			wantStatus{state: StateTrackError, office: "644008"}},
		{"bad check digit is still tracked", func(f *Facts) { f.Track = "RA644000001RU" },
			[]Event{accept}, d(1), wantStatus{state: StateInTransit, since: t0, office: "101000"}},

		// Terminal events.
		{"delivered", nil, []Event{accept, arrive, ev(d(6), 2, 1, "644008")}, d(7),
			wantStatus{state: StateDelivered, since: d(6), office: "644008"}},
		{"delivered despite later notices", nil,
			[]Event{accept, arrive, ev(d(6), 2, 1, "644008"), ev(d(7), 8, 24, "644008"), ev(d(8), 8, 28, "644008")}, d(9),
			wantStatus{state: StateDelivered, since: d(6), office: "644008"}},
		{"delivered to an unknown party (2/0)", nil, []Event{accept, ev(d(6), 2, 0, "644008")}, d(7),
			wantStatus{state: StateDelivered, since: d(6), office: "644008"}},
		{"delivered beats an earlier return", nil,
			[]Event{accept, arrive, ev(d(20), 3, 1, "644008"), ev(d(21), 2, 1, "644008")}, d(22),
			wantStatus{state: StateDelivered, since: d(21), office: "644008"}},
		{"delivered long ago is not stale", nil, []Event{accept, ev(d(6), 2, 1, "644008")}, d(400),
			wantStatus{state: StateDelivered, since: d(6), office: "644008"}},
		{"returned after storage expired", nil, []Event{accept, arrive, ev(d(35), 3, 1, "644008")}, d(36),
			wantStatus{state: StateReturned, since: d(35), office: "644008"}},
		{"returned beats lost", nil, []Event{accept, ev(d(30), 3, 4, "644008"), ev(d(31), 5, 1, "620960")}, d(32),
			wantStatus{state: StateReturned, since: d(30), office: "620960"}},
		{"returned: handed back to the sender", nil, []Event{accept, ev(d(40), 2, 2, "101000")}, d(41),
			wantStatus{state: StateReturned, since: d(40), office: "101000"}},
		{"lost", nil, []Event{accept, ev(d(10), 5, 1, "620960")}, d(11),
			wantStatus{state: StateLost, since: d(10), office: "620960"}},
		{"lost beats stale", nil, []Event{accept, ev(d(10), 18, 0, "620960")}, d(200),
			wantStatus{state: StateLost, since: d(10), office: "620960"}},

		// Stale: strictly more than 60 days of silence.
		{"exactly 60 days of silence is not stale", nil, []Event{accept, sortOther}, d(63),
			wantStatus{state: StateProbablyArrived, since: d(8), office: "620960"}},
		{"exactly 60 days after acceptance is in transit", nil, []Event{accept}, d(60),
			wantStatus{state: StateInTransit, since: t0, office: "101000"}},
		{"60 days and 1 second is stale", nil, []Event{accept}, d(60).Add(time.Second),
			wantStatus{state: StateStale, since: d(60), office: "101000"}},
		{"empty history, exactly 60 days after entry", nil, nil, d(59),
			wantStatus{state: StateRegistered, since: d(-1)}},
		{"empty history, 60 days and 1 second after entry", nil, nil, d(59).Add(time.Second),
			wantStatus{state: StateStale, since: d(59)}},
		{"stale beats waiting", nil, []Event{accept, arrive}, d(64).Add(time.Second),
			wantStatus{state: StateStale, since: d(64), office: "644008"}},
		{"no entry date and no events never goes stale", func(f *Facts) { f.EnteredAt = time.Time{} }, nil, d(1000),
			wantStatus{state: StateRegistered}},

		// Waiting at the delivery point: 0–4, 5–14, 15+ whole days.
		{"arrived, day 0", nil, []Event{accept, sortOmsk, arrive}, d(4),
			wantStatus{state: StateArrived, since: d(4), arrived: d(4), deadline: parcelDeadline, daysLeft: 16, office: "644008"}},
		{"arrived, 4 days 23:59:59", nil, []Event{accept, arrive}, d(9).Add(-time.Second),
			wantStatus{state: StateArrived, days: 4, since: d(4), arrived: d(4), deadline: parcelDeadline, daysLeft: 11, office: "644008"}},
		{"waiting, exactly 5 days", nil, []Event{accept, arrive}, d(9),
			wantStatus{state: StateWaiting, days: 5, since: d(9), arrived: d(4), deadline: parcelDeadline, daysLeft: 11, office: "644008"}},
		{"waiting, 14 days 23:59:59", nil, []Event{accept, arrive}, d(19).Add(-time.Second),
			wantStatus{state: StateWaiting, days: 14, since: d(9), arrived: d(4), deadline: parcelDeadline, daysLeft: 1, office: "644008"}},
		{"waiting long, exactly 15 days", nil, []Event{accept, arrive}, d(19),
			wantStatus{state: StateWaitingLong, days: 15, since: d(19), arrived: d(4), deadline: parcelDeadline, daysLeft: 1, office: "644008"}},
		{"waiting long past the deadline", nil, []Event{accept, arrive}, d(25),
			wantStatus{state: StateWaitingLong, days: 21, since: d(19), arrived: d(4), deadline: parcelDeadline, daysLeft: 0, office: "644008"}},
		{"notices, attempts and storage events keep it waiting", nil,
			[]Event{accept, arrive, ev(d(4.1), 8, 24, "644009"), ev(d(5), 8, 25, "644009"), ev(d(5.1), 12, 1, "644009"),
				ev(d(6), 42, 9, "644009"), ev(d(6.1), 6, 3, "644009"), ev(d(7), 8, 18, "644009"), ev(d(7.1), 8, 19, "644009")}, d(10),
			wantStatus{state: StateWaiting, days: 6, since: d(9), arrived: d(4), deadline: parcelDeadline, daysLeft: 10, office: "644008"}},
		{"re-arrival after forwarding counts from the second arrival", nil,
			[]Event{accept, arrive, ev(d(7), 4, 1, "644008"), ev(d(9), 8, 2, "644099")}, d(11.5),
			wantStatus{state: StateArrived, days: 2, since: d(9), arrived: d(9),
				deadline: at(t, "2024-03-26T23:59:59+03:00"), daysLeft: 14, office: "644099"}},
		{"forwarded away from the office is in transit", nil,
			[]Event{accept, arrive, ev(d(7), 4, 1, "644008")}, d(7.5),
			wantStatus{state: StateInTransit, since: d(7), office: "644008"}},
		{"withdrawn from a locker is in transit", nil,
			[]Event{accept, ev(d(4), 8, 9, "644901"), ev(d(8), 8, 12, "644901")}, d(8.5),
			wantStatus{state: StateInTransit, since: d(8), office: "644901"}},
		{"unknown code after arrival keeps it waiting", nil,
			[]Event{accept, arrive, ev(d(5), 99, 7, "644008")}, d(5),
			wantStatus{state: StateArrived, days: 1, since: d(4), arrived: d(4), deadline: parcelDeadline, daysLeft: 15, office: "644008"}},

		// Probably arrived: strictly older than 2 days (same region) or 5 days.
		{"same region, exactly 2 days after 8/4", nil, []Event{accept, sortOmsk}, d(5),
			wantStatus{state: StateInTransit, since: t0, office: "644960"}},
		{"same region, 2 days and 1 second after 8/4", nil, []Event{accept, sortOmsk}, d(5).Add(time.Second),
			wantStatus{state: StateProbablyArrived, since: d(5), office: "644960"}},
		{"other region, 3 days after 8/4", nil, []Event{accept, sortOther}, d(6),
			wantStatus{state: StateInTransit, since: t0, office: "620960"}},
		{"other region, exactly 5 days after 8/4", nil, []Event{accept, sortOther}, d(8),
			wantStatus{state: StateInTransit, since: t0, office: "620960"}},
		{"other region, 5 days and 1 second after 8/4", nil, []Event{accept, sortOther}, d(8).Add(time.Second),
			wantStatus{state: StateProbablyArrived, since: d(8), office: "620960"}},
		{"unknown destination uses the 5-day threshold", func(f *Facts) { f.DestinationPostcode = "" },
			[]Event{accept, sortOmsk}, d(6),
			wantStatus{state: StateInTransit, since: t0, office: "644960"}},
		{"office index 0 uses the 5-day threshold", nil,
			[]Event{accept, ev(d(3), 8, 4, "0")}, d(6),
			wantStatus{state: StateInTransit, since: t0, office: "0"}},
		{"8/4 followed by another event is in transit", nil,
			[]Event{accept, sortOmsk, ev(d(3.5), 8, 3, "644960")}, d(9),
			wantStatus{state: StateInTransit, since: t0, office: "644960"}},

		// In transit and registered.
		{"unknown code is in transit", nil, []Event{accept, ev(d(1), 99, 7, "")}, d(2),
			wantStatus{state: StateInTransit, since: t0}},
		{"not-quite-lost 5/3 is in transit", nil, []Event{accept, ev(d(1), 5, 3, "620960")}, d(2),
			wantStatus{state: StateInTransit, since: d(1), office: "620960"}},
		{"registered", nil, nil, d(1), wantStatus{state: StateRegistered, since: d(-1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := baseFacts(t)
			if tt.facts != nil {
				tt.facts(&f)
			}
			got := Classify(f, tt.events, tt.now, DefaultRules())
			checkStatus(t, got, tt.want)
			if len(got.Events) != len(tt.events) {
				t.Errorf("len(Events) = %d, want %d", len(got.Events), len(tt.events))
			}
		})
	}
}

func TestClassifyTerminalCodes(t *testing.T) {
	t.Parallel()
	t0 := at(t, "2024-03-01T10:00:00+03:00")
	tests := []struct {
		name      string
		typ, attr int
		want      State
	}{
		{"2/1 to the addressee", 2, 1, StateDelivered},
		{"2/27 courier by QR to the addressee", 2, 27, StateDelivered},
		{"2/99 unknown attr counts as the addressee", 2, 99, StateDelivered},
		{"2/2 to the sender", 2, 2, StateReturned},
		{"2/4 sender via locker", 2, 4, StateReturned},
		{"2/7", 2, 7, StateReturned},
		{"2/9", 2, 9, StateReturned},
		{"2/16", 2, 16, StateReturned},
		{"2/20", 2, 20, StateReturned},
		{"2/22", 2, 22, StateReturned},
		{"2/24", 2, 24, StateReturned},
		{"2/28", 2, 28, StateReturned},
		{"2/31", 2, 31, StateReturned},
		{"3/1 storage expired", 3, 1, StateReturned},
		{"3/4 refused", 3, 4, StateReturned},
		{"8/36 return requested", 8, 36, StateReturned},
		{"8/40 storage expired", 8, 40, StateReturned},
		{"8/41 return assembled", 8, 41, StateReturned},
		{"5/1 lost", 5, 1, StateLost},
		{"5/2 seized", 5, 2, StateLost},
		{"15", 15, 0, StateLost},
		{"16", 16, 0, StateLost},
		{"17", 17, 0, StateLost},
		{"18", 18, 0, StateLost},
		{"5/3 mis-sent", 5, 3, StateInTransit},
		{"8/12 withdrawn from a locker", 8, 12, StateInTransit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			evs := []Event{ev(t0, 1, 1, "101000"), ev(t0.Add(time.Hour), tt.typ, tt.attr, "644008")}
			got := Classify(baseFacts(t), evs, t0.Add(2*time.Hour), DefaultRules())
			if got.State != tt.want {
				t.Errorf("%d/%d: State = %q, want %q", tt.typ, tt.attr, got.State, tt.want)
			}
		})
	}
}

func TestClassifyUnsorted(t *testing.T) {
	t.Parallel()
	t0 := at(t, "2024-03-01T10:00:00+03:00")
	sorted := []Event{
		ev(t0, 1, 1, "101000"),
		ev(t0.Add(24*time.Hour), 8, 4, "101960"),
		ev(t0.Add(72*time.Hour), 8, 2, "644008"),
		ev(t0.Add(73*time.Hour), 4, 1, "644008"),
		ev(t0.Add(120*time.Hour), 8, 2, "644099"),
		ev(t0.Add(121*time.Hour), 8, 24, "644099"),
	}
	now := t0.Add(200 * time.Hour)
	want := Classify(baseFacts(t), sorted, now, DefaultRules())
	perms := map[string][]int{
		"reversed":    {5, 4, 3, 2, 1, 0},
		"interleaved": {3, 0, 5, 1, 4, 2},
		"last first":  {5, 0, 1, 2, 3, 4},
	}
	for name, p := range perms {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			in := make([]Event, len(p))
			for i, j := range p {
				in[i] = sorted[j]
			}
			orig := slices.Clone(in)
			got := Classify(baseFacts(t), in, now, DefaultRules())
			if got.State != StateArrived || !got.ArrivedAt.Equal(sorted[4].At) || got.OfficeIndex != "644099" {
				t.Errorf("got %q arrived %v office %q; want arrived at the second office", got.State, got.ArrivedAt, got.OfficeIndex)
			}
			if !slices.Equal(got.Events, want.Events) {
				t.Errorf("Events not sorted: %+v", got.Events)
			}
			if !slices.Equal(in, orig) {
				t.Error("Classify modified its input")
			}
		})
	}
}

// TestClassifyMixedOffsets: records carry the offsets of offices in different
// time zones; order and dates must follow instants and local days.
func TestClassifyMixedOffsets(t *testing.T) {
	t.Parallel()
	// 09:00 in Novosibirsk (+07) is 02:00Z; 06:00 in Moscow (+03) is 03:00Z. A
	// wall-clock sort would put the forwarding after the arrival.
	forward := ev(at(t, "2024-03-10T09:00:00+07:00"), 4, 1, "630000")
	arrive := ev(at(t, "2024-03-10T06:00:00+03:00"), 8, 2, "101000")
	// Arrival at 01:30 on Mar 11 in Samara (+04) is still Mar 10 in UTC: the
	// deadline must count from the office's own date.
	arriveSamara := ev(at(t, "2024-03-11T01:30:00+04:00"), 8, 2, "443000")
	accept := ev(at(t, "2024-03-01T10:00:00+03:00"), 1, 1, "101000")

	tests := []struct {
		name   string
		events []Event
		now    time.Time
		want   wantStatus
	}{
		{"instant order, not wall-clock order", []Event{accept, arrive, forward}, at(t, "2024-03-10T04:00:00Z"),
			wantStatus{state: StateArrived, since: arrive.At, arrived: arrive.At,
				deadline: at(t, "2024-03-26T23:59:59+03:00"), daysLeft: 16, office: "101000"}},
		{"deadline from the office's local date", []Event{accept, arriveSamara}, at(t, "2024-03-15T21:29:59Z"),
			wantStatus{state: StateArrived, days: 4, since: arriveSamara.At, arrived: arriveSamara.At,
				deadline: at(t, "2024-03-27T23:59:59+04:00"), daysLeft: 11, office: "443000"}},
		{"whole days across offsets", []Event{accept, arriveSamara}, at(t, "2024-03-16T00:30:00+03:00"),
			wantStatus{state: StateWaiting, days: 5, since: arriveSamara.At.Add(5 * day), arrived: arriveSamara.At,
				deadline: at(t, "2024-03-27T23:59:59+04:00"), daysLeft: 11, office: "443000"}},
		{"days left counted in the office's offset", []Event{accept, arriveSamara}, at(t, "2024-03-27T20:30:00Z"),
			// 20:30Z is already Mar 28 00:30 in Samara: past the deadline.
			wantStatus{state: StateWaitingLong, days: 16, since: arriveSamara.At.Add(15 * day), arrived: arriveSamara.At,
				deadline: at(t, "2024-03-27T23:59:59+04:00"), daysLeft: 0, office: "443000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Classify(baseFacts(t), tt.events, tt.now, DefaultRules())
			checkStatus(t, got, tt.want)
			if _, off := got.Deadline.Zone(); !got.Deadline.IsZero() && off != func() int { _, o := got.ArrivedAt.Zone(); return o }() {
				t.Errorf("deadline offset %d differs from the arrival's", off)
			}
		})
	}
}

// TestClassifyTies: events at the same instant keep the carrier's order,
// even when written with different offsets.
func TestClassifyTies(t *testing.T) {
	t.Parallel()
	a := at(t, "2024-03-10T12:00:00+03:00")
	b := at(t, "2024-03-10T16:00:00+07:00") // the same instant
	accept := ev(at(t, "2024-03-01T10:00:00+03:00"), 1, 1, "101000")
	now := a.Add(time.Hour)
	tests := []struct {
		name   string
		events []Event
		want   State
	}{
		{"forwarded then arrived", []Event{accept, ev(a, 4, 1, "101000"), ev(b, 8, 2, "630000")}, StateArrived},
		{"arrived then forwarded", []Event{accept, ev(b, 8, 2, "630000"), ev(a, 4, 1, "101000")}, StateInTransit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Classify(baseFacts(t), tt.events, now, DefaultRules()); got.State != tt.want {
				t.Errorf("State = %q, want %q", got.State, tt.want)
			}
		})
	}
}

func TestRules(t *testing.T) {
	t.Parallel()
	t0 := at(t, "2024-03-01T10:00:00+03:00")
	evs := []Event{ev(t0, 1, 1, "101000"), ev(t0.Add(day), 8, 2, "644008")}
	now := t0.Add(5 * day)
	tests := []struct {
		name  string
		rules Rules
		want  State
	}{
		{"zero rules mean defaults", Rules{}, StateArrived},
		{"defaults", DefaultRules(), StateArrived},
		{"waiting from day 3", Rules{WaitingFromDays: 3}, StateWaiting},
		{"waiting long from day 4", Rules{WaitingFromDays: 2, WaitingLongFromDays: 4}, StateWaitingLong},
		{"short stale period", Rules{StalePeriod: 3 * day}, StateStale},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Classify(baseFacts(t), evs, now, tt.rules); got.State != tt.want {
				t.Errorf("State = %q, want %q", got.State, tt.want)
			}
		})
	}
}
