// Package onboarding is the merchant's setup wizard as domain logic: register
// (name, e-mail, mobile phone), prove the phone with an SMS code, prove the
// e-mail by typing back the User ID and API key sent to it, set the shop up
// at InSales, read how the service works, and finish. The wizard step is kept
// on the shop, so a merchant resumes where they left.
//
// The package imports no database code: it declares the small stores it
// needs (ShopStore, CodeStore) and package storage implements them. Messages
// go out through notify.Channel (Twilio SMS and SMTP e-mail in production, the
// sandbox stand-ins otherwise). The clock and the random source are
// injectable so the rules (code lifetime, resend delay, daily caps) are tested
// with a fake clock.
//
// Every refusal the merchant can act on is a Problems error with Russian
// texts keyed by form field (see AsProblems); anything else is a failure of
// the service.
package onboarding
