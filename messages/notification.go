// Package messages joins the parts that reach a buyer: it plans what a
// parcel's new state makes due (package notify decides what and when),
// keeps each message as one row of the outbox under its unique key, and
// dispatches due rows — charged to the shop's balance, sent through a
// channel, refunded when the provider fails them.
//
// The package imports no database code: it declares the stores it needs
// (Store, Parcels, Shops, Biller) and package storage implements them.
//
// A message's life (docs/state-model.md, "Messages"):
//
//	queued ──claim──▶ charged ──▶ sending ──▶ sent ──report──▶ delivered
//	  │  ▲                          │           └──report──▶ failed (refunded)
//	  │  └── temporary failure ─────┤
//	  │       (backoff, limited)    └── permanent failure ──▶ failed (refunded)
//	  ├──▶ skipped      (no longer true: the parcel was collected, …)
//	  └──▶ no_balance ──credit──▶ queued
//
// A row a crash left in "sending" is never sent again: it becomes failed
// ("outcome unknown") and is refunded, so the buyer gets the message at
// most once and the shop pays only for what surely went.
package messages

import (
	"time"

	"parceltrack/notify"
	"parceltrack/tracking"
)

// Status is where a message stands. The values are stored.
type Status string

// Statuses; final ones never change again, except sent, which a delivery
// report turns into delivered or failed.
const (
	// StatusQueued waits for its send time (NextAt), or for a retry.
	StatusQueued Status = "queued"
	// StatusNoBalance waits for a credit: the balance could not pay it.
	StatusNoBalance Status = "no_balance"
	// StatusSending is handed to the provider and its answer not yet
	// recorded.
	StatusSending Status = "sending"
	// StatusSent is accepted by the provider.
	StatusSent Status = "sent"
	// StatusDelivered is reported delivered (or, for a call, answered).
	StatusDelivered Status = "delivered"
	// StatusFailed will not be sent; its charge, if any, is refunded.
	StatusFailed Status = "failed"
	// StatusSkipped was no longer true when its time came (a reminder for a
	// parcel already collected); never charged.
	StatusSkipped Status = "skipped"
)

// Final reports whether nothing more will be done with the message (a
// delivery report may still turn sent into delivered or failed).
func (s Status) Final() bool {
	switch s {
	case StatusSent, StatusDelivered, StatusFailed, StatusSkipped:
		return true
	}
	return false
}

// Label is the status in the merchant's words.
func (s Status) Label() string {
	switch s {
	case StatusQueued:
		return "ждёт своего времени"
	case StatusNoBalance:
		return "ждёт пополнения баланса"
	case StatusSending:
		return "отправляется"
	case StatusSent:
		return "отправлено"
	case StatusDelivered:
		return "доставлено"
	case StatusFailed:
		return "не доставлено"
	case StatusSkipped:
		return "не понадобилось"
	}
	return string(s)
}

// Notification is one message of the outbox: planned once under its key,
// then worked by the dispatcher until its status is final.
type Notification struct {
	// Key is notify.Planned.Key: parcel, trigger, channel and step. A buyer
	// gets each key at most once; the ledger charges it under the same ref.
	Key        string
	ShopID     string
	ParcelID   string // empty for the shop's balance alerts
	Trigger    notify.Trigger
	Channel    notify.ChannelKind
	Step       string
	ToMerchant bool
	// Due is when the trigger fired; SendAt when the plan said the message
	// may go (the window and the day-after rule applied).
	Due    time.Time
	SendAt time.Time
	// Zone is the recipient's IANA zone, in which the window is kept.
	Zone   string
	Status Status
	// NextAt is when the dispatcher looks at the row next: SendAt at
	// first, later a retry's time or the morning after quiet hours. Zero
	// when there is nothing to do (a final status, waiting for a credit).
	NextAt   time.Time
	Attempts int
	// To is the address the message went to (E.164 or e-mail); Subject
	// and Text what it said (the e-mail's plain part).
	To       string
	Subject  string
	Text     string
	Segments int
	// Price is what the message costs in kopecks (0 for the merchant's
	// alerts, which are free); Charged says the ledger took it.
	Price   int64
	Charged bool
	// Refunded says the charge was given back (ref RefundRef).
	Refunded   bool
	ProviderID string
	// Delivery is the provider's last delivery status ("delivered",
	// "undelivered", "no-answer", ...).
	Delivery string
	// Error says why the message failed, was skipped or is retried.
	Error     string
	CreatedAt time.Time
	UpdatedAt time.Time
	SentAt    time.Time
}

// ChargeRef is the ledger ref the message is charged under: its key.
func (n Notification) ChargeRef() string { return n.Key }

// RefundRef is the ledger ref of the message's refund.
func (n Notification) RefundRef() string { return "refund:" + n.Key }

// Planned is the row's plan, for notify.StillDue.
func (n Notification) Planned() notify.Planned {
	return notify.Planned{Key: n.Key, ParcelID: n.ParcelID, Trigger: n.Trigger, Channel: n.Channel, Step: n.Step,
		Due: n.Due, SendAt: n.SendAt, ToMerchant: n.ToMerchant}
}

// Location is the recipient's zone (Moscow when unknown).
func (n Notification) Location() *time.Location { return parseZone(n.Zone) }

// newNotification makes the outbox row of a planned message.
func newNotification(shopID string, p notify.Planned, zone *time.Location, now time.Time) Notification {
	return Notification{Key: p.Key, ShopID: shopID, ParcelID: p.ParcelID, Trigger: p.Trigger, Channel: p.Channel,
		Step: p.Step, ToMerchant: p.ToMerchant, Due: p.Due, SendAt: p.SendAt, Zone: zoneName(zone, p.SendAt),
		Status: StatusQueued, NextAt: p.SendAt, CreatedAt: now, UpdatedAt: now}
}

// zoneName writes a zone so parseZone reads it back: its IANA name, or for
// a fixed offset (a zone taken from a carrier event) the offset, "+07:00".
func zoneName(loc *time.Location, at time.Time) string {
	if loc == nil {
		return ""
	}
	if _, err := time.LoadLocation(loc.String()); err == nil && loc.String() != "Local" {
		return loc.String()
	}
	return at.In(loc).Format("-07:00")
}

// parseZone reads what zoneName wrote; Moscow when empty or unreadable.
func parseZone(name string) *time.Location {
	if name == "" {
		return tracking.Moscow
	}
	if name[0] == '+' || name[0] == '-' {
		if t, err := time.Parse("-07:00", name); err == nil {
			_, off := t.Zone()
			return time.FixedZone(name, off)
		}
		return tracking.Moscow
	}
	if loc, err := time.LoadLocation(name); err == nil {
		return loc
	}
	return tracking.Moscow
}
