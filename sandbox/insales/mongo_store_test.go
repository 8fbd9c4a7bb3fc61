package insalessandbox_test

import (
	"context"
	"os"
	"testing"

	insalessandbox "parceltrack/sandbox/insales"
	"parceltrack/sandbox/insales/storetest"
	"parceltrack/storage/storagetest"
)

// dbServer is the embedded database server of this test package.
var dbServer = storagetest.NewServer()

func mongoStore(t *testing.T) *insalessandbox.MongoStore {
	return insalessandbox.NewMongoStore(dbServer.DB(t).Database())
}

func TestSandboxInsalesStoreContract(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) insalessandbox.Store { return mongoStore(t) })
}

func TestSandboxInsalesSeedsOnce(t *testing.T) {
	t.Parallel()
	st := mongoStore(t)
	cfg := insalessandbox.Config{App: insalessandbox.App{ID: "parceltrack"}, Store: st}
	for range 2 {
		sb, err := insalessandbox.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		sb.Close()
	}
	ctx := context.Background()
	n, err := st.CountOrders(ctx)
	if err != nil || n != 8 {
		t.Fatalf("orders = %d, %v; want 8", n, err)
	}
	o, err := st.GetOrder(ctx, 1434100002)
	if err != nil || o.Client.Surname != "Кузнецов" || len(o.Lines) != 1 || o.CustomStatus == nil || o.DemoTrack == "" {
		t.Fatalf("seeded order = %+v, %v", o, err)
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	dbServer.Close()
	os.Exit(code)
}
