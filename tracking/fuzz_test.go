package tracking

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"
)

func FuzzValidate(f *testing.F) {
	for _, s := range []string{
		"62009147017544", "14102192069353", "80092063905992", "RD025500807SE", "RR123456785EE",
		"LK035658376US", "RR123456789EE", "RA644000001RU", "", " ", "ra-644 000 001ru", "РА644000001RU",
		"8009206390599", "800920639059921", "R1123456785EE", "\xff\xfe", "٣٤٥", "ǅ",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := Validate(s)
		n := Normalize(s)
		if Normalize(n) != n {
			t.Fatalf("Normalize not idempotent: %q -> %q -> %q", s, n, Normalize(n))
		}
		if err != nil {
			if !errors.Is(err, ErrBarcodeEmpty) && !errors.Is(err, ErrBarcodeFormat) {
				t.Fatalf("unexpected error %v", err)
			}
			if BarcodeErrorText(err) == "" {
				t.Fatalf("no Russian text for %v", err)
			}
			return
		}
		if b.Number != n {
			t.Fatalf("Number %q != Normalize %q", b.Number, n)
		}
		switch b.Kind {
		case BarcodeDomestic:
			if len(n) != 14 || !allDigits(n) {
				t.Fatalf("domestic %q has the wrong shape", n)
			}
			fixed, err := MakeDomestic(n[:13])
			if err != nil || (fixed == n) != b.CheckOK {
				t.Fatalf("MakeDomestic(%q) = %q, %v; CheckOK = %v", n[:13], fixed, err, b.CheckOK)
			}
		case BarcodeInternational:
			if !isS10Shape(n) {
				t.Fatalf("international %q has the wrong shape", n)
			}
		default:
			t.Fatalf("unknown kind %q", b.Kind)
		}
	})
}

// fuzzEvents turns bytes into events, 5 bytes each: type, attr, UTC offset,
// and a 16-bit minute offset from a base instant (so histories come unsorted).
func fuzzEvents(data []byte) []Event {
	base := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	var evs []Event
	for len(data) >= 5 {
		typ, attr := int(data[0]%70), int(data[1]%80)
		if data[0] >= 250 {
			typ = int(data[0]) * 1000 // unknown, large codes
		}
		zone := time.FixedZone("", (int(data[2]%27)-12)*3600)
		mins := int(data[3])<<8 | int(data[4])
		office := []string{"", "0", "644008", "644960", "101000"}[int(data[2])%5]
		evs = append(evs, Event{At: base.Add(time.Duration(mins) * time.Minute * 3).In(zone), Type: typ, Attr: attr, OfficeIndex: office})
		data = data[5:]
	}
	return evs
}

func FuzzClassify(f *testing.F) {
	f.Add([]byte{1, 1, 15, 0, 0, 8, 4, 15, 0, 100, 8, 2, 16, 1, 0}, int64(2000), uint8(0))
	f.Add([]byte{8, 2, 3, 0, 10, 4, 1, 20, 0, 5, 8, 2, 3, 0, 200, 8, 35, 0, 1, 0}, int64(5000), uint8(0))
	f.Add([]byte{8, 2, 3, 0, 10, 8, 23, 3, 1, 0, 2, 1, 0, 2, 0}, int64(-100), uint8(7))
	f.Add([]byte{255, 255, 255, 255, 255, 0, 0, 0, 0, 0}, int64(1<<40), uint8(2))
	f.Add([]byte{}, int64(100000), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, nowMinutes int64, flags uint8) {
		evs := fuzzEvents(data)
		orig := slices.Clone(evs)
		facts := Facts{
			Track:               []string{"80092063905992", "RA644000001RU", "", "bad"}[flags%4],
			EnteredAt:           time.Date(2024, 2, 28, 0, 0, 0, 0, time.UTC),
			DestinationPostcode: "644001",
			MailKind:            []MailKind{MailParcel, MailLetter, MailJudicial, MailUnknown}[flags/4%4],
			TrackError:          flags&0x80 != 0 && flags&0x40 != 0,
		}
		now := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(nowMinutes%(1<<40)) * time.Minute)
		st := Classify(facts, evs, now, DefaultRules())
		if st.Days < 0 || st.DaysLeft < 0 {
			t.Fatalf("negative days: %+v", st)
		}
		if _, ok := ParseState(string(st.State)); !ok {
			t.Fatalf("unknown state %q", st.State)
		}
		if !st.State.Waiting() && (st.Days != 0 || !st.ArrivedAt.IsZero() || !st.Deadline.IsZero()) {
			t.Fatalf("waiting fields outside a waiting state: %+v", st)
		}
		if st.State.Waiting() && !st.Deadline.IsZero() && st.Deadline.Before(st.ArrivedAt) {
			t.Fatalf("deadline %v before arrival %v", st.Deadline, st.ArrivedAt)
		}
		if len(st.Events) != len(evs) || !slices.IsSortedFunc(st.Events, func(a, b Event) int { return a.At.Compare(b.At) }) {
			t.Fatalf("events not a sorted copy")
		}
		if !slices.Equal(evs, orig) {
			t.Fatalf("input modified")
		}
		if _, err := json.Marshal(st.Report(facts.Track)); err != nil {
			t.Fatalf("report: %v", err)
		}
		_ = NextPoll(st, now, int(flags%12), float64(flags)/255)
	})
}
