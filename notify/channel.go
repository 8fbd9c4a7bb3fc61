// Package notify turns parcel states into messages to buyers and merchants and
// hands them to providers.
//
// The message side is pure (no I/O): zones.go finds the buyer's time zone,
// when.go the moments a message may go, texts.go and render.go hold the
// default texts and fill their placeholders, plan.go says what a status makes
// due (Plan) and whether it still is at send time (StillDue), and replay.go
// runs both over a saved carrier history.
//
// The channel files (channel*.go, sms*.go, voice*.go, email*.go, phone*.go,
// segments*.go) hold the provider side: a transport-neutral Message, the
// Channel interface with Twilio SMS, Twilio voice and SMTP e-mail
// implementations, typed send errors, phone normalisation and SMS segment
// counts.
package notify

import "context"

// ChannelKind names a delivery channel. The values are stored in the database
// and appear in idempotency keys, so they must never change.
type ChannelKind string

// The channels a message can go out on.
const (
	KindSMS   ChannelKind = "sms"
	KindVoice ChannelKind = "voice"
	KindEmail ChannelKind = "email"
)

// Valid reports whether k is one of the known channels.
func (k ChannelKind) Valid() bool {
	switch k {
	case KindSMS, KindVoice, KindEmail:
		return true
	}
	return false
}

// Message is one rendered message, ready for a provider. It carries no
// business state: templates, quiet hours and billing are decided before.
type Message struct {
	Channel ChannelKind
	// To is an E.164 phone number (sms, voice) or an e-mail address (email).
	To string
	// Subject is used by e-mail only.
	Subject string
	// Text is the SMS body, the words a call speaks, or the e-mail's plain part.
	Text string
	// HTML is the e-mail's HTML part; empty sends plain text only.
	HTML string
	// Key is our idempotency key for the message (parcel + trigger + channel +
	// step). E-mail derives a stable Message-ID from it so a retried send is
	// recognisable as the same message; Twilio has no idempotency field.
	Key string
	// StatusCallback is the URL the provider reports delivery to (Twilio only).
	StatusCallback string
}

// Result is what the provider said when it accepted a message.
type Result struct {
	// ProviderID is the Twilio SID ("SM…", "CA…") or the e-mail Message-ID
	// (without angle brackets).
	ProviderID string
	// Segments is the number of billable SMS parts (0 for voice and e-mail).
	Segments int
	// Status is the provider's initial status: "queued"/"accepted" for
	// Twilio, "sent" for e-mail handed to the SMTP server.
	Status string
}

// Channel sends messages of one kind. Implementations are safe for concurrent
// use. Send returns a *SendError for every failure; see IsPermanent and
// IsTemporary for what the caller should do with it.
type Channel interface {
	Kind() ChannelKind
	Send(ctx context.Context, m Message) (Result, error)
}
