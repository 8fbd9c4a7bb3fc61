package onboarding_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"parceltrack/notify"
	"parceltrack/onboarding"
)

func TestRegisterRefusesBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		in    onboarding.Registration
		want  []onboarding.Reason
		field string
	}{
		{"empty name", onboarding.Registration{Name: "  ", Email: "a@b.ru", Phone: "89123456789"}, []onboarding.Reason{onboarding.ReasonNameMissing}, "name"},
		{"name too long", onboarding.Registration{Name: strings.Repeat("я", 101), Email: "a@b.ru", Phone: "89123456789"}, []onboarding.Reason{onboarding.ReasonNameTooLong}, "name"},
		{"empty e-mail", onboarding.Registration{Name: "Иван", Phone: "89123456789"}, []onboarding.Reason{onboarding.ReasonEmailMissing}, "email"},
		{"e-mail without at", onboarding.Registration{Name: "Иван", Email: "owner.example.ru", Phone: "89123456789"}, []onboarding.Reason{onboarding.ReasonEmailInvalid}, "email"},
		{"e-mail without dotted domain", onboarding.Registration{Name: "Иван", Email: "owner@localhost", Phone: "89123456789"}, []onboarding.Reason{onboarding.ReasonEmailInvalid}, "email"},
		{"e-mail with display name", onboarding.Registration{Name: "Иван", Email: "Иван <owner@example.ru>", Phone: "89123456789"}, []onboarding.Reason{onboarding.ReasonEmailInvalid}, "email"},
		{"e-mail with two ats", onboarding.Registration{Name: "Иван", Email: "a@b@example.ru", Phone: "89123456789"}, []onboarding.Reason{onboarding.ReasonEmailInvalid}, "email"},
		{"empty phone", onboarding.Registration{Name: "Иван", Email: "a@b.ru"}, []onboarding.Reason{onboarding.ReasonPhoneMissing}, "phone"},
		{"phone too short", onboarding.Registration{Name: "Иван", Email: "a@b.ru", Phone: "8 912 345"}, []onboarding.Reason{onboarding.ReasonPhoneInvalid}, "phone"},
		{"phone with letters", onboarding.Registration{Name: "Иван", Email: "a@b.ru", Phone: "8 912 ABC-67-89"}, []onboarding.Reason{onboarding.ReasonPhoneInvalid}, "phone"},
		{"landline", onboarding.Registration{Name: "Иван", Email: "a@b.ru", Phone: "+7 (495) 123-45-67"}, []onboarding.Reason{onboarding.ReasonPhoneNotMobile}, "phone"},
		{"everything wrong at once", onboarding.Registration{Phone: "12"},
			[]onboarding.Reason{onboarding.ReasonNameMissing, onboarding.ReasonEmailMissing, onboarding.ReasonPhoneInvalid}, "phone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			err := w.svc.Register(ctx, shop1, tt.in)
			var ps onboarding.Problems
			for _, r := range tt.want {
				ps = wantReason(t, err, r)
			}
			if _, ok := ps.ByField()[tt.field]; !ok {
				t.Errorf("no problem for field %s: %+v", tt.field, ps)
			}
			if w.sms.count() != 0 || w.shops.writes != 0 {
				t.Fatalf("a refused form sent %d SMS and made %d writes", w.sms.count(), w.shops.writes)
			}
		})
	}
}

func TestRegisterNormalisesAndSendsCode(t *testing.T) {
	t.Parallel()
	for _, phone := range []string{"8 912 345-67-89", "+7 (912) 345-67-89", "89123456789", "7 912 345 67 89", "9123456789"} {
		t.Run(phone, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			in := okRegistration
			in.Phone = phone
			if err := w.svc.Register(ctx, shop1, in); err != nil {
				t.Fatal(err)
			}
			m := w.shops.get(shop1)
			if m.Owner.Phone != "+79123456789" || m.Owner.Name != "Мария Иванова" || m.Owner.Email != "Owner@example.ru" || onboarding.Current(m) != onboarding.StepCode {
				t.Fatalf("stored %+v", m)
			}
			sms := w.sms.last(t)
			code := w.sms.lastCode(t)
			if sms.To != "+79123456789" || sms.StatusCallback == "" {
				t.Fatalf("sms %+v", sms)
			}
			if _, _, segs := notify.Segments(sms.Text); segs != 1 {
				t.Errorf("code SMS takes %d segments", segs)
			}
			c := w.codes.pending[shop1]
			if c.Hash == "" || strings.Contains(c.Hash, code) || c.Phone != "+79123456789" ||
				c.ExpiresAt.Sub(c.SentAt) != onboarding.CodeLifetime {
				t.Fatalf("stored code %+v (code %s): want a hash only, valid 10 minutes", c, code)
			}
		})
	}
}

func TestRegisterKeepsNothingWhenTheSMSFails(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want onboarding.Reason
	}{
		{"number refused", &notify.SendError{Channel: notify.KindSMS, Permanent: true, Code: "21211"}, onboarding.ReasonPhoneRejected},
		{"provider down", &notify.SendError{Channel: notify.KindSMS, Code: "20500"}, onboarding.ReasonSendFailed},
		{"our credentials", &notify.SendError{Channel: notify.KindSMS, Permanent: true, Config: true, Code: "20003"}, onboarding.ReasonSendFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			w.sms.fail = tt.err
			err := w.svc.Register(ctx, shop1, okRegistration)
			wantReason(t, err, tt.want)
			if !errors.Is(err, tt.err) {
				t.Errorf("the provider error is not kept for the log: %v", err)
			}
			if m := w.shops.get(shop1); m.Owner.Phone != "" || onboarding.Current(m) != onboarding.StepRegister {
				t.Fatalf("half-registered: %+v", m)
			}
			if len(w.codes.pending) != 0 {
				t.Fatal("a code was stored for an SMS that never went")
			}
			for k, n := range w.codes.counters {
				if n != 0 {
					t.Fatalf("counter %s = %d after a failed send", k, n)
				}
			}
			w.sms.fail = nil
			w.register(t)
		})
	}
}

func TestRegisterAgainKeepsPendingCodeForSamePhone(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	code := w.register(t)
	w.clock.Advance(10 * time.Second)
	in := okRegistration
	in.Email = "fixed@example.ru"
	if err := w.svc.Register(ctx, shop1, in); err != nil {
		t.Fatalf("correcting the e-mail: %v", err)
	}
	if w.sms.count() != 1 || w.shops.get(shop1).Owner.Email != "fixed@example.ru" {
		t.Fatalf("sms %d, merchant %+v", w.sms.count(), w.shops.get(shop1))
	}
	if err := w.svc.VerifyCode(ctx, shop1, code); err != nil {
		t.Fatalf("the first code stopped working: %v", err)
	}
}
