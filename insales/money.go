package insales

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// Money is an amount in kopecks. InSales sends money as JSON numbers (7600.0,
// 305), as strings ("180.0", "0.0") or null; every form decodes here by exact
// decimal arithmetic, never through float64, so 6647.55 is 664755 kopecks.
// null and "" decode to 0.
type Money int64

// maxExponent bounds the exponent of a scientific-notation amount so a hostile
// "1e999999999" cannot make us allocate a huge number.
const maxExponent = 30

var errBadMoney = errors.New("not a decimal amount")

// ParseMoney parses a decimal amount in roubles ("180.0", "-5", "1,5", "1e3")
// into kopecks, rounding half away from zero below one kopeck.
func ParseMoney(s string) (Money, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	orig := s
	neg := false
	switch s[0] {
	case '-':
		neg = true
		s = s[1:]
	case '+':
		s = s[1:]
	}
	exp := 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(s[i+1:])
		if err != nil || e > maxExponent || e < -maxExponent {
			return 0, fmt.Errorf("insales: money %q: %w", orig, errBadMoney)
		}
		exp = e
		s = s[:i]
	}
	intPart, frac := s, ""
	if i := strings.IndexAny(s, ".,"); i >= 0 {
		intPart, frac = s[:i], s[i+1:]
	}
	if intPart == "" && frac == "" || !allDigits(intPart) || !allDigits(frac) {
		return 0, fmt.Errorf("insales: money %q: %w", orig, errBadMoney)
	}
	mant, ok := new(big.Int).SetString(intPart+frac+"0", 10) // the extra 0 keeps "" parseable
	if !ok {
		return 0, fmt.Errorf("insales: money %q: %w", orig, errBadMoney)
	}
	// value = mant / 10 * 10^(exp-len(frac)) roubles; in kopecks: mant * 10^(exp-len(frac)+1).
	shift := exp - len(frac) + 1
	ten := big.NewInt(10)
	if shift >= 0 {
		mant.Mul(mant, new(big.Int).Exp(ten, big.NewInt(int64(shift)), nil))
	} else {
		div := new(big.Int).Exp(ten, big.NewInt(int64(-shift)), nil)
		q, r := new(big.Int).QuoRem(mant, div, new(big.Int))
		if r.Lsh(r, 1).Cmp(div) >= 0 {
			q.Add(q, big.NewInt(1))
		}
		mant = q
	}
	if neg {
		mant.Neg(mant)
	}
	if !mant.IsInt64() {
		return 0, fmt.Errorf("insales: money %q: out of range", orig)
	}
	return Money(mant.Int64()), nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// UnmarshalJSON accepts a JSON number, a string holding a number, or null.
func (m *Money) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" {
		*m = 0
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("insales: money: %w", err)
		}
	}
	v, err := ParseMoney(s)
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// MarshalJSON writes the amount as a JSON number in roubles with two decimals.
func (m Money) MarshalJSON() ([]byte, error) {
	return []byte(m.String()), nil
}

// Kopecks returns the amount in kopecks.
func (m Money) Kopecks() int64 { return int64(m) }

// String formats the amount in roubles with a dot and two decimals ("6647.55").
func (m Money) String() string {
	v := int64(m)
	sign := ""
	if v < 0 {
		sign = "-"
	}
	u := uint64(v)
	if v < 0 {
		u = uint64(-(v + 1)) + 1 // safe for math.MinInt64
	}
	return fmt.Sprintf("%s%d.%02d", sign, u/100, u%100)
}

// Quantity is an order line quantity. It is a whole number for piece goods
// but InSales allows fractional units (kilograms), and like money it may come
// as a number, a string or null.
type Quantity float64

// UnmarshalJSON accepts a JSON number, a string holding a number, or null.
func (q *Quantity) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" {
		*q = 0
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("insales: quantity: %w", err)
		}
		s = strings.TrimSpace(s)
		if s == "" {
			*q = 0
			return nil
		}
	}
	f, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64)
	if err != nil {
		return fmt.Errorf("insales: quantity %q: %w", s, err)
	}
	*q = Quantity(f)
	return nil
}
