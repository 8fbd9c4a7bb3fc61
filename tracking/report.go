package tracking

import "time"

// Report is the stable JSON form of a Status, printed by `parceltrack
// classify` and usable by APIs. Absent values are null; instants are RFC 3339
// with the office's own UTC offset (fractional seconds only when present).
type Report struct {
	Track       string        `json:"track"`
	State       State         `json:"state"`
	Days        int           `json:"days"`
	ArrivedAt   *time.Time    `json:"arrived_at"`
	Deadline    *time.Time    `json:"deadline"`
	OfficeIndex *string       `json:"office_index"`
	OfficeName  *string       `json:"office_name"`
	LastEventAt *time.Time    `json:"last_event_at"`
	Events      []ReportEvent `json:"events"`
}

// ReportEvent is one event in a Report.
type ReportEvent struct {
	At          time.Time `json:"at"`
	Type        int       `json:"type"`
	Attr        int       `json:"attr"`
	Name        string    `json:"name"`
	OfficeIndex *string   `json:"office_index"`
}

// Report builds the JSON form for the given track number. Events are in time
// order (Status.Events is already sorted) and always an array, never null.
func (s Status) Report(track string) Report {
	r := Report{
		Track:       track,
		State:       s.State,
		Days:        s.Days,
		ArrivedAt:   timePtr(s.ArrivedAt),
		Deadline:    timePtr(s.Deadline),
		OfficeIndex: strPtr(s.OfficeIndex),
		OfficeName:  strPtr(s.OfficeName),
		LastEventAt: timePtr(s.LastEventAt),
		Events:      make([]ReportEvent, 0, len(s.Events)),
	}
	for _, e := range s.Events {
		r.Events = append(r.Events, ReportEvent{
			At:          e.At,
			Type:        e.Type,
			Attr:        e.Attr,
			Name:        e.DisplayName(),
			OfficeIndex: strPtr(e.OfficeIndex),
		})
	}
	return r
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
