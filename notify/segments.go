package notify

import "unicode/utf16"

// SMS encodings as Segments reports them.
const (
	EncodingGSM7 = "GSM-7"
	EncodingUCS2 = "UCS-2"
)

// Segment capacities: a single message, and each part of a concatenated one
// (the user data header takes the difference).
const (
	gsm7Single = 160
	gsm7Part   = 153
	ucs2Single = 70
	ucs2Part   = 67
)

// gsm7Basic is the GSM 03.38 default alphabet (one septet each).
var gsm7Basic = func() map[rune]bool {
	const basic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
		"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	m := make(map[rune]bool, 128)
	for _, r := range basic {
		m[r] = true
	}
	return m
}()

// gsm7Extension holds the characters sent as an escape plus one septet.
var gsm7Extension = map[rune]bool{
	'\f': true, '^': true, '{': true, '}': true, '\\': true,
	'[': true, '~': true, ']': true, '|': true, '€': true,
}

// Segments reports how an SMS with this text is encoded and billed: the
// encoding ("GSM-7", or "UCS-2" as soon as one character is outside the GSM
// alphabet — any Cyrillic letter), its length in encoding units (septets for
// GSM-7, where extension characters such as "€" or "{" count two; UTF-16 code
// units for UCS-2, where an emoji counts two) and the number of segments
// (GSM-7: 160 in one, 153 per part; UCS-2: 70 in one, 67 per part). An escape
// pair or a surrogate pair is never split across parts, as phones require.
// Empty text is 0 segments.
func Segments(text string) (encoding string, chars int, segments int) {
	costs := make([]int, 0, len(text))
	gsm := true
	for _, r := range text {
		switch {
		case gsm7Basic[r]:
			costs = append(costs, 1)
		case gsm7Extension[r]:
			costs = append(costs, 2)
		default:
			gsm = false
		}
		if !gsm {
			break
		}
	}
	single, part := gsm7Single, gsm7Part
	encoding = EncodingGSM7
	if !gsm {
		encoding = EncodingUCS2
		single, part = ucs2Single, ucs2Part
		costs = costs[:0]
		for _, r := range text {
			costs = append(costs, utf16.RuneLen(r))
		}
	}
	for _, c := range costs {
		chars += c
	}
	switch {
	case chars == 0:
		return encoding, 0, 0
	case chars <= single:
		return encoding, chars, 1
	}
	// Fill parts greedily; a two-unit character that does not fit starts the
	// next part.
	segments, used := 1, 0
	for _, c := range costs {
		if used+c > part {
			segments++
			used = 0
		}
		used += c
	}
	return encoding, chars, segments
}
