package onboarding_test

import (
	"strings"
	"testing"
	"time"

	"parceltrack/onboarding"
)

// wrongCode is a 6-digit code other than code.
func wrongCode(code string) string {
	if code == "000000" {
		return "111111"
	}
	return "000000"
}

func TestVerifyCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// act types codes after registration and returns the last error.
		act  func(t *testing.T, w *world, code string) error
		want onboarding.Reason // "" = accepted
	}{
		{"right code", func(t *testing.T, w *world, code string) error {
			return w.svc.VerifyCode(ctx, shop1, code)
		}, ""},
		{"right code with spaces", func(t *testing.T, w *world, code string) error {
			return w.svc.VerifyCode(ctx, shop1, code[:3]+" "+code[3:])
		}, ""},
		{"not six digits", func(t *testing.T, w *world, code string) error {
			return w.svc.VerifyCode(ctx, shop1, "12a45")
		}, onboarding.ReasonCodeFormat},
		{"wrong code", func(t *testing.T, w *world, code string) error {
			return w.svc.VerifyCode(ctx, shop1, wrongCode(code))
		}, onboarding.ReasonCodeWrong},
		{"right code after four wrong ones", func(t *testing.T, w *world, code string) error {
			for range 4 {
				_ = w.svc.VerifyCode(ctx, shop1, wrongCode(code))
			}
			return w.svc.VerifyCode(ctx, shop1, code)
		}, ""},
		{"fifth wrong code ends it", func(t *testing.T, w *world, code string) error {
			for range 4 {
				_ = w.svc.VerifyCode(ctx, shop1, wrongCode(code))
			}
			return w.svc.VerifyCode(ctx, shop1, wrongCode(code))
		}, onboarding.ReasonTooManyTries},
		{"right code after five wrong ones", func(t *testing.T, w *world, code string) error {
			for range 5 {
				_ = w.svc.VerifyCode(ctx, shop1, wrongCode(code))
			}
			return w.svc.VerifyCode(ctx, shop1, code)
		}, onboarding.ReasonTooManyTries},
		{"expired code", func(t *testing.T, w *world, code string) error {
			w.clock.Advance(onboarding.CodeLifetime)
			return w.svc.VerifyCode(ctx, shop1, code)
		}, onboarding.ReasonCodeExpired},
		{"just before expiry", func(t *testing.T, w *world, code string) error {
			w.clock.Advance(onboarding.CodeLifetime - time.Second)
			return w.svc.VerifyCode(ctx, shop1, code)
		}, ""},
		{"code used twice", func(t *testing.T, w *world, code string) error {
			if err := w.svc.VerifyCode(ctx, shop1, code); err != nil {
				t.Fatal(err)
			}
			return w.svc.VerifyCode(ctx, shop1, code)
		}, onboarding.ReasonWrongStep},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			code := w.register(t)
			err := tt.act(t, w, code)
			m := w.shops.get(shop1)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if onboarding.Current(m) != onboarding.StepCredentials || m.Verification.PhoneVerifiedAt.IsZero() {
					t.Fatalf("after the code: %+v", m)
				}
				return
			}
			wantReason(t, err, tt.want)
			if tt.want != onboarding.ReasonWrongStep && (!m.Verification.PhoneVerifiedAt.IsZero() || onboarding.Current(m) != onboarding.StepCode) {
				t.Fatalf("refused code still verified the phone: %+v", m)
			}
		})
	}
}

func TestWrongCodeCountsDown(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	code := w.register(t)
	for left := 4; left >= 1; left-- {
		ps := wantReason(t, w.svc.VerifyCode(ctx, shop1, wrongCode(code)), onboarding.ReasonCodeWrong)
		if !strings.Contains(ps[0].Text, "Осталось попыток: "+string(rune('0'+left))) {
			t.Fatalf("text %q, want %d tries left", ps[0].Text, left)
		}
	}
	st, err := w.svc.CodeStatus(ctx, shop1)
	if err != nil || st.TriesLeft != 1 || !st.Usable {
		t.Fatalf("status %+v %v", st, err)
	}
}

func TestResendRules(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	first := w.register(t)

	w.clock.Advance(30 * time.Second)
	ps := wantReason(t, w.svc.ResendCode(ctx, shop1), onboarding.ReasonTooSoon)
	if ps[0].Wait != 30*time.Second || !strings.Contains(ps[0].Text, "30 с") {
		t.Fatalf("too soon: wait %v, %q", ps[0].Wait, ps[0].Text)
	}
	st, _ := w.svc.CodeStatus(ctx, shop1)
	if st.ResendIn != 30*time.Second {
		t.Fatalf("status resend in %v", st.ResendIn)
	}

	w.clock.Advance(30 * time.Second)
	if err := w.svc.ResendCode(ctx, shop1); err != nil {
		t.Fatalf("resend after 60 s: %v", err)
	}
	second := w.sms.lastCode(t)
	if first != second {
		wantReason(t, w.svc.VerifyCode(ctx, shop1, first), onboarding.ReasonCodeWrong)
	}
	if err := w.svc.VerifyCode(ctx, shop1, second); err != nil {
		t.Fatalf("new code: %v", err)
	}
}

func TestDailyCaps(t *testing.T) {
	t.Parallel()
	t.Run("per phone", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t)
		w.register(t)
		for range onboarding.MaxCodesPerDay - 1 {
			w.clock.Advance(onboarding.ResendAfter)
			if err := w.svc.ResendCode(ctx, shop1); err != nil {
				t.Fatal(err)
			}
		}
		w.clock.Advance(onboarding.ResendAfter)
		wantReason(t, w.svc.ResendCode(ctx, shop1), onboarding.ReasonDailyLimit)
		if w.sms.count() != onboarding.MaxCodesPerDay {
			t.Fatalf("%d SMS sent", w.sms.count())
		}
		// The same phone from another shop is capped too.
		w.addShop("shop2", 78)
		wantReason(t, w.svc.Register(ctx, "shop2", okRegistration), onboarding.ReasonDailyLimit)
		// Moscow's next day opens a new allowance (09:00 UTC + 15 h = 03:00 MSK next day).
		w.clock.Advance(15 * time.Hour)
		if err := w.svc.ResendCode(ctx, shop1); err != nil {
			t.Fatalf("next day: %v", err)
		}
	})
	t.Run("per shop across phones", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t)
		w.register(t)
		for i := range onboarding.MaxCodesPerDay - 1 {
			if err := w.svc.ChangePhone(ctx, shop1, "+7912000000"+string(rune('1'+i))); err != nil {
				t.Fatal(err)
			}
		}
		wantReason(t, w.svc.ChangePhone(ctx, shop1, "+79120000009"), onboarding.ReasonDailyLimit)
		if got := w.shops.get(shop1).Owner.Phone; got != "+79120000004" {
			t.Fatalf("phone after the refused change = %s", got)
		}
	})
}

func TestChangePhoneSendsThereAtOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	old := w.register(t)
	wantReason(t, w.svc.ChangePhone(ctx, shop1, "8 495 123-45-67"), onboarding.ReasonPhoneNotMobile)
	if err := w.svc.ChangePhone(ctx, shop1, "+7 (903) 111-22-33"); err != nil {
		t.Fatalf("change phone right away: %v", err)
	}
	sms := w.sms.last(t)
	code := w.sms.lastCode(t)
	if sms.To != "+79031112233" || w.shops.get(shop1).Owner.Phone != "+79031112233" {
		t.Fatalf("sms to %s, phone %s", sms.To, w.shops.get(shop1).Owner.Phone)
	}
	if old != code {
		wantReason(t, w.svc.VerifyCode(ctx, shop1, old), onboarding.ReasonCodeWrong)
	}
	if err := w.svc.VerifyCode(ctx, shop1, code); err != nil {
		t.Fatal(err)
	}
	if m := w.shops.get(shop1); m.Owner.Phone != "+79031112233" || m.Verification.PhoneVerifiedAt.IsZero() {
		t.Fatalf("verified %+v", m)
	}
}
