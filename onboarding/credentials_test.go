package onboarding_test

import (
	"strings"
	"testing"
	"time"

	"parceltrack/notify"
	"parceltrack/onboarding"
)

func TestCredentials(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// typed returns what the merchant types, from the e-mailed pair.
		typed func(id, key string) (string, string)
		want  []onboarding.Reason
	}{
		{"both right", func(id, key string) (string, string) { return id, key }, nil},
		{"user id in lower case with spaces", func(id, key string) (string, string) { return " " + strings.ToLower(id) + " ", " " + key }, nil},
		{"nothing typed", func(id, key string) (string, string) { return "", "" },
			[]onboarding.Reason{onboarding.ReasonUserIDMissing, onboarding.ReasonKeyMissing}},
		{"wrong user id", func(id, key string) (string, string) { return "PT-00000000", key }, []onboarding.Reason{onboarding.ReasonUserIDWrong}},
		{"wrong key", func(id, key string) (string, string) { return id, key[:31] + "x" }, []onboarding.Reason{onboarding.ReasonKeyWrong}},
		{"key cut short", func(id, key string) (string, string) { return id, key[:20] }, []onboarding.Reason{onboarding.ReasonKeyWrong}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			w.throughCode(t)
			mail := w.email.last(t)
			id, key := w.email.lastCredentials(t)
			if mail.To != "Owner@example.ru" || !strings.Contains(mail.HTML, key) || mail.Subject == "" {
				t.Fatalf("e-mail %+v", mail)
			}
			m := w.shops.get(shop1)
			if m.API.UserID != id || m.Wizard.CredentialsSentAt.IsZero() || strings.Contains(m.API.KeyHash, key) || !onboarding.CheckAPIKey(m.API.KeyHash, key) {
				t.Fatalf("stored %+v for %s / %s", m, id, key)
			}
			typedID, typedKey := tt.typed(id, key)
			err := w.svc.CheckCredentials(ctx, shop1, typedID, typedKey)
			m = w.shops.get(shop1)
			if tt.want == nil {
				if err != nil || onboarding.Current(m) != onboarding.StepSetup || m.Verification.EmailVerifiedAt.IsZero() {
					t.Fatalf("accepted? %v %+v", err, m)
				}
				return
			}
			for _, r := range tt.want {
				wantReason(t, err, r)
			}
			if !m.Verification.EmailVerifiedAt.IsZero() || onboarding.Current(m) != onboarding.StepCredentials {
				t.Fatalf("refused credentials verified the e-mail: %+v", m)
			}
		})
	}
}

func TestCredentialsResendAndFailures(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	// The e-mail fails right after the code: the phone stays proved and the
	// credentials page offers the e-mail again.
	w.email.fail = &notify.SendError{Channel: notify.KindEmail, Code: "smtp_451"}
	w.throughCode(t)
	m := w.shops.get(shop1)
	if onboarding.Current(m) != onboarding.StepCredentials || m.Verification.PhoneVerifiedAt.IsZero() || !m.Wizard.CredentialsSentAt.IsZero() {
		t.Fatalf("after a failed e-mail: %+v", m)
	}
	wantReason(t, w.svc.CheckCredentials(ctx, shop1, "PT-12345678", strings.Repeat("a", 32)), onboarding.ReasonNotIssued)
	wantReason(t, w.svc.IssueCredentials(ctx, shop1), onboarding.ReasonSendFailed)
	w.email.fail = &notify.SendError{Channel: notify.KindEmail, Permanent: true, Code: "smtp_550"}
	wantReason(t, w.svc.IssueCredentials(ctx, shop1), onboarding.ReasonEmailRejected)
	w.email.fail = nil

	if err := w.svc.IssueCredentials(ctx, shop1); err != nil {
		t.Fatal(err)
	}
	id1, key1 := w.email.lastCredentials(t)
	w.clock.Advance(20 * time.Second)
	wantReason(t, w.svc.IssueCredentials(ctx, shop1), onboarding.ReasonTooSoon)

	// A corrected address gets the credentials at once; the User ID stays,
	// the key is new and the old one stops working.
	wantReason(t, w.svc.ChangeEmail(ctx, shop1, "not-an-address"), onboarding.ReasonEmailInvalid)
	if err := w.svc.ChangeEmail(ctx, shop1, "new@example.ru"); err != nil {
		t.Fatal(err)
	}
	id2, key2 := w.email.lastCredentials(t)
	if w.email.last(t).To != "new@example.ru" || id2 != id1 || key2 == key1 {
		t.Fatalf("second e-mail to %s: %s/%s after %s/%s", w.email.last(t).To, id2, key2, id1, key1)
	}
	wantReason(t, w.svc.CheckCredentials(ctx, shop1, id1, key1), onboarding.ReasonKeyWrong)
	if err := w.svc.CheckCredentials(ctx, shop1, id2, key2); err != nil {
		t.Fatal(err)
	}
}

func TestUserIDsAreUnique(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	// The first two IDs drawn are taken: the service draws until one is free.
	w.shops.conflicts = 2
	w.throughCode(t)
	id, _ := w.email.lastCredentials(t)
	if !strings.HasPrefix(id, onboarding.UserIDPrefix) || len(id) != len(onboarding.UserIDPrefix)+8 {
		t.Fatalf("user id %q", id)
	}
	if w.shops.users[id] != shop1 || w.shops.claims != 3 {
		t.Fatalf("user id %s after %d claims: %v", id, w.shops.claims, w.shops.users)
	}
	// Credentials sent again keep the User ID.
	w.clock.Advance(time.Minute)
	if err := w.svc.IssueCredentials(ctx, shop1); err != nil {
		t.Fatal(err)
	}
	if again, _ := w.email.lastCredentials(t); again != id || w.shops.claims != 3 {
		t.Fatalf("second issue: %s, %d claims", again, w.shops.claims)
	}
}

func TestAPIKeyHash(t *testing.T) {
	t.Parallel()
	a := onboarding.HashAPIKey("key", []byte("salt-1"))
	b := onboarding.HashAPIKey("key", []byte("salt-2"))
	tests := []struct {
		name   string
		stored string
		key    string
		want   bool
	}{
		{"match", a, "key", true},
		{"other salt matches too", b, "key", true},
		{"wrong key", a, "kez", false},
		{"empty key", a, "", false},
		{"garbage hash", "sha256$zz$00", "key", false},
		{"empty hash", "", "key", false},
	}
	for _, tt := range tests {
		if got := onboarding.CheckAPIKey(tt.stored, tt.key); got != tt.want {
			t.Errorf("%s: CheckAPIKey = %v", tt.name, got)
		}
	}
	if a == b {
		t.Error("the salt does not change the hash")
	}
}
