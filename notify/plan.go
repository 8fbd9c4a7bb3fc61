package notify

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"parceltrack/tracking"
)

// day is a whole day as the state model counts it (floor(Δ / 24 h)).
const day = 24 * time.Hour

// Settings are a shop's message settings. Zero values mean the defaults, so
// Settings{} behaves like DefaultSettings().
type Settings struct {
	// Window is when messages may reach a buyer, in the buyer's zone (and a
	// merchant, in the shop's); zero or nonsense: DefaultWindow.
	Window Window
	// ReminderDays are the waiting days an SMS and an e-mail remind the buyer
	// on; empty: 5, 10, 15, 20, 25. A day ≤ 0 is ignored (day 0 is "arrived").
	// To remind by neither, switch the channels off in Off.
	ReminderDays []int
	// VoiceDays are the waiting days a call reminds on; empty: 7, 14.
	VoiceDays []int
	// NoLastDay stops the SMS on the morning of the last day of storage. The
	// reminder is on by default, so the setting is its opposite: the zero
	// value keeps it, with no *bool to forget to set.
	NoLastDay bool
	// Delivered thanks the buyer by SMS after delivery; off by default.
	Delivered bool
	// Off switches channels off per trigger (Off[TriggerReminder][KindVoice]
	// stops the calls). Only read.
	Off map[Trigger]map[ChannelKind]bool
}

// DefaultSettings are the settings every shop starts with.
func DefaultSettings() Settings {
	return Settings{
		Window:       DefaultWindow(),
		ReminderDays: []int{5, 10, 15, 20, 25},
		VoiceDays:    []int{7, 14},
	}
}

// withDefaults fills the zero fields from DefaultSettings.
func (s Settings) withDefaults() Settings {
	d := DefaultSettings()
	s.Window = s.Window.normalised()
	if len(s.ReminderDays) == 0 {
		s.ReminderDays = d.ReminderDays
	}
	if len(s.VoiceDays) == 0 {
		s.VoiceDays = d.VoiceDays
	}
	return s
}

// Planned is one message a status makes due.
type Planned struct {
	// Key is ParcelID:trigger:channel:step, unique per message: the outbox
	// stores a key once, so planning again adds nothing.
	Key      string
	ParcelID string
	Trigger  Trigger
	Channel  ChannelKind
	// Step tells a trigger's messages apart: "1", the waiting day for
	// reminders ("5", "10", …) or "last_day". A parcel's second stay at a
	// delivery point (forwarded, then arrived again) gets its own "arrived"
	// and reminders: their steps carry "-e2" ("1-e2", "5-e2", "last_day-e2"),
	// a third stay "-e3", and so on. Balance alerts' step is their date.
	Step string
	// Due is when the trigger fires (the arrival + 5 days for the day-5
	// reminder).
	Due time.Time
	// SendAt is Due moved into the window and, for buyers, past the
	// day-after rule (SendAt), in the recipient's zone. It is in the past
	// when a status is planned late (a parcel first seen already waiting):
	// the dispatcher sends such a message at the next moment the window
	// allows (Window.Next at send time), never at night.
	SendAt     time.Time
	ToMerchant bool
}

// Contacts say which addresses exist: a buyer without a phone gets no SMS
// and no call, a shop without an e-mail no alerts.
type Contacts struct {
	Phone, Email, MerchantEmail bool
}

// PlanInput is what Plan needs to know about one parcel.
type PlanInput struct {
	ParcelID string
	// EnteredAt is when the track was entered (the day-after rule).
	EnteredAt time.Time
	// Status is the parcel's status just classified.
	Status   tracking.Status
	Contacts Contacts
	Settings Settings
	// Zone is the buyer's (BuyerZone); nil: Moscow.
	Zone *time.Location
	// ShopZone is the shop's, for the merchant's e-mails; nil: Moscow, the
	// zone every date of the app is in until shops choose their own.
	ShopZone *time.Location
}

// Plan lists every message the status makes due, now or later, whatever was
// planned before: the caller inserts them under their unique keys, so
// planning the same parcel again adds only what is new (a later stay, a
// deadline that became known). It lists a message only while the status is
// one StillDue would send it in, so a delivered parcel plans its thanks and
// nothing else. The result is sorted by SendAt.
//
// What each status makes due (docs/state-model.md, "Messages"):
//   - shipped (SMS, e-mail) once the carrier has any event and the parcel
//     is on its way, due at the first event;
//   - probably_arrived (SMS) when that state starts (its Since);
//   - while waiting: arrived (SMS, e-mail) due at the arrival; reminders at
//     the arrival + d days for d in ReminderDays (SMS, e-mail) and VoiceDays
//     (call), except those after the deadline; the last-day SMS on the
//     morning of the deadline's day (00:00 in the office's offset, moved
//     into the window), which replaces a day reminder SMS due that same day;
//   - delivered (SMS) after delivery, if Settings.Delivered;
//   - the merchant's e-mail when the parcel is returned, its track is refused
//     or it goes stale, due at the state's Since (the entry time for a
//     track error, which the classifier does not date).
//
// Buyers' messages obey the window in the buyer's zone and the day-after
// rule; the merchant's obey only the window, in the shop's zone. A channel
// without an address, or switched off, is not planned.
func Plan(in PlanInput) []Planned {
	s := in.Settings.withDefaults()
	st := in.Status
	buyer, shop := orMoscow(in.Zone), orMoscow(in.ShopZone)
	var out []Planned
	add := func(tr Trigger, ch ChannelKind, step string, due time.Time) {
		p := Planned{
			Key:      in.ParcelID + ":" + string(tr) + ":" + string(ch) + ":" + step,
			ParcelID: in.ParcelID, Trigger: tr, Channel: ch, Step: step, Due: due,
			ToMerchant: tr.ToMerchant(),
		}
		if p.ToMerchant {
			p.SendAt = s.Window.Next(due, shop)
		} else {
			p.SendAt = SendAt(due, in.EnteredAt, s.Window, buyer)
		}
		out = append(out, p)
	}
	both := func(tr Trigger, step string, due time.Time, channels ...ChannelKind) {
		for _, ch := range channels {
			if in.reaches(s, tr, ch) {
				add(tr, ch, step, due)
			}
		}
	}

	if first, ok := firstEvent(st.Events); ok && onTheWay(st.State) {
		both(TriggerShipped, "1", first, KindSMS, KindEmail)
	}
	if st.State == tracking.StateProbablyArrived {
		both(TriggerProbablyArrived, "1", st.Since, KindSMS)
	}
	if st.State.Waiting() && !st.ArrivedAt.IsZero() {
		planWaiting(st, s, in, both)
	}
	if st.State == tracking.StateDelivered && s.Delivered {
		both(TriggerDelivered, "1", st.Since, KindSMS)
	}
	if tr, ok := merchantAlert(st.State); ok {
		due := st.Since
		if due.IsZero() {
			due = in.EnteredAt
		}
		both(tr, "1", due, KindEmail)
	}
	slices.SortStableFunc(out, func(a, b Planned) int { return a.SendAt.Compare(b.SendAt) })
	return out
}

// planWaiting adds the messages of the current stay at a delivery point.
func planWaiting(st tracking.Status, s Settings, in PlanInput, both func(Trigger, string, time.Time, ...ChannelKind)) {
	ep := st.Episode()
	both(TriggerArrived, episodeStep("1", ep), st.ArrivedAt, KindSMS, KindEmail)

	// The last day's morning: midnight of the deadline's date in the
	// office's offset, which the window then moves to the buyer's morning.
	var lastDay time.Time
	if !st.Deadline.IsZero() {
		y, m, d := st.Deadline.Date()
		lastDay = time.Date(y, m, d, 0, 0, 0, 0, st.Deadline.Location())
	}
	lastDaySMS := !lastDay.IsZero() && !s.NoLastDay && !lastDay.Before(st.ArrivedAt) && in.reaches(s, TriggerReminder, KindSMS)

	remind := func(days []int, channels ...ChannelKind) {
		for _, d := range uniquePositive(days) {
			due := st.ArrivedAt.Add(time.Duration(d) * day)
			if !st.Deadline.IsZero() && due.After(st.Deadline) {
				continue // the parcel is on its way back by then
			}
			for _, ch := range channels {
				// Two SMS on the last day would be one too many: the
				// last-day one says it all.
				if ch == KindSMS && lastDaySMS && sameDate(due, lastDay) {
					continue
				}
				both(TriggerReminder, episodeStep(strconv.Itoa(d), ep), due, ch)
			}
		}
	}
	remind(s.ReminderDays, KindSMS, KindEmail)
	remind(s.VoiceDays, KindVoice)
	if lastDaySMS {
		both(TriggerReminder, episodeStep(stepLastDay, ep), lastDay, KindSMS)
	}
}

// stepLastDay is the step of the reminder on the last day of storage.
const stepLastDay = "last_day"

// reaches reports whether a message of trigger tr on channel ch has an
// address and is not switched off.
func (in PlanInput) reaches(s Settings, tr Trigger, ch ChannelKind) bool {
	if s.Off[tr][ch] {
		return false
	}
	if tr.ToMerchant() {
		return ch == KindEmail && in.Contacts.MerchantEmail
	}
	switch ch {
	case KindSMS, KindVoice:
		return in.Contacts.Phone
	case KindEmail:
		return in.Contacts.Email
	}
	return false
}

// onTheWay: the states a "shipped" message is still news in.
func onTheWay(s tracking.State) bool {
	return s == tracking.StateInTransit || s == tracking.StateProbablyArrived
}

// merchantAlert is the merchant's trigger for a parcel state, if any.
func merchantAlert(s tracking.State) (Trigger, bool) {
	switch s {
	case tracking.StateReturned:
		return TriggerReturned, true
	case tracking.StateTrackError:
		return TriggerTrackError, true
	case tracking.StateStale:
		return TriggerStale, true
	}
	return "", false
}

// firstEvent is the earliest event's instant.
func firstEvent(events []tracking.Event) (time.Time, bool) {
	var first time.Time
	for _, e := range events {
		if first.IsZero() || e.At.Before(first) {
			first = e.At
		}
	}
	return first, !first.IsZero()
}

// episodeStep marks a step of a later stay at a delivery point ("5-e2"), so
// its messages get keys of their own; the first stay's steps are plain.
func episodeStep(step string, episode int) string {
	if episode <= 1 {
		return step
	}
	return step + "-e" + strconv.Itoa(episode)
}

// parseStep splits a step into its base ("5", "last_day", "1") and its stay.
func parseStep(step string) (base string, episode int) {
	base, ep, ok := strings.Cut(step, "-e")
	if !ok {
		return step, 1
	}
	n, err := strconv.Atoi(ep)
	if err != nil || n < 2 {
		return step, 1
	}
	return base, n
}

// uniquePositive is days without repeats or days ≤ 0, in their order.
func uniquePositive(days []int) []int {
	out := make([]int, 0, len(days))
	for _, d := range days {
		if d > 0 && !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}

// sameDate reports whether t falls on ref's calendar date, read in ref's
// location.
func sameDate(t, ref time.Time) bool {
	y1, m1, d1 := t.In(ref.Location()).Date()
	y2, m2, d2 := ref.Date()
	return y1 == y2 && m1 == m2 && d1 == d2
}

// outOfDate is how long after its planned time a reminder or a thank-you
// may still go: later, it would talk about a day long past.
const outOfDate = day

// StillDue reports whether p should still be sent at now, given the
// parcel's status classified at now, and a short reason when not (for the
// log and the outbox row). It is the dispatcher's last check:
//   - shipped: only while the parcel is on its way (not once it arrived or
//     was delivered: the later message says more);
//   - probably_arrived: only while that is still the state;
//   - arrived and reminders: only while the parcel waits in the same stay,
//     before the deadline; a reminder more than a day after its SendAt is
//     out of date, and a last-day reminder needs a known deadline;
//   - delivered: only for a delivered parcel, within a day of its SendAt;
//   - the merchant's parcel alerts: while the parcel is in that state;
//   - balance alerts are not a parcel's: always due here (the caller checks
//     the balance).
func StillDue(p Planned, st tracking.Status, now time.Time) (bool, string) {
	planned := p.SendAt
	if planned.IsZero() {
		planned = p.Due
	}
	late := now.Sub(planned) > outOfDate
	switch p.Trigger {
	case TriggerLowBalance, TriggerBalanceExhausted:
		return true, ""
	case TriggerReturned, TriggerTrackError, TriggerStale:
		if tr, _ := merchantAlert(st.State); tr != p.Trigger {
			return false, "parcel is " + string(st.State) + " now"
		}
		return true, ""
	case TriggerShipped:
		if !onTheWay(st.State) {
			return false, gone(st.State)
		}
		return true, ""
	case TriggerProbablyArrived:
		if st.State != tracking.StateProbablyArrived {
			return false, gone(st.State)
		}
		return true, ""
	case TriggerDelivered:
		switch {
		case st.State != tracking.StateDelivered:
			return false, "parcel is " + string(st.State) + ", not delivered"
		case late:
			return false, "out of date: planned for " + planned.Format(time.RFC3339)
		}
		return true, ""
	case TriggerArrived, TriggerReminder:
		base, ep := parseStep(p.Step)
		switch {
		case !st.State.Waiting():
			return false, gone(st.State)
		case ep != st.Episode():
			return false, "an earlier stay at a delivery point"
		case !st.Deadline.IsZero() && now.After(st.Deadline):
			return false, "storage ended"
		case p.Trigger == TriggerArrived:
			return true, ""
		case base == stepLastDay && st.Deadline.IsZero():
			return false, "deadline no longer known"
		case base != stepLastDay && late:
			return false, "out of date: planned for " + planned.Format(time.RFC3339)
		}
		return true, ""
	}
	return false, "unknown trigger " + string(p.Trigger)
}

// gone says why a message about the way to the buyer is over.
func gone(s tracking.State) string {
	switch {
	case s == tracking.StateDelivered:
		return "parcel delivered"
	case s.Waiting():
		return "parcel already arrived"
	}
	return "parcel is " + string(s) + " now"
}

// PlanBalanceAlert plans a merchant's balance e-mail (TriggerLowBalance or
// TriggerBalanceExhausted) noticed at at: it goes at the next moment the
// window allows in the shop's zone, and its key names the shop, the trigger
// and the date it goes on — one alert per shop, trigger and day, however
// often the balance is found short. A nil zone is Moscow.
func PlanBalanceAlert(shopID string, trigger Trigger, at time.Time, zone *time.Location, w Window) Planned {
	send := w.Next(at, orMoscow(zone))
	date := send.Format(time.DateOnly)
	return Planned{
		Key:     "balance:" + shopID + ":" + string(trigger) + ":" + date,
		Trigger: trigger, Channel: KindEmail, Step: date,
		Due: at, SendAt: send, ToMerchant: true,
	}
}
