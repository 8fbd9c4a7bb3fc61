package storage_test

import (
	"context"
	"testing"

	insalessandbox "parceltrack/sandbox/insales"
	"parceltrack/sandbox/insales/storetest"
)

func TestSandboxInsalesStoreContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) insalessandbox.Store { return server.DB(t).SandboxInsales() })
}

func TestSandboxInsalesSeedsOnce(t *testing.T) {
	st := server.DB(t).SandboxInsales()
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
