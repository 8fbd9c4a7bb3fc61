package storage

import "time"

// MapErrForTest exposes the error mapping to the external test package.
var MapErrForTest = mapErr

// CSRFTokensAt is the CSRF token store on a clock the test sets.
func CSRFTokensAt(d *DB, now func() time.Time) *Expiring {
	return &Expiring{db: d, collection: colCSRFTokens, now: now}
}

// JobsAt is the job store on a clock the test sets.
func JobsAt(d *DB, now func() time.Time) *Jobs {
	j := d.Jobs()
	j.now = now
	return j
}

// JobsRacing is a job store whose claims call between, after their find of
// due jobs and before their lease inserts, as if another runner acted then.
func JobsRacing(d *DB, between func()) *Jobs {
	j := d.Jobs()
	j.afterFind = between
	return j
}

// JobsSortedAt is JobsAt with the claim's find sorted by seq, as on
// MongoDB, whatever the server.
func JobsSortedAt(d *DB, now func() time.Time) *Jobs {
	j := JobsAt(d, now)
	j.insertOrder = false
	return j
}

// LedgerFindingEach is the money store with LedgerByRefs reading one ref per
// round trip (each) or all in one find, whatever the server.
func LedgerFindingEach(d *DB, each bool) *Ledger {
	l := d.Ledger()
	l.findEach = each
	return l
}
