package carriers

import (
	"context"
	"errors"
	"net"
	"strings"
	"time"

	"parceltrack/tracking"
)

// Kind says how a carrier failure must be handled.
type Kind int

const (
	// Temporary failures (internal carrier errors, 5xx, timeouts, network errors,
	// unreadable answers) are retried for the same parcel with backoff. It is also
	// the kind of any error that is not an *Error.
	Temporary Kind = iota + 1
	// Permanent failures concern this number only and will not change on retry
	// (the carrier says the barcode is malformed): the parcel becomes track_error.
	Permanent
	// Account failures (bad credentials, daily request limit, misconfigured
	// language) affect every request of the account: back off the whole account
	// and alert an operator instead of failing each parcel.
	Account
)

// String returns the kind's lowercase name ("temporary", "permanent", "account").
func (k Kind) String() string {
	switch k {
	case Temporary:
		return "temporary"
	case Permanent:
		return "permanent"
	case Account:
		return "account"
	default:
		return "none"
	}
}

// ErrNotReady is wrapped by CollectBatch when the carrier has not prepared the
// answer yet (Russian Post batch error 6). Its *Error is Temporary with a
// RetryAfter hint.
var ErrNotReady = errors.New("batch answer not ready")

// ErrExpired is wrapped by CollectBatch when the carrier no longer keeps the
// answer or does not know the ticket (Russian Post batch error 17): submit the
// barcodes again. Its *Error is Temporary.
var ErrExpired = errors.New("batch answer expired")

// Error is the typed failure every carrier client returns (possibly wrapped).
type Error struct {
	// Kind decides the handling; see the Kind constants.
	Kind Kind
	// Code is the carrier's own code: a fault name ("AuthorizationFault"), a
	// numeric error type ("6"), "http_502", "network", "timeout" or "bad_response".
	Code string
	// Message is the carrier's human-readable text, as sent (often Russian).
	Message string
	// RetryAfter is a hint from the carrier about when to try again; zero when
	// the carrier gave none.
	RetryAfter time.Duration
	// DailyLimit marks an Account failure because the account's requests for
	// the day are used up: the quota comes back at the carrier's midnight
	// (Moscow, for Russian Post), so asking before then is pointless.
	DailyLimit bool
	// Err is the underlying cause (a network error, ErrNotReady, ...), if any.
	Err error
}

// Error formats the kind, code, message and cause on one line.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Kind.String())
	b.WriteString(" carrier error")
	if e.Code != "" {
		b.WriteString(" [")
		b.WriteString(e.Code)
		b.WriteString("]")
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap exposes the cause to errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Err }

// KindOf classifies err through any wrapping: the Kind of the first *Error in
// the chain, Temporary for every other non-nil error (context deadlines,
// cancellations, net errors and anything unknown are worth retrying), and 0 for
// nil.
func KindOf(err error) Kind {
	if err == nil {
		return 0
	}
	var ce *Error
	if errors.As(err, &ce) && ce.Kind != 0 {
		return ce.Kind
	}
	return Temporary
}

// RetryAfterOf returns the RetryAfter hint of the first *Error in err's chain,
// or zero.
func RetryAfterOf(err error) time.Duration {
	var ce *Error
	if errors.As(err, &ce) {
		return ce.RetryAfter
	}
	return 0
}

// Answer turns what a client returned for one track into the state model's
// terms: a history, a rejected number (Permanent) or a failure to retry
// (anything else). An Account failure is the caller's to handle before: it
// concerns the account, not the parcel (see AccountRest).
func Answer(events []tracking.Event, err error) tracking.Answer {
	switch KindOf(err) {
	case 0:
		return tracking.Answer{Events: events}
	case Permanent:
		return tracking.Answer{Rejected: true, Reason: err.Error()}
	}
	return tracking.Answer{Failed: true, Reason: err.Error(), RetryAfter: RetryAfterOf(err)}
}

// AccountRest is until when the whole account rests after the carrier
// refused it with err at now (the carrier's clock): until the carrier's
// next day when the daily limit is the reason, else as long as the carrier
// asked, else an hour.
func AccountRest(err error, now time.Time) time.Time {
	var ce *Error
	if errors.As(err, &ce) && ce.DailyLimit {
		return tracking.NextMidnight(now, tracking.Moscow)
	}
	if d := RetryAfterOf(err); d > 0 {
		return now.Add(d)
	}
	return now.Add(time.Hour)
}

// TransportError wraps a failure to reach the carrier (dial, TLS, reset,
// timeout, cancelled context) as a Temporary *Error whose Code is "timeout" for
// deadlines and "network" otherwise. The cause stays reachable with errors.Is.
func TransportError(err error) *Error {
	code := "network"
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		code = "timeout"
	}
	return &Error{Kind: Temporary, Code: code, Err: err}
}
