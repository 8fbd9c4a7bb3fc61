package insalessandbox_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"parceltrack/insales"
	insalessandbox "parceltrack/sandbox/insales"
)

const (
	appID     = "parceltrack"
	appSecret = "mysecret"
	domain    = "demo-shop.myinsales.ru"
	prefix    = "/sandbox/insales"
)

// delivery is a webhook the fake app received.
type delivery struct {
	Path        string
	ContentType string
	Body        []byte
}

// fakeApp is the app's side of the lifecycle: install, uninstall and login
// endpoints and a webhook receiver under /hooks/.
type fakeApp struct {
	srv *httptest.Server

	mu            sync.Mutex
	installStatus int
	onInstall     func(url.Values) // called while the install request waits
	installs      []url.Values
	uninstalls    []url.Values
	hooks         []delivery
}

func newFakeApp(t *testing.T) *fakeApp {
	t.Helper()
	a := &fakeApp{installStatus: http.StatusOK}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		defer a.mu.Unlock()
		switch {
		case r.URL.Path == "/install":
			a.installs = append(a.installs, r.URL.Query())
			if a.onInstall != nil {
				a.onInstall(r.URL.Query())
			}
			w.WriteHeader(a.installStatus)
		case r.URL.Path == "/uninstall":
			a.uninstalls = append(a.uninstalls, r.URL.Query())
		case strings.HasPrefix(r.URL.Path, "/hooks/"):
			b, _ := io.ReadAll(r.Body)
			a.hooks = append(a.hooks, delivery{Path: r.URL.Path, ContentType: r.Header.Get("Content-Type"), Body: b})
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *fakeApp) lastInstall() url.Values {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.installs) == 0 {
		return nil
	}
	return a.installs[len(a.installs)-1]
}

func (a *fakeApp) deliveries() []delivery {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]delivery(nil), a.hooks...)
}

type env struct {
	t      *testing.T
	clock  *clockwork.FakeClock
	app    *fakeApp
	srv    *httptest.Server
	sb     *insalessandbox.Server
	client *insales.Client
	shop   insales.Shop
	store  *insalessandbox.Memory
}

var start = time.Date(2026, 4, 8, 9, 0, 0, 0, time.UTC)

// newEnv starts the fake app and the sandbox (synchronous webhooks, a fake
// clock), and an app-side client pointed at it. The app is not installed.
func newEnv(t *testing.T, change func(*insalessandbox.Config)) *env {
	t.Helper()
	e := &env{t: t, clock: clockwork.NewFakeClockAt(start), app: newFakeApp(t), store: &insalessandbox.Memory{}}
	mux := http.NewServeMux()
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	cfg := insalessandbox.Config{
		BaseURL: e.srv.URL,
		Store:   e.store,
		App: insalessandbox.App{ID: appID, Secret: appSecret, InstallURL: e.app.srv.URL + "/install",
			UninstallURL: e.app.srv.URL + "/uninstall", LoginURL: e.app.srv.URL + "/login"},
		HTTPClient:   e.srv.Client(),
		Clock:        e.clock.Now,
		SyncWebhooks: true,
	}
	if change != nil {
		change(&cfg)
	}
	sb, err := insalessandbox.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	e.sb = sb
	mux.Handle(prefix+"/", sb)
	e.client, err = insales.New(insales.Config{
		AppID:      appID,
		AppSecret:  appSecret,
		BaseURL:    insales.BaseURLPattern(e.srv.URL + prefix + "/{shop}"),
		HTTPClient: e.srv.Client(),
		MaxRetries: -1,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.shop = insales.Shop{Domain: domain, ID: insalessandbox.DefaultInsalesID}
	return e
}

// install presses "Установить приложение" and takes the password the app
// would derive from the token it received.
func (e *env) install() {
	e.t.Helper()
	resp := e.postForm(prefix+"/install", nil)
	if resp.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("install: status %d", resp.StatusCode)
	}
	q := e.app.lastInstall()
	if q == nil {
		e.t.Fatal("install: the app was not called")
	}
	e.shop.Password = insales.InstallPassword(q.Get("token"), appSecret)
}

// noRedirect is a client that returns redirects instead of following them.
func (e *env) noRedirect() *http.Client {
	c := *e.srv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

func (e *env) postForm(path string, form url.Values) *http.Response {
	e.t.Helper()
	resp, err := e.noRedirect().PostForm(e.srv.URL+path, form)
	if err != nil {
		e.t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// get fetches path and returns the status, headers and body.
func (e *env) get(path string) (int, http.Header, string) {
	e.t.Helper()
	resp, err := e.noRedirect().Get(e.srv.URL + path)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// raw sends an API request with explicit credentials and content type.
func (e *env) raw(method, path, user, pass, ctype, body string) (*http.Response, string) {
	e.t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, e.srv.URL+prefix+"/"+domain+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if user != "" || pass != "" {
		req.SetBasicAuth(user, pass)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}
