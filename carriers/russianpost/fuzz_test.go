package russianpost

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"parceltrack/carriers"
)

// addSeeds adds every testdata file whose name has prefix, plus a few
// hand-made edge cases.
func addSeeds(f *testing.F, prefix string) {
	names, err := filepath.Glob(filepath.Join("testdata", prefix+"*.xml"))
	if err != nil || len(names) == 0 {
		f.Fatalf("no seeds for %s: %v", prefix, err)
	}
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(""))
	f.Add([]byte("<Envelope><Body><Fault/></Body></Envelope>"))
	f.Add([]byte(`<?xml version="1.0" encoding="windows-1251"?><Envelope/>`))
}

// checkErr asserts the parsers' contract: every failure is a classified
// *carriers.Error.
func checkErr(t *testing.T, err error) {
	if err != nil && carriers.KindOf(err) == 0 {
		t.Fatalf("unclassified error %v", err)
	}
	if err != nil && !strings.Contains(err.Error(), "carrier error") {
		t.Fatalf("error is not a *carriers.Error: %v", err)
	}
}

func FuzzParseHistory(f *testing.F) {
	addSeeds(f, "rtm34_")
	f.Fuzz(func(t *testing.T, body []byte) {
		events, err := ParseHistory(body)
		checkErr(t, err)
		if err != nil && events != nil {
			t.Fatal("events returned with an error")
		}
	})
}

func FuzzParseTicket(f *testing.F) {
	addSeeds(f, "fc_ticket")
	f.Fuzz(func(t *testing.T, body []byte) {
		ticket, err := ParseTicket(body)
		checkErr(t, err)
		if err == nil && ticket == "" {
			t.Fatal("empty ticket without an error")
		}
	})
}

func FuzzParseAnswer(f *testing.F) {
	addSeeds(f, "fc_answer")
	f.Fuzz(func(t *testing.T, body []byte) {
		answer, err := ParseAnswer(body)
		checkErr(t, err)
		for barcode, r := range answer {
			if barcode == "" {
				t.Fatal("empty barcode key")
			}
			checkErr(t, r.Err)
		}
	})
}
