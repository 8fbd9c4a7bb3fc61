package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
)

// syncBuffer is a log sink safe for the app's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// lines returns the JSON log records written so far.
func (b *syncBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(b.buf.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type testApp struct {
	app *fiber.App
	log *syncBuffer
}

// testRoutes are routes only the tests mount, to exercise panics, redirects,
// CSRF and flashes before real pages need them.
func testRoutes(s *server, app *fiber.App) {
	app.Get("/test/panic", func(c *fiber.Ctx) error { panic("secret-panic-detail") })
	app.Get("/test/fail", func(c *fiber.Ctx) error {
		return errors.New("mongo: auth failed for password=hunter2")
	})
	app.Get("/test/hook/:secret", func(c *fiber.Ctx) error { return c.SendString("ok") })
	app.Post("/test/redirect", func(c *fiber.Ctx) error { return redirect(c, "/done") })
	app.Post("/test/webhook", func(c *fiber.Ctx) error { return c.SendString("accepted") })

	form := app.Group("/test/form", s.csrfProtect)
	form.Get("", func(c *fiber.Ctx) error { return s.render(c, viewHome, page{Title: "Форма"}) })
	form.Post("", func(c *fiber.Ctx) error {
		s.flashNext(c, flashSuccess, "Настройки сохранены")
		return redirect(c, "/")
	})
	framed := app.Group("/test/admin", denyFraming)
	framed.Get("", func(c *fiber.Ctx) error { return c.SendString("admin") })
}

func newTestApp(t testing.TB, d Deps) testApp {
	t.Helper()
	buf := &syncBuffer{}
	d.Logger = slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	app, err := build(d, options{routes: testRoutes})
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	return testApp{app: app, log: buf}
}

type response struct {
	*http.Response
	body string
}

func (r response) doc(t *testing.T) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func (a testApp) do(t testing.TB, req *http.Request) response {
	t.Helper()
	resp, err := a.app.Test(req, -1)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{Response: resp, body: string(b)}
}

func (a testApp) get(t testing.TB, target string, headers ...string) response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return a.do(t, req)
}

func TestHealthz(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, Deps{Ready: func(context.Context) error { return errors.New("down") }})
	r := a.get(t, "/healthz")
	if r.StatusCode != 200 || r.body != "ok" {
		t.Fatalf("healthz = %d %q, want 200 ok (liveness ignores the database)", r.StatusCode, r.body)
	}
}

func TestReadyz(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		ready      func(ctx context.Context) error
		wantStatus int
		wantBody   string
	}{
		{"no check", nil, 200, "ok"},
		{"database up", func(context.Context) error { return nil }, 200, "ok"},
		{"database down", func(context.Context) error {
			return errors.New("dial mongodb://admin:s3cret@db:27017: connection refused")
		}, 503, "not ready: database unavailable"},
		{"check bounded by 2 s", func(ctx context.Context) error {
			dl, ok := ctx.Deadline()
			if !ok || time.Until(dl) > 2*time.Second {
				return errors.New("no 2 s deadline")
			}
			return nil
		}, 200, "ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newTestApp(t, Deps{Ready: tt.ready})
			r := a.get(t, "/readyz")
			if r.StatusCode != tt.wantStatus || r.body != tt.wantBody {
				t.Fatalf("readyz = %d %q, want %d %q", r.StatusCode, r.body, tt.wantStatus, tt.wantBody)
			}
			if strings.Contains(a.log.String(), "s3cret") != (tt.wantStatus == 503) {
				// The detail belongs in the log (and only there).
				t.Errorf("log detail mismatch: %s", a.log.String())
			}
		})
	}
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	jobs := prometheus.NewCounter(prometheus.CounterOpts{Name: "parceltrack_test_jobs_total", Help: "x"})
	reg.MustRegister(jobs)
	a := newTestApp(t, Deps{Metrics: reg})

	a.get(t, "/")
	a.get(t, "/")
	a.get(t, "/parcels/12345")
	a.get(t, "/test/hook/abc")
	r := a.get(t, "/metrics")
	if r.StatusCode != 200 {
		t.Fatalf("metrics status %d", r.StatusCode)
	}
	for _, want := range []string{
		`http_requests_total{method="GET",route="/",status="200"} 2`,
		`http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`http_requests_total{method="GET",route="/test/hook/:secret",status="200"} 1`,
		`http_request_duration_seconds_count{method="GET",route="/"} 2`,
		`parceltrack_test_jobs_total 0`, // the whole process registry is served
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("metrics lack %q:\n%s", want, r.body)
		}
	}
	for _, raw := range []string{"/parcels/12345", "/test/hook/abc"} {
		if strings.Contains(r.body, raw) {
			t.Errorf("metrics contain the raw path %s", raw)
		}
	}

	// The registry is the process's: registering the HTTP metrics twice fails New.
	if _, err := New(Deps{Metrics: reg}); err == nil {
		t.Error("second New on the same registry succeeded")
	}
}

func TestMetricsToken(t *testing.T) {
	t.Parallel()
	const token = "0123456789abcdef-metrics"
	tests := []struct {
		name, configured, header string
		want                     int
	}{
		{"open without a token configured", "", "", 200},
		{"no credentials", token, "", 401},
		{"wrong token", token, "Bearer 0123456789abcdef-metricz", 401},
		{"basic instead of bearer", token, "Basic " + token, 401},
		{"the token", token, "Bearer " + token, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newTestApp(t, Deps{MetricsToken: tt.configured})
			a.get(t, "/") // something to count
			req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
			if tt.header != "" {
				req.Header.Set("Authorization", tt.header)
			}
			r := a.do(t, req)
			if r.StatusCode != tt.want {
				t.Fatalf("status %d, want %d", r.StatusCode, tt.want)
			}
			if tt.want == 200 && !strings.Contains(r.body, "http_requests_total") {
				t.Fatalf("no metrics served:\n%s", r.body)
			}
			if tt.want == 401 && (strings.Contains(r.body, "http_requests_total") || r.Header.Get("WWW-Authenticate") == "") {
				t.Fatalf("refusal leaks metrics or lacks WWW-Authenticate: %q", r.body)
			}
		})
	}
}

func TestHomePage(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, Deps{})
	tests := []struct {
		name       string
		headers    []string
		wantLayout bool
	}{
		{"normal request", nil, true},
		{"htmx request", []string{"HX-Request", "true"}, false},
		{"boosted request", []string{"HX-Request", "true", "HX-Boosted", "true"}, true},
		{"history restore", []string{"HX-Request", "true", "HX-History-Restore-Request", "true"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := a.get(t, "/", tt.headers...)
			if r.StatusCode != 200 {
				t.Fatalf("status %d", r.StatusCode)
			}
			if !strings.Contains(r.Header.Get("Vary"), "HX-Request") {
				t.Errorf("Vary = %q, want HX-Request", r.Header.Get("Vary"))
			}
			if ct := r.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("Content-Type = %q", ct)
			}
			d := r.doc(t)
			if got := strings.TrimSpace(d.Find("section h1").Text()); got != "parceltrack" {
				t.Errorf("page h1 = %q", got)
			}
			if !strings.Contains(d.Find("section").Text(), "InSales") {
				t.Error("page does not describe the product")
			}
			hasLayout := strings.Contains(r.body, "<html") && d.Find("body > header a.brand").Length() == 1
			if hasLayout != tt.wantLayout {
				t.Fatalf("layout present = %v, want %v:\n%s", hasLayout, tt.wantLayout, r.body)
			}
			if !tt.wantLayout {
				return
			}
			if lang, _ := d.Find("html").Attr("lang"); lang != "ru" {
				t.Errorf("lang = %q", lang)
			}
			if d.Find("#flash").Length() != 1 {
				t.Error("no #flash area")
			}
			for _, sel := range []string{`script[src^="/static/js/htmx.min."]`, `link[rel="stylesheet"][href^="/static/css/app."]`} {
				if d.Find(sel).Length() != 1 {
					t.Errorf("missing %s", sel)
				}
			}
			if r.Header.Get("X-Content-Type-Options") != "nosniff" || r.Header.Get("Referrer-Policy") != "same-origin" {
				t.Errorf("security headers missing: %v", r.Header)
			}
			if r.Header.Get("X-Frame-Options") != "" || strings.Contains(r.Header.Get("Content-Security-Policy"), "frame-ancestors") {
				t.Error("framing restricted globally; the InSales widget iframe needs it allowed")
			}
		})
	}
}

func TestSandboxBanner(t *testing.T) {
	t.Parallel()
	for _, sandbox := range []bool{true, false} {
		a := newTestApp(t, Deps{Sandbox: sandbox})
		for _, target := range []string{"/", "/missing-page"} {
			d := a.get(t, target).doc(t)
			banner := d.Find(".sandbox-banner")
			if !sandbox {
				if banner.Length() != 0 || d.Find(`a[href="/sandbox/"]`).Length() != 0 {
					t.Errorf("%s: sandbox banner or link shown with sandbox off", target)
				}
				continue
			}
			if !strings.Contains(banner.Text(), "Песочница: внешние сервисы заменены имитаторами") {
				t.Errorf("%s: banner = %q", target, banner.Text())
			}
			if banner.Find(`a[href="/sandbox/"]`).Length() != 1 {
				t.Errorf("%s: banner has no link to /sandbox/", target)
			}
		}
	}
}

func TestRedirect(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, Deps{})
	tests := []struct {
		name         string
		headers      map[string]string
		wantStatus   int
		wantLocation string
		wantHX       string
	}{
		{"plain form", nil, 303, "/done", ""},
		{"htmx", map[string]string{"HX-Request": "true"}, 204, "", "/done"},
		{"boosted form", map[string]string{"HX-Request": "true", "HX-Boosted": "true"}, 303, "/done", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/test/redirect", nil)
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			r := a.do(t, req)
			if r.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d", r.StatusCode, tt.wantStatus)
			}
			if got := r.Header.Get("Location"); got != tt.wantLocation {
				t.Errorf("Location = %q, want %q", got, tt.wantLocation)
			}
			if got := r.Header.Get("HX-Redirect"); got != tt.wantHX {
				t.Errorf("HX-Redirect = %q, want %q", got, tt.wantHX)
			}
		})
	}
}

func TestIsLocalPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path string
		want bool
	}{
		{"/", true},
		{"/cabinet/parcels?page=2", true},
		{"", false},
		{"cabinet", false},
		{"https://evil.example/", false},
		{"//evil.example/", false},
		{`/\evil.example/`, false},
		{"/\t/evil.example/", false},
		{"/ok\nSet-Cookie: x=1", false},
	}
	for _, tt := range tests {
		if got := isLocalPath(tt.path); got != tt.want {
			t.Errorf("isLocalPath(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

func TestErrorPages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		target     string
		headers    []string
		wantStatus int
		wantText   string
		forbidden  []string // never shown to the user
		wantLevel  string   // level of the "request failed" log line
	}{
		{"not found", "/no/such/page", nil, 404, "Страница не найдена", []string{"Cannot GET"}, "DEBUG"},
		{"wrong method", "/healthz", []string{"X-Method", "DELETE"}, 405, "Действие недоступно", nil, "DEBUG"},
		{"handler error", "/test/fail", nil, 500, "Что-то пошло не так", []string{"hunter2", "mongo"}, "ERROR"},
		{"panic", "/test/panic", nil, 500, "Что-то пошло не так", []string{"secret-panic-detail", "goroutine", ".go:"}, "ERROR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newTestApp(t, Deps{})
			method := http.MethodGet
			if len(tt.headers) == 2 && tt.headers[0] == "X-Method" {
				method = tt.headers[1]
			}
			r := a.do(t, httptest.NewRequest(method, tt.target, nil))
			if r.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d", r.StatusCode, tt.wantStatus)
			}
			d := r.doc(t)
			if got := d.Find("main .error-page h1").Text(); got != tt.wantText {
				t.Errorf("h1 = %q, want %q", got, tt.wantText)
			}
			if d.Find("body > header a.brand").Length() != 1 {
				t.Error("error page lacks the layout")
			}
			if id := r.Header.Get("X-Request-ID"); id == "" || !strings.Contains(d.Find(".request-id").Text(), id) {
				t.Errorf("request id %q not shown on the page", id)
			}
			for _, f := range tt.forbidden {
				if strings.Contains(r.body, f) {
					t.Errorf("body reveals %q", f)
				}
			}
			var failed map[string]any
			for _, l := range a.log.lines(t) {
				if l["msg"] == "request failed" {
					failed = l
				}
			}
			if failed == nil {
				t.Fatalf("no error log line: %s", a.log.String())
			}
			if failed["level"] != tt.wantLevel || failed["status"] != float64(tt.wantStatus) ||
				failed["path"] != tt.target || failed["method"] != method || failed["request_id"] != r.Header.Get("X-Request-ID") {
				t.Errorf("error log = %v", failed)
			}
			if tt.wantStatus == 500 && !strings.Contains(failed["error"].(string), tt.forbidden[0]) {
				t.Errorf("log lacks the error detail: %v", failed["error"])
			}
			if tt.name == "panic" && !strings.Contains(failed["stack"].(string), "handlers_test.go") {
				t.Errorf("panic log lacks the stack: %v", failed["stack"])
			}
		})
	}

	// The app survives a panic.
	a := newTestApp(t, Deps{})
	a.get(t, "/test/panic")
	if r := a.get(t, "/"); r.StatusCode != 200 {
		t.Errorf("after a panic GET / = %d", r.StatusCode)
	}
}

func TestErrorFragmentForHTMX(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, Deps{})
	r := a.get(t, "/no/such/panel", "HX-Request", "true")
	if r.StatusCode != 404 {
		t.Fatalf("status %d", r.StatusCode)
	}
	if strings.Contains(r.body, "<html") || strings.Contains(r.body, "<header") {
		t.Errorf("htmx error response carries the layout:\n%s", r.body)
	}
	if r.Header.Get("HX-Reswap") != "none" {
		t.Errorf("HX-Reswap = %q, want none (keep the target as it is)", r.Header.Get("HX-Reswap"))
	}
	flash := r.doc(t).Find(`#flash[hx-swap-oob="true"] .flash-error`)
	if !strings.Contains(flash.Text(), "Страница не найдена") {
		t.Errorf("no out-of-band error flash:\n%s", r.body)
	}
}

func TestErrorJSONForAPI(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, Deps{})
	r := a.get(t, "/api/v1/parcels/1")
	var got map[string]string
	if err := json.Unmarshal([]byte(r.body), &got); err != nil || r.StatusCode != 404 || got["error"] != "Страница не найдена" {
		t.Fatalf("api 404 = %d %q", r.StatusCode, r.body)
	}
}

func TestStaticThroughApp(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, Deps{})
	src, _ := a.get(t, "/").doc(t).Find("script").Attr("src")
	tests := []struct {
		name       string
		target     string
		wantStatus int
		wantType   string
	}{
		{"fingerprinted htmx", src, 200, "text/javascript; charset=utf-8"},
		{"old hash", "/static/js/htmx.min.0123456789.js", 404, "text/html; charset=utf-8"},
		{"plain name", "/static/js/htmx.min.js", 404, "text/html; charset=utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := a.get(t, tt.target)
			if r.StatusCode != tt.wantStatus {
				t.Fatalf("GET %s = %d, want %d", tt.target, r.StatusCode, tt.wantStatus)
			}
			if got := r.Header.Get("Content-Type"); got != tt.wantType {
				t.Errorf("Content-Type = %q, want %q", got, tt.wantType)
			}
			immutable := r.Header.Get("Cache-Control") == "public, max-age=31536000, immutable"
			if immutable != (tt.wantStatus == 200) {
				t.Errorf("Cache-Control = %q", r.Header.Get("Cache-Control"))
			}
			if tt.wantStatus == 200 && !strings.Contains(r.body, "htmx") {
				t.Error("body is not htmx")
			}
		})
	}
}

func TestMissingView(t *testing.T) {
	t.Parallel()
	_, err := build(Deps{}, options{extraViews: []string{"pages/missing"}})
	if err == nil || !strings.Contains(err.Error(), "pages/missing") {
		t.Fatalf("build error = %v, want one naming pages/missing", err)
	}
	if _, err := New(Deps{}); err != nil {
		t.Fatalf("New with the real registry: %v", err)
	}
}

func TestNewValidatesDeps(t *testing.T) {
	t.Parallel()
	ok := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	tests := []struct {
		name string
		deps Deps
	}{
		{"relative base url", Deps{BaseURL: "parceltrack.example"}},
		{"ftp base url", Deps{BaseURL: "ftp://parceltrack.example"}},
		{"sandbox prefix with slash", Deps{SandboxHandlers: map[string]http.Handler{"/sandbox/": ok}}},
		{"sandbox prefix with param", Deps{SandboxHandlers: map[string]http.Handler{"/sandbox/:x": ok}}},
		{"root sandbox prefix", Deps{SandboxHandlers: map[string]http.Handler{"/": ok}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.deps); err == nil {
				t.Error("New succeeded")
			}
		})
	}
}

func TestSandboxHandlers(t *testing.T) {
	t.Parallel()
	echo := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, name+" "+r.Method+" "+r.URL.Path)
		})
	}
	reg := prometheus.NewRegistry()
	a := newTestApp(t, Deps{Metrics: reg, SandboxHandlers: map[string]http.Handler{
		"/sandbox":             echo("index"),
		"/sandbox/russianpost": echo("rp"),
	}})
	tests := []struct {
		method, target, want string
	}{
		{"GET", "/sandbox/", "index GET /sandbox/"},
		{"GET", "/sandbox", "index GET /sandbox"},
		{"POST", "/sandbox/russianpost/rtm34", "rp POST /sandbox/russianpost/rtm34"}, // no CSRF token needed
		{"GET", "/sandbox/russianpost", "rp GET /sandbox/russianpost"},
		{"GET", "/sandbox/outbox", "index GET /sandbox/outbox"},
	}
	for _, tt := range tests {
		r := a.do(t, httptest.NewRequest(tt.method, tt.target, strings.NewReader("<soap/>")))
		if r.StatusCode != 200 || r.body != tt.want {
			t.Errorf("%s %s = %d %q, want %q", tt.method, tt.target, r.StatusCode, r.body, tt.want)
		}
	}
	if m := a.get(t, "/metrics").body; !strings.Contains(m, `route="/sandbox/russianpost/*"`) {
		t.Error("sandbox requests not labelled by mount pattern")
	}
}

func TestRequestLog(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, Deps{})
	a.get(t, "/?token=abc123&x=1", "X-Request-ID", "req-42")
	a.get(t, "/test/hook/whsec-999")
	a.get(t, "/", "X-Request-ID", "bad id\nlevel=ERROR")

	var reqs []map[string]any
	for _, l := range a.log.lines(t) {
		if l["msg"] == "request" {
			reqs = append(reqs, l)
		}
	}
	if len(reqs) != 3 {
		t.Fatalf("%d request lines, want one per request: %s", len(reqs), a.log.String())
	}
	first := reqs[0]
	for _, k := range []string{"method", "path", "status", "duration_ms", "bytes", "request_id"} {
		if _, ok := first[k]; !ok {
			t.Errorf("request line lacks %s: %v", k, first)
		}
	}
	if first["path"] != "/" || first["request_id"] != "req-42" || first["status"] != float64(200) || first["bytes"].(float64) < 100 {
		t.Errorf("request line = %v", first)
	}
	if reqs[1]["path"] != "/test/hook/:secret" {
		t.Errorf("secret path logged as %v", reqs[1]["path"])
	}
	if id, _ := reqs[2]["request_id"].(string); id == "" || strings.Contains(id, "bad") {
		t.Errorf("malformed incoming request id kept: %q", id)
	}
	for _, leaked := range []string{"abc123", "whsec-999"} {
		if strings.Contains(a.log.String(), leaked) {
			t.Errorf("log leaks %q", leaked)
		}
	}
}

func TestDenyFraming(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, Deps{})
	r := a.get(t, "/test/admin")
	if r.Header.Get("X-Frame-Options") != "DENY" || r.Header.Get("Content-Security-Policy") != "frame-ancestors 'none'" {
		t.Errorf("headers = %v", r.Header)
	}
}

func TestHTMXHelpers(t *testing.T) {
	t.Parallel()
	app := fiber.New()
	app.Get("/", func(c *fiber.Ctx) error {
		h := htmxFrom(c)
		hxSetTrigger(c, "parcelChanged")
		hxSetTrigger(c, "balanceChanged", "flash")
		hxSetPushURL(c, "/cabinet")
		hxSetRetarget(c, "#panel")
		hxSetReswap(c, "outerHTML")
		hxSetRefresh(c)
		return c.JSON(h)
	})
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("HX-Request", "true")
	req.Header.Set("HX-Target", "panel")
	req.Header.Set("HX-Trigger", "stop-btn")
	req.Header.Set("HX-Trigger-Name", "stop")
	req.Header.Set("HX-Current-URL", "https://shop.example/admin/orders/1")
	resp, err := app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	var got htmxRequest
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	want := htmxRequest{Enabled: true, Target: "panel", Trigger: "stop-btn", TriggerName: "stop", CurrentURL: "https://shop.example/admin/orders/1"}
	if got != want {
		t.Errorf("htmxFrom = %+v, want %+v", got, want)
	}
	for k, v := range map[string]string{
		"HX-Trigger": "parcelChanged, balanceChanged, flash", "HX-Push-Url": "/cabinet",
		"HX-Retarget": "#panel", "HX-Reswap": "outerHTML", "HX-Refresh": "true",
	} {
		if resp.Header.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, resp.Header.Get(k), v)
		}
	}
}

// cookieHeader joins response cookies for the next request, skipping deleted ones.
func cookieHeader(resp *http.Response) string {
	var parts []string
	for _, c := range resp.Cookies() {
		if c.Value != "" && (c.Expires.IsZero() || c.Expires.After(time.Now())) {
			parts = append(parts, c.Name+"="+c.Value)
		}
	}
	return strings.Join(parts, "; ")
}

func formRequest(target string, values url.Values, cookie string, headers ...string) *http.Request {
	req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(values.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return req
}
