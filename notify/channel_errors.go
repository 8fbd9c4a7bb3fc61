package notify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// Codes our channels put in SendError.Code when the failure is not a
// provider's own numbered answer. Provider answers keep their codes: Twilio's
// numbers as decimal strings ("21211", "20003"), HTTP statuses without a
// Twilio code as "http_502", SMTP replies as "smtp_550".
const (
	CodeInvalidRecipient = "invalid_recipient" // rejected before reaching the provider
	CodeEmptyMessage     = "empty_message"     // nothing to send
	CodeNetwork          = "network"           // connection refused, reset, DNS, TLS
	CodeTimeout          = "timeout"           // no answer in time; the provider may have accepted
	CodeCanceled         = "canceled"          // the caller's context ended
	CodeBadResponse      = "bad_response"      // an answer we could not read
	CodeConfig           = "config"            // our own configuration is unusable
)

// SendError is the one error type every Channel returns. Its Error text never
// contains the recipient's full phone number or address, so it can be logged. The caller decides
// from it, never from provider-specific errors:
//
//   - Permanent: the message can never be delivered as it is (invalid number,
//     rejected address). Mark it failed, refund, do not retry.
//   - otherwise temporary: retry later, after RetryAfter when it is set.
//   - Config: temporary, but caused by our setup (bad credentials, sender not
//     allowed, account not found), not by the buyer. The message must not be
//     dropped — it waits — and a person must be alerted, because retrying
//     alone will not fix it.
type SendError struct {
	Channel   ChannelKind
	Permanent bool
	Config    bool
	// Code is the provider's code or one of the Code* constants.
	Code string
	// Message is the provider's explanation (English, for logs and support),
	// with the recipient masked.
	Message string
	// RetryAfter is the provider's requested back-off (HTTP 429 Retry-After);
	// zero means "use your own schedule".
	RetryAfter time.Duration
	// Err is the underlying error as the library returned it (unredacted).
	Err error
}

// Error describes the failure without recipient details.
func (e *SendError) Error() string {
	kind := "temporary"
	switch {
	case e.Permanent:
		kind = "permanent"
	case e.Config:
		kind = "config"
	}
	s := fmt.Sprintf("notify: %s: %s error", e.Channel, kind)
	if e.Code != "" {
		s += " " + e.Code
	}
	// Message is redacted by the channel; Err may quote the recipient in
	// full, so it is printed only when there is nothing else to say.
	switch {
	case e.Message != "":
		s += ": " + e.Message
	case e.Err != nil:
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying error.
func (e *SendError) Unwrap() error { return e.Err }

// IsPermanent reports whether err is a SendError that retrying cannot fix.
func IsPermanent(err error) bool {
	var se *SendError
	return errors.As(err, &se) && se.Permanent
}

// IsTemporary reports whether the send may succeed later. Any non-nil error
// that is not known to be permanent counts as temporary, so an unexpected
// error delays a message instead of losing it.
func IsTemporary(err error) bool {
	return err != nil && !IsPermanent(err)
}

// IsConfig reports whether err was caused by our own provider configuration
// (credentials, sender, account) and needs a person's attention.
func IsConfig(err error) bool {
	var se *SendError
	return errors.As(err, &se) && se.Config
}

// RetryAfter returns the back-off the provider asked for, or zero.
func RetryAfter(err error) time.Duration {
	var se *SendError
	if errors.As(err, &se) {
		return se.RetryAfter
	}
	return 0
}

// transportError classifies an error from dialling or talking to a provider:
// always temporary; ctx tells a caller's cancellation from a timeout.
func transportError(ctx context.Context, kind ChannelKind, err error) *SendError {
	se := &SendError{Channel: kind, Code: CodeNetwork, Err: err}
	var ne net.Error
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		se.Code = CodeCanceled
	case ctx.Err() != nil, errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		// The caller's deadline shows up as whatever the closed
		// connection reported, so ctx is asked first.
		se.Code = CodeTimeout
	}
	return se
}

// redact masks the recipient wherever a provider's message quotes it.
func redact(msg, recipient string) string {
	if recipient == "" || msg == "" {
		return msg
	}
	masked := MaskPhone(recipient)
	if strings.Contains(recipient, "@") {
		masked = MaskEmail(recipient)
	}
	return strings.ReplaceAll(msg, recipient, masked)
}
