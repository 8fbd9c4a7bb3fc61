package tracking

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

// Schedule is the polling schedule of one parcel (same id as the parcel),
// kept apart from the parcel because it is written on every poll: it stays
// small, and it carries every fact the classifier needs, so a poll never
// reads the parcel.
type Schedule struct {
	ID           string
	ShopID       string
	Track        string
	Carrier      string
	EnteredAt    time.Time
	DestPostcode string
	MailKind     MailKind
	StorageDays  int
	State        State
	// EventsHash fingerprints the stored history, so an unchanged carrier
	// answer costs no write to the parcel.
	EventsHash string
	// NextPollAt is zero when the parcel is no longer polled (terminal,
	// stale, stopped, waiting for money).
	NextPollAt   time.Time
	Priority     int
	Failures     int
	LastError    string
	LastPolledAt time.Time
	PollCount    int
}

// Facts are the classifier's facts about the scheduled parcel.
func (s Schedule) Facts() Facts {
	return Facts{
		Track:               s.Track,
		EnteredAt:           s.EnteredAt,
		DestinationPostcode: s.DestPostcode,
		MailKind:            s.MailKind,
		StorageDays:         s.StorageDays,
	}
}

// Claim is a batch of schedules leased to one worker until Until (wall
// clock). Token names the claim: a lease carrying another token was taken
// over and is no longer this claim's.
type Claim struct {
	Token string
	Until time.Time
	Rows  []Schedule
}

// IDs lists the claimed schedules' ids.
func (c Claim) IDs() []string {
	ids := make([]string, len(c.Rows))
	for i, r := range c.Rows {
		ids[i] = r.ID
	}
	return ids
}

// Ticket is a batch request outstanding at a carrier: the schedules it asked
// about and when to ask for its answer. It is kept in the database, not in a
// worker, so a worker that dies with a ticket outstanding loses nothing: any
// worker collects it once its collection lease has ended.
type Ticket struct {
	// ID is the carrier's ticket.
	ID      string
	Carrier string
	// Token is the claim token the rows were leased with by Submitter.
	Token     string
	Submitter string
	Parcels   []TicketParcel
	// SubmittedAt and NextTryAt are on the tracking clock, the carrier's:
	// the answer may be asked for no sooner than 15 minutes after the ticket.
	SubmittedAt time.Time
	NextTryAt   time.Time
	Tries       int
	// RowsUntil is when the rows' lease ends (wall clock); the collector
	// extends it while the answer is late.
	RowsUntil time.Time
	// Owner and LeaseUntil name the worker collecting the ticket now and
	// until when (wall clock); an empty Owner means nobody.
	Owner      string
	LeaseUntil time.Time
}

// TicketParcel is one schedule asked about in a ticket.
type TicketParcel struct {
	ID    string
	Track string
}

// IDs lists the ticket's schedule ids.
func (t Ticket) IDs() []string {
	ids := make([]string, len(t.Parcels))
	for i, p := range t.Parcels {
		ids[i] = p.ID
	}
	return ids
}

// Answer is what a carrier said about one track, in the state model's terms
// (package carriers turns its clients' results into one).
type Answer struct {
	// Events is the history, when the carrier gave one.
	Events []Event
	// Rejected: the carrier refused the number for good (a malformed
	// barcode): the track is wrong, and no poll will change that.
	Rejected bool
	// Failed: no answer this time (retried with back-off); RetryAfter is
	// the carrier's hint.
	Failed     bool
	RetryAfter time.Duration
	// Reason is the carrier's word on a rejection or a failure.
	Reason string
}

// PollOutcome is what one poll writes on a schedule.
type PollOutcome struct {
	State      State
	EventsHash string
	// NextPollAt zero stops polling.
	NextPollAt time.Time
	Priority   int
	Failures   int
	LastError  string
	PolledAt   time.Time
}

// Verdict is what one answer means for a scheduled parcel.
type Verdict struct {
	// Status is the parcel's new status; its State is empty after a failed
	// poll, which leaves the parcel as it was.
	Status  Status
	Outcome PollOutcome
	// Changed: the history or the state differ from what the schedule
	// records, so the parcel must be written.
	Changed bool
	// StateChanged: the state moved (what status sync and messages follow).
	StateChanged bool
}

// Failed reports whether the poll brought no answer.
func (v Verdict) Failed() bool { return v.Status.State == "" }

// Change is what a stored poll changed about a parcel — its history, its
// state or both — told to the hooks that follow parcels (status sync,
// messages).
type Change struct {
	// Schedule is the parcel's schedule as it was claimed: its State is the
	// state before the poll.
	Schedule Schedule
	// Status is the parcel classified at At (the tracking clock).
	Status Status
	At     time.Time
}

// StateChanged reports whether the state moved, not only the history.
func (c Change) StateChanged() bool { return c.Status.State != c.Schedule.State }

// Judge applies one carrier answer to a scheduled parcel at now: a history
// is classified (rules) and scheduled by the cadence; a rejection makes the
// track wrong; a failure keeps the state and backs off — exponentially, and
// at least as long as the carrier asked. jitter is a random number in [0, 1)
// (see Cadence.Next). It is pure, like Classify.
func (c Cadence) Judge(s Schedule, a Answer, now time.Time, r Rules, jitter float64) Verdict {
	out := PollOutcome{PolledAt: now, EventsHash: s.EventsHash, State: s.State}
	if a.Failed {
		out.Failures = s.Failures + 1
		out.LastError = a.Reason
		out.NextPollAt = c.Next(Status{State: s.State}, now, out.Failures, jitter)
		if d := a.RetryAfter; d > 0 && now.Add(d).After(out.NextPollAt) {
			out.NextPollAt = now.Add(d)
		}
		out.Priority = s.Priority
		return Verdict{Outcome: out}
	}
	facts, events := s.Facts(), a.Events
	if a.Rejected {
		facts.TrackError, events = true, nil
	}
	st := Classify(facts, events, now, r)
	out.State = st.State
	out.EventsHash = hashEvents(st.Events)
	out.NextPollAt = c.Next(st, now, 0, jitter)
	out.Priority = Priority(st)
	return Verdict{
		Status:       st,
		Outcome:      out,
		Changed:      out.EventsHash != s.EventsHash || out.State != s.State,
		StateChanged: out.State != s.State,
	}
}

// hashEvents fingerprints a sorted history (its JSON form, which does not
// change with the storage mapping).
func hashEvents(events []Event) string {
	if len(events) == 0 {
		return ""
	}
	b, _ := json.Marshal(events) // plain structs: cannot fail
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:12])
}
