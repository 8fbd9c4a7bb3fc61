package tracking

import (
	"testing"
	"time"
)

func TestStorageDeadline(t *testing.T) {
	t.Parallel()
	accept := ev(at(t, "2024-02-28T10:00:00+03:00"), 1, 1, "101000")
	arrive := ev(at(t, "2024-03-01T10:00:00+03:00"), 8, 2, "644008") // storage counts from Mar 2
	on := func(s string, typ, attr int) Event { return ev(at(t, s), typ, attr, "644008") }
	now := at(t, "2024-03-03T12:00:00+03:00")
	end := func(s string) time.Time { return at(t, s+"T23:59:59+03:00") }

	tests := []struct {
		name     string
		facts    func(f *Facts)
		rules    Rules
		events   []Event
		now      time.Time
		deadline time.Time
		daysLeft int
	}{
		{"parcel: arrival + 1 + 15", nil, Rules{}, []Event{accept, arrive}, now, end("2024-03-17"), 14},
		{"EMS: 15 days", func(f *Facts) { f.MailKind = MailEMS }, Rules{}, []Event{accept, arrive}, now, end("2024-03-17"), 14},
		{"letter: 30 days", func(f *Facts) { f.MailKind = MailLetter }, Rules{}, []Event{accept, arrive}, now, end("2024-04-01"), 29},
		{"small packet: 30 days", func(f *Facts) { f.MailKind = MailSmallPacket }, Rules{}, []Event{accept, arrive}, now, end("2024-04-01"), 29},
		{"judicial: 7 days", func(f *Facts) { f.MailKind = MailJudicial }, Rules{}, []Event{accept, arrive}, now, end("2024-03-09"), 6},
		{"unknown kind: rules default", func(f *Facts) { f.MailKind = MailUnknown }, Rules{DefaultStorageDays: 10}, []Event{accept, arrive}, now, end("2024-03-12"), 9},
		{"shop override beats the kind", func(f *Facts) { f.MailKind = MailLetter }, Rules{StorageDays: 5}, []Event{accept, arrive}, now, end("2024-03-07"), 4},
		{"parcel override beats the shop's", func(f *Facts) { f.StorageDays = 20 }, Rules{StorageDays: 5}, []Event{accept, arrive}, now, end("2024-03-22"), 19},
		{"countdown 8/35: 10 days left", nil, Rules{},
			[]Event{accept, arrive, on("2024-03-06T09:00:00+03:00", 8, 35)}, now, end("2024-03-16"), 13},
		{"countdown beats the mail kind", func(f *Facts) { f.MailKind = MailJudicial }, Rules{},
			[]Event{accept, arrive, on("2024-03-02T09:00:00+03:00", 8, 27)}, now, end("2024-03-27"), 24},
		{"8/33: 23 days left", nil, Rules{}, []Event{accept, arrive, on("2024-03-02T09:00:00+03:00", 8, 33)}, now, end("2024-03-25"), 22},
		{"the latest countdown wins", nil, Rules{},
			[]Event{accept, arrive, on("2024-03-05T09:00:00+03:00", 8, 27), on("2024-03-26T09:00:00+03:00", 8, 28)},
			at(t, "2024-03-26T12:00:00+03:00"), end("2024-03-31"), 5},
		{"1 day left", nil, Rules{}, []Event{accept, arrive, on("2024-03-16T09:00:00+03:00", 8, 42)},
			at(t, "2024-03-16T12:00:00+03:00"), end("2024-03-17"), 1},
		{"on the last day", nil, Rules{}, []Event{accept, arrive}, at(t, "2024-03-17T23:00:00+03:00"), end("2024-03-17"), 0},
		{"past the deadline", nil, Rules{}, []Event{accept, arrive}, at(t, "2024-03-19T08:00:00+03:00"), end("2024-03-17"), 0},
		{"countdown from an earlier episode is ignored", nil, Rules{},
			[]Event{accept, on("2024-02-20T09:00:00+03:00", 8, 2), on("2024-02-21T09:00:00+03:00", 8, 28),
				on("2024-02-22T09:00:00+03:00", 4, 1), arrive}, now, end("2024-03-17"), 14},
		{"extension after the countdown: unknown", nil, Rules{},
			[]Event{accept, arrive, on("2024-03-06T09:00:00+03:00", 8, 35), on("2024-03-07T09:00:00+03:00", 8, 23)}, now, time.Time{}, 0},
		{"addressee's extension without a countdown: unknown", nil, Rules{},
			[]Event{accept, arrive, on("2024-03-02T09:00:00+03:00", 6, 4)}, now, time.Time{}, 0},
		{"countdown after the extension: known again", nil, Rules{},
			[]Event{accept, arrive, on("2024-03-07T09:00:00+03:00", 6, 5), on("2024-03-20T09:00:00+03:00", 8, 28)}, now, end("2024-03-25"), 22},
		{"countdown in another offset keeps its own", nil, Rules{},
			[]Event{accept, arrive, ev(at(t, "2024-03-06T01:00:00+07:00"), 8, 35, "644008")}, now,
			at(t, "2024-03-16T23:59:59+07:00"), 13},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := baseFacts(t)
			if tt.facts != nil {
				tt.facts(&f)
			}
			st := Classify(f, tt.events, tt.now, tt.rules)
			if !st.State.Waiting() {
				t.Fatalf("State = %q, want a waiting state", st.State)
			}
			if !st.Deadline.Equal(tt.deadline) {
				t.Errorf("Deadline = %v, want %v", st.Deadline, tt.deadline)
			}
			if _, off := st.Deadline.Zone(); !tt.deadline.IsZero() && off != func() int { _, o := tt.deadline.Zone(); return o }() {
				t.Errorf("Deadline offset = %d, want that of %v", off, tt.deadline)
			}
			if st.DaysLeft != tt.daysLeft {
				t.Errorf("DaysLeft = %d, want %d", st.DaysLeft, tt.daysLeft)
			}
		})
	}
}

func TestMailKindStorageDays(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind MailKind
		want int
	}{
		{MailParcel, 15}, {MailEMS, 15}, {MailLetter, 30}, {MailSmallPacket, 30}, {MailJudicial, 7}, {MailUnknown, 0}, {"bogus", 0},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			t.Parallel()
			if got := tt.kind.StorageDays(); got != tt.want {
				t.Errorf("StorageDays() = %d, want %d", got, tt.want)
			}
		})
	}
}
