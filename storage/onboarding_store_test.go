package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"parceltrack/insales"
	"parceltrack/onboarding"
	"parceltrack/sandbox/outbox"
	"parceltrack/storage"
)

func TestOnboardingShops(t *testing.T) {
	t.Parallel()
	db := server.DB(t)
	ctx := context.Background()
	t0 := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	shop, _, err := db.Shops().Upsert(ctx, storage.Install{InsalesID: 7, Domain: "a.myinsales.ru", PasswordEnc: []byte("x")}, 0, t0)
	if err != nil {
		t.Fatal(err)
	}
	st := db.OnboardingShops()
	m, err := st.Merchant(ctx, shop.ID)
	if err != nil || m.Current() != onboarding.StepRegister || m.Domain != "a.myinsales.ru" || m.Uninstalled {
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
			return st.SaveStatusSync(ctx, shop.ID, insales.StatusSyncSettings{Enabled: true, Mapping: map[string]string{"arrived": "v-otdelenii"}}, t0)
		},
		func() error { return st.SetStep(ctx, shop.ID, onboarding.StepDone, t0.Add(time.Hour)) },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	m, err = st.Merchant(ctx, shop.ID)
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "Мария" || m.Email != "new@example.ru" || m.Phone != "+79031112233" || m.PhoneVerifiedAt == nil ||
		m.EmailVerifiedAt == nil || m.UserID != "PT-00000001" || m.APIKeyHash != "sha256$aa$bb" ||
		m.CredentialsSentAt == nil || !m.CredentialsSentAt.Equal(t0.Add(time.Minute)) || !m.Done() ||
		m.FinishedAt == nil || !m.FinishedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("merchant after the wizard: %+v", m)
	}
	// Status sync is stored where the InSales app reads it.
	app, err := db.AppShops().ShopByID(ctx, shop.ID)
	if err != nil || !app.StatusSync.Enabled || app.StatusSync.Mapping["arrived"] != "v-otdelenii" {
		t.Fatalf("status sync as the InSales app sees it: %+v %v", app.StatusSync, err)
	}
	// The shop document itself still decodes, with the owner filled in.
	full, err := db.Shops().Get(ctx, shop.ID)
	if err != nil || full.Owner.Email != "new@example.ru" || full.WizardStep != "done" || full.UserID != "PT-00000001" {
		t.Fatalf("shop %+v %v", full, err)
	}

	other, _, _ := db.Shops().Upsert(ctx, storage.Install{InsalesID: 8, Domain: "b.myinsales.ru"}, 0, t0)
	if err := st.ReserveUserID(ctx, "PT-00000001", other.ID, t0); !errors.Is(err, onboarding.ErrStoreConflict) || !errors.Is(err, storage.ErrConflict) {
		t.Fatalf("second claim of a User ID: %v", err)
	}
	if u, err := db.APIUsers().Get(ctx, "PT-00000001"); err != nil || u.ShopID != shop.ID {
		t.Fatalf("api user %+v %v", u, err)
	}
	if _, err := st.Merchant(ctx, "nope"); !errors.Is(err, onboarding.ErrStoreNotFound) {
		t.Fatalf("unknown merchant: %v", err)
	}
	if err := st.SetStep(ctx, "nope", onboarding.StepCode, t0); !errors.Is(err, onboarding.ErrStoreNotFound) {
		t.Fatalf("update of an unknown shop: %v", err)
	}
}

func TestVerifications(t *testing.T) {
	t.Parallel()
	db := server.DB(t)
	ctx := context.Background()
	v := db.Verifications()
	t0 := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)

	if _, err := v.PendingCode(ctx, "s1"); !errors.Is(err, onboarding.ErrStoreNotFound) {
		t.Fatalf("no code yet: %v", err)
	}
	if _, err := v.AddTry(ctx, "s1"); !errors.Is(err, onboarding.ErrStoreNotFound) {
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

func TestSandboxOutbox(t *testing.T) {
	t.Parallel()
	db := server.DB(t)
	ctx := context.Background()
	o := db.SandboxOutbox()
	t0 := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	if err := o.Record(ctx, outbox.Record{Channel: "sms"}); !errors.Is(err, outbox.ErrNoID) {
		t.Fatalf("record without id: %v", err)
	}
	recs := []outbox.Record{
		{ID: "SM1", Channel: outbox.ChannelSMS, To: "+79123456789", Text: "Код 123456", Status: outbox.StatusQueued, CreatedAt: t0},
		{ID: "m2@x", Channel: outbox.ChannelEmail, To: "a@b.ru", Subject: "Тема", Text: "Письмо", Status: outbox.StatusReceived, CreatedAt: t0.Add(time.Minute)},
		// The status callback records SM1 again, without a time.
		{ID: "SM1", Channel: outbox.ChannelSMS, To: "+79123456789", Text: "Код 123456", Status: outbox.StatusDelivered},
	}
	for _, r := range recs {
		if err := o.Record(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	list, err := o.List(ctx, 10)
	if err != nil || len(list) != 2 {
		t.Fatalf("list %+v %v", list, err)
	}
	if list[0].ID != "m2@x" || list[1].ID != "SM1" || list[1].Status != outbox.StatusDelivered || !list[1].CreatedAt.Equal(t0) ||
		list[0].Subject != "Тема" {
		t.Fatalf("newest first, status replaced, time kept: %+v", list)
	}
}

func TestMessageStatuses(t *testing.T) {
	t.Parallel()
	db := server.DB(t)
	ctx := context.Background()
	ms := db.MessageStatuses()
	t0 := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	steps := []struct {
		st        storage.MessageStatus
		wantWrote bool
		want      string
	}{
		{storage.MessageStatus{ProviderID: "SM1", Channel: "sms", Status: "sent", UpdatedAt: t0}, true, "sent"},
		{storage.MessageStatus{ProviderID: "SM1", Channel: "sms", Status: "undelivered", Final: true, ErrorCode: "30003", UpdatedAt: t0}, true, "undelivered"},
		{storage.MessageStatus{ProviderID: "SM1", Channel: "sms", Status: "sent", UpdatedAt: t0}, false, "undelivered"},
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
	if _, err := ms.Get(ctx, "SM404"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("unknown message: %v", err)
	}
}
