// Package tracking is the domain core: barcodes, normalised carrier events, the
// operation-code table, the state model and its classifier. It does no I/O.
package tracking

import "time"

// Event is one carrier operation in a carrier-neutral form. Carriers map their
// own records onto it; the classifier reads only these fields.
type Event struct {
	// At is the instant of the operation, kept in the office's own UTC offset so
	// that "local day" questions can be answered without a timezone database.
	At          time.Time `json:"at"`
	Type        int       `json:"type"`
	Attr        int       `json:"attr"`
	Name        string    `json:"name,omitempty"`
	OfficeIndex string    `json:"office_index,omitempty"`
	OfficeName  string    `json:"office_name,omitempty"`
	// Raw keeps carrier-specific detail (e.g. the operation name as the carrier
	// spelled it) for support staff; the classifier never reads it.
	Raw string `json:"-"`
}
