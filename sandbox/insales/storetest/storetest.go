// Package storetest is the contract every insalessandbox.Store must keep:
// the in-memory store's tests and the MongoDB store's tests run the same
// cases, so both behave alike under the sandbox.
package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	insalessandbox "parceltrack/sandbox/insales"
	"parceltrack/tracking"
)

// Run checks the store open returns; open must give a fresh, empty store.
func Run(t *testing.T, open func(t *testing.T) insalessandbox.Store) {
	t.Helper()
	t.Run("sequences and shop", func(t *testing.T) { sequencesAndShop(t, open(t)) })
	t.Run("orders", func(t *testing.T) { orders(t, open(t)) })
	t.Run("small collections", func(t *testing.T) { smallCollections(t, open(t)) })
}

func sequencesAndShop(t *testing.T, st insalessandbox.Store) {
	ctx := context.Background()
	for i, want := range []struct {
		seq string
		id  int64
	}{{"orders", 1}, {"orders", 2}, {"fields", 1}, {"orders", 3}} {
		got, err := st.NextID(ctx, want.seq)
		if err != nil || got != want.id {
			t.Fatalf("NextID #%d(%s) = %d, %v; want %d", i, want.seq, got, err, want.id)
		}
	}
	if _, err := st.LoadShop(ctx); !errors.Is(err, insalessandbox.ErrNotFound) {
		t.Fatalf("LoadShop on an empty store: %v, want ErrNotFound", err)
	}
	at := time.Date(2026, 4, 8, 11, 23, 18, 123e6, time.UTC)
	want := insalessandbox.ShopState{Installed: true, Token: "t", Password: "p", InstalledAt: at, SeedVersion: 1, Notice: "ок"}
	for range 2 { // the second save replaces the first
		if err := st.SaveShop(ctx, want); err != nil {
			t.Fatal(err)
		}
	}
	got, err := st.LoadShop(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.Password != "p" || !got.Installed || !got.InstalledAt.Equal(at) || got.SeedVersion != 1 || got.Notice != "ок" {
		t.Fatalf("LoadShop = %+v, want %+v", got, want)
	}
}

func orders(t *testing.T, st insalessandbox.Store) {
	ctx := context.Background()
	base := time.Date(2026, 4, 8, 11, 0, 0, 0, time.UTC)
	// ids and updated_at offsets (seconds): 12 and 11 tie at +60.
	rows := []struct {
		id  int64
		off int
	}{{10, 0}, {12, 60}, {11, 60}, {13, 120}, {14, 30}}
	for _, r := range rows {
		o := insalessandbox.Order{ID: r.id, Number: r.id + 1000, CreatedAt: base, UpdatedAt: base.Add(time.Duration(r.off) * time.Second),
			Client:       insalessandbox.Client{Name: "Анна", Phone: "+79000001234"},
			Lines:        []insalessandbox.Line{{ID: 1, Title: "Плед", Quantity: 2, SalePrice: 129900}},
			FieldsValues: []insalessandbox.FieldValue{{ID: 7, FieldID: 3, Value: "80085412345678"}},
			CustomStatus: &insalessandbox.StatusRef{Permalink: "novyy", Title: "Новый"}}
		if err := st.InsertOrder(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.InsertOrder(ctx, insalessandbox.Order{ID: 10}); !errors.Is(err, insalessandbox.ErrConflict) {
		t.Fatalf("duplicate InsertOrder: %v, want ErrConflict", err)
	}
	got, err := st.GetOrder(ctx, 12)
	if err != nil {
		t.Fatal(err)
	}
	if got.Number != 1012 || got.Client.Phone != "+79000001234" || len(got.Lines) != 1 || got.Lines[0].SalePrice != 129900 ||
		len(got.FieldsValues) != 1 || got.FieldsValues[0].Value != "80085412345678" || got.CustomStatus == nil ||
		got.CustomStatus.Permalink != "novyy" || !got.UpdatedAt.Equal(base.Add(time.Minute)) {
		t.Fatalf("GetOrder(12) = %+v", got)
	}
	if _, err := st.GetOrder(ctx, 99); !errors.Is(err, insalessandbox.ErrNotFound) {
		t.Fatalf("GetOrder(99): %v, want ErrNotFound", err)
	}
	got.FulfillmentStatus = "dispatched"
	got.UpdatedAt = base.Add(200 * time.Second)
	if err := st.ReplaceOrder(ctx, got); err != nil {
		t.Fatal(err)
	}
	if err := st.ReplaceOrder(ctx, insalessandbox.Order{ID: 99}); !errors.Is(err, insalessandbox.ErrNotFound) {
		t.Fatalf("ReplaceOrder(99): %v, want ErrNotFound", err)
	}
	if n, err := st.CountOrders(ctx); err != nil || n != 5 {
		t.Fatalf("CountOrders = %d, %v; want 5", n, err)
	}
	// Now: 10@0, 14@30, 11@60, 13@120, 12@200.
	tests := []struct {
		name string
		q    insalessandbox.OrderQuery
		want []int64
	}{
		{"all by id", insalessandbox.OrderQuery{}, []int64{10, 11, 12, 13, 14}},
		{"page by id", insalessandbox.OrderQuery{Offset: 1, Limit: 2}, []int64{11, 12}},
		{"offset past the end", insalessandbox.OrderQuery{Offset: 9}, nil},
		{"since, by updated_at then id", insalessandbox.OrderQuery{UpdatedSince: base.Add(30 * time.Second)}, []int64{14, 11, 13, 12}},
		{"since with from_id", insalessandbox.OrderQuery{UpdatedSince: base.Add(30 * time.Second), FromID: 14}, []int64{11, 13, 12}},
		{"from_id only skips at the same instant", insalessandbox.OrderQuery{UpdatedSince: base.Add(30 * time.Second), FromID: 13}, []int64{14, 11, 13, 12}},
		{"since, limited", insalessandbox.OrderQuery{UpdatedSince: base, Limit: 2, Offset: 1}, []int64{14, 11}},
		{"since in another zone", insalessandbox.OrderQuery{UpdatedSince: base.Add(120 * time.Second).In(tracking.Moscow)}, []int64{13, 12}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			os, err := st.ListOrders(ctx, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, o := range os {
				ids = append(ids, o.ID)
			}
			if !equal(ids, tc.want) {
				t.Fatalf("ids = %v, want %v", ids, tc.want)
			}
		})
	}
}

func smallCollections(t *testing.T, st insalessandbox.Store) {
	ctx := context.Background()
	at := time.Date(2026, 4, 8, 11, 0, 0, 0, time.UTC)
	type coll struct {
		name string
		put  func(id int64, v string) error
		list func() ([]string, error)
		del  func(id int64) error
	}
	colls := []coll{
		{"fields",
			func(id int64, v string) error {
				return st.PutField(ctx, insalessandbox.Field{ID: id, Destiny: 3, OfficeTitle: v, Type: "Field::TextField", CreatedAt: at})
			},
			func() ([]string, error) {
				fs, err := st.ListFields(ctx)
				return mapTo(fs, func(f insalessandbox.Field) string { return f.OfficeTitle }), err
			},
			func(id int64) error { return st.DeleteField(ctx, id) }},
		{"webhooks",
			func(id int64, v string) error {
				return st.PutWebhook(ctx, insalessandbox.Webhook{ID: id, Address: v, Topic: "orders/update", FormatType: "json", CreatedAt: at})
			},
			func() ([]string, error) {
				ws, err := st.ListWebhooks(ctx)
				return mapTo(ws, func(w insalessandbox.Webhook) string { return w.Address }), err
			},
			func(id int64) error { return st.DeleteWebhook(ctx, id) }},
		{"widgets",
			func(id int64, v string) error {
				return st.PutWidget(ctx, insalessandbox.Widget{ID: id, Code: v, Height: 300, PageType: "order", CreatedAt: at})
			},
			func() ([]string, error) {
				ws, err := st.ListWidgets(ctx)
				return mapTo(ws, func(w insalessandbox.Widget) string { return w.Code }), err
			},
			func(id int64) error { return st.DeleteWidget(ctx, id) }},
		{"statuses",
			func(id int64, v string) error {
				return st.PutStatus(ctx, insalessandbox.CustomStatus{ID: id, Permalink: v, Title: v, SystemStatus: "new", CreatedAt: at})
			},
			func() ([]string, error) {
				ss, err := st.ListStatuses(ctx)
				return mapTo(ss, func(s insalessandbox.CustomStatus) string { return s.Permalink }), err
			},
			func(id int64) error { return st.DeleteStatus(ctx, id) }},
	}
	for _, c := range colls {
		t.Run(c.name, func(t *testing.T) {
			for _, p := range []struct {
				id int64
				v  string
			}{{3, "c"}, {1, "a"}, {2, "b"}, {3, "c2"}} {
				if err := c.put(p.id, p.v); err != nil {
					t.Fatal(err)
				}
			}
			if err := c.del(2); err != nil {
				t.Fatal(err)
			}
			if err := c.del(2); !errors.Is(err, insalessandbox.ErrNotFound) {
				t.Fatalf("second delete: %v, want ErrNotFound", err)
			}
			got, err := c.list()
			if err != nil {
				t.Fatal(err)
			}
			if want := []string{"a", "c2"}; !equal(got, want) {
				t.Fatalf("list = %v, want %v (by id, the put replaced)", got, want)
			}
		})
	}
}

func mapTo[T any](in []T, f func(T) string) []string {
	var out []string
	for _, v := range in {
		out = append(out, f(v))
	}
	return out
}

func equal[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
