package notify

import (
	"strings"
	"testing"
)

// TestZonesTable holds the embedded table to its promises: it parses (every
// zone loads from the embedded tz database and no prefix is listed twice),
// it names all 85 federal subjects, and a place listed by its whole
// postcode lies in the region its prefix names.
func TestZonesTable(t *testing.T) {
	t.Parallel()
	table, err := parseZones(zonesTSV)
	if err != nil {
		t.Fatal(err)
	}
	regions := map[string]bool{}
	for p, r := range table.byPrefix {
		if r.Zone == nil || r.Name == "" {
			t.Errorf("prefix %s: %+v", p, r)
		}
		regions[r.Name] = true
	}
	for p, r := range table.byPostcode {
		if !regions[r.Name] {
			t.Errorf("postcode %s names %q, which has no prefix of its own", p, r.Name)
		}
		if prefix := table.byPrefix[p[:3]]; prefix.Name != r.Name {
			t.Errorf("postcode %s is in %q but its prefix is %q's", p, r.Name, prefix.Name)
		}
	}
	if len(regions) != 85 {
		t.Errorf("%d regions, want the 85 federal subjects", len(regions))
	}
	if len(table.byPrefix) < 250 {
		t.Errorf("only %d prefixes", len(table.byPrefix))
	}
}

func TestParseZonesRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, tsv, want string
	}{
		{"prefix twice", "A\tEurope/Moscow\t101-103\nB\tEurope/Moscow\t103", "103 is already A"},
		{"same postcode on two lines", "A\tEurope/Moscow\t101000\nB\tAsia/Omsk\t101000", "101000 is already A"},
		{"unknown zone", "A\tEurope/Atlantis\t101", "unknown time zone"},
		{"reversed range", "A\tEurope/Moscow\t129-101", "bad prefix"},
		{"short prefix", "A\tEurope/Moscow\t10", "bad prefix"},
		{"no prefixes", "A\tEurope/Moscow", "want region, zone and prefixes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := parseZones(tt.tsv)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("parseZones: %v, want an error with %q", err, tt.want)
			}
		})
	}
}
