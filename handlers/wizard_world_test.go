package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/jonboulle/clockwork"

	"parceltrack/billing"
	"parceltrack/insales"
	"parceltrack/messages"
	"parceltrack/notify"
	"parceltrack/onboarding"
	"parceltrack/sandbox/outbox"
	"parceltrack/sandbox/smtpsink"
	twiliosandbox "parceltrack/sandbox/twilio"
	"parceltrack/shopapp"
)

// fakeInsalesAPI is the part of the InSales admin API the install check, the
// setup and the status sync use, with a switch that makes every setup call
// fail (500), and
// counts of what was created, to catch duplicates after retries.
type fakeInsalesAPI struct {
	srv      *httptest.Server
	password string
	failing  atomic.Bool

	mu       sync.Mutex
	nextID   int64
	webhooks []insales.Webhook
	fields   []insales.Field
	widgets  []insales.ApplicationWidget
	statuses []insales.CustomStatus
}

func newFakeInsalesAPI(t testing.TB, password string) *fakeInsalesAPI {
	t.Helper()
	f := &fakeInsalesAPI{password: password, nextID: 100,
		statuses: []insales.CustomStatus{{Permalink: "novyy", Title: "Новый", SystemStatus: "new"}}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

var fakeAPIPath = regexp.MustCompile(`^/[^/]+/admin/([a-z_]+)(?:/(\d+))?\.json$`)

func (f *fakeInsalesAPI) serve(w http.ResponseWriter, r *http.Request) {
	if _, pw, ok := r.BasicAuth(); !ok || pw != f.password {
		http.Error(w, `{"errors":"auth"}`, http.StatusUnauthorized)
		return
	}
	if strings.HasSuffix(r.URL.Path, "/admin/account.json") {
		// The install check answers even while setup calls fail: the
		// tests play an InSales that breaks after the install.
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":%d}`, testInsalesID)
		return
	}
	if f.failing.Load() {
		http.Error(w, `{"errors":"internal"}`, http.StatusInternalServerError)
		return
	}
	m := fakeAPIPath.FindStringSubmatch(r.URL.Path)
	if m == nil {
		http.NotFound(w, r)
		return
	}
	var body map[string]json.RawMessage
	if r.Method == http.MethodPost || r.Method == http.MethodPut {
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &body)
	}
	id, _ := strconv.ParseInt(m[2], 10, 64)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	reply := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	switch key := r.Method + " " + m[1]; {
	case key == "GET webhooks" && id == 0:
		reply(200, f.webhooks)
	case key == "POST webhooks":
		reply(201, appendNew(body["webhook"], &f.webhooks, func(h *insales.Webhook) { h.ID = f.nextID }))
	case key == "GET fields" && id == 0:
		reply(200, f.fields)
	case key == "GET fields":
		for _, fl := range f.fields {
			if fl.ID == id {
				reply(200, fl)
				return
			}
		}
		http.NotFound(w, r)
	case key == "POST fields":
		reply(201, appendNew(body["field"], &f.fields, func(fl *insales.Field) { fl.ID = f.nextID }))
	case key == "GET application_widgets" && id == 0:
		reply(200, f.widgets)
	case key == "POST application_widgets":
		reply(201, appendNew(body["application_widget"], &f.widgets, func(wd *insales.ApplicationWidget) { wd.ID = f.nextID }))
	case key == "PUT application_widgets":
		for i, wd := range f.widgets {
			if wd.ID == id {
				_ = json.Unmarshal(body["application_widget"], &f.widgets[i])
				f.widgets[i].ID = id
				reply(200, f.widgets[i])
				return
			}
		}
		http.NotFound(w, r)
	case key == "GET custom_statuses":
		reply(200, f.statuses)
	case key == "POST custom_statuses":
		reply(201, appendNew(body["custom_status"], &f.statuses, func(cs *insales.CustomStatus) {
			cs.Permalink = "status-" + strconv.FormatInt(f.nextID, 10)
		}))
	default:
		http.NotFound(w, r)
	}
}

// appendNew decodes a created record from its request body, lets number
// give it its id, and keeps it.
func appendNew[T any](raw json.RawMessage, list *[]T, number func(*T)) T {
	var v T
	_ = json.Unmarshal(raw, &v)
	number(&v)
	*list = append(*list, v)
	return v
}

// counts returns how many webhooks, fields and widgets exist.
func (f *fakeInsalesAPI) counts() (webhooks, fields, widgets, statuses int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.webhooks), len(f.fields), len(f.widgets), len(f.statuses)
}

// wizardWorld is the web app with the InSales app, the wizard, the sandbox
// Twilio and SMTP stand-ins (recording in memory) and a fake InSales API, on
// a fresh database, with the test shop installed.
type wizardWorld struct {
	insalesWorld
	clock *clockwork.FakeClock
	sms   *outbox.Memory
	mail  *outbox.Memory
	// outbox is what the sandbox outbox page lists.
	outbox *memoryOutbox
	api    *fakeInsalesAPI
	shopID string
}

const (
	testTwilioSID   = "AC0123456789abcdef0123456789abcdef"
	testTwilioToken = "twiliotoken0123"
	testStatusURL   = "http://example.com/notify/twilio/status"
	testShopAdmin   = "https://shop.myinsales.ru/admin/"
)

// newWizardWorld builds the world; insalesDown makes InSales fail from the
// install on.
func newWizardWorld(t *testing.T, insalesDown bool) *wizardWorld {
	t.Helper()
	db := testDB.DB(t)
	w := &wizardWorld{clock: clockwork.NewFakeClockAt(time.Now().UTC()), sms: &outbox.Memory{}, mail: &outbox.Memory{},
		outbox: &memoryOutbox{}}
	w.api = newFakeInsalesAPI(t, insales.InstallPassword("token123", testInsalesSecret))
	w.api.failing.Store(insalesDown)

	client, err := insales.New(insales.Config{AppID: "parceltrack", BaseURL: insales.BaseURLPattern(w.api.srv.URL + "/{shop}"),
		HTTPClient: &http.Client{Timeout: 5 * time.Second}, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	ins := newTestShopApp(t, db, shopapp.Options{Client: client, BaseURL: "http://example.com",
		Billing: billing.New(db.Ledger(), billing.Options{Prices: billing.DefaultPrices()})})

	twilio := twiliosandbox.New(twiliosandbox.Config{AccountSID: testTwilioSID, AuthToken: testTwilioToken, Recorder: w.sms})
	tsrv := httptest.NewServer(twilio)
	t.Cleanup(func() { tsrv.Close(); twilio.Close() })
	sms, err := notify.NewSMS(notify.TwilioConfig{AccountSID: testTwilioSID, AuthToken: testTwilioToken, From: "parceltrack", BaseURL: tsrv.URL})
	if err != nil {
		t.Fatal(err)
	}
	sink, err := smtpsink.Start(context.Background(), "127.0.0.1:0", w.mail)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sink.Close() })
	email, err := notify.NewEmail(notify.SMTPConfig{Host: sink.Host(), Port: sink.Port(), From: "noreply@parceltrack.test",
		FromName: "parceltrack", TLS: notify.SMTPTLSNone, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := onboarding.New(onboarding.Options{
		Shops: db.Shops(), Codes: db.Verifications(), SMS: sms, Email: email, Secret: "app-secret",
		StatusCallback: testStatusURL, App: ins,
		Prices: billing.DefaultPrices(), Now: w.clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	w.insalesWorld = insalesWorld{
		testApp: newTestApp(t, Deps{ShopApp: ins, Sessions: db.Sessions(), Onboarding: svc,
			ShopAdminURL:    func(domain string) string { return "https://" + domain + "/admin/" },
			TwilioAuthToken: testTwilioToken, TwilioStatusURL: testStatusURL, MessageStatuses: db.MessageStatuses(),
			MessageReports: messages.NewReports(db.Notifications(), billing.New(db.Ledger(), billing.Options{}), nil, nil),
			Outbox:         w.outbox}),
		db: db, ins: ins,
	}
	w.shopID = w.install(t).ID
	return w
}

// memoryOutbox is the outbox page's list, as the wiring layer adapts the
// stand-ins' store.
type memoryOutbox struct{ outbox.Memory }

func (m *memoryOutbox) List(context.Context, int) ([]SandboxMessage, error) {
	var out []SandboxMessage
	for _, r := range m.Memory.List() {
		out = append(out, SandboxMessage{ID: r.ID, Channel: r.Channel, To: r.To, Subject: r.Subject, Text: r.Text,
			Status: r.Status, Error: r.Error, CreatedAt: r.CreatedAt})
	}
	return out, nil
}

// merchant is one browser: its cookies and the CSRF token of the last page.
type merchant struct {
	w       *wizardWorld
	cookies map[string]string
	csrf    string
}

// signIn starts a merchant session for the test shop, as autologin would.
func (w *wizardWorld) signIn(t *testing.T) *merchant {
	t.Helper()
	token := newSessionToken()
	now := time.Now()
	err := w.db.Sessions().Create(context.Background(), shopapp.Session{
		ID: sessionKey(token), Kind: shopapp.SessionApp, ShopID: w.shopID, InsalesID: testInsalesID,
		UserName: "Мария Иванова", UserEmail: "owner@example.ru", CreatedAt: now, ExpiresAt: now.Add(time.Hour),
	})
	if err != nil {
		t.Fatal(err)
	}
	return &merchant{w: w, cookies: map[string]string{sessionCookie: token}}
}

func (m *merchant) cookieHeader() string {
	parts := make([]string, 0, len(m.cookies))
	for k, v := range m.cookies {
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, "; ")
}

func (m *merchant) keep(r response) {
	for _, c := range r.Cookies() {
		if c.Value == "" || (!c.Expires.IsZero() && c.Expires.Before(time.Now())) {
			delete(m.cookies, c.Name)
		} else {
			m.cookies[c.Name] = c.Value
		}
	}
	if strings.Contains(r.Header.Get("Content-Type"), "text/html") {
		if d, err := goquery.NewDocumentFromReader(strings.NewReader(r.body)); err == nil {
			if tok, ok := d.Find(`meta[name="csrf-token"]`).Attr("content"); ok {
				m.csrf = tok
			}
		}
	}
}

// get loads a page.
func (m *merchant) get(t *testing.T, path string, headers ...string) response {
	t.Helper()
	r := m.w.get(t, path, append([]string{"Cookie", m.cookieHeader()}, headers...)...)
	m.keep(r)
	return r
}

// post submits a form with the CSRF token of the last page.
func (m *merchant) post(t *testing.T, path string, form url.Values, headers ...string) response {
	t.Helper()
	if m.csrf == "" {
		m.get(t, "/app/wizard")
		m.get(t, "/app/wizard/register")
	}
	// A copy: callers share form values between parallel tests.
	form = url.Values(maps.Clone(map[string][]string(form)))
	if form == nil {
		form = url.Values{}
	}
	form.Set(csrfFormField, m.csrf)
	r := m.w.do(t, formRequest(path, form, m.cookieHeader(), headers...))
	m.keep(r)
	return r
}

// wantRedirect fails unless r is a 303 to path.
func wantRedirect(t *testing.T, r response, path string) {
	t.Helper()
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != path {
		t.Fatalf("got %d → %q, want 303 → %s\n%s", r.StatusCode, r.Header.Get("Location"), path, r.body)
	}
}

// wantRefused fails unless r is a 422 page showing text.
func wantRefused(t *testing.T, r response, text string) {
	t.Helper()
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, text) {
		t.Fatalf("got %d, want 422 with %q:\n%s", r.StatusCode, text, r.body)
	}
}

var (
	smsCode     = regexp.MustCompile(`\b(\d{6})\b`)
	mailedCreds = regexp.MustCompile(`User ID: (PT-\d{8})\s+Ключ API: ([A-Za-z0-9]{32})`)
)

// lastCode is the code of the newest SMS the Twilio stand-in took.
func (w *wizardWorld) lastCode(t *testing.T) (to, code string) {
	t.Helper()
	list := w.sms.List()
	if len(list) == 0 {
		t.Fatal("no SMS sent")
	}
	m := smsCode.FindStringSubmatch(list[0].Text)
	if m == nil {
		t.Fatalf("no code in %q", list[0].Text)
	}
	return list[0].To, m[1]
}

// lastCredentials are the User ID and key of the newest e-mail.
func (w *wizardWorld) lastCredentials(t *testing.T) (to, userID, key string) {
	t.Helper()
	list := w.mail.List()
	if len(list) == 0 {
		t.Fatal("no e-mail sent")
	}
	m := mailedCreds.FindStringSubmatch(list[0].Text)
	if m == nil {
		t.Fatalf("no credentials in %q", list[0].Text)
	}
	return list[0].To, m[1], m[2]
}

var goodRegistration = url.Values{"name": {"Мария Иванова"}, "email": {"owner@example.ru"}, "phone": {"8 912 345-67-89"}}

// registered signs in and registers; the code went out.
func (w *wizardWorld) registered(t *testing.T) *merchant {
	t.Helper()
	m := w.signIn(t)
	wantRedirect(t, m.post(t, "/app/wizard/register", goodRegistration), "/app/wizard/code")
	return m
}

// atCredentials signs in, registers and types the code.
func (w *wizardWorld) atCredentials(t *testing.T) *merchant {
	t.Helper()
	m := w.registered(t)
	_, code := w.lastCode(t)
	wantRedirect(t, m.post(t, "/app/wizard/code", url.Values{"code": {code}}), "/app/wizard/credentials")
	return m
}

// atSetup gets a merchant to the setup step.
func (w *wizardWorld) atSetup(t *testing.T) *merchant {
	t.Helper()
	m := w.atCredentials(t)
	_, id, key := w.lastCredentials(t)
	wantRedirect(t, m.post(t, "/app/wizard/credentials", url.Values{"user_id": {id}, "api_key": {key}}), "/app/wizard/setup")
	return m
}
