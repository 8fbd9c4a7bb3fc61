package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
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
// database. InSales answers only the install check (testShopAccount): the
// setup job fails at once, which these tests do not look at.
type insalesWorld struct {
	testApp
	db  *storage.DB
	ins *insales.App
}

func newInsalesWorld(t testing.TB, baseURL string) insalesWorld {
	t.Helper()
	db := testDB.DB(t)
	shopAPI := httptest.NewServer(http.HandlerFunc(testShopAccount))
	t.Cleanup(shopAPI.Close)
	client, err := insales.New(insales.Config{AppID: "parceltrack", BaseURL: insales.BaseURLPattern(shopAPI.URL + "/{shop}"),
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

// testShopAccount answers GET /admin/account.json for the test shop installed
// with token123, and fails every other call as an unreachable InSales would.
func testShopAccount(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/"+testShopDomain+"/admin/account.json" {
		http.Error(w, "not in this test", http.StatusBadGateway)
		return
	}
	if user, pass, _ := r.BasicAuth(); user != "parceltrack" || pass != insales.InstallPassword("token123", testInsalesSecret) {
		http.Error(w, "HTTP Basic: Access denied.", http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"id":%d,"subdomain":"shop"}`, testInsalesID)
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
