package tracking

import "time"

// MailKind is the kind of item, which sets its default storage period.
type MailKind string

// Mail kinds known to the storage rules. The carrier client maps its own
// codes onto these; anything else falls back to Rules.DefaultStorageDays.
const (
	MailUnknown     MailKind = ""
	MailParcel      MailKind = "parcel"
	MailEMS         MailKind = "ems"
	MailLetter      MailKind = "letter"
	MailSmallPacket MailKind = "small_packet"
	MailJudicial    MailKind = "judicial"
)

// StorageDays returns the carrier's standard storage period for the kind, or
// 0 when the kind is unknown.
func (k MailKind) StorageDays() int {
	switch k {
	case MailParcel, MailEMS:
		return 15
	case MailLetter, MailSmallPacket:
		return 30
	case MailJudicial:
		return 7
	}
	return 0
}

// CountdownDays reports how many storage days the carrier says are left when
// it logs a "storage expires" event: 8/27 = 25, 8/33 = 23, 8/35 = 10,
// 8/28 = 5, 8/42 = 1.
func CountdownDays(t, a int) (int, bool) {
	if t != 8 {
		return 0, false
	}
	switch a {
	case 27:
		return 25, true
	case 33:
		return 23, true
	case 35:
		return 10, true
	case 28:
		return 5, true
	case 42:
		return 1, true
	}
	return 0, false
}

// isStorageExtension: the storage period was extended by an unknown amount
// (8/23, 6/4 on the addressee's request, 6/5 on the sender's).
func isStorageExtension(t, a int) bool {
	return t == 8 && a == 23 || t == 6 && (a == 4 || a == 5)
}

// storageDays picks the storage period: the parcel's override, then the
// shop's, then the mail kind's, then the rules' default.
func storageDays(f Facts, r Rules) int {
	switch {
	case f.StorageDays > 0:
		return f.StorageDays
	case r.StorageDays > 0:
		return r.StorageDays
	case f.MailKind.StorageDays() > 0:
		return f.MailKind.StorageDays()
	}
	return r.DefaultStorageDays
}

// storageDeadline computes the deadline for a waiting episode (episode[0] is
// its first arrival event). The result is the END of the deadline's local day
// (23:59:59 in the UTC offset of the event it was derived from), or zero when
// it cannot be known. The deadline day D is:
//   - the latest "N days left" event in the episode: its local date + N;
//   - otherwise: the arrival's local date + 1 day + storage days
//     (storage is counted from the day after arrival).
//
// A storage extension logged after the latest countdown (or with no
// countdown at all) makes the deadline unknown: the carrier does not say by
// how much it was extended, and a stale deadline would send the buyer a false
// "last day" reminder. A later countdown event makes it known again.
func storageDeadline(episode []Event, days int) time.Time {
	countdown, extended := -1, -1
	for i := range episode {
		t, a := episode[i].Type, episode[i].Attr
		if _, ok := CountdownDays(t, a); ok {
			countdown = i
		} else if isStorageExtension(t, a) {
			extended = i
		}
	}
	switch {
	case extended > countdown:
		return time.Time{}
	case countdown >= 0:
		n, _ := CountdownDays(episode[countdown].Type, episode[countdown].Attr)
		return endOfLocalDay(episode[countdown].At, n)
	case len(episode) == 0:
		return time.Time{}
	default:
		return endOfLocalDay(episode[0].At, 1+days)
	}
}

// endOfLocalDay returns 23:59:59 of the local date of t plus addDays, in t's
// own location (the office's UTC offset).
func endOfLocalDay(t time.Time, addDays int) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d+addDays, 23, 59, 59, 0, t.Location())
}

// daysLeft counts calendar days from now's date to the deadline's date, both
// read in the deadline's offset; 0 on the last day and after it.
func daysLeft(deadline, now time.Time) int {
	if deadline.IsZero() {
		return 0
	}
	dy, dm, dd := deadline.Date()
	ny, nm, nd := now.In(deadline.Location()).Date()
	diff := time.Date(dy, dm, dd, 0, 0, 0, 0, time.UTC).Sub(time.Date(ny, nm, nd, 0, 0, 0, 0, time.UTC))
	if diff <= 0 {
		return 0
	}
	return int(diff / day)
}
