package insalessandbox_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"parceltrack/insales"
	insalessandbox "parceltrack/sandbox/insales"
)

func TestInstallButton(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		appStatus int
		installed bool
		notice    string
	}{
		{"the app answers 200", http.StatusOK, true, "Приложение установлено"},
		{"the app fails: the install is cancelled", http.StatusInternalServerError, false, "Установка отменена: ответ приложения 500"},
		{"only exactly 200 counts", http.StatusNoContent, false, "Установка отменена"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil)
			e.app.installStatus = tc.appStatus
			e.install()
			q := e.app.lastInstall()
			if q.Get("shop") != domain || q.Get("insales_id") != "1000001" || !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(q.Get("token")) {
				t.Fatalf("install query = %v", q)
			}
			if got := e.sb.State(); got.Installed != tc.installed || !strings.Contains(got.Notice, tc.notice) {
				t.Fatalf("state = installed %v, notice %q; want %v, %q", got.Installed, got.Notice, tc.installed, tc.notice)
			}
			_, err := e.client.GetAccount(context.Background(), e.shop)
			if tc.installed && err != nil {
				t.Fatalf("md5(token+secret) does not work: %v", err)
			}
			if !tc.installed && !insales.IsUnauthorized(err) {
				t.Fatalf("after a cancelled install: %v, want 401", err)
			}
			_, _, home := e.get(prefix + "/")
			if !strings.Contains(home, tc.notice) {
				t.Errorf("home page does not show %q", tc.notice)
			}
		})
	}
}

func TestPasswordWorksDuringInstall(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	status := make(chan int, 1)
	// The app checks its new credentials while InSales waits for the answer.
	e.app.mu.Lock()
	e.app.onInstall = func(q url.Values) {
		pw := insales.InstallPassword(q.Get("token"), appSecret)
		resp, _ := e.raw(http.MethodGet, "/admin/account.json", appID, pw, "", "")
		status <- resp.StatusCode
	}
	e.app.mu.Unlock()
	if err := e.sb.Install(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := <-status; got != http.StatusOK {
		t.Fatalf("API during install: %d, want 200", got)
	}
}

func TestUninstallAndReinstall(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.install()
	ctx := context.Background()
	first := e.shop
	if _, err := e.client.CreateWebhook(ctx, e.shop, insales.WebhookInput{Address: e.app.srv.URL + "/hooks/a", Topic: insales.TopicOrdersUpdate}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.CreateApplicationWidget(ctx, e.shop, insales.ApplicationWidgetInput{Code: "<p>w</p>"}); err != nil {
		t.Fatal(err)
	}
	if resp := e.postForm(prefix+"/uninstall", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("uninstall: %d", resp.StatusCode)
	}
	e.app.mu.Lock()
	un := e.app.uninstalls
	e.app.mu.Unlock()
	if len(un) != 1 || !insales.CheckUninstall(un[0].Get("token"), first.Password) || un[0].Get("shop") != domain || un[0].Get("insales_id") != "1000001" {
		t.Fatalf("uninstall call = %v", un)
	}
	if _, err := e.client.GetAccount(ctx, first); !insales.IsUnauthorized(err) {
		t.Fatalf("after uninstall: %v, want 401", err)
	}
	e.install()
	if e.shop.Password == first.Password {
		t.Fatal("reinstall kept the password")
	}
	if _, err := e.client.GetAccount(ctx, first); !insales.IsUnauthorized(err) {
		t.Fatalf("old password after reinstall: %v, want 401", err)
	}
	hooks, err := e.client.ListWebhooks(ctx, e.shop)
	if err != nil || len(hooks) != 0 {
		t.Fatalf("webhooks after reinstall: %v, %v; want none", hooks, err)
	}
	ws, err := e.client.ListApplicationWidgets(ctx, e.shop)
	if err != nil || len(ws) != 0 {
		t.Fatalf("widgets after reinstall: %v, %v; want none", ws, err)
	}
	if fs, _ := e.client.ListFields(ctx, e.shop); len(fs) == 0 {
		t.Fatal("the shop's fields went away with the app")
	}
}

func TestLoginRoundTrip(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.install()

	// "Открыть приложение" sends the merchant to the app's login URL.
	_, _, home := e.get(prefix + "/")
	m := regexp.MustCompile(`href="(` + regexp.QuoteMeta(e.app.srv.URL) + `/login\?[^"]+)"`).FindStringSubmatch(home)
	if m == nil {
		t.Fatalf("no login link on the home page")
	}
	link, err := url.Parse(strings.ReplaceAll(m[1], "&amp;", "&"))
	if err != nil {
		t.Fatal(err)
	}
	lq := link.Query()
	if lq.Get("shop") != domain || lq.Get("insales_id") != "1000001" || lq.Get("user_id") != "2000001" || lq.Get("user_email") != "owner@"+domain {
		t.Fatalf("login link query = %v", lq)
	}

	const nonce = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
	autologin := e.app.srv.URL + "/autologin?state=abc"
	resp, err := e.noRedirect().Get(e.client.LoginRedirectURL(domain, nonce, autologin))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("status %d, want 302", resp.StatusCode)
	}
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	q := back.Query()
	aq := insales.ParseAutologinQuery(q)
	pw := e.shop.Password
	checks := []struct {
		name string
		ok   bool
	}{
		{"back at the autologin URL", back.Host == mustHost(e.app.srv.URL) && back.Path == "/autologin" && q.Get("state") == "abc"},
		{"token3 verifies", insales.VerifyAutologin(nonce, aq, pw)},
		{"token3 fails with another nonce", !insales.VerifyAutologin("other", aq, pw)},
		{"token", aq.Token == md5hex(nonce+pw)},
		{"token2", aq.Token2 == md5hex(nonce+aq.UserEmail+aq.UserName+aq.UserID+pw)},
		{"user", aq.UserEmail == "owner@"+domain && aq.UserName == "Ирина Демидова" && aq.UserID == "2000001"},
		{"email_confirmed", aq.EmailConfirmed == "true"},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: %s", c.name, back)
		}
	}

	refusals := []struct {
		name   string
		path   string
		status int
	}{
		{"login URL on another domain", insales.LoginRedirectURL(e.srv.URL+prefix+"/"+domain, appID, nonce, "https://evil.example/steal"), http.StatusForbidden},
		{"another app", insales.LoginRedirectURL(e.srv.URL+prefix+"/"+domain, "other-app", nonce, autologin), http.StatusNotFound},
		{"no nonce", insales.LoginRedirectURL(e.srv.URL+prefix+"/"+domain, appID, "", autologin), http.StatusBadRequest},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := e.noRedirect().Get(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
		})
	}
}

func mustHost(raw string) string {
	u, _ := url.Parse(raw)
	return u.Host
}

func md5hex(s string) string { return insales.InstallPassword(s, "") }

func TestSeedIsIdempotent(t *testing.T) {
	t.Parallel()
	store := &insalessandbox.Memory{}
	cfg := insalessandbox.Config{App: insalessandbox.App{ID: appID}, Store: store}
	for range 2 {
		sb, err := insalessandbox.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		sb.Close()
	}
	ctx := context.Background()
	// Even a lost shop document does not duplicate or overwrite anything.
	if err := store.SaveShop(ctx, insalessandbox.ShopState{}); err != nil {
		t.Fatal(err)
	}
	if _, err := insalessandbox.New(cfg); err != nil {
		t.Fatal(err)
	}
	n, _ := store.CountOrders(ctx)
	sts, _ := store.ListStatuses(ctx)
	fs, _ := store.ListFields(ctx)
	if n != 8 || len(sts) != 8 || len(fs) != 8 {
		t.Fatalf("orders %d, statuses %d, fields %d; want 8 each", n, len(sts), len(fs))
	}
}
