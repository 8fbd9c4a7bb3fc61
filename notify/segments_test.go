package notify_test

import (
	"strings"
	"testing"

	"parceltrack/notify"
)

func TestSegments(t *testing.T) {
	t.Parallel()
	cyr := func(n int) string { return strings.Repeat("я", n) }
	lat := func(n int) string { return strings.Repeat("a", n) }
	tests := []struct {
		name     string
		text     string
		encoding string
		chars    int
		segments int
	}{
		{"empty", "", notify.EncodingGSM7, 0, 0},
		{"gsm one char", "a", notify.EncodingGSM7, 1, 1},
		{"gsm 160 fits one", lat(160), notify.EncodingGSM7, 160, 1},
		{"gsm 161 needs two", lat(161), notify.EncodingGSM7, 161, 2},
		{"gsm 306 is two parts", lat(306), notify.EncodingGSM7, 306, 2},
		{"gsm 307 is three parts", lat(307), notify.EncodingGSM7, 307, 3},
		{"gsm alphabet specials are single", "@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ!?¡¿ÄÖÑÜ§äöñüà", notify.EncodingGSM7, 43, 1},
		{"euro counts two", "€", notify.EncodingGSM7, 2, 1},
		{"extension chars count two", "{}[]~|^\\", notify.EncodingGSM7, 16, 1},
		{"80 euros fill 160", strings.Repeat("€", 80), notify.EncodingGSM7, 160, 1},
		{"159 plus euro is 161", lat(159) + "€", notify.EncodingGSM7, 161, 2},
		// 152 septets then an escape pair: the pair cannot be split, so it
		// starts part two.
		{"escape pair not split", lat(152) + "€" + lat(10), notify.EncodingGSM7, 164, 2},
		{"escape pair pushes third part", lat(152) + "€" + lat(152), notify.EncodingGSM7, 306, 3},
		{"one cyrillic letter is ucs2", lat(10) + "я", notify.EncodingUCS2, 11, 1},
		{"ucs2 70 fits one", cyr(70), notify.EncodingUCS2, 70, 1},
		{"ucs2 71 needs two", cyr(71), notify.EncodingUCS2, 71, 2},
		{"ucs2 134 is two parts", cyr(134), notify.EncodingUCS2, 134, 2},
		{"ucs2 135 is three parts", cyr(135), notify.EncodingUCS2, 135, 3},
		{"ucs2 201 is three parts", cyr(201), notify.EncodingUCS2, 201, 3},
		{"ucs2 202 is four parts", cyr(202), notify.EncodingUCS2, 202, 4},
		{"guillemets are ucs2", "«a»", notify.EncodingUCS2, 3, 1},
		{"emoji counts two units", "😀", notify.EncodingUCS2, 2, 1},
		{"surrogate pair not split", cyr(66) + "😀" + "я", notify.EncodingUCS2, 69, 1},
		{"surrogate pair at part boundary", cyr(66) + "😀" + cyr(10), notify.EncodingUCS2, 78, 2},
		{"surrogate pair moves to part two", cyr(66) + "😀" + cyr(67), notify.EncodingUCS2, 135, 3},
		{"russian reminder", "Заказ 1234 ждёт вас в отделении 101000 до 15.06", notify.EncodingUCS2, 47, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			enc, chars, segs := notify.Segments(tc.text)
			if enc != tc.encoding || chars != tc.chars || segs != tc.segments {
				t.Errorf("Segments = (%s, %d, %d), want (%s, %d, %d)", enc, chars, segs, tc.encoding, tc.chars, tc.segments)
			}
		})
	}
}

func BenchmarkSegments(b *testing.B) {
	text := strings.Repeat("Ваш заказ ждёт в отделении. ", 10)
	for b.Loop() {
		notify.Segments(text)
	}
}
