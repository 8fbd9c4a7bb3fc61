// Package retryafter reads the HTTP Retry-After header (RFC 9110 §10.2.3),
// which the carrier, InSales and Twilio send on 429 and 503 answers. What to
// do without a usable hint is each caller's policy, so Parse reports it
// instead of inventing a default.
package retryafter

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Parse reads a Retry-After value given as delay-seconds ("120") or as an
// HTTP date, measured from now. ok is false when the header is absent or
// unusable: empty, negative, fractional, garbage, or a delay too long for a
// time.Duration. "0" and a date already past are (0, true): the server says
// "retry now", which is a hint, not the lack of one.
func Parse(v string, now time.Time) (d time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	// ParseUint takes digits only: "-5" and "+5" are not delay-seconds.
	if n, err := strconv.ParseUint(v, 10, 63); err == nil {
		if n > math.MaxInt64/uint64(time.Second) {
			return 0, false
		}
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}
