package handlers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"parceltrack/insales"
	"parceltrack/shopapp"
)

func TestInsalesInstallAndUninstall(t *testing.T) {
	t.Parallel()
	w := newInsalesWorld(t, "")
	ctx := context.Background()

	start := time.Now()
	shop := w.install(t)
	if d := time.Since(start); d > time.Second {
		t.Errorf("install answered after %v, want well within a second", d)
	}
	if shop.Domain != testShopDomain || shop.Balance != 1000 || shop.Uninstalled() {
		t.Fatalf("installed shop %+v", shop)
	}
	password := insales.InstallPassword("token123", testInsalesSecret)
	if password != "4c3f4c197336eb97475506e71c839c71" {
		t.Fatalf("test vector: %s", password)
	}

	tests := []struct {
		name          string
		target        string
		wantStatus    int
		wantUninstall bool
	}{
		{"install without token", "/insales/install?shop=x&insales_id=6", 400, false},
		{"install without insales_id", "/insales/install?shop=x&token=t", 400, false},
		{"install for a host outside InSales", "/insales/install?shop=evil.example.com&token=token123&insales_id=5", 400, false},
		{"install with a token InSales did not issue", "/insales/install?shop=" + testShopDomain + "&token=guessed&insales_id=5", 403, false},
		{"uninstall with a wrong token", "/insales/uninstall?shop=" + testShopDomain + "&token=" + strings.Repeat("0", 32) + "&insales_id=5", 403, false},
		{"uninstall with the install token", "/insales/uninstall?shop=" + testShopDomain + "&token=token123&insales_id=5", 403, false},
		{"uninstall of an unknown shop", "/insales/uninstall?shop=other&token=" + password + "&insales_id=99", 200, false},
		{"uninstall with the password", "/insales/uninstall?shop=" + testShopDomain + "&token=" + password + "&insales_id=5", 200, true},
	}
	for _, tt := range tests {
		r := w.get(t, tt.target)
		if r.StatusCode != tt.wantStatus {
			t.Fatalf("%s: status %d (%s), want %d", tt.name, r.StatusCode, r.body, tt.wantStatus)
		}
		got, err := w.db.Shops().Shop(ctx, shop.ID)
		if err != nil || got.Uninstalled() != tt.wantUninstall {
			t.Fatalf("%s: uninstalled = %v, %v", tt.name, got.Uninstalled(), err)
		}
	}
	if strings.Contains(w.log.String(), password) || strings.Contains(w.log.String(), "token123") {
		t.Error("a token reached the log")
	}
}

// loginStart opens the app as the InSales admin does and returns the login
// cookie and the nonce sent to InSales.
func loginStart(t *testing.T, w insalesWorld, base string) (cookie, nonce string) {
	t.Helper()
	r := w.get(t, "/insales/login?shop="+testShopDomain+"&insales_id=5&user_id=17&user_email=owner%40example.ru")
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("login = %d %s", r.StatusCode, r.body)
	}
	loc, err := url.Parse(r.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	// The client's base URL pattern puts the shop under 127.0.0.1:1 here.
	if loc.Path != "/"+testShopDomain+"/admin/applications/parceltrack/login" || loc.Query().Get("login") != base+"/insales/autologin" {
		t.Fatalf("login redirect %s", loc)
	}
	nonce = loc.Query().Get("token")
	cookie = cookieHeader(r.Response)
	if nonce == "" || !strings.HasPrefix(cookie, loginCookie+"=") || strings.Contains(cookie, nonce) {
		t.Fatalf("nonce %q cookie %q: the nonce must stay on the server", nonce, cookie)
	}
	return cookie, nonce
}

// callback is the autologin return InSales makes for nonce, as the test
// shop's admin, after change.
func callback(nonce string, change func(url.Values)) string {
	password := insales.InstallPassword("token123", testInsalesSecret)
	v := url.Values{
		"token":           {"ignored"},
		"token2":          {"ignored"},
		"token3":          {insales.AutologinToken3(nonce, "owner@example.ru", "Мария Иванова", "17", "true", password)},
		"user_email":      {"owner@example.ru"},
		"user_name":       {"Мария Иванова"},
		"user_id":         {"17"},
		"email_confirmed": {"true"},
	}
	if change != nil {
		change(v)
	}
	return "/insales/autologin?" + v.Encode()
}

func TestInsalesAutologin(t *testing.T) {
	t.Parallel()
	w := newInsalesWorld(t, "")
	w.install(t)
	const base = "http://example.com" // what app.Test requests carry as host

	if r := w.get(t, "/app"); r.StatusCode != 401 {
		t.Fatalf("/app without a session = %d", r.StatusCode)
	}
	tests := []struct {
		name string
		// request returns the autologin URL and the cookie to send.
		request func(t *testing.T) (target, cookie string)
		ok      bool
	}{
		{"valid tokens", func(t *testing.T) (string, string) {
			c, n := loginStart(t, w, base)
			return callback(n, nil), c
		}, true},
		{"wrong token3", func(t *testing.T) (string, string) {
			c, n := loginStart(t, w, base)
			return callback(n, func(v url.Values) { v.Set("token3", strings.Repeat("a", 32)) }), c
		}, false},
		{"tampered user name", func(t *testing.T) (string, string) {
			c, n := loginStart(t, w, base)
			return callback(n, func(v url.Values) { v.Set("user_name", "Злоумышленник") }), c
		}, false},
		{"another browser's nonce", func(t *testing.T) (string, string) {
			_, n := loginStart(t, w, base)
			c, _ := loginStart(t, w, base)
			return callback(n, nil), c
		}, false},
		{"no login cookie", func(t *testing.T) (string, string) {
			_, n := loginStart(t, w, base)
			return callback(n, nil), ""
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target, cookie := tt.request(t)
			req := httptest.NewRequest(http.MethodGet, target, nil)
			req.Header.Set("Cookie", cookie)
			r := w.do(t, req)
			if !tt.ok {
				if r.StatusCode != 403 || strings.Contains(r.Header.Get("Set-Cookie"), sessionCookie+"=") {
					t.Fatalf("refused login = %d, cookies %v", r.StatusCode, r.Header.Values("Set-Cookie"))
				}
				return
			}
			if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/app" {
				t.Fatalf("login = %d → %q", r.StatusCode, r.Header.Get("Location"))
			}
			var set string
			for _, c := range r.Header.Values("Set-Cookie") {
				if strings.HasPrefix(c, sessionCookie+"=") {
					set = c
				}
			}
			if !strings.Contains(set, "HttpOnly") || !strings.Contains(strings.ToLower(set), "samesite=lax") {
				t.Fatalf("session cookie %q", set)
			}
			session := cookieHeader(r.Response)
			page := w.get(t, "/app", "Cookie", session)
			if page.StatusCode != 200 || !strings.Contains(page.body, testShopDomain) || !strings.Contains(page.body, "10,00") ||
				!strings.Contains(page.body, "Поле «Трек-номер» в заказе") {
				t.Fatalf("/app = %d:\n%s", page.StatusCode, page.body)
			}
			// A signed-in merchant opening the app again skips the round trip.
			again := w.get(t, "/insales/login?shop="+testShopDomain+"&insales_id=5", "Cookie", session)
			if again.StatusCode != http.StatusSeeOther || again.Header.Get("Location") != "/app" {
				t.Fatalf("second login = %d → %q", again.StatusCode, again.Header.Get("Location"))
			}
			// The same callback again: the nonce was used up.
			replay := httptest.NewRequest(http.MethodGet, target, nil)
			replay.Header.Set("Cookie", cookie)
			if r := w.do(t, replay); r.StatusCode != 403 {
				t.Fatalf("replayed callback = %d", r.StatusCode)
			}
		})
	}
	if r := w.get(t, "/insales/login?insales_id=404"); r.StatusCode != 404 {
		t.Fatalf("login to an unknown shop = %d", r.StatusCode)
	}
}

func TestInsalesCookiesOnHTTPS(t *testing.T) {
	t.Parallel()
	w := newInsalesWorld(t, "https://app.example.com")
	w.install(t)
	r := w.get(t, "/insales/login?shop="+testShopDomain+"&insales_id=5")
	set := r.Header.Get("Set-Cookie")
	if lower := strings.ToLower(set); !strings.Contains(lower, "; secure") || !strings.Contains(lower, "samesite=none") || !strings.Contains(lower, "httponly") {
		t.Fatalf("login cookie on https: %q", set)
	}
	loc, _ := url.Parse(r.Header.Get("Location"))
	if loc.Query().Get("login") != "https://app.example.com/insales/autologin" {
		t.Fatalf("autologin url %q", loc.Query().Get("login"))
	}
}

func TestInsalesWebhookHTTP(t *testing.T) {
	t.Parallel()
	w := newInsalesWorld(t, "")
	ctx := context.Background()
	shop := w.install(t)
	st := shopapp.StepState{Step: shopapp.StepTrackField, Status: shopapp.StepDone, Attempts: 1, UpdatedAt: time.Now()}
	if err := w.db.Shops().SaveSetupStep(ctx, shop.ID, st, shopapp.SetupResult{TrackFieldID: 555}); err != nil {
		t.Fatal(err)
	}
	good := shopapp.WebhookToken(shop.ID, shop.Settings.WebhookSecret)
	order := `{"id": 8, "number": 1008, "updated_at": "2026-04-08T11:23:18.000+03:00",
		"fields_values": [{"id": 1, "field_id": 555, "value": "RA644000001RU"}]}`
	post := func(token, body string) response {
		req := httptest.NewRequest(http.MethodPost, "/insales/webhooks/"+token, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		return w.do(t, req)
	}
	tests := []struct {
		name       string
		token      string
		body       string
		wantStatus int
		wantBody   string
	}{
		{"wrong secret", shop.ID + ".0123456789abcdef0123456789abcdef", order, 403, "forbidden"},
		{"unknown shop", "x." + shop.Settings.WebhookSecret, order, 403, "forbidden"},
		{"malformed JSON", good, `{"id": 8, "number":`, 400, "bad webhook body: insales: parse order: unexpected end of JSON input"},
		{"no order id", good, `{"number": 1008}`, 400, "bad webhook body: insales: parse order: no order id"},
	}
	for _, tt := range tests {
		r := post(tt.token, tt.body)
		if r.StatusCode != tt.wantStatus || r.body != tt.wantBody {
			t.Fatalf("%s: %d %q, want %d %q", tt.name, r.StatusCode, r.body, tt.wantStatus, tt.wantBody)
		}
	}
	if n, _ := w.db.Database().Collection("parcels").CountDocuments(ctx, map[string]any{}); n != 0 {
		t.Fatalf("refused webhooks stored %d parcels", n)
	}
	if n, _ := w.db.Database().Collection("events_seen").CountDocuments(ctx, map[string]any{}); n != 0 {
		t.Fatalf("refused webhooks stored %d events", n)
	}

	if r := post(good, order); r.StatusCode != 200 {
		t.Fatalf("good webhook = %d %s", r.StatusCode, r.body)
	}
	ps, err := w.db.Parcels().OrderParcels(ctx, shop.ID, 8)
	if err != nil || len(ps) != 1 || ps[0].Track != "RA644000001RU" {
		t.Fatalf("imported %+v %v", ps, err)
	}
	if strings.Contains(w.log.String(), shop.Settings.WebhookSecret) {
		t.Error("the webhook secret reached the log")
	}
}
