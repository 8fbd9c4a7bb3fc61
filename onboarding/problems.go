package onboarding

import (
	"errors"
	"strings"
	"time"
)

// Reason names why a wizard action was refused; tests and handlers switch on
// it, the merchant reads Problem.Text.
type Reason string

// Reasons of refusals.
const (
	ReasonNameMissing     Reason = "name_missing"
	ReasonNameTooLong     Reason = "name_too_long"
	ReasonEmailMissing    Reason = "email_missing"
	ReasonEmailInvalid    Reason = "email_invalid"
	ReasonPhoneMissing    Reason = "phone_missing"
	ReasonPhoneInvalid    Reason = "phone_invalid"
	ReasonPhoneNotMobile  Reason = "phone_not_mobile"
	ReasonPhoneRejected   Reason = "phone_rejected"   // the SMS provider refused the number
	ReasonEmailRejected   Reason = "email_rejected"   // the mail server refused the address
	ReasonSendFailed      Reason = "send_failed"      // the provider failed; try again later
	ReasonCodeFormat      Reason = "code_format"      // not 6 digits
	ReasonCodeWrong       Reason = "code_wrong"       // wrong code, tries left
	ReasonCodeExpired     Reason = "code_expired"     // older than CodeLifetime
	ReasonTooManyTries    Reason = "too_many_tries"   // MaxCodeTries wrong codes ended it
	ReasonNoCode          Reason = "no_code"          // no code pending
	ReasonTooSoon         Reason = "too_soon"         // ResendAfter has not passed
	ReasonDailyLimit      Reason = "daily_limit"      // MaxCodesPerDay reached
	ReasonUserIDMissing   Reason = "user_id_missing"  // nothing typed
	ReasonUserIDWrong     Reason = "user_id_wrong"    // not the issued User ID
	ReasonKeyMissing      Reason = "key_missing"      // nothing typed
	ReasonKeyWrong        Reason = "key_wrong"        // not the issued key
	ReasonNotIssued       Reason = "not_issued"       // no credentials sent yet
	ReasonSetupIncomplete Reason = "setup_incomplete" // the shop is not set up at InSales yet
	ReasonSetupFailed     Reason = "setup_failed"     // InSales failed during setup
	ReasonMappingEmpty    Reason = "mapping_empty"    // status sync on, nothing mapped
	ReasonStatusUnknown   Reason = "status_unknown"   // a mapped status the shop does not have
	ReasonStatusesFailed  Reason = "statuses_failed"  // InSales failed reading or creating statuses
	ReasonShopUninstalled Reason = "shop_uninstalled" // the app was removed from the shop
	ReasonWrongStep       Reason = "wrong_step"       // the action does not belong to the current step
)

// Problem is one refusal: its reason, the form field it concerns ("" for the
// form as a whole) and the Russian text shown to the merchant.
type Problem struct {
	Reason Reason
	Field  string
	Text   string
	// Wait is how long until the action may be tried again (ReasonTooSoon).
	Wait time.Duration
	// Err is the underlying failure, for the log (provider errors).
	Err error
}

// Problems is a refusal the merchant can act on: one Problem per field at
// most, in the order found. It is an error.
type Problems []Problem

func (ps Problems) Error() string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = string(p.Reason)
		if p.Err != nil {
			parts[i] += " (" + p.Err.Error() + ")"
		}
	}
	return "onboarding: refused: " + strings.Join(parts, ", ")
}

// Unwrap exposes the underlying failures.
func (ps Problems) Unwrap() []error {
	var errs []error
	for _, p := range ps {
		if p.Err != nil {
			errs = append(errs, p.Err)
		}
	}
	return errs
}

// Has reports whether one of the problems has reason r.
func (ps Problems) Has(r Reason) bool {
	for _, p := range ps {
		if p.Reason == r {
			return true
		}
	}
	return false
}

// ByField maps each field to its text; problems of the whole form are under "".
func (ps Problems) ByField() map[string]string {
	m := make(map[string]string, len(ps))
	for _, p := range ps {
		if _, ok := m[p.Field]; !ok {
			m[p.Field] = p.Text
		}
	}
	return m
}

// AsProblems returns the refusal inside err, if err is one.
func AsProblems(err error) (Problems, bool) {
	var ps Problems
	if errors.As(err, &ps) {
		return ps, true
	}
	return nil, false
}

// refuse is a Problems error with one problem.
func refuse(r Reason, field, text string) Problems {
	return Problems{{Reason: r, Field: field, Text: text}}
}

// ErrUnknownShop means no shop has the id asked for.
var ErrUnknownShop = errors.New("onboarding: unknown shop")
