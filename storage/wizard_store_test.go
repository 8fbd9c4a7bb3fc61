package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"parceltrack/notify"
	"parceltrack/onboarding"
	"parceltrack/shopapp"
)

func TestShopsKeepTheWizardsFields(t *testing.T) {
	t.Parallel()
	db := server.DB(t)
	ctx := context.Background()
	t0 := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	shop, _, err := db.Shops().InstallShop(ctx, shopapp.InstallRecord{InsalesID: 7, Domain: "a.myinsales.ru", PasswordEnc: []byte("x")}, 0, t0)
	if err != nil {
		t.Fatal(err)
	}
	st := db.Shops()
	m, err := st.Shop(ctx, shop.ID)
	if err != nil || onboarding.Current(m) != onboarding.StepRegister || m.Domain != "a.myinsales.ru" || m.Uninstalled() {
		t.Fatalf("fresh merchant %+v %v", m, err)
	}
	steps := []func() error{
		func() error {
			return st.SaveRegistration(ctx, shop.ID, onboarding.Registration{Name: "Мария", Email: "m@example.ru", Phone: "+79123456789"}, onboarding.StepCode, t0)
		},
		func() error { return st.SavePhone(ctx, shop.ID, "+79031112233", t0) },
		func() error {
			return st.MarkPhoneVerified(ctx, shop.ID, "+79031112233", onboarding.StepCredentials, t0)
		},
		func() error { return st.ReserveUserID(ctx, "PT-00000001", shop.ID, t0) },
		func() error { return st.MarkCredentialsSent(ctx, shop.ID, t0) },
		func() error { return st.SaveAPIKey(ctx, shop.ID, "PT-00000001", "sha256$aa$bb", t0) },
		func() error { return st.MarkCredentialsSent(ctx, shop.ID, t0.Add(time.Minute)) },
		func() error { return st.SaveEmail(ctx, shop.ID, "new@example.ru", t0) },
		func() error { return st.MarkEmailVerified(ctx, shop.ID, onboarding.StepSetup, t0) },
		func() error {
			return st.SaveStatusSync(ctx, shop.ID, shopapp.StatusSync{Enabled: true, Mapping: map[string]string{"arrived": "v-otdelenii"}}, t0)
		},
		func() error { return st.SetStep(ctx, shop.ID, onboarding.StepDone, t0.Add(time.Hour)) },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	m, err = st.Shop(ctx, shop.ID)
	if err != nil {
		t.Fatal(err)
	}
	if m.Owner.Name != "Мария" || m.Owner.Email != "new@example.ru" || m.Owner.Phone != "+79031112233" ||
		m.Verification.PhoneVerifiedAt.IsZero() || m.Verification.EmailVerifiedAt.IsZero() ||
		m.API.UserID != "PT-00000001" || m.API.KeyHash != "sha256$aa$bb" ||
		!m.Wizard.CredentialsSentAt.Equal(t0.Add(time.Minute)) || !onboarding.Done(m) ||
		!m.Wizard.FinishedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("merchant after the wizard: %+v", m)
	}
	// Status sync is stored where the app reads it.
	if !m.Settings.StatusSync.Enabled || m.Settings.StatusSync.Mapping["arrived"] != "v-otdelenii" {
		t.Fatalf("status sync: %+v", m.Settings.StatusSync)
	}
	// The wizard's writes keep the fields the InSales install wrote.
	if m.Domain != "a.myinsales.ru" || string(m.PasswordEnc) != "x" || m.InsalesID != 7 {
		t.Fatalf("install fields after the wizard: %+v", m)
	}

	other, _, _ := db.Shops().InstallShop(ctx, shopapp.InstallRecord{InsalesID: 8, Domain: "b.myinsales.ru"}, 0, t0)
	if err := st.ReserveUserID(ctx, "PT-00000001", other.ID, t0); !errors.Is(err, shopapp.ErrConflict) {
		t.Fatalf("second claim of a User ID: %v", err)
	}
	if u, err := db.APIUsers().Get(ctx, "PT-00000001"); err != nil || u.ShopID != shop.ID {
		t.Fatalf("api user %+v %v", u, err)
	}
	if _, err := st.Shop(ctx, "nope"); !errors.Is(err, shopapp.ErrNotFound) {
		t.Fatalf("unknown merchant: %v", err)
	}
	if err := st.SetStep(ctx, "nope", onboarding.StepCode, t0); !errors.Is(err, shopapp.ErrNotFound) {
		t.Fatalf("update of an unknown shop: %v", err)
	}
}

func TestVerifications(t *testing.T) {
	t.Parallel()
	db := server.DB(t)
	ctx := context.Background()
	v := db.Verifications()
	t0 := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)

	if _, err := v.PendingCode(ctx, "s1"); !errors.Is(err, shopapp.ErrNotFound) {
		t.Fatalf("no code yet: %v", err)
	}
	if _, err := v.AddTry(ctx, "s1"); !errors.Is(err, shopapp.ErrNotFound) {
		t.Fatalf("try without a code: %v", err)
	}
	c := onboarding.Code{ShopID: "s1", Phone: "+79123456789", Hash: "h1", SentAt: t0, ExpiresAt: t0.Add(10 * time.Minute), Tries: 0}
	if err := v.SaveCode(ctx, c); err != nil {
		t.Fatal(err)
	}
	for want := 1; want <= 2; want++ {
		got, err := v.AddTry(ctx, "s1")
		if err != nil || got.Tries != want {
			t.Fatalf("try %d: %+v %v", want, got, err)
		}
	}
	// A new code replaces the old one with its tries.
	c.Hash, c.SentAt = "h2", t0.Add(time.Minute)
	if err := v.SaveCode(ctx, c); err != nil {
		t.Fatal(err)
	}
	got, err := v.PendingCode(ctx, "s1")
	if err != nil || got.Hash != "h2" || got.Tries != 0 || !got.SentAt.Equal(t0.Add(time.Minute)) || got.Phone != c.Phone {
		t.Fatalf("replaced code %+v %v", got, err)
	}

	for i, want := range []int{1, 2, 1} {
		delta := 1
		if i == 2 {
			delta = -1
		}
		n, err := v.CountSend(ctx, "phone:+79123456789:20250301", delta, t0.Add(48*time.Hour))
		if err != nil || n != want {
			t.Fatalf("count %d: %d %v", i, n, err)
		}
	}
	if err := v.DeleteCode(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	if err := v.DeleteCode(ctx, "s1"); err != nil {
		t.Fatalf("deleting a missing code: %v", err)
	}
	if err := v.SaveCode(ctx, c); err != nil {
		t.Fatal(err)
	}
	// The code expires at +11 min, the counter at +48 h.
	n, err := v.Sweep(ctx, t0.Add(time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("sweep removed %d: %v", n, err)
	}
	if n, _ := v.CountSend(ctx, "phone:+79123456789:20250301", 0, t0.Add(48*time.Hour)); n != 1 {
		t.Fatalf("counter after sweep = %d", n)
	}
}

func TestMessageStatuses(t *testing.T) {
	t.Parallel()
	db := server.DB(t)
	ctx := context.Background()
	ms := db.MessageStatuses()
	t0 := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	steps := []struct {
		st        notify.Delivery
		wantWrote bool
		want      string
	}{
		{notify.Delivery{ProviderID: "SM1", Channel: "sms", Status: "sent", UpdatedAt: t0}, true, "sent"},
		{notify.Delivery{ProviderID: "SM1", Channel: "sms", Status: "undelivered", Final: true, ErrorCode: "30003", UpdatedAt: t0}, true, "undelivered"},
		{notify.Delivery{ProviderID: "SM1", Channel: "sms", Status: "sent", UpdatedAt: t0}, false, "undelivered"},
	}
	for i, s := range steps {
		wrote, err := ms.Save(ctx, s.st)
		if err != nil || wrote != s.wantWrote {
			t.Fatalf("save %d: wrote %v, %v", i, wrote, err)
		}
		got, err := ms.Get(ctx, "SM1")
		if err != nil || got.Status != s.want {
			t.Fatalf("after save %d: %+v %v", i, got, err)
		}
	}
	if _, err := ms.Get(ctx, "SM404"); !errors.Is(err, shopapp.ErrNotFound) {
		t.Fatalf("unknown message: %v", err)
	}
}
