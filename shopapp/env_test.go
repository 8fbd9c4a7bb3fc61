package shopapp_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"parceltrack/billing"
	"parceltrack/insales"
	"parceltrack/jobs"
	insalessandbox "parceltrack/sandbox/insales"
	"parceltrack/shopapp"
	"parceltrack/storage"
	"parceltrack/storage/storagetest"
	"parceltrack/tracking"
	"parceltrack/workers"
)

// dbServer is the embedded database server of this test package.
var dbServer = storagetest.NewServer()

func TestMain(m *testing.M) {
	code := m.Run()
	dbServer.Close()
	os.Exit(code)
}

const (
	testAppID     = "parceltrack"
	testAppSecret = "mysecret"
	testSealKey   = "0123456789abcdef0123456789abcdef"
)

// trackingNow is the tracking clock of the tests: far from the wall clock,
// so a date taken from the wrong clock shows.
var trackingNow = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

var testPrices = billing.Prices{Track: 500, TrackChange: 300, Welcome: 1000}

// faults makes chosen InSales requests fail with a 500, as a flaky platform
// would, before they reach the sandbox.
type faults struct {
	mu   sync.Mutex
	next map[string]int // "POST /admin/fields.json" → failures left
	// delay slows every request down, so concurrent runs overlap.
	delay time.Duration
	base  http.RoundTripper
}

func (f *faults) slowDown(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.delay = d
}

func (f *faults) failNext(method, pathSuffix string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.next[method+" "+pathSuffix] = n
}

func (f *faults) RoundTrip(r *http.Request) (*http.Response, error) {
	f.mu.Lock()
	if f.delay > 0 {
		d := f.delay
		f.mu.Unlock()
		time.Sleep(d)
		f.mu.Lock()
	}
	for k, n := range f.next {
		method, suffix, _ := strings.Cut(k, " ")
		if n > 0 && r.Method == method && strings.HasSuffix(r.URL.Path, suffix) {
			f.next[k] = n - 1
			f.mu.Unlock()
			return &http.Response{StatusCode: 500, Status: "500 Internal Server Error", Request: r,
				Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(`{"error":"injected"}`))}, nil
		}
	}
	f.mu.Unlock()
	return f.base.RoundTrip(r)
}

// env is one test's world: a fresh database, billing, the sandbox shop
// (optional) and the App under test, reachable by the sandbox over HTTP.
type env struct {
	t       *testing.T
	db      *storage.DB
	bill    *billing.Service
	app     *shopapp.App
	client  *insales.Client
	faults  *faults
	sb      *insalessandbox.Server
	sbStore *insalessandbox.Memory
	// accounts answers the install check when there is no sandbox shop.
	accounts *accounts
	appURL   string
	// runner runs the app's jobs; queue stores them, and runs what is due
	// right away unless the env is async.
	runner *workers.JobRunner
	queue  *testQueue
}

// testQueue stores jobs in the database; inline it then runs what is due at
// once, in the caller, as if a worker were always free.
type testQueue struct {
	store  *storage.Jobs
	inline bool
	runner *workers.JobRunner
	// down makes every Enqueue fail, as a database that cannot be reached.
	down atomic.Bool
}

func (q *testQueue) Enqueue(ctx context.Context, j jobs.Job) error {
	if q.down.Load() {
		return errors.New("jobs: database unreachable")
	}
	if err := q.store.Enqueue(ctx, j); err != nil {
		return err
	}
	if q.inline {
		_, err := q.runner.RunDue(ctx)
		return err
	}
	return nil
}

// runJobs runs the jobs that are due, as a worker would.
func (e *env) runJobs() int {
	e.t.Helper()
	n, err := e.runner.RunDue(e.ctx())
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// accounts plays the one InSales call an install makes, GET
// /admin/account.json, for the shops registered with their install token;
// every other call fails at once, as an unreachable InSales would.
type accounts struct {
	mu    sync.Mutex
	shops map[string]account // by domain
}

// downShop is a shop whose InSales answers 502 to everything.
const downShop = "down.myinsales.ru"

type account struct {
	id       int64
	password string
}

// set makes domain the account id, reachable with token's password.
func (a *accounts) set(domain string, id int64, token string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.shops[domain] = account{id: id, password: insales.InstallPassword(token, testAppSecret)}
}

func (a *accounts) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	domain, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/"), "/admin/account.json")
	if !ok || r.Method != http.MethodGet {
		http.Error(w, "not in this test", http.StatusBadGateway)
		return
	}
	a.mu.Lock()
	acc, known := a.shops[domain]
	a.mu.Unlock()
	if domain == downShop {
		http.Error(w, "Bad Gateway", http.StatusBadGateway)
		return
	}
	user, pass, _ := r.BasicAuth()
	if !known || user != testAppID || pass != acc.password {
		http.Error(w, "HTTP Basic: Access denied.", http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"id":%d,"title":"Тестовый магазин","subdomain":%q}`, acc.id, strings.TrimSuffix(domain, ".myinsales.ru"))
}

type envOptions struct {
	sandbox bool
	prices  *billing.Prices
	// async leaves stored jobs for the test to run (env.runJobs) instead
	// of running them as they are stored.
	async bool
	// trackingClock replaces the fixed trackingNow.
	trackingClock func() time.Time
}

func newEnv(t *testing.T, o envOptions) *env {
	t.Helper()
	e := &env{t: t, db: dbServer.DB(t), faults: &faults{next: map[string]int{}, base: http.DefaultTransport}}
	if o.trackingClock == nil {
		o.trackingClock = func() time.Time { return trackingNow }
	}
	prices := testPrices
	if o.prices != nil {
		prices = *o.prices
	}
	e.bill = billing.New(e.db.Ledger(), billing.Options{Prices: prices})

	// The app's HTTP side, as the handlers would expose it.
	appMux := http.NewServeMux()
	appSrv := httptest.NewServer(appMux)
	t.Cleanup(appSrv.Close)
	e.appURL = appSrv.URL
	appMux.HandleFunc("GET /insales/install", func(w http.ResponseWriter, r *http.Request) {
		id, _ := strconv.ParseInt(r.URL.Query().Get("insales_id"), 10, 64)
		if _, err := e.app.Install(r.Context(), shopapp.InstallRequest{Shop: r.URL.Query().Get("shop"), Token: r.URL.Query().Get("token"), InsalesID: id}); err != nil {
			http.Error(w, err.Error(), 500)
		}
	})
	appMux.HandleFunc("GET /insales/uninstall", func(w http.ResponseWriter, r *http.Request) {
		id, _ := strconv.ParseInt(r.URL.Query().Get("insales_id"), 10, 64)
		if err := e.app.Uninstall(r.Context(), shopapp.UninstallRequest{Token: r.URL.Query().Get("token"), InsalesID: id}); err != nil {
			http.Error(w, err.Error(), 403)
		}
	})
	appMux.HandleFunc("POST /insales/webhooks/{secret}", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := e.app.ReceiveWebhook(r.Context(), r.PathValue("secret"), body); err != nil {
			http.Error(w, err.Error(), 400)
		}
	})

	e.accounts = &accounts{shops: map[string]account{}}
	accountsSrv := httptest.NewServer(e.accounts)
	t.Cleanup(accountsSrv.Close)
	base := accountsSrv.URL + "/{shop}"
	if o.sandbox {
		mux := http.NewServeMux()
		sbSrv := httptest.NewServer(mux)
		t.Cleanup(sbSrv.Close)
		e.sbStore = &insalessandbox.Memory{}
		sb, err := insalessandbox.New(insalessandbox.Config{
			BaseURL: sbSrv.URL,
			Store:   e.sbStore,
			App: insalessandbox.App{ID: testAppID, Secret: testAppSecret,
				InstallURL: appSrv.URL + "/insales/install", UninstallURL: appSrv.URL + "/insales/uninstall",
				LoginURL: appSrv.URL + "/insales/login"},
			SyncWebhooks: true,
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(sb.Close)
		mux.Handle("/sandbox/insales/", sb)
		e.sb = sb
		base = sbSrv.URL + "/sandbox/insales/{shop}"
	}
	client, err := insales.New(insales.Config{
		AppID: testAppID, AppSecret: testAppSecret,
		BaseURL:    insales.BaseURLPattern(base),
		HTTPClient: &http.Client{Transport: e.faults, Timeout: 10 * time.Second},
		MaxRetries: -1,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.client = client
	sealer, err := shopapp.NewSealer(testSealKey)
	if err != nil {
		t.Fatal(err)
	}
	e.queue = &testQueue{store: e.db.Jobs(), inline: !o.async}
	e.app, err = shopapp.New(shopapp.Options{
		Client: client, AppSecret: testAppSecret, BaseURL: appSrv.URL, Sealer: sealer,
		Shops: e.db.Shops(), Parcels: e.db.Parcels(), Events: e.db.EventsSeen(), Billing: e.bill,
		Locks: e.db.Leases(), Jobs: e.queue,
		Now:           tickingClock(time.Now()),
		TrackingClock: o.trackingClock,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.runner, err = workers.NewJobRunner(workers.JobRunnerOptions{Store: e.db.Jobs(), Owner: "test", Handlers: e.app.JobHandlers()})
	if err != nil {
		t.Fatal(err)
	}
	e.queue.runner = e.runner
	return e
}

// tickingClock is a wall clock that moves a second on every reading, so the
// order of writes shows in their (millisecond) timestamps.
func tickingClock(start time.Time) func() time.Time {
	var mu sync.Mutex
	t := start
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(time.Second)
		return t
	}
}

func (e *env) ctx() context.Context { return context.Background() }

// installSandbox installs the app into the sandbox shop the way InSales
// does (the setup job runs inside the install request: the env is inline) and returns
// the shop as stored.
func (e *env) installSandbox() shopapp.Shop {
	e.t.Helper()
	if err := e.sb.Install(e.ctx()); err != nil {
		e.t.Fatalf("sandbox install: %v", err)
	}
	return e.shopByInsalesID(e.sb.InsalesID())
}

// installDirect installs a shop without InSales behind it and gives it the
// track field fieldID, as if the setup job had created it.
func (e *env) installDirect(insalesID, fieldID int64) shopapp.Shop {
	e.t.Helper()
	domain := fmt.Sprintf("shop-%d.myinsales.ru", insalesID)
	e.accounts.set(domain, insalesID, "token123")
	shop, err := e.app.Install(e.ctx(), shopapp.InstallRequest{Shop: domain, Token: "token123", InsalesID: insalesID})
	if err != nil {
		e.t.Fatal(err)
	}
	if fieldID != 0 {
		st := shopapp.StepState{Step: shopapp.StepTrackField, Status: shopapp.StepDone, Attempts: 1, UpdatedAt: time.Now()}
		if err := e.db.Shops().SaveSetupStep(e.ctx(), shop.ID, st, shopapp.SetupResult{TrackFieldID: fieldID}); err != nil {
			e.t.Fatal(err)
		}
	}
	return e.shop(shop.ID)
}

func (e *env) shop(id string) shopapp.Shop {
	e.t.Helper()
	s, err := e.db.Shops().Shop(e.ctx(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

func (e *env) shopByInsalesID(id int64) shopapp.Shop {
	e.t.Helper()
	s, err := e.db.Shops().ShopByInsalesID(e.ctx(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

func (e *env) parcels(shopID string, orderID int64) []shopapp.Parcel {
	e.t.Helper()
	ps, err := e.db.Parcels().OrderParcels(e.ctx(), shopID, orderID)
	if err != nil {
		e.t.Fatal(err)
	}
	return ps
}

// poll returns a parcel's polling row; a stopped parcel has none, which
// reads as a row that is never due (NextPollAt nil).
func (e *env) poll(id string) tracking.Schedule {
	e.t.Helper()
	p, err := e.db.Polls().Get(e.ctx(), id)
	if errors.Is(err, shopapp.ErrNotFound) {
		return tracking.Schedule{ID: id}
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// charges returns the shop's tracking charges, oldest first.
func (e *env) charges(shopID string) []billing.Entry {
	e.t.Helper()
	h, err := e.bill.History(e.ctx(), shopID, 0, 100)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []billing.Entry
	for i := len(h) - 1; i >= 0; i-- {
		if h[i].Kind == billing.KindTrack || h[i].Kind == billing.KindTrackChange {
			out = append(out, h[i])
		}
	}
	return out
}

func (e *env) count(collection string) int64 {
	e.t.Helper()
	n, err := e.db.Database().Collection(collection).CountDocuments(e.ctx(), map[string]any{})
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// orderWithTrack is a minimal order whose field fieldID holds track.
func orderWithTrack(id int64, updated time.Time, fieldID int64, track string) insales.Order {
	o := insales.Order{
		ID: id, Number: id + 1000, UpdatedAt: updated,
		Customer:        insales.Customer{Name: "Иван", Surname: "Петров", Phone: "8 (912) 345-67-89", Email: "ivan@example.ru"},
		ShippingAddress: insales.ShippingAddress{Location: insales.AddressLocation{Zip: "101000"}},
		OrderLines:      []insales.OrderLine{{Title: "Чайник"}, {Title: "Кружка"}},
	}
	if track != "" || fieldID != 0 {
		o.FieldsValues = []insales.FieldValue{{ID: 1, FieldID: fieldID, Value: track}}
	}
	return o
}

func mustImport(t *testing.T, e *env, shop shopapp.Shop, o insales.Order) shopapp.ImportResult {
	t.Helper()
	res, err := e.app.ImportOrder(e.ctx(), shop, o, shopapp.SourceWebhook)
	if err != nil {
		t.Fatalf("import %s: %v", o, err)
	}
	return res
}

func describe(ps []shopapp.Parcel) string {
	var b strings.Builder
	for _, p := range ps {
		fmt.Fprintf(&b, "[%s %s %s stopped=%v charged=%v] ", p.ID, p.Track, p.State, p.Stopped(), p.Charged)
	}
	return b.String()
}
