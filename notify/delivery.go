package notify

import "time"

// Delivery is the latest delivery status a provider reported for one
// message (Twilio's status callbacks for SMS and calls).
type Delivery struct {
	// ProviderID is the Twilio SID ("SM…", "CA…").
	ProviderID string
	Channel    ChannelKind
	// Status is the provider's word, lower case ("delivered", "failed", ...).
	Status string
	// Final: the provider will not report again (see FinalStatus).
	Final     bool
	ErrorCode string
	UpdatedAt time.Time
}

// FinalStatus reports whether Twilio reports nothing more about a message
// or a call after status.
func FinalStatus(status string) bool {
	switch status {
	case "delivered", "undelivered", "failed", "read", "canceled",
		"completed", "busy", "no-answer":
		return true
	}
	return false
}
