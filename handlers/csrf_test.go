package handlers

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
)

// scrapeCSRF loads the protected form page and returns its token (from the
// page, as a browser script or form would) and the cookies it set.
func scrapeCSRF(t *testing.T, a testApp) (token, cookie string) {
	t.Helper()
	r := a.get(t, "/test/form")
	if r.StatusCode != 200 {
		t.Fatalf("GET /test/form = %d", r.StatusCode)
	}
	d := r.doc(t)
	token, _ = d.Find(`meta[name="csrf-token"]`).Attr("content")
	if token == "" {
		t.Fatalf("no csrf-token meta:\n%s", r.body)
	}
	if hx, _ := d.Find("body").Attr("hx-headers"); !strings.Contains(hx, token) {
		t.Errorf("body hx-headers = %q, want the token for htmx requests", hx)
	}
	cookie = cookieHeader(r.Response)
	if !strings.Contains(cookie, csrfCookieName+"=") {
		t.Fatalf("no CSRF cookie set: %v", r.Header.Values("Set-Cookie"))
	}
	return token, cookie
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, Deps{})
	token, cookie := scrapeCSRF(t, a)
	otherToken, _ := scrapeCSRF(t, a) // valid in the store, but not this browser's cookie

	tests := []struct {
		name       string
		form       url.Values
		cookie     string
		headers    []string
		wantStatus int
	}{
		{"form token", url.Values{"_csrf": {token}}, cookie, nil, 303},
		{"htmx header token", nil, cookie, []string{"X-CSRF-Token", token, "HX-Request", "true"}, 204},
		{"no token", url.Values{"name": {"x"}}, cookie, nil, 403},
		{"no cookie", url.Values{"_csrf": {token}}, "", nil, 403},
		{"wrong token", url.Values{"_csrf": {"forged"}}, cookie, nil, 403},
		{"another browser's token", url.Values{"_csrf": {otherToken}}, cookie, nil, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := a.do(t, formRequest("/test/form", tt.form, tt.cookie, tt.headers...))
			if r.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d:\n%s", r.StatusCode, tt.wantStatus, r.body)
			}
			if tt.wantStatus != 403 {
				return
			}
			d := r.doc(t)
			if got := d.Find(".error-page h1").Text(); got != "Форма устарела" {
				t.Errorf("403 page h1 = %q", got)
			}
			if strings.Contains(r.body, "csrf") || strings.Contains(r.body, "token") {
				t.Errorf("403 page reveals the reason:\n%s", r.body)
			}
		})
	}

	// Routes outside csrfProtect (webhooks, API) take POSTs without a token.
	if r := a.do(t, formRequest("/test/webhook", url.Values{"x": {"1"}}, "")); r.StatusCode != 200 || r.body != "accepted" {
		t.Errorf("unprotected POST = %d %q", r.StatusCode, r.body)
	}
}

// TestCSRFAcrossWebProcesses: behind a balancer, a form served by one web
// process is posted to another. Tokens in the database make that work; in
// process memory they cannot.
func TestCSRFAcrossWebProcesses(t *testing.T) {
	t.Parallel()
	db := testDB.DB(t)
	tests := []struct {
		name       string
		storage    fiber.Storage
		wantStatus int
	}{
		{"tokens in the database", db.CSRFTokens(), 303},
		{"tokens in process memory", nil, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			served := newTestApp(t, Deps{CSRFStorage: tt.storage})
			posted := newTestApp(t, Deps{CSRFStorage: tt.storage})
			token, cookie := scrapeCSRF(t, served)
			if r := posted.do(t, formRequest("/test/form", url.Values{"_csrf": {token}}, cookie)); r.StatusCode != tt.wantStatus {
				t.Fatalf("form served by one process, posted to another: %d, want %d", r.StatusCode, tt.wantStatus)
			}
		})
	}
}

func TestCSRFCookieSecureWithHTTPS(t *testing.T) {
	t.Parallel()
	tests := []struct {
		baseURL    string
		wantSecure bool
	}{
		{"https://parceltrack.example", true},
		{"http://127.0.0.1:8080", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.baseURL, func(t *testing.T) {
			t.Parallel()
			a := newTestApp(t, Deps{BaseURL: tt.baseURL})
			r := a.get(t, "/test/form")
			var found bool
			for _, c := range r.Cookies() {
				if c.Name == csrfCookieName {
					found = true
					if c.Secure != tt.wantSecure || !c.HttpOnly || c.Path != "/" {
						t.Errorf("cookie secure=%v httponly=%v path=%q", c.Secure, c.HttpOnly, c.Path)
					}
				}
			}
			if !found {
				t.Fatal("no CSRF cookie")
			}
		})
	}
}

func TestCSRFField(t *testing.T) {
	t.Parallel()
	got, err := csrfFieldHTML(`a"b<c`)
	if err != nil {
		t.Fatal(err)
	}
	if want := `<input type="hidden" name="_csrf" value="a&#34;b&lt;c">`; string(got) != want {
		t.Errorf("csrfField = %s, want %s", got, want)
	}
	if _, err := csrfFieldHTML(""); err == nil {
		t.Error("csrfField without a token succeeded; the form could never be submitted")
	}
}

func TestFlashAfterRedirect(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, Deps{})
	token, cookie := scrapeCSRF(t, a)
	r := a.do(t, formRequest("/test/form", url.Values{"_csrf": {token}}, cookie))
	if r.StatusCode != 303 || r.Header.Get("Location") != "/" {
		t.Fatalf("POST = %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	flashCookie := cookieHeader(r.Response)
	if !strings.Contains(flashCookie, flashCookieName+"=") {
		t.Fatalf("no flash cookie: %v", r.Header.Values("Set-Cookie"))
	}

	tests := []struct {
		name    string
		headers []string
		sel     string
	}{
		{"full page", []string{"Cookie", flashCookie}, `main #flash .flash-success`},
		{"htmx fragment", []string{"Cookie", flashCookie, "HX-Request", "true"}, `#flash[hx-swap-oob="true"] .flash-success`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next := a.get(t, "/", tt.headers...)
			if got := next.doc(t).Find(tt.sel).Text(); got != "Настройки сохранены" {
				t.Errorf("flash = %q, want the message:\n%s", got, next.body)
			}
			cleared := false
			for _, c := range next.Cookies() {
				if c.Name == flashCookieName && c.Value == "" && c.Expires.Before(time.Now()) {
					cleared = true
				}
			}
			if !cleared {
				t.Errorf("flash cookie not cleared: %v", next.Header.Values("Set-Cookie"))
			}
		})
	}

	// Without the cookie, an htmx fragment carries no out-of-band flash (it
	// would wipe a message the page still shows).
	if body := a.get(t, "/", "HX-Request", "true").body; strings.Contains(body, `id="flash"`) {
		t.Errorf("empty flash swapped out-of-band:\n%s", body)
	}
}

func TestTakeFlashesClamps(t *testing.T) {
	t.Parallel()
	encode := func(fs []flash) string {
		b, _ := json.Marshal(fs)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	many := make([]flash, 7)
	for i := range many {
		many[i] = flash{Kind: "evil onclick", Text: "сообщение"}
	}
	tests := []struct {
		name      string
		cookie    string
		wantCount int
		wantClass string
	}{
		{"garbage", "!!!", 0, ""},
		{"not json", base64.RawURLEncoding.EncodeToString([]byte("not json")), 0, ""},
		{"empty text dropped", encode([]flash{{Kind: flashError, Text: ""}}), 0, ""},
		{"count and kind clamped", encode(many), flashMaxCount, "flash flash-info"},
		{"error kind kept", encode([]flash{{Kind: flashError, Text: "нет"}}), 1, "flash flash-error"},
	}
	a := newTestApp(t, Deps{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := a.get(t, "/", "Cookie", flashCookieName+"="+tt.cookie)
			got := r.doc(t).Find("#flash .flash")
			if got.Length() != tt.wantCount || r.StatusCode != 200 {
				t.Fatalf("%d flashes (status %d), want %d", got.Length(), r.StatusCode, tt.wantCount)
			}
			if class, _ := got.First().Attr("class"); tt.wantCount > 0 && class != tt.wantClass {
				t.Errorf("class = %q, want %q", class, tt.wantClass)
			}
		})
	}
}

func TestCSRFRefererOnHTTPS(t *testing.T) {
	t.Parallel()
	// Behind a TLS proxy (X-Forwarded-Proto: https) Fiber's csrf also wants a
	// same-host Referer; Referrer-Policy: same-origin keeps browsers sending it.
	a := newTestApp(t, Deps{BaseURL: "https://example.com"})
	token, cookie := scrapeCSRF(t, a)
	tests := []struct {
		name       string
		referer    string
		wantStatus int
	}{
		{"same host", "https://example.com/test/form", 303},
		{"no referer", "", 403},
		{"other host", "https://evil.example/form", 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := formRequest("/test/form", url.Values{"_csrf": {token}}, cookie, "X-Forwarded-Proto", "https")
			req.Host = "example.com"
			if tt.referer != "" {
				req.Header.Set("Referer", tt.referer)
			}
			if r := a.do(t, req); r.StatusCode != tt.wantStatus {
				t.Errorf("status %d, want %d", r.StatusCode, tt.wantStatus)
			}
		})
	}
}
