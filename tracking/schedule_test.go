package tracking

import (
	"testing"
	"time"
)

// TestJudge: what one carrier answer does to a scheduled parcel, the rules
// the single and the batch poller share.
func TestJudge(t *testing.T) {
	t.Parallel()
	now := at(t, "2024-03-10T12:00:00+03:00")
	accepted := Event{At: at(t, "2024-03-08T10:00:00+03:00"), Type: 1, Attr: 1, OfficeIndex: "101000"}
	arrived := Event{At: at(t, "2024-03-09T09:00:00+03:00"), Type: 8, Attr: 2, OfficeIndex: "127018"}
	delivered := Event{At: at(t, "2024-03-10T11:00:00+03:00"), Type: 2, Attr: 1}
	inTransit := Schedule{ID: "p", Track: "RA644000001RU", EnteredAt: accepted.At, State: StateInTransit,
		EventsHash: hashEvents([]Event{accepted}), Priority: 50, Failures: 2, LastError: "timeout"}
	c := DefaultCadence()

	tests := []struct {
		name          string
		row           Schedule
		answer        Answer
		wantState     State // the outcome's
		wantFailed    bool
		wantChanged   bool
		wantMoved     bool
		wantFailures  int
		wantNext      time.Duration // from now; -1 never
		wantLastError string
	}{
		{"the same history", inTransit, Answer{Events: []Event{accepted}}, StateInTransit, false, false, false, 0, 6 * time.Hour, ""},
		{"a new event, same state", inTransit, Answer{Events: []Event{accepted, {At: accepted.At.Add(time.Hour), Type: 8, Attr: 3}}},
			StateInTransit, false, true, false, 0, 6 * time.Hour, ""},
		{"arrival", inTransit, Answer{Events: []Event{arrived, accepted}}, StateArrived, false, true, true, 0, 2 * time.Hour, ""},
		{"delivered: never polled again", inTransit, Answer{Events: []Event{accepted, arrived, delivered}}, StateDelivered, false, true, true, 0, -1, ""},
		{"the carrier rejects the number", inTransit, Answer{Rejected: true, Reason: "bad barcode"}, StateTrackError, false, true, true, 0, -1, ""},
		{"a failure backs off and keeps the state", inTransit, Answer{Failed: true, Reason: "http_502"},
			StateInTransit, true, false, false, 3, 60 * time.Minute, "http_502"},
		{"the carrier's hint wins when longer", inTransit, Answer{Failed: true, Reason: "http_503", RetryAfter: 5 * time.Hour},
			StateInTransit, true, false, false, 3, 5 * time.Hour, "http_503"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := c.Judge(tt.row, tt.answer, now, Rules{}, 0.5)
			o := v.Outcome
			if v.Failed() != tt.wantFailed || o.State != tt.wantState || v.Changed != tt.wantChanged || v.StateChanged != tt.wantMoved {
				t.Fatalf("failed %v state %s changed %v moved %v; want %v %s %v %v",
					v.Failed(), o.State, v.Changed, v.StateChanged, tt.wantFailed, tt.wantState, tt.wantChanged, tt.wantMoved)
			}
			if o.Failures != tt.wantFailures || o.LastError != tt.wantLastError || !o.PolledAt.Equal(now) {
				t.Fatalf("failures %d %q polled %v", o.Failures, o.LastError, o.PolledAt)
			}
			switch {
			case tt.wantNext < 0 && !o.NextPollAt.IsZero():
				t.Fatalf("next poll %v, want never", o.NextPollAt)
			case tt.wantNext >= 0 && !o.NextPollAt.Equal(now.Add(tt.wantNext)):
				t.Fatalf("next poll in %v, want %v", o.NextPollAt.Sub(now), tt.wantNext)
			}
			if !v.Failed() && (v.Status.State != o.State || o.EventsHash != hashEvents(v.Status.Events) || o.Priority != Priority(v.Status)) {
				t.Fatalf("outcome %+v does not follow the status %+v", o, v.Status)
			}
			if v.Failed() && (o.EventsHash != tt.row.EventsHash || o.Priority != tt.row.Priority) {
				t.Fatalf("a failed poll changed the fingerprint or the priority: %+v", o)
			}
		})
	}
}

func TestCalendar(t *testing.T) {
	t.Parallel()
	kgd := time.FixedZone("+02", 2*60*60)
	deadline := time.Date(2030, 1, 9, 23, 59, 59, 0, kgd) // already 10.01 in Moscow
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"next Moscow midnight", NextMidnight(at(t, "2030-01-01T22:30:00+00:00"), Moscow), at(t, "2030-01-03T00:00:00+03:00")},
		{"Moscow date after UTC midnight's eve", MoscowDate(at(t, "2030-01-01T22:30:00+00:00")), "2030-01-02"},
		{"whole days round down", WholeDays(at(t, "2030-01-01T10:00:00+03:00"), at(t, "2030-01-04T09:59:00+03:00")), 2},
		{"whole days never negative", WholeDays(at(t, "2030-01-04T10:00:00+03:00"), at(t, "2030-01-01T10:00:00+03:00")), 0},
		{"whole days of nothing", WholeDays(time.Time{}, at(t, "2030-01-01T10:00:00+03:00")), 0},
		{"storage day in the office's offset", StorageDay(deadline), time.Date(2030, 1, 9, 0, 0, 0, 0, time.UTC)},
		{"days left, counted in the office's offset", DaysLeft(deadline, at(t, "2030-01-02T23:30:00+03:00")), 7},
		{"the last day", DaysLeft(deadline, at(t, "2030-01-09T23:00:00+02:00")), 0},
		{"not expired on the last evening", StorageExpired(deadline, at(t, "2030-01-09T23:59:00+02:00")), false},
		{"expired after it", StorageExpired(deadline, at(t, "2030-01-10T00:00:01+02:00")), true},
		{"no deadline never expires", StorageExpired(time.Time{}, at(t, "2030-01-10T00:00:01+02:00")), false},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			if a, ok := tt.got.(time.Time); ok && a.Equal(tt.want.(time.Time)) {
				continue
			}
			t.Errorf("%s: %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}
