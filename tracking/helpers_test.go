package tracking

import (
	"testing"
	"time"
)

// at parses an RFC 3339 instant, keeping its offset.
func at(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("bad test time %q: %v", s, err)
	}
	return v
}

func ev(when time.Time, typ, attr int, office string) Event {
	return Event{At: when, Type: typ, Attr: attr, OfficeIndex: office, OfficeName: "ОПС " + office}
}

// baseFacts is a Moscow → Omsk parcel entered a day before the first event.
func baseFacts(t testing.TB) Facts {
	return Facts{
		Track:               "80092063905992",
		EnteredAt:           at(t, "2024-02-29T10:00:00+03:00"),
		DestinationPostcode: "644008",
		MailKind:            MailParcel,
	}
}
