package insales

import (
	"encoding/json"
	"testing"
)

func TestMoneyUnmarshal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		json    string
		want    Money
		wantErr bool
	}{
		{"number with .0", `7600.0`, 760000, false},
		{"number with kopecks that float64 cannot hold", `6647.55`, 664755, false},
		{"number 8818.95", `8818.95`, 881895, false},
		{"number 1152.9", `1152.9`, 115290, false},
		{"integer", `305`, 30500, false},
		{"string", `"180.0"`, 18000, false},
		{"string zero", `"0.0"`, 0, false},
		{"string with comma", `"1,5"`, 150, false},
		{"negative string", `"-12.34"`, -1234, false},
		{"exponent", `1.5e3`, 150000, false},
		{"sub-kopeck rounds half up", `"0.125"`, 13, false},
		{"sub-kopeck rounds down", `0.124`, 12, false},
		{"negative rounds away from zero", `-0.125`, -13, false},
		{"null", `null`, 0, false},
		{"empty string", `""`, 0, false},
		{"leading dot", `".5"`, 50, false},
		{"garbage string", `"abc"`, 0, true},
		{"two dots", `"1.2.3"`, 0, true},
		{"huge exponent", `1e999`, 0, true},
		{"out of int64 range", `"100000000000000000000"`, 0, true},
		{"object", `{}`, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m Money
			err := json.Unmarshal([]byte(tt.json), &m)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Unmarshal(%s) err = %v, wantErr %v", tt.json, err, tt.wantErr)
			}
			if err == nil && m != tt.want {
				t.Errorf("Unmarshal(%s) = %d kopecks, want %d", tt.json, m, tt.want)
			}
		})
	}
}

func TestMoneyString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		m    Money
		want string
	}{
		{"whole roubles", 760000, "7600.00"},
		{"kopecks", 664755, "6647.55"},
		{"small", 5, "0.05"},
		{"negative", -1234, "-12.34"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.m.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
			b, err := json.Marshal(tt.m)
			if err != nil {
				t.Fatal(err)
			}
			var back Money
			if err := json.Unmarshal(b, &back); err != nil || back != tt.m {
				t.Errorf("round trip %s -> %d, %v", b, back, err)
			}
		})
	}
}

func TestQuantityUnmarshal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		json    string
		want    Quantity
		wantErr bool
	}{
		{"integer", `3`, 3, false},
		{"fraction", `1.5`, 1.5, false},
		{"string", `"2"`, 2, false},
		{"null", `null`, 0, false},
		{"garbage", `"many"`, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var q Quantity
			err := json.Unmarshal([]byte(tt.json), &q)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && q != tt.want {
				t.Errorf("got %v, want %v", q, tt.want)
			}
		})
	}
}
