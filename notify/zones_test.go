package notify_test

import (
	"testing"
	"time"

	"parceltrack/notify"
	"parceltrack/tracking"
)

func TestRegionForPostcode(t *testing.T) {
	t.Parallel()
	// A real postcode for every zone the table uses, and for the places the
	// brief names.
	tests := []struct {
		postcode, zone, region string
	}{
		{"236000", "Europe/Kaliningrad", "Калининградская область"},
		{"101000", "Europe/Moscow", "Москва"},
		{"141400", "Europe/Moscow", "Московская область"}, // Khimki
		{"190000", "Europe/Moscow", "Санкт-Петербург"},
		{"166000", "Europe/Moscow", "Ненецкий автономный округ"}, // Naryan-Mar
		{"295000", "Europe/Simferopol", "Республика Крым"},
		{"299000", "Europe/Simferopol", "Севастополь"},
		{"610000", "Europe/Kirov", "Кировская область"},
		{"400000", "Europe/Volgograd", "Волгоградская область"},
		{"414000", "Europe/Astrakhan", "Астраханская область"},
		{"410000", "Europe/Saratov", "Саратовская область"},
		{"432000", "Europe/Ulyanovsk", "Ульяновская область"},
		{"443000", "Europe/Samara", "Самарская область"},
		{"426000", "Europe/Samara", "Удмуртская Республика"}, // Izhevsk
		{"620014", "Asia/Yekaterinburg", "Свердловская область"},
		{"450000", "Asia/Yekaterinburg", "Республика Башкортостан"},                  // Ufa
		{"628400", "Asia/Yekaterinburg", "Ханты-Мансийский автономный округ — Югра"}, // Surgut
		{"644000", "Asia/Omsk", "Омская область"},
		{"630099", "Asia/Novosibirsk", "Новосибирская область"},
		{"656000", "Asia/Barnaul", "Алтайский край"},
		{"649000", "Asia/Barnaul", "Республика Алтай"},
		{"634050", "Asia/Tomsk", "Томская область"},
		{"654000", "Asia/Novokuznetsk", "Кемеровская область — Кузбасс"},
		{"660000", "Asia/Krasnoyarsk", "Красноярский край"},
		{"647000", "Asia/Krasnoyarsk", "Красноярский край"}, // Dudinka
		{"667000", "Asia/Krasnoyarsk", "Республика Тыва"},
		{"664000", "Asia/Irkutsk", "Иркутская область"},
		{"670000", "Asia/Irkutsk", "Республика Бурятия"},
		{"672000", "Asia/Chita", "Забайкальский край"},
		{"687000", "Asia/Chita", "Забайкальский край"}, // Aginskoye
		{"677000", "Asia/Yakutsk", "Республика Саха (Якутия)"},
		{"678170", "Asia/Yakutsk", "Республика Саха (Якутия)"}, // Mirny: the region's zone
		{"675000", "Asia/Yakutsk", "Амурская область"},
		{"678720", "Asia/Khandyga", "Республика Саха (Якутия)"},
		{"678790", "Asia/Srednekolymsk", "Республика Саха (Якутия)"},
		{"690001", "Asia/Vladivostok", "Приморский край"},
		{"680000", "Asia/Vladivostok", "Хабаровский край"},
		{"679000", "Asia/Vladivostok", "Еврейская автономная область"},
		{"685000", "Asia/Magadan", "Магаданская область"},
		{"693000", "Asia/Sakhalin", "Сахалинская область"},
		{"683000", "Asia/Kamchatka", "Камчатский край"},
		{"688000", "Asia/Kamchatka", "Камчатский край"}, // Palana
		{"689000", "Asia/Anadyr", "Чукотский автономный округ"},
		{" 630099 ", "Asia/Novosibirsk", "Новосибирская область"},
	}
	for _, tt := range tests {
		t.Run(tt.postcode, func(t *testing.T) {
			t.Parallel()
			r, ok := notify.RegionForPostcode(tt.postcode)
			if !ok {
				t.Fatalf("RegionForPostcode(%q): not found", tt.postcode)
			}
			if r.Name != tt.region || r.Zone.String() != tt.zone {
				t.Errorf("RegionForPostcode(%q) = %s, %s; want %s, %s", tt.postcode, r.Name, r.Zone, tt.region, tt.zone)
			}
		})
	}
}

func TestRegionForPostcodeRefuses(t *testing.T) {
	t.Parallel()
	for _, p := range []string{
		"", "12345", "1234567", "10100O", "１０１０００", "101-000", "+10100",
		"000000", // no region uses 000
		"130000", // between Moscow's city and regional prefixes
		"220000", // Minsk: a Belarusian postcode
	} {
		if r, ok := notify.RegionForPostcode(p); ok {
			t.Errorf("RegionForPostcode(%q) = %s, want not found", p, r.Name)
		}
	}
}

func TestBuyerZone(t *testing.T) {
	t.Parallel()
	shop := time.FixedZone("shop", 5*60*60)
	novosibirsk := time.FixedZone("", 7*60*60)
	omsk := time.FixedZone("", 6*60*60)
	at := func(loc *time.Location, day int) time.Time { return time.Date(2026, 3, day, 10, 0, 0, 0, loc) }
	accepted := tracking.Event{At: at(tracking.Moscow, 1), Type: 1, Attr: 1, OfficeIndex: "101000"}
	sorted := tracking.Event{At: at(omsk, 4), Type: 8, Attr: 4, OfficeIndex: "644960"}
	arrived := tracking.Event{At: at(novosibirsk, 3), Type: 8, Attr: 2, OfficeIndex: "630099"}
	noOffset := tracking.Event{At: at(time.UTC, 5), Type: 8, Attr: 2, OfficeIndex: "630000"}
	tests := []struct {
		name     string
		postcode string
		events   []tracking.Event
		fallback *time.Location
		offset   int // hours east of UTC
		zone     string
	}{
		{"the postcode decides", "690001", []tracking.Event{accepted, arrived}, shop, 10, "Asia/Vladivostok"},
		// The arrival is older than the sorting event, but it is where the
		// buyer collects the parcel.
		{"the latest arrival's office", "", []tracking.Event{accepted, arrived, sorted}, shop, 7, "+07"},
		{"an unknown postcode falls to the events", "000000", []tracking.Event{arrived}, shop, 7, "+07"},
		{"no arrival: the latest event", "12345", []tracking.Event{sorted, accepted}, shop, 6, "+06"},
		{"an event without an office offset is passed over", "", []tracking.Event{accepted, noOffset}, shop, 3, "+03"},
		{"nothing known: the shop's zone", "", nil, shop, 5, "shop"},
		{"only a UTC event: the shop's zone", "", []tracking.Event{noOffset}, shop, 5, "shop"},
		{"no shop zone either: Moscow", "", nil, nil, 3, "MSK"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			loc := notify.BuyerZone(tt.postcode, tt.events, tt.fallback)
			name, off := time.Date(2026, 6, 1, 12, 0, 0, 0, loc).Zone()
			if off != tt.offset*3600 || loc.String() != tt.zone && name != tt.zone {
				t.Errorf("BuyerZone = %s (%s, %+d s), want %s at %+d h", loc, name, off, tt.zone, tt.offset)
			}
		})
	}
}
