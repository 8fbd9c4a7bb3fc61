package main

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-rod/rod"
)

var (
	outboxCode  = regexp.MustCompile(`\b(\d{6})\b`)
	outboxCreds = regexp.MustCompile(`User ID: (PT-\d{8})\s+Ключ API: ([A-Za-z0-9]{32})`)
)

// outboxText waits until the newest sandbox outbox message of channel
// differs from skip and returns its text.
func outboxText(t *testing.T, o *rod.Page, base, channel, skip string) string {
	t.Helper()
	o.MustActivate()
	deadline := time.Now().Add(15 * time.Second)
	for {
		o.MustNavigate(base + "/sandbox/outbox").MustWaitLoad()
		if has, el, _ := o.Has(`article.outbox-item[data-channel="` + channel + `"] .outbox-text`); has {
			if text := el.MustText(); text != skip {
				return text
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no new %s in the sandbox outbox within 15 s", channel)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestBrowserWizard is what a new merchant does: install the app in the
// sandbox shop, open it from the shop's admin (the InSales login round
// trip), go through every wizard step — reading the SMS code and the e-mailed
// credentials from the sandbox outbox, with a mistyped phone first — return
// to the shop and open the app again, now on the cabinet. The wizard moves
// with htmx: from the registration form to the last step the page is never
// reloaded.
func TestBrowserWizard(t *testing.T) {
	base, cancel, code, _ := startServe(t, nil)
	defer stop(t, cancel, code)
	waitReady(t, base, 10*time.Second)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	// BASE_URL defaults to http://localhost:PORT: the app, its cookies and the
	// sandbox shop's links live there.
	app := "http://localhost:" + u.Port()

	b := browser(t)
	p := b.MustPage(app + "/sandbox/insales/")
	p.MustWaitLoad()
	wait := p.MustWaitNavigation()
	p.MustElementR("button", "Установить приложение").MustClick()
	wait()
	p.MustElementR("h2", "установлено")
	login := p.MustElementR("a", "Открыть приложение").MustProperty("href").String()
	screenshot(t, p, "01-installed")

	// Opening the app from the shop lands on the first wizard step.
	p.MustNavigate(login).MustWaitLoad()
	p.MustElement("#name")
	if got := p.MustInfo().URL; !strings.HasSuffix(got, "/app/wizard/register") {
		t.Fatalf("the app opened at %s, want the wizard", got)
	}
	// A marker that only survives if no full page load happens from here on.
	p.MustEval(`() => { window.ptNoReload = true }`)
	screenshot(t, p, "02-register")

	p.MustElement("#email").MustSelectAllText().MustInput("owner@example.ru")
	p.MustElement("#phone").MustInput("8 912 34")
	p.MustElementR("button", "Получить код").MustClick()
	p.MustElementR("#phone-problem", "Проверьте номер телефона")
	screenshot(t, p, "03-register-bad-phone")
	p.MustElement("#phone").MustSelectAllText().MustInput("8 912 345-67-89")
	p.MustElementR("button", "Получить код").MustClick()
	p.MustElementR("#code-phone", `\+7 912 345-67-89`)
	screenshot(t, p, "04-code")

	o := b.MustPage("")
	sms := outboxText(t, o, app, "sms", "")
	p.MustActivate()
	m := outboxCode.FindStringSubmatch(sms)
	if m == nil {
		t.Fatalf("no code in the SMS %q", sms)
	}
	p.MustElement("#code").MustInput(m[1])
	p.MustElementR("button", "Подтвердить").MustClick()
	p.MustElement("#user_id")
	screenshot(t, p, "05-credentials")

	mail := outboxText(t, o, app, "email", "")
	c := outboxCreds.FindStringSubmatch(mail)
	if c == nil {
		t.Fatalf("no credentials in the e-mail %q", mail)
	}
	screenshot(t, o, "05a-outbox")
	p.MustActivate()
	p.MustElement("#user_id").MustInput(c[1])
	p.MustElement("#api_key").MustInput(c[2])
	p.MustElementR("button", "Подтвердить").MustClick()
	p.MustElement("#setup-steps")

	// The install started the setup in the background; finish or retry it
	// from the page until every part is done.
	deadline := time.Now().Add(20 * time.Second)
	for !p.MustHas("#setup-done") {
		if time.Now().After(deadline) {
			t.Fatalf("setup not complete within 20 s:\n%s", p.MustElement("#setup-steps").MustText())
		}
		p.MustElement("#setup-run").MustClick()
		p.MustElementR("p.flash", "Магазин настроен|InSales не выполнил")
	}
	screenshot(t, p, "06-setup")

	// Status sync with the suggested statuses.
	p.MustElement("#status-suggest").MustClick()
	p.MustElementR("p.flash", "Создано статусов|уже есть")
	if sel := p.MustElement("#map_arrived").MustProperty("value").String(); sel == "" {
		t.Fatal("no status preselected for «arrived»")
	}
	p.MustElement(`input[name="enabled"]`).MustClick()
	p.MustElement("#status-save").MustClick()
	p.MustElementR("p.flash", "Смена статусов заказов включена")
	screenshot(t, p, "07-status-sync")

	p.MustElement("#next").MustClick()
	p.MustElementR("#sample-sms", "Плед шерстяной")
	screenshot(t, p, "08-how-it-works")
	p.MustElement("#next").MustClick()
	p.MustElement("#texts-link").MustClick()
	p.MustElement(`#texts article[data-trigger="arrived"]`)
	screenshot(t, p, "09-default-texts")
	p.MustElementR("#texts a", "Вернуться").MustClick()
	p.MustElement("#texts-link")
	screenshot(t, p, "10-texts-step")
	p.MustElement("#next").MustClick()
	p.MustElement("#back-to-shop")
	screenshot(t, p, "11-finish")
	if !p.MustEval(`() => window.ptNoReload === true`).Bool() {
		t.Error("a wizard step reloaded the whole page; htmx should have swapped it")
	}

	// Back to the shop's admin; opening the app again shows the cabinet.
	wait = p.MustWaitNavigation()
	p.MustElement("#back-to-shop").MustClick()
	wait()
	p.MustElementR("h2", "установлено")
	if got := p.MustInfo().URL; !strings.Contains(got, "/sandbox/insales/") {
		t.Fatalf("«Вернуться в магазин» led to %s", got)
	}
	screenshot(t, p, "12-back-in-shop")
	p.MustNavigate(login).MustWaitLoad()
	p.MustElementR("#cabinet h1", "Кабинет")
	if title := p.MustInfo().Title; !strings.HasPrefix(title, "Кабинет") {
		t.Fatalf("title %q", title)
	}
	screenshot(t, p, "13-cabinet")

	// The sandbox Twilio reported the code SMS delivered to the app's
	// callback route, which checked the signature and recorded it.
	deadline = time.Now().Add(15 * time.Second)
	for {
		o.MustNavigate(app + "/sandbox/outbox").MustWaitLoad()
		st := o.MustElement(`article.outbox-item[data-channel="sms"]`).MustAttribute("data-app-status")
		if st != nil && *st == "delivered" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the app recorded no delivery report for the code SMS within 15 s")
		}
		time.Sleep(300 * time.Millisecond)
	}
}
