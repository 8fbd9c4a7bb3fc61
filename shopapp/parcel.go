package shopapp

import (
	"time"

	"parceltrack/billing"
	"parceltrack/tracking"
)

// Parcel is one tracked shipment of an order, the one model of a document
// in the parcels collection: what the order told (copied at import), what
// the carrier said (stored by the poller), the state derived from it, and
// what the app did about it (the charge, a stop, the order status it set).
// Absent dates are zero. Its polling schedule is a tracking.Schedule with
// the same id.
type Parcel struct {
	ID      string
	ShopID  string
	OrderID int64
	Track   string
	Carrier string
	OrderFacts
	State tracking.State
	// StateSince is when the state began (the classifier's Since).
	StateSince time.Time
	// Charged: the track charge (ref ChargeRef) was paid. ChargeKind is the
	// kind it is (or will be, for a no_balance parcel) charged as.
	Charged    bool
	ChargeKind billing.Kind
	// TrackSetAt is when this track became the order's track (the newest is
	// the order's current parcel), on the wall clock. EnteredAt is when
	// tracking started, on the tracking clock (see Options.TrackingClock).
	TrackSetAt time.Time
	EnteredAt  time.Time
	StoppedAt  time.Time
	StopReason string
	// OrderStatus is the last order status the app set for the parcel.
	OrderStatus StatusWrite
	// Events is the carrier's history as last stored, sorted, each event in
	// its office's UTC offset; listings that leave it out say so.
	Events []tracking.Event
	// ArrivedAt and Deadline are set while the parcel waits at a delivery
	// point (the first arrival of the episode; the end of the last day of
	// storage); LastEventAt is the newest event's instant.
	ArrivedAt   time.Time
	Deadline    time.Time
	LastEventAt time.Time
	// Link is the token of the buyer's tracking page, /t/<Link> (see
	// App.Link); empty until one is made.
	Link      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Addressed is the name messages greet the buyer with.
func (b Buyer) Addressed() string {
	if b.Greeting != "" {
		return b.Greeting
	}
	return b.Name
}

// Stopped reports whether the parcel no longer follows its order.
func (p Parcel) Stopped() bool { return !p.StoppedAt.IsZero() }

// Stop reasons recorded on a parcel.
const (
	StopTrackChanged = "track_changed"
	StopTrackCleared = "track_cleared"
	StopUninstalled  = "uninstalled"
)

// Buyer is who the parcel goes to. A phone or e-mail that cannot be used is
// kept as written and flagged (PhoneOK/EmailOK false).
type Buyer struct {
	Name string
	// Greeting is how messages address the buyer ("Анна Викторовна");
	// empty: Name.
	Greeting string
	// Phone is E.164 when PhoneOK.
	Phone   string
	PhoneOK bool
	Email   string
	EmailOK bool
}

// OrderFacts are the parts of a parcel copied from its order.
type OrderFacts struct {
	OrderNumber  string
	Buyer        Buyer
	Products     []string
	DestPostcode string
	// OrderUpdatedAt is the order's updated_at these facts come from; older
	// events are stale.
	OrderUpdatedAt time.Time
}

// StatusWrite is the last order status the app set for a parcel.
type StatusWrite struct {
	Permalink      string
	State          tracking.State
	OrderUpdatedAt time.Time
	At             time.Time
}

// Tracking is the parcel's status at now, classified from its stored events
// with the same classifier the poller uses: a state that depends only on
// time (arrived → waiting → waiting long, probably arrived, stale) is
// current whenever it is shown, however long ago the parcel was polled. The
// states the carrier's history cannot tell — stopped, waiting for money, a
// number the carrier rejected — come from the parcel. rules carry the
// shop's storage period (tracking.Rules.StorageDays).
func (p Parcel) Tracking(now time.Time, rules tracking.Rules) tracking.Status {
	f := tracking.Facts{
		Track:               p.Track,
		EnteredAt:           p.EnteredAt,
		DestinationPostcode: p.DestPostcode,
		Stopped:             p.Stopped(),
		StoppedAt:           p.StoppedAt,
		NoBalance:           p.State == tracking.StateNoBalance,
		TrackError:          p.State == tracking.StateTrackError,
	}
	return tracking.Classify(f, p.Events, now, rules)
}

// Session is a browser session of the app, kept server-side. ID is a hash of
// the cookie value, so the database never holds a usable cookie.
type Session struct {
	ID     string
	Kind   SessionKind
	ShopID string
	// InsalesID names the shop; Nonce is the autologin nonce of a login in
	// progress; the User fields are who InSales said signed in.
	InsalesID int64
	Nonce     string
	UserID    string
	UserEmail string
	UserName  string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// SessionKind says what a session is for.
type SessionKind string

// Session kinds.
const (
	// SessionLogin is a login in progress: it carries the autologin nonce
	// and is consumed by the autologin callback.
	SessionLogin SessionKind = "login"
	// SessionApp is a merchant signed in to the app for one shop.
	SessionApp SessionKind = "app"
)
