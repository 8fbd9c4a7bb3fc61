package storage_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"

	"parceltrack/shopapp"
	"parceltrack/storage"
)

func orderTracks(t *testing.T, ps *storage.Parcels, shopID string, orderID int64) []string {
	t.Helper()
	got, err := ps.OrderParcels(context.Background(), shopID, orderID)
	if err != nil {
		t.Fatal(err)
	}
	var tracks []string
	for _, p := range got {
		tracks = append(tracks, p.Track)
	}
	slices.Sort(tracks)
	return tracks
}

// TestOrderParcels: an order's parcels are found through its list of ids,
// whether they were imported, listed but never inserted (a crash between
// the two writes), or stored before the list existed (the 0008 backfill).
func TestOrderParcels(t *testing.T) {
	t.Parallel()
	db := server.DB(t)
	ctx := context.Background()
	ps := db.Parcels()
	t0 := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	insert := func(shop string, order int64, track string) {
		t.Helper()
		p := shopapp.Parcel{ID: shopapp.ParcelID(shop, order, track), ShopID: shop, OrderID: order, Track: track,
			TrackSetAt: t0, EnteredAt: t0, CreatedAt: t0, UpdatedAt: t0}
		if err := ps.InsertParcel(ctx, p, t0); err != nil {
			t.Fatal(err)
		}
	}
	insert("s1", 7, "RA644000001RU")
	insert("s1", 7, "RA123456785RU")
	insert("s1", 8, "RA000000000RU")
	insert("s2", 7, "RA111111111RU")

	// A parcel listed for its order whose insert never happened.
	if _, err := db.Database().Collection("order_parcels").UpdateOne(ctx, bson.D{{Key: "_id", Value: "s1:7"}},
		bson.D{{Key: "$push", Value: bson.D{{Key: "parcel_ids", Value: "never-inserted"}}}}); err != nil {
		t.Fatal(err)
	}
	// A parcel stored before the order lists existed, and the backfill that
	// lists it (run again by forgetting the step).
	if _, err := db.Database().Collection("parcels").InsertOne(ctx, bson.D{
		{Key: "_id", Value: "old"}, {Key: "shop_id", Value: "s1"}, {Key: "order_id", Value: int64(9)}, {Key: "track", Value: "RA222222222RU"},
	}); err != nil {
		t.Fatal(err)
	}
	if got := orderTracks(t, ps, "s1", 9); got != nil {
		t.Fatalf("before the backfill order 9 lists %v", got)
	}
	if _, err := db.Database().Collection("migrations").DeleteOne(ctx, bson.D{{Key: "_id", Value: "0008_order_parcels"}}); err != nil {
		t.Fatal(err)
	}
	if applied, err := db.Migrate(ctx); err != nil || !slices.Equal(applied, []string{"0008_order_parcels"}) {
		t.Fatalf("migrate again: %v %v", applied, err)
	}

	tests := []struct {
		shop  string
		order int64
		want  []string
	}{
		{"s1", 7, []string{"RA123456785RU", "RA644000001RU"}},
		{"s1", 8, []string{"RA000000000RU"}},
		{"s2", 7, []string{"RA111111111RU"}},
		{"s1", 9, []string{"RA222222222RU"}},
		{"s1", 10, nil},
	}
	for _, tt := range tests {
		if got := orderTracks(t, ps, tt.shop, tt.order); !slices.Equal(got, tt.want) {
			t.Errorf("order %s:%d: %v, want %v", tt.shop, tt.order, got, tt.want)
		}
	}
}
