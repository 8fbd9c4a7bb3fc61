package shopapp_test

import (
	"testing"

	"parceltrack/shopapp"
)

func TestSealer(t *testing.T) {
	t.Parallel()
	s, err := shopapp.NewSealer(testSealKey)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := shopapp.NewSealer(testSealKey + "x")
	label := shopapp.ShopLabel(42)
	sealed, err := s.Seal("4c3f4c197336eb97475506e71c839c71", label)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := s.Seal("4c3f4c197336eb97475506e71c839c71", label)
	if string(again) == string(sealed) {
		t.Error("two seals of one value are equal: the nonce is not random")
	}
	tampered := append([]byte{}, sealed...)
	tampered[len(tampered)-1] ^= 1

	tests := []struct {
		name   string
		sealer *shopapp.Sealer
		sealed []byte
		label  string
		ok     bool
	}{
		{"round trip", s, sealed, label, true},
		{"another shop's label", s, sealed, shopapp.ShopLabel(43), false},
		{"another key", other, sealed, label, false},
		{"tampered", s, tampered, label, false},
		{"truncated", s, sealed[:5], label, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.sealer.Open(tt.sealed, tt.label)
			if tt.ok && (err != nil || got != "4c3f4c197336eb97475506e71c839c71") {
				t.Fatalf("open = %q, %v", got, err)
			}
			if !tt.ok && err == nil {
				t.Fatalf("open succeeded with %q", got)
			}
		})
	}
	if _, err := shopapp.NewSealer(""); err == nil {
		t.Error("an empty secret key was accepted")
	}
}
