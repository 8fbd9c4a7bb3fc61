// Package carriers declares what the rest of parceltrack expects from a carrier
// client (Russian Post today, others later) and the typed error every client
// returns, so that workers can decide between "mark the parcel", "back off the
// account" and "retry later" without knowing which carrier answered.
package carriers

import (
	"context"

	"parceltrack/tracking"
)

// Carrier fetches the full operation history of one item.
type Carrier interface {
	// Name is the carrier's stable identifier as stored on parcels ("russianpost").
	Name() string
	// History returns the item's events in the carrier's response order (the
	// classifier sorts them stably). A well-formed number the carrier does not
	// know yet yields no events and a nil error. Errors are *Error or wrap one;
	// use KindOf to decide what to do.
	History(ctx context.Context, barcode string) ([]tracking.Event, error)
}

// Batcher is implemented by carriers with an asynchronous bulk interface: a batch
// of numbers is submitted for a ticket, and the answer is collected later.
type Batcher interface {
	// SubmitBatch asks for the histories of barcodes and returns the ticket to
	// collect them with.
	SubmitBatch(ctx context.Context, barcodes []string) (ticket string, err error)
	// CollectBatch returns the answer for a ticket keyed by barcode as the carrier
	// spelled it. The error wraps ErrNotReady when the answer is not prepared yet
	// and ErrExpired when the carrier no longer keeps it (submit again).
	// Barcodes missing from the map were not answered and should be asked again.
	CollectBatch(ctx context.Context, ticket string) (map[string]BatchResult, error)
}

// BatchResult is the answer for one barcode of a batch. Err is nil for a number
// the carrier does not know (no events yet); otherwise it is an *Error whose kind
// applies to this barcode alone.
type BatchResult struct {
	Events []tracking.Event
	Err    error
}
