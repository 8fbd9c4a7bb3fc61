package notify_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"parceltrack/notify"
	"parceltrack/tracking"
)

// Offices' offsets, as the carrier's events carry them.
var (
	offMSK = time.FixedZone("", 3*60*60)
	offNSK = time.FixedZone("", 7*60*60)
)

func evAt(at time.Time, typ, attr int, office string) tracking.Event {
	return tracking.Event{At: at, Type: typ, Attr: attr, OfficeIndex: office, OfficeName: "ОПС " + office}
}

// parcel is one test parcel: entered in Moscow, bound for Novosibirsk.
type parcel struct {
	facts  tracking.Facts
	events []tracking.Event
}

func newParcel(entered time.Time, events ...tracking.Event) parcel {
	return parcel{
		facts: tracking.Facts{
			Track: "80092063905992", EnteredAt: entered, DestinationPostcode: "630099", MailKind: tracking.MailParcel,
		},
		events: events,
	}
}

// at classifies the parcel with the events up to now, as a worker would.
func (p parcel) at(now time.Time) tracking.Status {
	var seen []tracking.Event
	for _, e := range p.events {
		if !e.At.After(now) {
			seen = append(seen, e)
		}
	}
	return tracking.Classify(p.facts, seen, now, tracking.DefaultRules())
}

var everyone = notify.Contacts{Phone: true, Email: true, MerchantEmail: true}

func (p parcel) input(now time.Time, zone *time.Location) notify.PlanInput {
	return notify.PlanInput{
		ParcelID: "p1", EnteredAt: p.facts.EnteredAt, Status: p.at(now),
		Contacts: everyone, Zone: zone,
	}
}

// line writes a planned message as the replay command prints it.
func line(p notify.Planned) string {
	return fmt.Sprintf("%s %s %s %s", p.Trigger, p.Channel, p.Step, p.SendAt.Format(time.RFC3339))
}

func lines(ps []notify.Planned) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = line(p)
	}
	return out
}

func keys(ps []notify.Planned) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Key
	}
	slices.Sort(out)
	return out
}

// waitingParcel arrived at a Novosibirsk office on 12 March at 17:30 UTC,
// entered ten days before.
func waitingParcel() (parcel, time.Time) {
	arrival := time.Date(2026, 3, 13, 0, 30, 0, 0, offNSK) // 17:30 UTC on the 12th
	p := newParcel(time.Date(2026, 3, 2, 10, 0, 0, 0, offMSK),
		evAt(time.Date(2026, 3, 2, 12, 0, 0, 0, offMSK), 1, 1, "101000"),
		evAt(arrival, 8, 2, "630099"),
	)
	return p, arrival
}

func TestPlanDayAfterEntry(t *testing.T) {
	t.Parallel()
	msk, nsk := zone(t, "Europe/Moscow"), zone(t, "Asia/Novosibirsk")
	entered := time.Date(2026, 3, 10, 10, 0, 0, 0, offMSK)
	tests := []struct {
		name string
		p    parcel
		now  time.Time
		zone *time.Location
		want string // the first SMS planned
	}{
		{"accepted an hour after entry: shipped goes next morning",
			newParcel(entered, evAt(entered.Add(2*time.Hour), 1, 1, "101000")), entered.Add(3 * time.Hour), msk,
			"shipped sms 1 2026-03-11T09:00:00+03:00"},
		// The merchant typed the track when the parcel was already at the
		// buyer's office: the arrival the same day goes the next morning.
		{"arrived the day of entry: the next morning",
			newParcel(entered, evAt(entered.Add(-5*24*time.Hour), 1, 1, "101000"), evAt(time.Date(2026, 3, 10, 19, 0, 0, 0, offNSK), 8, 2, "630099")),
			time.Date(2026, 3, 10, 20, 0, 0, 0, offNSK), nsk, "arrived sms 1 2026-03-11T09:00:00+07:00"},
		{"arrived the day after entry, in the evening: that evening",
			newParcel(entered, evAt(entered.Add(-5*24*time.Hour), 1, 1, "101000"), evAt(time.Date(2026, 3, 11, 19, 0, 0, 0, offNSK), 8, 2, "630099")),
			time.Date(2026, 3, 11, 19, 30, 0, 0, offNSK), nsk, "arrived sms 1 2026-03-11T19:00:00+07:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := notify.Plan(tt.p.input(tt.now, tt.zone))
			if len(got) == 0 || line(got[0]) != tt.want {
				t.Fatalf("Plan = %v, want first %q", lines(got), tt.want)
			}
		})
	}
}

func TestPlanQuietHoursByBuyerZone(t *testing.T) {
	t.Parallel()
	p, arrival := waitingParcel()
	now := arrival.Add(time.Minute)
	tests := []struct {
		zone, want string
	}{
		{"Europe/Kaliningrad", "2026-03-12T19:30:00+02:00"}, // 19:30 there: now
		{"Europe/Moscow", "2026-03-12T20:30:00+03:00"},      // 20:30: now
		{"Asia/Novosibirsk", "2026-03-13T09:00:00+07:00"},   // 00:30: the morning
		{"Asia/Vladivostok", "2026-03-13T09:00:00+10:00"},   // 03:30: the morning
	}
	for _, tt := range tests {
		t.Run(tt.zone, func(t *testing.T) {
			t.Parallel()
			got := notify.Plan(p.input(now, zone(t, tt.zone)))
			var arrived []string
			for _, m := range got {
				if m.Trigger == notify.TriggerArrived {
					arrived = append(arrived, m.SendAt.Format(time.RFC3339))
					if !m.Due.Equal(arrival) {
						t.Errorf("Due = %v, want the arrival %v", m.Due, arrival)
					}
				}
			}
			if len(arrived) != 2 || arrived[0] != tt.want || arrived[1] != tt.want {
				t.Errorf("arrived SMS and e-mail go at %v, want both at %s", arrived, tt.want)
			}
		})
	}
}

func TestPlanEachReminderOnce(t *testing.T) {
	t.Parallel()
	p, arrival := waitingParcel()
	nsk := zone(t, "Asia/Novosibirsk")
	dayN := func(n int) time.Time { return arrival.Add(time.Duration(n)*24*time.Hour + time.Hour) }
	// Deadline: arrival date 13 March + 1 + 15 = 29 March, so days 20 and 25
	// come after it and are not planned.
	want := []string{
		"p1:arrived:email:1", "p1:arrived:sms:1",
		"p1:reminder:email:10", "p1:reminder:email:15", "p1:reminder:email:5",
		"p1:reminder:sms:10", "p1:reminder:sms:15", "p1:reminder:sms:5", "p1:reminder:sms:last_day",
		"p1:reminder:voice:14", "p1:reminder:voice:7",
	}
	day0 := keys(notify.Plan(p.input(dayN(0), nsk)))
	if !slices.Equal(day0, want) {
		t.Fatalf("on arrival Plan lists %v\nwant %v", day0, want)
	}
	outbox := map[string]bool{}
	for _, n := range []int{0, 0, 5, 7, 12} {
		added := 0
		for _, k := range keys(notify.Plan(p.input(dayN(n), nsk))) {
			if !outbox[k] {
				outbox[k] = true
				added++
			}
		}
		if n != 0 && added != 0 {
			t.Errorf("planning day %d's status added %d messages; each step is planned once", n, added)
		}
	}
	if len(outbox) != len(want) {
		t.Errorf("outbox holds %d messages, want %d", len(outbox), len(want))
	}

	// Forwarded on day 8 and arrived at another office on day 10: the new
	// stay adds its own messages, and only those.
	p.events = append(p.events,
		evAt(arrival.Add(8*24*time.Hour), 4, 1, "630099"),
		evAt(arrival.Add(10*24*time.Hour), 8, 2, "630100"))
	second := notify.Plan(p.input(arrival.Add(10*24*time.Hour+time.Hour), nsk))
	var added []string
	for _, k := range keys(second) {
		if !outbox[k] {
			added = append(added, k)
		}
	}
	if len(added) != len(second) || !strings.HasSuffix(added[0], "-e2") {
		t.Errorf("the second stay added %v of %v; every key should be new and end in -e2", added, keys(second))
	}
}

func TestPlanDeadlineBecomesKnown(t *testing.T) {
	t.Parallel()
	p, arrival := waitingParcel()
	nsk := zone(t, "Asia/Novosibirsk")
	// The buyer asked for longer storage: the deadline is unknown, so no
	// last-day reminder, and no day is cut for being after it.
	p.events = append(p.events, evAt(arrival.Add(3*24*time.Hour), 6, 4, "630099"))
	extended := keys(notify.Plan(p.input(arrival.Add(4*24*time.Hour), nsk)))
	if slices.Contains(extended, "p1:reminder:sms:last_day") || !slices.Contains(extended, "p1:reminder:sms:25") {
		t.Fatalf("with an unknown deadline Plan lists %v", extended)
	}
	// Then the carrier says "5 days left": the deadline is known again.
	p.events = append(p.events, evAt(arrival.Add(20*24*time.Hour), 8, 28, "630099"))
	known := notify.Plan(p.input(arrival.Add(20*24*time.Hour+time.Hour), nsk))
	var last []string
	for _, m := range known {
		if m.Step == "last_day" {
			last = append(last, line(m))
		}
	}
	// 20 days after 13 March is 2 April; + 5 days: 7 April.
	if want := "reminder sms last_day 2026-04-07T09:00:00+07:00"; len(last) != 1 || last[0] != want {
		t.Errorf("last-day reminders %v, want [%s]", last, want)
	}
}

func TestPlanContactsAndSwitches(t *testing.T) {
	t.Parallel()
	p, arrival := waitingParcel()
	nsk := zone(t, "Asia/Novosibirsk")
	delivered := newParcel(p.facts.EnteredAt, append(slices.Clone(p.events), evAt(arrival.Add(2*24*time.Hour), 2, 1, "630099"))...)
	returned := newParcel(p.facts.EnteredAt, append(slices.Clone(p.events), evAt(arrival.Add(16*24*time.Hour), 3, 1, "630099"))...)
	tests := []struct {
		name     string
		p        parcel
		now      time.Time
		contacts notify.Contacts
		settings notify.Settings
		want     []string // trigger/channel/step, sorted
	}{
		{"no phone: e-mails only", p, arrival, notify.Contacts{Email: true}, notify.Settings{},
			[]string{"arrived/email/1", "reminder/email/10", "reminder/email/15", "reminder/email/5"}},
		{"no e-mail: SMS and calls", p, arrival, notify.Contacts{Phone: true}, notify.Settings{},
			[]string{"arrived/sms/1", "reminder/sms/10", "reminder/sms/15", "reminder/sms/5", "reminder/sms/last_day", "reminder/voice/14", "reminder/voice/7"}},
		{"nobody to write to", p, arrival, notify.Contacts{MerchantEmail: true}, notify.Settings{}, nil},
		{"calls and reminder e-mails off, no last day", p, arrival, everyone, notify.Settings{
			NoLastDay: true,
			Off:       map[notify.Trigger]map[notify.ChannelKind]bool{notify.TriggerReminder: {notify.KindVoice: true, notify.KindEmail: true}},
		}, []string{"arrived/email/1", "arrived/sms/1", "reminder/sms/10", "reminder/sms/15", "reminder/sms/5"}},
		{"a shop's own days", p, arrival, notify.Contacts{Phone: true}, notify.Settings{ReminderDays: []int{3, 3, 0, -1}, VoiceDays: []int{6}},
			[]string{"arrived/sms/1", "reminder/sms/3", "reminder/sms/last_day", "reminder/voice/6"}},
		// The last day of this parcel is day 16; a shop reminding on day 16
		// gets one SMS that day, the last-day one.
		{"no second SMS on the last day", p, arrival, notify.Contacts{Phone: true}, notify.Settings{ReminderDays: []int{16}, VoiceDays: []int{16}},
			[]string{"arrived/sms/1", "reminder/sms/last_day", "reminder/voice/16"}},
		{"delivered: no thanks by default", delivered, arrival.Add(3 * 24 * time.Hour), everyone, notify.Settings{}, nil},
		{"delivered: thanks when asked", delivered, arrival.Add(3 * 24 * time.Hour), everyone, notify.Settings{Delivered: true},
			[]string{"delivered/sms/1"}},
		{"delivered thanks switched off", delivered, arrival.Add(3 * 24 * time.Hour), everyone, notify.Settings{
			Delivered: true, Off: map[notify.Trigger]map[notify.ChannelKind]bool{notify.TriggerDelivered: {notify.KindSMS: true}},
		}, nil},
		{"returned: the merchant hears", returned, arrival.Add(17 * 24 * time.Hour), everyone, notify.Settings{},
			[]string{"returned/email/1"}},
		{"returned, no merchant e-mail", returned, arrival.Add(17 * 24 * time.Hour), notify.Contacts{Phone: true, Email: true}, notify.Settings{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := tt.p.input(tt.now, nsk)
			in.Contacts, in.Settings = tt.contacts, tt.settings
			var got []string
			for _, m := range notify.Plan(in) {
				got = append(got, string(m.Trigger)+"/"+string(m.Channel)+"/"+m.Step)
				if m.ToMerchant != m.Trigger.ToMerchant() {
					t.Errorf("%s: ToMerchant %v", m.Key, m.ToMerchant)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("Plan = %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestPlanMerchantAlerts(t *testing.T) {
	t.Parallel()
	entered := time.Date(2026, 3, 2, 22, 30, 0, 0, offMSK)
	shop := zone(t, "Asia/Yekaterinburg")
	accepted := evAt(time.Date(2026, 3, 3, 12, 0, 0, 0, offMSK), 1, 1, "101000")
	bad := newParcel(entered)
	bad.facts.TrackError = true
	tests := []struct {
		name string
		p    parcel
		now  time.Time
		want string
	}{
		// Refused at entry at 22:30 Moscow = 00:30 in the shop's zone:
		// the merchant's window only, in the shop's zone — no day-after rule.
		{"track error", bad, entered.Add(time.Minute), "track_error email 1 2026-03-03T09:00:00+05:00"},
		// Stale 60 days after the last event: 2 May 12:00 MSK = 14:00 +05.
		{"stale", newParcel(entered, accepted), time.Date(2026, 5, 10, 0, 0, 0, 0, offMSK), "stale email 1 2026-05-02T14:00:00+05:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := tt.p.input(tt.now, zone(t, "Asia/Vladivostok"))
			in.ShopZone = shop
			got := notify.Plan(in)
			if len(got) != 1 || line(got[0]) != tt.want || !got[0].ToMerchant {
				t.Errorf("Plan = %v, want [%s]", lines(got), tt.want)
			}
		})
	}
}

func TestStillDue(t *testing.T) {
	t.Parallel()
	p, arrival := waitingParcel()
	nsk := zone(t, "Asia/Novosibirsk")
	planned := map[string]notify.Planned{}
	for _, m := range notify.Plan(p.input(arrival, nsk)) {
		planned[string(m.Trigger)+"/"+string(m.Channel)+"/"+m.Step] = m
	}
	inTransit := notify.Plan(p.input(arrival.Add(-time.Hour), nsk))
	for _, m := range inTransit {
		planned[string(m.Trigger)+"/"+string(m.Channel)+"/"+m.Step] = m
	}
	day := func(n float64) time.Time { return arrival.Add(time.Duration(n * 24 * float64(time.Hour))) }
	collected := newParcel(p.facts.EnteredAt, append(slices.Clone(p.events), evAt(day(9), 2, 1, "630099"))...)
	forwarded := newParcel(p.facts.EnteredAt, append(slices.Clone(p.events), evAt(day(8), 4, 1, "630099"), evAt(day(9), 8, 2, "630100"))...)
	probably := newParcel(p.facts.EnteredAt, p.events[0], evAt(day(-3), 8, 4, "630960"))
	probablyNow := probably.at(day(-0.5))
	var prob notify.Planned
	for _, m := range notify.Plan(notify.PlanInput{ParcelID: "p1", EnteredAt: p.facts.EnteredAt, Status: probablyNow, Contacts: everyone, Zone: nsk}) {
		if m.Trigger == notify.TriggerProbablyArrived {
			prob = m
		}
	}
	if line(prob) != "probably_arrived sms 1 2026-03-12T09:00:00+07:00" {
		t.Fatalf("probably arrived plans %q", line(prob))
	}
	tests := []struct {
		name   string
		p      notify.Planned
		st     tracking.Status
		now    time.Time
		due    bool
		reason string
	}{
		{"a reminder on its day", planned["reminder/sms/10"], p.at(day(10)), planned["reminder/sms/10"].SendAt, true, ""},
		{"collected before a queued reminder", planned["reminder/sms/10"], collected.at(day(10)), planned["reminder/sms/10"].SendAt, false, "parcel delivered"},
		{"a call after collection", planned["reminder/voice/14"], collected.at(day(14)), planned["reminder/voice/14"].SendAt, false, "parcel delivered"},
		{"a reminder 23 hours late", planned["reminder/sms/5"], p.at(day(6)), planned["reminder/sms/5"].SendAt.Add(23 * time.Hour), true, ""},
		{"a reminder 25 hours late is out of date", planned["reminder/sms/5"], p.at(day(6.1)), planned["reminder/sms/5"].SendAt.Add(25 * time.Hour), false, "out of date"},
		{"a reminder of an earlier stay", planned["reminder/sms/10"], forwarded.at(day(10)), planned["reminder/sms/10"].SendAt, false, "an earlier stay"},
		{"a reminder while forwarded", planned["reminder/sms/10"], forwarded.at(day(8.5)), day(8.5), false, "parcel is in_transit now"},
		{"arrived, still waiting days later", planned["arrived/sms/1"], p.at(day(3)), day(3), true, ""},
		{"arrived for a delivered parcel", planned["arrived/sms/1"], collected.at(day(9.5)), day(9.5), false, "parcel delivered"},
		{"the last day, that morning", planned["reminder/sms/last_day"], p.at(day(16)), planned["reminder/sms/last_day"].SendAt, true, ""},
		{"the last day after the deadline", planned["reminder/sms/last_day"], p.at(day(17)), day(17), false, "storage ended"},
		{"shipped, still on its way", planned["shipped/sms/1"], p.at(day(-1)), day(-1), true, ""},
		{"shipped once arrived", planned["shipped/sms/1"], p.at(day(0.5)), day(0.5), false, "parcel already arrived"},
		{"shipped once delivered", planned["shipped/email/1"], collected.at(day(10)), day(10), false, "parcel delivered"},
		{"probably arrived, still so", prob, probablyNow, day(-0.5), true, ""},
		{"probably arrived once it has arrived", prob, p.at(day(0.1)), day(0.1), false, "parcel already arrived"},
		{"balance alerts are the caller's to check", notify.PlanBalanceAlert("s1", notify.TriggerLowBalance, day(1), nsk, notify.Window{}), collected.at(day(10)), day(10), true, ""},
		{"an unknown trigger is never sent", notify.Planned{Trigger: "nope"}, p.at(day(1)), day(1), false, "unknown trigger"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.p.Key == "" && tt.p.Trigger != "nope" {
				t.Fatal("the planned message is missing from the plan")
			}
			due, reason := notify.StillDue(tt.p, tt.st, tt.now)
			if due != tt.due || !strings.Contains(reason, tt.reason) || due != (reason == "") {
				t.Errorf("StillDue(%s at %s, state %s) = %v %q, want %v %q", tt.p.Key, tt.now.Format(time.RFC3339), tt.st.State, due, reason, tt.due, tt.reason)
			}
		})
	}
}

func TestStillDueMerchantAlerts(t *testing.T) {
	t.Parallel()
	entered := time.Date(2026, 3, 2, 10, 0, 0, 0, offMSK)
	accepted := evAt(time.Date(2026, 3, 3, 12, 0, 0, 0, offMSK), 1, 1, "101000")
	stale := newParcel(entered, accepted)
	now := time.Date(2026, 5, 10, 0, 0, 0, 0, offMSK)
	alert := notify.Plan(stale.input(now, nil))
	if len(alert) != 1 || alert[0].Trigger != notify.TriggerStale {
		t.Fatalf("stale plans %v", lines(alert))
	}
	if due, _ := notify.StillDue(alert[0], stale.at(now), now); !due {
		t.Error("a stale alert for a parcel still stale is not due")
	}
	moved := newParcel(entered, accepted, evAt(now.Add(-time.Hour), 8, 0, "630960"))
	if due, reason := notify.StillDue(alert[0], moved.at(now), now); due || reason != "parcel is in_transit now" {
		t.Errorf("a stale alert for a parcel that moved again: %v %q", due, reason)
	}
}

func TestPlanBalanceAlert(t *testing.T) {
	t.Parallel()
	msk := zone(t, "Europe/Moscow")
	tests := []struct {
		name, at, key, send string
	}{
		{"daytime: at once", "2026-03-10T12:00:00+03:00", "balance:s1:low_balance:2026-03-10", "2026-03-10T12:00:00+03:00"},
		{"late evening: next morning, next day's key", "2026-03-10T23:00:00+03:00", "balance:s1:low_balance:2026-03-11", "2026-03-11T09:00:00+03:00"},
		{"after midnight: the same morning, the same key", "2026-03-11T01:00:00+03:00", "balance:s1:low_balance:2026-03-11", "2026-03-11T09:00:00+03:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := notify.PlanBalanceAlert("s1", notify.TriggerLowBalance, rfc(t, tt.at), msk, notify.DefaultWindow())
			if p.Key != tt.key || p.SendAt.Format(time.RFC3339) != tt.send || !p.ToMerchant || p.Channel != notify.KindEmail {
				t.Errorf("PlanBalanceAlert = %+v, want key %s at %s", p, tt.key, tt.send)
			}
		})
	}
	a := notify.PlanBalanceAlert("s1", notify.TriggerBalanceExhausted, rfc(t, "2026-03-10T12:00:00+03:00"), msk, notify.Window{})
	b := notify.PlanBalanceAlert("s2", notify.TriggerBalanceExhausted, rfc(t, "2026-03-10T12:00:00+03:00"), msk, notify.Window{})
	if a.Key == b.Key {
		t.Error("two shops share a balance alert")
	}
}

// TestReplayTypicalHistory replays a parcel from acceptance in Moscow to
// collection in Novosibirsk after 20 days of waiting, under the default
// settings, and lists what the buyer gets.
func TestReplayTypicalHistory(t *testing.T) {
	t.Parallel()
	nsk := notify.BuyerZone("630099", nil, nil)
	entered := time.Date(2026, 3, 2, 15, 0, 0, 0, offMSK)
	arrival := time.Date(2026, 3, 6, 10, 0, 0, 0, offNSK)
	p := newParcel(entered,
		evAt(time.Date(2026, 3, 2, 18, 0, 0, 0, offMSK), 1, 1, "101000"), // accepted
		evAt(time.Date(2026, 3, 3, 4, 0, 0, 0, offMSK), 8, 0, "140980"),  // sorted near Moscow
		evAt(time.Date(2026, 3, 5, 20, 0, 0, 0, offNSK), 8, 4, "630960"), // left the Novosibirsk centre
		evAt(arrival, 8, 2, "630099"),                                    // at the office
		evAt(arrival.Add(20*24*time.Hour+4*time.Hour), 2, 1, "630099"),   // collected on day 20, 14:00
	)
	p.facts.StorageDays = 30 // the shop keeps parcels a month: the deadline is 6 April
	in := notify.PlanInput{ParcelID: "p1", Contacts: everyone, Zone: nsk}
	until := entered.Add(90 * 24 * time.Hour)
	got := lines(notify.Replay(in, p.facts, p.events, tracking.DefaultRules(), until))
	want := []string{
		// Accepted at 22:00 the buyer's time on the day of entry: the next morning.
		"shipped sms 1 2026-03-03T09:00:00+07:00",
		"shipped email 1 2026-03-03T09:00:00+07:00",
		"arrived sms 1 2026-03-06T10:00:00+07:00",
		"arrived email 1 2026-03-06T10:00:00+07:00",
		"reminder sms 5 2026-03-11T10:00:00+07:00",
		"reminder email 5 2026-03-11T10:00:00+07:00",
		"reminder voice 7 2026-03-13T10:00:00+07:00",
		"reminder sms 10 2026-03-16T10:00:00+07:00",
		"reminder email 10 2026-03-16T10:00:00+07:00",
		"reminder voice 14 2026-03-20T10:00:00+07:00",
		"reminder sms 15 2026-03-21T10:00:00+07:00",
		"reminder email 15 2026-03-21T10:00:00+07:00",
		"reminder sms 20 2026-03-26T10:00:00+07:00",
		"reminder email 20 2026-03-26T10:00:00+07:00",
		// Collected at 14:00 on day 20: day 25 and the last day are not sent.
	}
	if !slices.Equal(got, want) {
		t.Errorf("Replay =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// With thanks switched on, the buyer gets them when collecting.
	in.Settings.Delivered = true
	thanked := lines(notify.Replay(in, p.facts, p.events, tracking.DefaultRules(), until))
	if last := thanked[len(thanked)-1]; last != "delivered sms 1 2026-03-26T14:00:00+07:00" {
		t.Errorf("with thanks the replay ends %q", last)
	}

	// Every message of the replay goes inside the buyer's window.
	for _, m := range notify.Replay(in, p.facts, p.events, tracking.DefaultRules(), until) {
		if h := m.SendAt.In(nsk).Hour(); h < 9 || h >= 21 {
			t.Errorf("%s goes at %s", m.Key, m.SendAt)
		}
	}
}
