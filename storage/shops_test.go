package storage_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"parceltrack/shopapp"
	"parceltrack/storage"
)

func TestShopUpsertCreatesOnceAndReinstalls(t *testing.T) {
	t.Parallel()
	db := server.DB(t)
	ctx := context.Background()
	shops := db.Shops()
	t0 := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)

	created, isNew, err := shops.InstallShop(ctx, shopapp.InstallRecord{InsalesID: 42, Domain: "a.myinsales.ru", PasswordEnc: []byte("enc1")}, 1500, t0)
	if err != nil {
		t.Fatal(err)
	}
	if !isNew || created.ID == "" || created.Balance != 1500 || !created.CreatedAt.Equal(t0) {
		t.Fatalf("first install: new=%v %+v", isNew, created)
	}
	// The welcome credit is pending on the new shop, ready to be recorded.
	acc, found, err := db.Ledger().Account(ctx, created.ID)
	if err != nil || !found {
		t.Fatal(found, err)
	}
	if acc.Seq != 1 || len(acc.Pending) != 1 || acc.Pending[0].Ref != storage.WelcomeRef || acc.Pending[0].Amount != 1500 || acc.Pending[0].BalanceAfter != 1500 {
		t.Fatalf("welcome pending: %+v", acc)
	}

	if err := shops.MarkUninstalled(ctx, created.ID, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	t1 := t0.Add(2 * time.Hour)
	again, isNew, err := shops.InstallShop(ctx, shopapp.InstallRecord{InsalesID: 42, Domain: "b.myinsales.ru", PasswordEnc: []byte("enc2")}, 1500, t1)
	if err != nil {
		t.Fatal(err)
	}
	if isNew || again.ID != created.ID {
		t.Fatalf("reinstall created a new shop: new=%v id %s vs %s", isNew, again.ID, created.ID)
	}
	if again.Domain != "b.myinsales.ru" || !bytes.Equal(again.PasswordEnc, []byte("enc2")) || !again.UninstalledAt.IsZero() ||
		!again.InstalledAt.Equal(t1) || !again.CreatedAt.Equal(t0) || again.Balance != 1500 {
		t.Fatalf("reinstall: %+v", again)
	}
	acc, _, _ = db.Ledger().Account(ctx, created.ID)
	if len(acc.Pending) != 1 || acc.Seq != 1 {
		t.Fatalf("reinstall touched the welcome credit: %+v", acc)
	}

	byInsales, err := shops.ShopByInsalesID(ctx, 42)
	if err != nil || byInsales.ID != created.ID {
		t.Fatalf("by insales id: %+v %v", byInsales, err)
	}
}

func TestShopWithoutWelcomeHasNothingPending(t *testing.T) {
	t.Parallel()
	db := server.DB(t)
	ctx := context.Background()
	s, isNew, err := db.Shops().InstallShop(ctx, shopapp.InstallRecord{InsalesID: 7, Domain: "x"}, 0, time.Now())
	if err != nil || !isNew || s.Balance != 0 {
		t.Fatalf("%+v %v %v", s, isNew, err)
	}
	acc, _, err := db.Ledger().Account(ctx, s.ID)
	if err != nil || acc.Seq != 0 || len(acc.Pending) != 0 {
		t.Fatalf("%+v %v", acc, err)
	}
}

func TestShopLookupsAndPaging(t *testing.T) {
	t.Parallel()
	db := server.DB(t)
	ctx := context.Background()
	var ids []string
	for i := range 5 {
		s, _, err := db.Shops().InstallShop(ctx, shopapp.InstallRecord{InsalesID: int64(100 + i), Domain: "d"}, 0, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, s.ID)
	}
	slices.Sort(ids)
	var got []string
	after := ""
	for {
		page, err := db.Shops().ShopIDs(ctx, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, page...)
		if len(page) < 2 {
			break
		}
		after = page[len(page)-1]
	}
	if !slices.Equal(got, ids) {
		t.Fatalf("paged ids %v, want %v", got, ids)
	}

	tests := []struct {
		name string
		err  error
	}{
		{"get by id", func() error { _, err := db.Shops().Shop(ctx, "missing"); return err }()},
		{"get by insales id", func() error { _, err := db.Shops().ShopByInsalesID(ctx, 999); return err }()},
		{"uninstall", db.Shops().MarkUninstalled(ctx, "missing", time.Now())},
	}
	for _, tc := range tests {
		if !errors.Is(tc.err, shopapp.ErrNotFound) {
			t.Errorf("%s of a missing shop: %v, want ErrNotFound", tc.name, tc.err)
		}
	}
}
