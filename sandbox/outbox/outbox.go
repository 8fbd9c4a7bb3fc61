// Package outbox is the shared record of what the sandbox stand-ins for Twilio
// and SMTP received. The stand-ins write through the small Recorder interface;
// the wiring layer supplies a database-backed Recorder and renders the
// /sandbox/outbox page, tests use Memory.
package outbox

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"
)

// Channels a Record can belong to.
const (
	ChannelSMS   = "sms"
	ChannelVoice = "voice"
	ChannelEmail = "email"
)

// Statuses the stand-ins record. Twilio's own words are used for SMS and calls
// so the outbox page reads like the provider's console.
const (
	StatusQueued      = "queued"      // accepted by the Twilio stand-in
	StatusRejected    = "rejected"    // answered with an API error (e.g. 21211)
	StatusDelivered   = "delivered"   // SMS status callback sent
	StatusUndelivered = "undelivered" // SMS status callback reported failure
	StatusCompleted   = "completed"   // call status callback sent
	StatusNoAnswer    = "no-answer"   // call status callback reported failure
	StatusReceived    = "received"    // accepted by the SMTP sink
)

// Record is one message or call as the stand-in saw it on the wire.
type Record struct {
	// ID is the provider's identifier: the Twilio SID ("SM…", "CA…") or the
	// e-mail Message-ID. Recording the same ID again replaces the earlier record.
	ID      string `bson:"_id" json:"id"`
	Channel string `bson:"channel" json:"channel"`
	To      string `bson:"to" json:"to"`
	From    string `bson:"from,omitempty" json:"from,omitempty"`
	Subject string `bson:"subject,omitempty" json:"subject,omitempty"`
	// Text is the SMS body, the words a call speaks, or the e-mail's plain part.
	Text   string `bson:"text,omitempty" json:"text,omitempty"`
	HTML   string `bson:"html,omitempty" json:"html,omitempty"`
	Status string `bson:"status" json:"status"`
	// Error is the provider error code and message for a rejected or failed item.
	Error     string    `bson:"error,omitempty" json:"error,omitempty"`
	CreatedAt time.Time `bson:"created_at" json:"created_at"`
	// Raw is the request as received (form body, TwiML or MIME source), capped
	// by the stand-in so one huge message cannot bloat the store.
	Raw string `bson:"raw,omitempty" json:"raw,omitempty"`
}

// Recorder stores what a stand-in received. Record is an upsert by ID: the
// Twilio stand-in records a message when it is accepted and again when its
// status callback changes the status.
type Recorder interface {
	Record(ctx context.Context, r Record) error
}

// ErrNoID is returned when a record without an ID is stored.
var ErrNoID = errors.New("outbox: record without id")

// Memory is an in-process Recorder for tests and for running without a
// database. It is safe for concurrent use; the zero value is ready.
type Memory struct {
	mu      sync.Mutex
	records []Record // in insertion order
}

// Record stores r, replacing an earlier record with the same ID in place
// (keeping its original CreatedAt when r has none).
func (m *Memory) Record(_ context.Context, r Record) error {
	if r.ID == "" {
		return ErrNoID
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.records {
		if m.records[i].ID == r.ID {
			if r.CreatedAt.IsZero() {
				r.CreatedAt = m.records[i].CreatedAt
			}
			m.records[i] = r
			return nil
		}
	}
	m.records = append(m.records, r)
	return nil
}

// List returns a copy of the records, newest first.
func (m *Memory) List() []Record {
	m.mu.Lock()
	out := slices.Clone(m.records)
	m.mu.Unlock()
	slices.Reverse(out)
	return out
}

// Get returns the record with the given ID.
func (m *Memory) Get(id string) (Record, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range m.records {
		if r.ID == id {
			return r, true
		}
	}
	return Record{}, false
}

// Len reports how many records are stored.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.records)
}
