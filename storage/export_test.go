package storage

import "time"

// MapErrForTest exposes the error mapping to the external test package.
var MapErrForTest = mapErr

// CSRFTokensAt is the CSRF token store on a clock the test sets.
func CSRFTokensAt(d *DB, now func() time.Time) *CSRFTokens {
	return &CSRFTokens{db: d, now: now}
}
