package tracking

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"already normal", "80092063905992", "80092063905992"},
		{"trim and spaces", "  800 920 639 05992 \t", "80092063905992"},
		{"dashes of all kinds", "RA-644‐000–001—RU", "RA644000001RU"},
		{"lower case", "ra644000001ru", "RA644000001RU"},
		{"non-breaking space", "RA\u00a0644000001RU", "RA644000001RU"},
		{"cyrillic look-alikes", "РА644000001RU", "PA644000001RU"},
		{"cyrillic lower look-alikes", "ес123456785ru", "EC123456785RU"},
		{"empty", " - ", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Normalize(tt.in); got != tt.want {
				t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    Barcode
		wantErr error
	}{
		{"domestic 1", "62009147017544", Barcode{"62009147017544", BarcodeDomestic, true}, nil},
		{"domestic 2", "14102192069353", Barcode{"14102192069353", BarcodeDomestic, true}, nil},
		{"domestic 3", "80092063905992", Barcode{"80092063905992", BarcodeDomestic, true}, nil},
		{"domestic with spaces", " 8009 2063 9059 92 ", Barcode{"80092063905992", BarcodeDomestic, true}, nil},
		{"domestic bad check digit warns", "80092063905993", Barcode{"80092063905993", BarcodeDomestic, false}, nil},
		{"S10 SE", "RD025500807SE", Barcode{"RD025500807SE", BarcodeInternational, true}, nil},
		{"S10 EE", "RR123456785EE", Barcode{"RR123456785EE", BarcodeInternational, true}, nil},
		{"S10 US", "LK035658376US", Barcode{"LK035658376US", BarcodeInternational, true}, nil},
		{"S10 lower case", "lk035658376us", Barcode{"LK035658376US", BarcodeInternational, true}, nil},
		{"S10 bad check digit warns", "RR123456789EE", Barcode{"RR123456789EE", BarcodeInternational, false}, nil},
		{"official test number warns", "RA644000001RU", Barcode{"RA644000001RU", BarcodeInternational, false}, nil},
		{"empty", "", Barcode{}, ErrBarcodeEmpty},
		{"only separators", " -- ", Barcode{}, ErrBarcodeEmpty},
		{"13 digits", "8009206390599", Barcode{}, ErrBarcodeFormat},
		{"15 digits", "800920639059921", Barcode{}, ErrBarcodeFormat},
		{"letter in domestic", "8009206390599A", Barcode{}, ErrBarcodeFormat},
		{"S10 one prefix letter", "R1123456785EE", Barcode{}, ErrBarcodeFormat},
		{"S10 8 digits", "RR12345678EE", Barcode{}, ErrBarcodeFormat},
		{"S10 10 digits", "RR1234567850EE", Barcode{}, ErrBarcodeFormat},
		{"S10 digit suffix", "RR123456785E1", Barcode{}, ErrBarcodeFormat},
		{"punctuation", "RR123456785EE.", Barcode{}, ErrBarcodeFormat},
		{"words", "нет трека", Barcode{}, ErrBarcodeFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Validate(tt.in)
			if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Fatalf("Validate(%q) error = %v, want %v", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("Validate(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			if err != nil && BarcodeErrorText(err) == "" {
				t.Errorf("BarcodeErrorText(%v) is empty", err)
			}
			if err == nil && (got.Warning() == "") == !got.CheckOK {
				t.Errorf("Warning() = %q with CheckOK = %v", got.Warning(), got.CheckOK)
			}
		})
	}
}

func TestBarcodeCountry(t *testing.T) {
	t.Parallel()
	b, _ := Validate("RA644000001RU")
	if got := b.Country(); got != "RU" {
		t.Errorf("Country() = %q, want RU", got)
	}
	d, _ := Validate("80092063905992")
	if got := d.Country(); got != "" {
		t.Errorf("domestic Country() = %q, want empty", got)
	}
}

func TestMakeDomestic(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
		wantErr        bool
	}{
		{"real 1", "6200914701754", "62009147017544", false},
		{"real 2", "1410219206935", "14102192069353", false},
		{"real 3", "8009206390599", "80092063905992", false},
		{"sandbox", "1010010000001", "", false},
		{"too short", "123", "", true},
		{"letters", "12345678901AB", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := MakeDomestic(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("MakeDomestic(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if err != nil {
				if !errors.Is(err, ErrBarcodeFormat) {
					t.Errorf("error %v does not wrap ErrBarcodeFormat", err)
				}
				return
			}
			if tt.want != "" && got != tt.want {
				t.Errorf("MakeDomestic(%q) = %q, want %q", tt.in, got, tt.want)
			}
			b, err := Validate(got)
			if err != nil || !b.CheckOK || b.Kind != BarcodeDomestic {
				t.Errorf("Validate(%q) = %+v, %v; want a clean domestic number", got, b, err)
			}
		})
	}
}

func TestS10CheckDigit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, serial string
		want         int
	}{
		{"EE vector, S mod 11 = 6", "12345678", 5},
		{"SE vector, S mod 11 = 4", "02550080", 7},
		{"US vector, S mod 11 = 5", "03565837", 6},
		{"S mod 11 = 1 gives 10 which maps to 0", "02000000", 0},
		{"S mod 11 = 0 gives 11 which maps to 5", "00000000", 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := S10CheckDigit(tt.serial)
			if err != nil || got != tt.want {
				t.Errorf("S10CheckDigit(%q) = %d, %v; want %d", tt.serial, got, err, tt.want)
			}
		})
	}
	if _, err := S10CheckDigit(strings.Repeat("1", 9)); !errors.Is(err, ErrBarcodeFormat) {
		t.Errorf("9 digits: error = %v, want ErrBarcodeFormat", err)
	}
}
