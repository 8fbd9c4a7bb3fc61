package tracking

import (
	"encoding/json"
	"testing"
)

func TestReportJSON(t *testing.T) {
	t.Parallel()
	events := []Event{
		// Unsorted, mixed offsets, a carrier-supplied name and a missing index.
		{At: at(t, "2024-03-05T10:00:00+07:00"), Type: 8, Attr: 2, OfficeIndex: "630000", OfficeName: "Новосибирск 630000"},
		{At: at(t, "2024-03-01T10:00:00+03:00"), Type: 1, Attr: 1, Name: "Прием", OfficeIndex: "101000", OfficeName: "Москва 101000"},
		{At: at(t, "2024-03-03T08:00:00+03:00"), Type: 99, Attr: 1},
	}
	f := Facts{Track: "80092063905992", DestinationPostcode: "630001", MailKind: MailParcel}
	tests := []struct {
		name   string
		facts  Facts
		events []Event
		now    string
		want   string
	}{
		{"waiting with events", f, events, "2024-03-11T10:00:00+07:00",
			`{"track":"80092063905992","state":"waiting","days":6,"arrived_at":"2024-03-05T10:00:00+07:00",` +
				`"deadline":"2024-03-21T23:59:59+07:00","office_index":"630000","office_name":"Новосибирск 630000",` +
				`"last_event_at":"2024-03-05T10:00:00+07:00","events":[` +
				`{"at":"2024-03-01T10:00:00+03:00","type":1,"attr":1,"name":"Прием","office_index":"101000"},` +
				`{"at":"2024-03-03T08:00:00+03:00","type":99,"attr":1,"name":"Операция 99/1","office_index":null},` +
				`{"at":"2024-03-05T10:00:00+07:00","type":8,"attr":2,"name":"Прибыло в место вручения","office_index":"630000"}]}`},
		{"registered: nulls and an empty array", f, nil, "2024-03-11T10:00:00+03:00",
			`{"track":"80092063905992","state":"registered","days":0,"arrived_at":null,"deadline":null,` +
				`"office_index":null,"office_name":null,"last_event_at":null,"events":[]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st := Classify(tt.facts, tt.events, at(t, tt.now), DefaultRules())
			b, err := json.Marshal(st.Report(tt.facts.Track))
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Errorf("JSON =\n%s\nwant\n%s", b, tt.want)
			}
		})
	}
}
