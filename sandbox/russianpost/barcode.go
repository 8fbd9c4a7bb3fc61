package rpsandbox

// Barcode shapes and check digits, as docs/russianpost.md describes them. Kept
// private here so the sandbox does not depend on the domain package.

const testBarcode = "RA644000001RU"

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

// isDomestic reports a 14-digit domestic shape.
func isDomestic(s string) bool {
	if len(s) != 14 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// isS10 reports the international shape: two letters, nine digits, two letters.
func isS10(s string) bool {
	if len(s) != 13 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch {
		case i < 2 || i > 10:
			if !isUpper(s[i]) {
				return false
			}
		case !isDigit(s[i]):
			return false
		}
	}
	return true
}

// domesticCheck returns the check digit for the first 13 digits of s:
// S = 3×(odd positions) + (even positions), C = (10 − S mod 10) mod 10.
func domesticCheck(s string) byte {
	sum := 0
	for i := 0; i < 13; i++ {
		d := int(s[i] - '0')
		if i%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10)
}

// s10Check returns the check digit for the 8 serial digits at s[2:10].
func s10Check(s string) byte {
	weights := [8]int{8, 6, 4, 2, 3, 5, 9, 7}
	sum := 0
	for i, w := range weights {
		sum += w * int(s[2+i]-'0')
	}
	c := 11 - sum%11
	switch c {
	case 10:
		c = 0
	case 11:
		c = 5
	}
	return byte('0' + c)
}

// validCheck reports whether a well-shaped barcode's check digit is right.
func validCheck(s string) bool {
	switch {
	case isDomestic(s):
		return domesticCheck(s) == s[13]
	case isS10(s):
		return s10Check(s) == s[10]
	}
	return false
}

// selector returns the digit before the check digit, which picks the scenario.
func selector(s string) int {
	if isDomestic(s) {
		return int(s[12] - '0')
	}
	return int(s[9] - '0')
}
