package handlers

import (
	"context"
	"net/http"
	"os"
	"testing"
	"time"

	"parceltrack/billing"
	"parceltrack/insales"
	"parceltrack/jobs"
	"parceltrack/shopapp"
	"parceltrack/storage"
	"parceltrack/storage/storagetest"
	"parceltrack/workers"
)

// testDB is the embedded database server of this package's tests; only the
// InSales tests start it.
var testDB = storagetest.NewServer()

func TestMain(m *testing.M) {
	code := m.Run()
	testDB.Close()
	os.Exit(code)
}

const (
	testInsalesSecret = "mysecret"
	testInsalesID     = 5
	testShopDomain    = "shop.myinsales.ru"
)

// insalesWorld is the web app with a real InSales app behind it, on a fresh
// database. InSales (fakeInsalesAPI, failing) answers only the install
// check: the setup job fails at once, which these tests do not look at.
type insalesWorld struct {
	testApp
	db  *storage.DB
	ins *shopapp.App
}

func newInsalesWorld(t testing.TB, baseURL string) insalesWorld {
	t.Helper()
	db := testDB.DB(t)
	// InSales confirms installs with token123 and fails every setup call.
	shopAPI := newFakeInsalesAPI(t, insales.InstallPassword("token123", testInsalesSecret))
	shopAPI.failing.Store(true)
	client, err := insales.New(insales.Config{AppID: "parceltrack", BaseURL: insales.BaseURLPattern(shopAPI.srv.URL + "/{shop}"),
		HTTPClient: &http.Client{Timeout: 2 * time.Second}, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	appBase := baseURL
	if appBase == "" {
		appBase = "http://example.com"
	}
	ins := newTestShopApp(t, db, shopapp.Options{Client: client, BaseURL: appBase,
		Billing: billing.New(db.Ledger(), billing.Options{Prices: billing.Prices{Track: 500, TrackChange: 500, Welcome: 1000}})})
	a := newTestApp(t, Deps{BaseURL: baseURL, ShopApp: ins, Sessions: db.Sessions()})
	return insalesWorld{testApp: a, db: db, ins: ins}
}

// testTrackingNow is the tracking clock of the handlers' tests: fixed, at
// noon in Moscow, so what depends on the day (days waiting, days left) does
// not move with the hour the tests run at.
var testTrackingNow = time.Date(2030, 3, 14, 9, 0, 0, 0, time.UTC)

// newTestShopApp builds the app over db from o (Client, BaseURL and Billing
// set by the caller), with the tests' secret, sealer and tracking clock,
// and jobs that run as soon as they are stored.
func newTestShopApp(t testing.TB, db *storage.DB, o shopapp.Options) *shopapp.App {
	t.Helper()
	sealer, err := shopapp.NewSealer("0123456789abcdef0123456789abcdef")
	if err != nil {
		t.Fatal(err)
	}
	q := &inlineQueue{store: db.Jobs()}
	o.AppSecret, o.Sealer, o.Jobs = testInsalesSecret, sealer, q
	o.Shops, o.Parcels, o.Events, o.Locks = db.Shops(), db.Parcels(), db.EventsSeen(), db.Leases()
	o.TrackingClock = func() time.Time { return testTrackingNow }
	app, err := shopapp.New(o)
	if err != nil {
		t.Fatal(err)
	}
	q.runner, err = workers.NewJobRunner(workers.JobRunnerOptions{Store: db.Jobs(), Owner: "test", Handlers: app.JobHandlers()})
	if err != nil {
		t.Fatal(err)
	}
	return app
}

// inlineQueue stores a job and runs what is due at once, as if a worker
// were always free.
type inlineQueue struct {
	store  *storage.Jobs
	runner *workers.JobRunner
}

func (q *inlineQueue) Enqueue(ctx context.Context, j jobs.Job) error {
	if err := q.store.Enqueue(ctx, j); err != nil {
		return err
	}
	_, err := q.runner.RunDue(ctx)
	return err
}

// install installs the test shop through the install URL.
func (w insalesWorld) install(t testing.TB) shopapp.Shop {
	t.Helper()
	r := w.get(t, "/insales/install?shop="+testShopDomain+"&token=token123&insales_id=5")
	if r.StatusCode != 200 {
		t.Fatalf("install = %d %s", r.StatusCode, r.body)
	}
	shop, err := w.db.Shops().ShopByInsalesID(context.Background(), testInsalesID)
	if err != nil {
		t.Fatal(err)
	}
	return shop
}
