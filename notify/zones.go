package notify

import (
	_ "embed"
	"fmt"
	"strconv"
	"strings"
	"time"

	// The buyer's zone must not depend on the machine's tz database: a
	// container without /usr/share/zoneinfo would put every buyer in UTC and
	// wake them at night.
	_ "time/tzdata"

	"parceltrack/tracking"
)

// zonesTSV maps Russian postcode prefixes to regions and zones (see its
// header). It is embedded so the binary needs no data files at run time.
//
//go:embed zones.tsv
var zonesTSV string

// Region is a Russian federal subject as postcodes name it.
type Region struct {
	// Name is the subject's name in Russian ("Новосибирская область").
	Name string
	// Zone is the subject's time zone; for the few places listed by their
	// whole postcode (Yakutia's eastern towns) it is the place's own.
	Zone *time.Location
}

// zoneTable is the parsed zones.tsv. It is built once and only read.
type zoneTable struct {
	byPrefix   map[string]Region // three digits
	byPostcode map[string]Region // six digits, for places unlike their region
}

// postcodeZones is built at package init from the embedded file and never
// modified afterwards; a malformed embedded file is a build defect, so it
// panics (TestZonesTable pins that it parses).
var postcodeZones = mustParseZones(zonesTSV)

func mustParseZones(tsv string) zoneTable {
	t, err := parseZones(tsv)
	if err != nil {
		panic(err)
	}
	return t
}

// parseZones reads lines of "region<TAB>zone<TAB>prefix[<TAB>prefix…]",
// refusing a zone that does not load, a malformed prefix and a prefix or
// postcode listed twice (a silent second answer for the same buyer).
func parseZones(tsv string) (zoneTable, error) {
	t := zoneTable{byPrefix: make(map[string]Region, 300), byPostcode: map[string]Region{}}
	add := func(m map[string]Region, key string, r Region, line int) error {
		if prev, dup := m[key]; dup {
			return fmt.Errorf("notify: zones.tsv line %d: %s is already %s", line, key, prev.Name)
		}
		m[key] = r
		return nil
	}
	for n, line := range strings.Split(tsv, "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) < 3 || f[0] == "" {
			return zoneTable{}, fmt.Errorf("notify: zones.tsv line %d: want region, zone and prefixes", n+1)
		}
		loc, err := time.LoadLocation(f[1])
		if err != nil {
			return zoneTable{}, fmt.Errorf("notify: zones.tsv line %d: %w", n+1, err)
		}
		r := Region{Name: f[0], Zone: loc}
		for _, p := range f[2:] {
			if len(p) == 6 && allDigits(p) {
				if err := add(t.byPostcode, p, r, n+1); err != nil {
					return zoneTable{}, err
				}
				continue
			}
			from, to, ok := prefixRange(p)
			if !ok {
				return zoneTable{}, fmt.Errorf("notify: zones.tsv line %d: bad prefix %q", n+1, p)
			}
			for i := from; i <= to; i++ {
				if err := add(t.byPrefix, fmt.Sprintf("%03d", i), r, n+1); err != nil {
					return zoneTable{}, err
				}
			}
		}
	}
	return t, nil
}

// prefixRange reads "236" or "236-238".
func prefixRange(s string) (from, to int, ok bool) {
	a, b, isRange := strings.Cut(s, "-")
	if !isRange {
		b = a
	}
	if len(a) != 3 || len(b) != 3 || !allDigits(a) || !allDigits(b) {
		return 0, 0, false
	}
	from, _ = strconv.Atoi(a)
	to, _ = strconv.Atoi(b)
	return from, to, from <= to
}

func allDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// RegionForPostcode finds the federal subject of a six-digit Russian
// postcode (surrounding spaces are ignored); false for a malformed postcode
// or a prefix no region uses.
func RegionForPostcode(postcode string) (Region, bool) {
	p := strings.TrimSpace(postcode)
	if len(p) != 6 || !allDigits(p) {
		return Region{}, false
	}
	if r, ok := postcodeZones.byPostcode[p]; ok {
		return r, true
	}
	r, ok := postcodeZones.byPrefix[p[:3]]
	return r, ok
}

// Russia's offsets run from UTC+2 (Kaliningrad) to UTC+12 (Kamchatka,
// Chukotka). An event offset outside them is not an office's: most likely a
// carrier record without an offset read as UTC.
const (
	minRussianOffset = 2 * 60 * 60
	maxRussianOffset = 12 * 60 * 60
)

// BuyerZone is the zone the buyer's day is counted in: the destination
// postcode's region's; else the UTC offset of the office of the carrier's
// latest arrival event (the buyer's own office, most likely), or of its
// latest event, as a fixed zone; else fallback (the shop's zone), or Moscow
// when fallback is nil. An event whose offset is not a Russian one is passed
// over.
func BuyerZone(postcode string, events []tracking.Event, fallback *time.Location) *time.Location {
	if r, ok := RegionForPostcode(postcode); ok {
		return r.Zone
	}
	var arrival, latest *tracking.Event
	for i := range events {
		e := &events[i]
		if _, off := e.At.Zone(); off < minRussianOffset || off > maxRussianOffset {
			continue
		}
		if latest == nil || e.At.After(latest.At) {
			latest = e
		}
		if tracking.IsArrival(e.Type, e.Attr) && (arrival == nil || e.At.After(arrival.At)) {
			arrival = e
		}
	}
	if arrival == nil {
		arrival = latest
	}
	if arrival != nil {
		_, off := arrival.At.Zone()
		return time.FixedZone(fmt.Sprintf("%+03d", off/3600), off)
	}
	if fallback != nil {
		return fallback
	}
	return tracking.Moscow
}
