package handlers

import (
	"context"
	"net/http"
	"os"
	"testing"
	"time"

	"parceltrack/billing"
	"parceltrack/insales"
	"parceltrack/storage"
	"parceltrack/storage/storagetest"
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
	ins *insales.App
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
	sealer, err := insales.NewSealer("0123456789abcdef0123456789abcdef")
	if err != nil {
		t.Fatal(err)
	}
	appBase := baseURL
	if appBase == "" {
		appBase = "http://example.com"
	}
	ins, err := insales.NewApp(insales.AppOptions{
		Client: client, AppSecret: testInsalesSecret, BaseURL: appBase, Sealer: sealer,
		Shops: db.AppShops(), Parcels: db.ParcelImports(), Events: db.EventsSeen(), Locks: db.Leases(),
		Billing: billing.New(db.Ledger(), billing.Options{Prices: billing.Prices{Track: 500, TrackChange: 500, Welcome: 1000}}),
		Inline:  true,
	})
	if err != nil {
		t.Fatal(err)
	}
	a := newTestApp(t, Deps{BaseURL: baseURL, InSales: ins, Sessions: db.Sessions()})
	return insalesWorld{testApp: a, db: db, ins: ins}
}

// install installs the test shop through the install URL.
func (w insalesWorld) install(t testing.TB) insales.AppShop {
	t.Helper()
	r := w.get(t, "/insales/install?shop="+testShopDomain+"&token=token123&insales_id=5")
	if r.StatusCode != 200 {
		t.Fatalf("install = %d %s", r.StatusCode, r.body)
	}
	shop, err := w.db.AppShops().ShopByInsalesID(context.Background(), testInsalesID)
	if err != nil {
		t.Fatal(err)
	}
	return shop
}
