package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"parceltrack/messages"
	"parceltrack/notify"
	"parceltrack/onboarding"
	"parceltrack/sandbox/outbox"
	twiliosandbox "parceltrack/sandbox/twilio"
)

func TestWizardResumesWhereLeft(t *testing.T) {
	t.Parallel()
	w := newWizardWorld(t, false)
	if r := w.get(t, "/app/wizard/register"); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wizard without a session = %d", r.StatusCode)
	}
	m := w.signIn(t)
	wantRedirect(t, m.get(t, "/app"), "/app/wizard/register")
	wantRedirect(t, m.get(t, "/app/wizard"), "/app/wizard/register")
	// Pages not reached yet send the merchant back to the current step.
	for _, path := range []string{"/app/wizard/code", "/app/wizard/credentials", "/app/wizard/setup", "/app/wizard/finish"} {
		wantRedirect(t, m.get(t, path), "/app/wizard/register")
	}
	page := m.get(t, "/app/wizard/register")
	d := page.doc(t)
	if page.StatusCode != 200 || d.Find("#name").AttrOr("value", "") != "Мария Иванова" || d.Find("#email").AttrOr("value", "") != "owner@example.ru" {
		t.Fatalf("register page prefilled from the InSales login:\n%s", page.body)
	}
	if d.Find(`li[aria-current="step"]`).Text() != "1. Регистрация" || !strings.Contains(d.Find("#wizard").AttrOr("hx-boost", ""), "true") {
		t.Fatalf("progress list / htmx boost missing:\n%s", page.body)
	}

	wantRedirect(t, m.post(t, "/app/wizard/register", goodRegistration), "/app/wizard/code")
	// A new browser session (the merchant comes back tomorrow) resumes there.
	again := w.signIn(t)
	wantRedirect(t, again.get(t, "/app"), "/app/wizard/code")
	// The registration form may be reopened from the code page.
	if r := again.get(t, "/app/wizard/register"); r.StatusCode != 200 || !strings.Contains(r.body, "Вернуться к вводу кода") {
		t.Fatalf("register from the code page = %d", r.StatusCode)
	}
}

func TestWizardRegisterRefusesBadInput(t *testing.T) {
	t.Parallel()
	w := newWizardWorld(t, false)
	tests := []struct {
		name  string
		form  url.Values
		field string
		text  string
	}{
		{"invalid phone", url.Values{"name": {"Мария"}, "email": {"owner@example.ru"}, "phone": {"8 912 34"}}, "phone", "Проверьте номер телефона"},
		{"phone with letters", url.Values{"name": {"Мария"}, "email": {"owner@example.ru"}, "phone": {"восемь 912"}}, "phone", "Проверьте номер телефона"},
		{"landline phone", url.Values{"name": {"Мария"}, "email": {"owner@example.ru"}, "phone": {"+7 (495) 123-45-67"}}, "phone", "Нужен номер мобильного телефона"},
		{"no phone", url.Values{"name": {"Мария"}, "email": {"owner@example.ru"}}, "phone", "Укажите номер мобильного телефона"},
		{"invalid e-mail", url.Values{"name": {"Мария"}, "email": {"owner@example"}, "phone": {"89123456789"}}, "email", "Проверьте e-mail"},
		{"e-mail with spaces", url.Values{"name": {"Мария"}, "email": {"owner @example.ru"}, "phone": {"89123456789"}}, "email", "Проверьте e-mail"},
		{"no e-mail", url.Values{"name": {"Мария"}, "phone": {"89123456789"}}, "email", "Укажите e-mail"},
		{"no name", url.Values{"email": {"owner@example.ru"}, "phone": {"89123456789"}}, "name", "Укажите имя"},
	}
	m := w.signIn(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := m.post(t, "/app/wizard/register", tt.form)
			wantRefused(t, r, tt.text)
			d := r.doc(t)
			if d.Find("#"+tt.field).AttrOr("aria-invalid", "") != "true" || !strings.Contains(d.Find("#"+tt.field+"-problem").Text(), tt.text) {
				t.Fatalf("the problem is not next to %s:\n%s", tt.field, r.body)
			}
			// What was typed stays in the form.
			if got := d.Find("#email").AttrOr("value", ""); got != tt.form.Get("email") {
				t.Fatalf("e-mail field = %q, typed %q", got, tt.form.Get("email"))
			}
		})
	}
	// With htmx the refusal is a fragment for the page (422 is swapped by the
	// layout's htmx config) and the address stays the form's page.
	r := m.post(t, "/app/wizard/register", tests[0].form, "HX-Request", "true")
	wantRefused(t, r, tests[0].text)
	if strings.Contains(r.body, "<html") || r.Header.Get("HX-Push-Url") != "/app/wizard/register" {
		t.Fatalf("htmx refusal: push %q\n%s", r.Header.Get("HX-Push-Url"), r.body)
	}
	if w.sms.Len() != 0 {
		t.Fatalf("%d SMS sent for refused forms", w.sms.Len())
	}
	wantRedirect(t, m.get(t, "/app"), "/app/wizard/register")
}

func TestWizardCodeRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// act does what the merchant does after registering; it returns the
		// last answer.
		act  func(t *testing.T, w *wizardWorld, m *merchant) response
		text string
		// shared cases leave the code usable and run one after another on
		// one registered merchant; the others get their own.
		shared bool
	}{
		{"not a code", func(t *testing.T, w *wizardWorld, m *merchant) response {
			return m.post(t, "/app/wizard/code", url.Values{"code": {"12-34"}})
		}, "Введите 6 цифр кода из SMS.", true},
		{"corrected phone invalid", func(t *testing.T, w *wizardWorld, m *merchant) response {
			return m.post(t, "/app/wizard/code/phone", url.Values{"phone": {"123"}})
		}, "Проверьте номер телефона", true},
		{"phone the provider refuses", func(t *testing.T, w *wizardWorld, m *merchant) response {
			return m.post(t, "/app/wizard/code/phone", url.Values{"phone": {twiliosandbox.MagicInvalid}})
		}, "На этот номер не удалось отправить SMS", true},
		{"resend too soon", func(t *testing.T, w *wizardWorld, m *merchant) response {
			w.clock.Advance(20 * time.Second)
			return m.post(t, "/app/wizard/code/resend", nil)
		}, "Отправить ещё раз можно через 40 с.", true},
		{"wrong code", func(t *testing.T, w *wizardWorld, m *merchant) response {
			return m.post(t, "/app/wizard/code", url.Values{"code": {otherCode(w.lastCodeOnly(t))}})
		}, "Неверный код. Осталось попыток: 4.", true},
		{"expired code", func(t *testing.T, w *wizardWorld, m *merchant) response {
			w.clock.Advance(onboarding.CodeLifetime + time.Second)
			return m.post(t, "/app/wizard/code", url.Values{"code": {w.lastCodeOnly(t)}})
		}, "Срок действия кода истёк", false},
		{"too many tries", func(t *testing.T, w *wizardWorld, m *merchant) response {
			code := w.lastCodeOnly(t)
			for range onboarding.MaxCodeTries {
				m.post(t, "/app/wizard/code", url.Values{"code": {otherCode(code)}})
			}
			return m.post(t, "/app/wizard/code", url.Values{"code": {code}})
		}, "Слишком много неверных попыток", false},
		{"daily cap", func(t *testing.T, w *wizardWorld, m *merchant) response {
			for range onboarding.MaxCodesPerDay - 1 {
				w.clock.Advance(onboarding.ResendAfter)
				wantRedirect(t, m.post(t, "/app/wizard/code/resend", nil), "/app/wizard/code")
			}
			w.clock.Advance(onboarding.ResendAfter)
			return m.post(t, "/app/wizard/code/resend", nil)
		}, "предел на сутки", false},
	}
	check := func(t *testing.T, w *wizardWorld, m *merchant, r response, text string) {
		t.Helper()
		wantRefused(t, r, text)
		wantRedirect(t, m.get(t, "/app"), "/app/wizard/code")
	}
	t.Run("shared", func(t *testing.T) {
		t.Parallel()
		w := newWizardWorld(t, false)
		m := w.registered(t)
		for _, tt := range tests {
			if tt.shared {
				t.Run(tt.name, func(t *testing.T) { check(t, w, m, tt.act(t, w, m), tt.text) })
			}
		}
	})
	for _, tt := range tests {
		if tt.shared {
			continue
		}
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWizardWorld(t, false)
			m := w.registered(t)
			check(t, w, m, tt.act(t, w, m), tt.text)
		})
	}
}

func (w *wizardWorld) lastCodeOnly(t *testing.T) string {
	t.Helper()
	_, code := w.lastCode(t)
	return code
}

func otherCode(code string) string {
	if code == "000000" {
		return "111111"
	}
	return "000000"
}

func TestWizardCodeResendAndChangePhone(t *testing.T) {
	t.Parallel()
	w := newWizardWorld(t, false)
	m := w.registered(t)
	to, first := w.lastCode(t)
	if to != "+79123456789" {
		t.Fatalf("code went to %s", to)
	}
	page := m.get(t, "/app/wizard/code")
	if page.doc(t).Find("#code-phone").Text() != "+7 912 345-67-89" || !strings.Contains(page.body, "Новый код можно запросить через 60 с.") {
		t.Fatalf("code page:\n%s", page.body)
	}
	// The merchant corrects the phone and gets the code there at once.
	wantRedirect(t, m.post(t, "/app/wizard/code/phone", url.Values{"phone": {"+7 (903) 111-22-33"}}), "/app/wizard/code")
	to, second := w.lastCode(t)
	if to != "+79031112233" || w.sms.Len() != 2 {
		t.Fatalf("code went to %s; %d SMS", to, w.sms.Len())
	}
	if m.get(t, "/app/wizard/code").doc(t).Find("#code-phone").Text() != "+7 903 111-22-33" {
		t.Fatal("the code page does not show the new phone")
	}
	if first != second {
		wantRefused(t, m.post(t, "/app/wizard/code", url.Values{"code": {first}}), "Неверный код")
	}
	wantRedirect(t, m.post(t, "/app/wizard/code", url.Values{"code": {second}}), "/app/wizard/credentials")
	got, err := w.db.Shops().Shop(context.Background(), w.shopID)
	if err != nil || got.Owner.Phone != "+79031112233" || got.Verification.PhoneVerifiedAt.IsZero() {
		t.Fatalf("merchant %+v %v", got, err)
	}
}

func TestWizardCredentialsRefusals(t *testing.T) {
	t.Parallel()
	w := newWizardWorld(t, false)
	m := w.atCredentials(t)
	to, id, key := w.lastCredentials(t)
	if to != "owner@example.ru" {
		t.Fatalf("credentials went to %s", to)
	}
	page := m.get(t, "/app/wizard/credentials")
	if !strings.Contains(page.body, "owner@example.ru") || strings.Contains(page.body, key) {
		t.Fatalf("credentials page (must show the address, never the key):\n%s", page.body)
	}
	tests := []struct {
		name        string
		userID, key string
		field, text string
	}{
		{"wrong user id", "PT-00000000", key, "user_id", "Этот User ID не совпадает"},
		{"wrong key", id, strings.Repeat("x", 32), "api_key", "Ключ API не подходит"},
		{"key cut short", id, key[:16], "api_key", "Ключ API не подходит"},
		{"nothing typed", "", "", "user_id", "Введите User ID из письма."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := m.post(t, "/app/wizard/credentials", url.Values{"user_id": {tt.userID}, "api_key": {tt.key}})
			wantRefused(t, r, tt.text)
			if r.doc(t).Find("#"+tt.field).AttrOr("aria-invalid", "") != "true" {
				t.Fatalf("field %s not marked:\n%s", tt.field, r.body)
			}
			if strings.Contains(r.body, key) {
				t.Fatal("the key was echoed into the page")
			}
		})
	}
	wantRefused(t, m.post(t, "/app/wizard/credentials/resend", nil), "Отправить ещё раз можно через")
	wantRefused(t, m.post(t, "/app/wizard/credentials/email", url.Values{"email": {"nope"}}), "Проверьте e-mail")
	// A corrected address gets new credentials; the old key stops working.
	wantRedirect(t, m.post(t, "/app/wizard/credentials/email", url.Values{"email": {"boss@example.ru"}}), "/app/wizard/credentials")
	to2, id2, key2 := w.lastCredentials(t)
	if to2 != "boss@example.ru" || id2 != id || key2 == key {
		t.Fatalf("second e-mail to %s: %s", to2, id2)
	}
	wantRefused(t, m.post(t, "/app/wizard/credentials", url.Values{"user_id": {id}, "api_key": {key}}), "Ключ API не подходит")
	wantRedirect(t, m.post(t, "/app/wizard/credentials", url.Values{"user_id": {strings.ToLower(id2)}, "api_key": {key2}}), "/app/wizard/setup")
	got, _ := w.db.Shops().Shop(context.Background(), w.shopID)
	if got.Verification.EmailVerifiedAt.IsZero() || got.Owner.Email != "boss@example.ru" || !onboarding.CheckAPIKey(got.API.KeyHash, key2) || strings.Contains(got.API.KeyHash, key2) {
		t.Fatalf("merchant %+v", got)
	}
}

func TestWizardSetupRetryAfterInsalesFailure(t *testing.T) {
	t.Parallel()
	w := newWizardWorld(t, true) // InSales fails from the install on
	m := w.atSetup(t)

	page := m.get(t, "/app/wizard/setup")
	d := page.doc(t)
	if page.StatusCode != 200 || d.Find(`tr[data-status="failed"]`).Length() != 3 || strings.TrimSpace(d.Find("#setup-run").Text()) != "Повторить" {
		t.Fatalf("setup page after the failed install-time setup:\n%s", page.body)
	}
	if !strings.Contains(page.body, "Не удалось получить статусы заказов из InSales") {
		t.Fatal("the status list failure is not shown")
	}
	// InSales still failing: the retry shows the failure, and the wizard
	// does not move on.
	wantRefused(t, m.post(t, "/app/wizard/setup", nil), "InSales не выполнил часть настройки")
	wantRefused(t, m.post(t, "/app/wizard/setup/next", nil), "Сначала завершите настройку")
	wantRefused(t, m.post(t, "/app/wizard/setup/suggested", nil), "InSales не создал статусы")

	// InSales is back: the retry completes, without duplicates.
	w.api.failing.Store(false)
	wantRedirect(t, m.post(t, "/app/wizard/setup", nil, "HX-Request", "true", "HX-Boosted", "true"), "/app/wizard/setup")
	page = m.get(t, "/app/wizard/setup")
	if page.doc(t).Find(`tr[data-status="done"]`).Length() != 3 || !strings.Contains(page.body, "Всё готово") {
		t.Fatalf("setup page after the retry:\n%s", page.body)
	}
	wantRedirect(t, m.post(t, "/app/wizard/setup", nil), "/app/wizard/setup")
	if hooks, fields, widgets, _ := w.api.counts(); hooks != 2 || fields != 1 || widgets != 1 {
		t.Fatalf("after retries InSales has %d webhooks, %d fields, %d widgets; want 2, 1, 1", hooks, fields, widgets)
	}

	// Status sync: on without a status is refused; the suggested statuses
	// are created once and preselected; then it can be switched on.
	wantRefused(t, m.post(t, "/app/wizard/setup/statuses", url.Values{"enabled": {"on"}}), "Выберите статус хотя бы для одного состояния")
	wantRefused(t, m.post(t, "/app/wizard/setup/statuses", url.Values{"enabled": {"on"}, "map_arrived": {"no-such-status"}}), "Такого статуса нет в магазине")
	wantRedirect(t, m.post(t, "/app/wizard/setup/suggested", nil), "/app/wizard/setup")
	wantRedirect(t, m.post(t, "/app/wizard/setup/suggested", nil), "/app/wizard/setup")
	if _, _, _, statuses := w.api.counts(); statuses != 5 {
		t.Fatalf("shop has %d statuses, want 1 + 4 suggested", statuses)
	}
	page = m.get(t, "/app/wizard/setup")
	arrived := page.doc(t).Find(`#map_arrived option[selected]`)
	if arrived.Text() != "Посылка ждёт в отделении" {
		t.Fatalf("arrived preselects %q:\n%s", arrived.Text(), page.body)
	}
	form := url.Values{"enabled": {"on"}, "map_arrived": {arrived.AttrOr("value", "")}}
	wantRedirect(t, m.post(t, "/app/wizard/setup/statuses", form), "/app/wizard/setup")
	shop, err := w.db.Shops().Shop(context.Background(), w.shopID)
	if err != nil || !shop.Settings.StatusSync.Enabled || shop.Settings.StatusSync.Mapping["arrived"] != arrived.AttrOr("value", "") || len(shop.Settings.StatusSync.Mapping) != 1 {
		t.Fatalf("status sync stored %+v %v", shop.Settings.StatusSync, err)
	}
	wantRedirect(t, m.post(t, "/app/wizard/setup/next", nil), "/app/wizard/how")
}

func TestWizardToTheCabinet(t *testing.T) {
	t.Parallel()
	w := newWizardWorld(t, false)
	m := w.atSetup(t)
	wantRedirect(t, m.post(t, "/app/wizard/setup/next", nil), "/app/wizard/how")

	how := m.get(t, "/app/wizard/how")
	sample := how.doc(t).Find("#sample-sms").Text()
	if !strings.Contains(sample, "Плед шерстяной") || !strings.Contains(how.body, "Тихие часы") ||
		!strings.Contains(how.body, "следующего дня") || !strings.Contains(how.body, "5,00") {
		t.Fatalf("how it works:\n%s", how.body)
	}
	wantRedirect(t, m.post(t, "/app/wizard/how/next", nil), "/app/wizard/texts")
	texts := m.get(t, "/app/wizard/texts")
	if href := texts.doc(t).Find("#texts-link").AttrOr("href", ""); href != "/app/texts" {
		t.Fatalf("texts link %q", href)
	}
	list := m.get(t, "/app/texts")
	if list.StatusCode != 200 || list.doc(t).Find(`article[data-trigger="arrived"]`).Length() < 2 || !strings.Contains(list.body, "{products}") {
		t.Fatalf("default texts page:\n%s", list.body)
	}
	// A visited page can be opened again; a later one cannot be skipped to.
	if r := m.get(t, "/app/wizard/setup"); r.StatusCode != 200 {
		t.Fatalf("setup again = %d", r.StatusCode)
	}
	wantRedirect(t, m.get(t, "/app/wizard/finish"), "/app/wizard/texts")
	wantRedirect(t, m.post(t, "/app/wizard/texts/next", nil), "/app/wizard/finish")

	fin := m.get(t, "/app/wizard/finish")
	if fin.doc(t).Find("#back-to-shop").AttrOr("formtarget", "") != "_top" {
		t.Fatalf("finish page:\n%s", fin.body)
	}
	r := m.post(t, "/app/wizard/finish", url.Values{"to": {"shop"}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != testShopAdmin {
		t.Fatalf("finish → %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	// The app now opens to the cabinet.
	cab := m.get(t, "/app")
	if cab.StatusCode != 200 || cab.doc(t).Find("title").Text() != "Кабинет — parceltrack" || cab.doc(t).Find("#cabinet h1").Text() != "Кабинет" {
		t.Fatalf("cabinet:\n%s", cab.body)
	}
	wantRedirect(t, m.get(t, "/app/wizard"), "/app")
	wantRedirect(t, m.get(t, "/app/wizard/code"), "/app")
}

func TestTwilioStatusCallback(t *testing.T) {
	t.Parallel()
	w := newWizardWorld(t, false)
	post := func(params map[string]string, sig string) response {
		form := url.Values{}
		for k, v := range params {
			form.Set(k, v)
		}
		return w.do(t, formRequest("/notify/twilio/status", form, "", "X-Twilio-Signature", sig))
	}
	delivered := map[string]string{"MessageSid": "SM1", "MessageStatus": "delivered", "AccountSid": testTwilioSID, "To": "+79123456789"}
	sent := map[string]string{"MessageSid": "SM1", "MessageStatus": "sent", "AccountSid": testTwilioSID}
	tests := []struct {
		name   string
		params map[string]string
		sig    string
		want   int
	}{
		{"no signature", delivered, "", http.StatusForbidden},
		{"signed with another token", delivered, twiliosandbox.Signature("other", testStatusURL, delivered), http.StatusForbidden},
		{"signed for another URL", delivered, twiliosandbox.Signature(testTwilioToken, "http://evil.example/notify/twilio/status", delivered), http.StatusForbidden},
		{"tampered status", map[string]string{"MessageSid": "SM1", "MessageStatus": "failed", "AccountSid": testTwilioSID, "To": "+79123456789"},
			twiliosandbox.Signature(testTwilioToken, testStatusURL, delivered), http.StatusForbidden},
		{"signed final status", delivered, twiliosandbox.Signature(testTwilioToken, testStatusURL, delivered), http.StatusNoContent},
		{"late earlier status", sent, twiliosandbox.Signature(testTwilioToken, testStatusURL, sent), http.StatusNoContent},
		{"signed without a sid", map[string]string{"AccountSid": testTwilioSID},
			twiliosandbox.Signature(testTwilioToken, testStatusURL, map[string]string{"AccountSid": testTwilioSID}), http.StatusBadRequest},
	}
	for _, tt := range tests {
		if r := post(tt.params, tt.sig); r.StatusCode != tt.want {
			t.Fatalf("%s: %d, want %d", tt.name, r.StatusCode, tt.want)
		}
	}
	st, err := w.db.MessageStatuses().Get(context.Background(), "SM1")
	if err != nil || st.Status != "delivered" || !st.Final || st.Channel != "sms" {
		t.Fatalf("recorded %+v %v", st, err)
	}
	if strings.Contains(w.log.String(), "+79123456789") {
		t.Error("a phone number reached the log")
	}
}

// TestTwilioStatusSettlesTheMessage: a buyer message's callback URL names
// its outbox key; the signature covers the URL with it, and a failure
// report fails the message.
func TestTwilioStatusSettlesTheMessage(t *testing.T) {
	t.Parallel()
	w := newWizardWorld(t, false)
	ctx := context.Background()
	const key = "p1:arrived:sms:1"
	if _, err := w.db.Notifications().Add(ctx, []messages.Notification{{Key: key, ShopID: w.shopID, ParcelID: "p1",
		Trigger: notify.TriggerArrived, Channel: notify.KindSMS, Step: "1", Status: messages.StatusSent, ProviderID: "SM9"}}); err != nil {
		t.Fatal(err)
	}
	failed := map[string]string{"MessageSid": "SM9", "MessageStatus": "undelivered", "ErrorCode": "30003", "AccountSid": testTwilioSID}
	post := func(query string, signedFor string, params map[string]string) int {
		form := url.Values{}
		for k, v := range params {
			form.Set(k, v)
		}
		sig := twiliosandbox.Signature(testTwilioToken, signedFor, params)
		return w.do(t, formRequest("/notify/twilio/status"+query, form, "", "X-Twilio-Signature", sig)).StatusCode
	}
	withKey := "?key=" + url.QueryEscape(key)
	unknown := map[string]string{"MessageSid": "SM10", "MessageStatus": "delivered", "AccountSid": testTwilioSID}
	tests := []struct {
		name, query, signedFor string
		params                 map[string]string
		want                   int
	}{
		{"signed without the key", withKey, testStatusURL, failed, http.StatusForbidden},
		{"an unknown key", "?key=nope", testStatusURL + "?key=nope", unknown, http.StatusNotFound},
		{"signed with the key", withKey, testStatusURL + withKey, failed, http.StatusNoContent},
	}
	for _, tt := range tests {
		if got := post(tt.query, tt.signedFor, tt.params); got != tt.want {
			t.Fatalf("%s: %d, want %d", tt.name, got, tt.want)
		}
	}
	n, err := w.db.Notifications().Get(ctx, key)
	if err != nil || n.Status != messages.StatusFailed || n.Delivery != "undelivered 30003" {
		t.Fatalf("message after the report: %+v %v", n, err)
	}
}

func TestSandboxOutboxPage(t *testing.T) {
	t.Parallel()
	w := newWizardWorld(t, false)
	ctx := context.Background()
	t0 := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	for _, r := range []outbox.Record{
		{ID: "SM1", Channel: outbox.ChannelSMS, To: "+79123456789", Text: "Код parceltrack: 123456.", Status: outbox.StatusDelivered, CreatedAt: t0},
		{ID: "m2@x", Channel: outbox.ChannelEmail, To: "owner@example.ru", Subject: "Данные", Text: "User ID: PT-1\nКлюч API: abc", Status: outbox.StatusReceived, CreatedAt: t0.Add(time.Minute)},
	} {
		if err := w.outbox.Record(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.db.MessageStatuses().Save(ctx, notify.Delivery{ProviderID: "SM1", Channel: "sms", Status: "delivered", Final: true, UpdatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	r := w.get(t, "/sandbox/outbox")
	items := r.doc(t).Find("article.outbox-item")
	if items.Last().AttrOr("data-app-status", "") != "delivered" || items.First().AttrOr("data-app-status", "x") != "" {
		t.Fatalf("the app's delivery status is not shown:\n%s", r.body)
	}
	if r.StatusCode != 200 || items.Length() != 2 || items.First().AttrOr("data-channel", "") != "email" ||
		!strings.Contains(items.First().Find(".outbox-text").Text(), "Ключ API: abc") ||
		!strings.Contains(items.Last().Find(".outbox-text").Text(), "123456") {
		t.Fatalf("outbox page:\n%s", r.body)
	}
}
