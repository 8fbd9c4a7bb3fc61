package rpsandbox

import (
	"log/slog"
	"strconv"
	"testing"
	"time"
)

func TestCheckDigits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		barcode string
		valid   bool
	}{
		{"62009147017544", true}, {"14102192069353", true}, {"80092063905992", true},
		{"62009147017545", false},
		{"RD025500807SE", true}, {"RR123456785EE", true}, {"LK035658376US", true},
		{"RR123456789EE", false}, {"RA644000001RU", false},
		{"6200914701754", false}, {"rd025500807SE", false},
	}
	for _, tc := range tests {
		t.Run(tc.barcode, func(t *testing.T) {
			t.Parallel()
			if got := validCheck(tc.barcode); got != tc.valid {
				t.Fatalf("validCheck = %v, want %v", got, tc.valid)
			}
		})
	}
}

func TestScenarioSelection(t *testing.T) {
	t.Parallel()
	tests := []struct {
		barcode string
		want    string
	}{
		{"RA644000001RU", TestNumber},
		{"62009147017545", Unknown}, // wrong check digit
		{"6200914701754", Malformed},
		{"RA64400000RU", Malformed},
		{"", Malformed},
		{"62009147017544", Scenarios()[4].ID}, // selector digit 4
		{"RD025500807SE", Scenarios()[0].ID},  // S10: digit before the check digit is 0
	}
	for _, tc := range tests {
		t.Run(tc.barcode, func(t *testing.T) {
			t.Parallel()
			if got := ScenarioFor(tc.barcode).ID; got != tc.want {
				t.Fatalf("ScenarioFor = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestBarcodeMintsSelectingNumbers(t *testing.T) {
	t.Parallel()
	for _, sc := range Scenarios() {
		seen := map[string]bool{}
		for _, n := range []int{0, 1, 2, 9999, 10000, 123456, 899999, -5} {
			bc := Barcode(sc, n)
			if got := ScenarioFor(bc).ID; got != sc.ID {
				t.Fatalf("%s n=%d: %q selects %s", sc.ID, n, bc, got)
			}
			if sc.ID != Malformed && sc.ID != TestNumber {
				if !isDomestic(bc) || !validCheck(bc) || bc[:6] != sc.Origin.Index {
					t.Fatalf("%s n=%d: %q is not a valid domestic number from %s", sc.ID, n, bc, sc.Origin.Index)
				}
				if seen[bc] {
					t.Fatalf("%s: %q minted twice", sc.ID, bc)
				}
				seen[bc] = true
			}
		}
	}
	if Barcode(Scenario{ID: "nope"}, 1) != "" {
		t.Fatal("unknown scenario must mint nothing")
	}
}

// codes lists a scenario's steps as "type/attr".
func codes(sc Scenario) []string {
	var out []string
	for _, s := range sc.Steps {
		out = append(out, itoa(s.Type)+"/"+itoa(s.Attr))
	}
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }

func indexOf(list []string, v string, from int) int {
	for i := from; i < len(list); i++ {
		if list[i] == v {
			return i
		}
	}
	return -1
}

// TestScenarioStories pins that each script tells the story its title promises.
func TestScenarioStories(t *testing.T) {
	t.Parallel()
	byID := map[string]Scenario{}
	for _, sc := range Scenarios() {
		byID[sc.ID] = sc
		if sc.Title == "" || sc.Description == "" {
			t.Errorf("%s has no Russian title or description", sc.ID)
		}
		for _, st := range sc.Steps {
			if st.TypeName == "" || len(st.Office.Index) != 6 || st.Office.Name == "" {
				t.Errorf("%s: incomplete step %+v", sc.ID, st)
			}
		}
	}
	last := func(id string) string { c := codes(byID[id]); return c[len(c)-1] }
	tests := []struct {
		name  string
		check func() bool
	}{
		{"delivered fast ends handed to the addressee within 5 days", func() bool {
			sc := byID[DeliveredFast]
			return last(DeliveredFast) == "2/1" && sc.Steps[len(sc.Steps)-1].After < 5*24*time.Hour
		}},
		{"collected waits at least 5 days after 8/2", func() bool {
			sc, c := byID[Collected], codes(byID[Collected])
			i := indexOf(c, "8/2", 0)
			return last(Collected) == "2/1" && sc.Steps[len(sc.Steps)-1].After-sc.Steps[i].After >= 5*24*time.Hour
		}},
		{"returned: 8/35, 8/28, 8/42, 8/40, 3/1 then back to the sender", func() bool {
			c := codes(byID[Returned])
			i := indexOf(c, "8/35", 0)
			for _, v := range []string{"8/28", "8/42", "8/40", "8/41", "3/1", "2/2"} {
				if i = indexOf(c, v, i+1); i < 0 {
					return false
				}
			}
			return true
		}},
		{"returned packet has every N-days-left notice in order", func() bool {
			c, i := codes(byID[ReturnedPacket]), 0
			for _, v := range []string{"8/2", "8/27", "8/33", "8/35", "8/28", "8/42", "8/40", "3/1", "2/2"} {
				if i = indexOf(c, v, i); i < 0 {
					return false
				}
			}
			return true
		}},
		{"stuck ends with 8/4 at a centre sharing the destination's first 3 digits", func() bool {
			sc := byID[Stuck]
			st := sc.Steps[len(sc.Steps)-1]
			return last(Stuck) == "8/4" && st.Office.Index[:3] == sc.Destination.Index[:3]
		}},
		{"lost ends with 5/1", func() bool { return last(Lost) == "5/1" }},
		{"unknown has no steps", func() bool { return len(byID[Unknown].Steps) == 0 }},
		{"forwarded arrives twice with 4/* between", func() bool {
			c := codes(byID[Forwarded])
			i := indexOf(c, "8/2", 0)
			j := indexOf(c, "4/1", i)
			return i >= 0 && j > i && indexOf(c, "8/2", j) > j && last(Forwarded) == "2/1"
		}},
		{"refused has 3/4 and ends with the sender", func() bool {
			return indexOf(codes(byID[Refused]), "3/4", 0) > 0 && last(Refused) == "2/2"
		}},
		{"quirks: unknown code, a tie and a late out-of-order record", func() bool {
			sc := byID[Quirks]
			unknown, tie, late := false, false, false
			for i, st := range sc.Steps {
				unknown = unknown || st.Type == 99
				if i > 0 {
					tie = tie || st.After == sc.Steps[i-1].After
					late = late || (st.Shown > st.After && st.After < sc.Steps[i-1].After)
				}
			}
			return unknown && tie && late
		}},
		{"mixed offsets somewhere", func() bool {
			for _, st := range byID[Returned].Steps {
				if st.Office.UTCOffset != byID[Returned].Steps[0].Office.UTCOffset {
					return true
				}
			}
			return false
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if !tc.check() {
				t.Fatal("scenario does not tell its story")
			}
		})
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
