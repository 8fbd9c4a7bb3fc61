package storage_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo/options"

	"parceltrack/shopapp"
	"parceltrack/storage"
	"parceltrack/tracking"
)

func TestMigrationsCreateEveryIndex(t *testing.T) {
	t.Parallel()
	db := server.DB(t)
	ctx := context.Background()
	again, err := db.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != 0 {
		t.Fatalf("second migrate applied %v, want nothing", again)
	}
	for _, m := range storage.Migrations() {
		for _, ix := range m.Indexes {
			names, err := db.IndexNames(ctx, ix.Collection)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(names, ix.Name) {
				t.Errorf("%s: index %s.%s missing; have %v", m.ID, ix.Collection, ix.Name, names)
			}
		}
	}
}

func TestUniqueIndexesRejectDuplicatesAsConflict(t *testing.T) {
	t.Parallel()
	db := server.DB(t)
	ctx := context.Background()
	parcels := db.Database().Collection("parcels")
	base := func(id, track string) bson.D {
		return bson.D{{Key: "_id", Value: id}, {Key: "shop_id", Value: "s1"}, {Key: "order_id", Value: 7}, {Key: "track", Value: track}}
	}
	if err := db.Parcels().InsertParcel(ctx, shopapp.Parcel{ShopID: "s1", OrderID: 7, Track: "A"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := parcels.InsertOne(ctx, base("p2", "B")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		op   func() error
	}{
		{"insert through the store", func() error {
			return db.Parcels().InsertParcel(ctx, shopapp.Parcel{ShopID: "s1", OrderID: 7, Track: "A"}, time.Now())
		}},
		{"raw insert", func() error {
			_, err := parcels.InsertOne(ctx, base("p3", "A"))
			return err
		}},
		{"update into a taken key", func() error {
			_, err := parcels.UpdateOne(ctx, bson.D{{Key: "_id", Value: "p2"}}, bson.D{{Key: "$set", Value: bson.D{{Key: "track", Value: "A"}}}})
			return err
		}},
		{"upsert into a taken key", func() error {
			_, err := parcels.UpdateOne(ctx, bson.D{{Key: "_id", Value: "p4"}}, bson.D{{Key: "$set", Value: bson.D{{Key: "shop_id", Value: "s1"}, {Key: "order_id", Value: 7}, {Key: "track", Value: "A"}}}}, options.Update().SetUpsert(true))
			return err
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := storage.MapErrForTest("op", tc.op())
			if !errors.Is(err, shopapp.ErrConflict) {
				t.Fatalf("got %v, want ErrConflict", err)
			}
		})
	}
}

func TestGetMissingIsNotFound(t *testing.T) {
	t.Parallel()
	db := server.DB(t)
	_, err := db.Parcels().Parcel(context.Background(), "nope")
	if !errors.Is(err, shopapp.ErrNotFound) {
		t.Fatalf("got %v, want ErrNotFound", err)
	}
}

// TestConditionalDebitIsExact is the property the balance ledger relies on: 50
// goroutines racing to debit a balance never take it below zero and succeed
// exactly as often as the balance allows.
func TestConditionalDebitIsExact(t *testing.T) {
	t.Parallel()
	db := server.DB(t)
	ctx := context.Background()
	shops := db.Database().Collection("shops")
	const start, cost, workers, tries = 1000, 7, 50, 5
	if _, err := shops.InsertOne(ctx, bson.D{{Key: "_id", Value: "shop"}, {Key: "insales_id", Value: 1}, {Key: "balance", Value: int64(start)}}); err != nil {
		t.Fatal(err)
	}
	var ok atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range tries {
				res := shops.FindOneAndUpdate(ctx,
					bson.D{{Key: "_id", Value: "shop"}, {Key: "balance", Value: bson.D{{Key: "$gte", Value: int64(cost)}}}},
					bson.D{{Key: "$inc", Value: bson.D{{Key: "balance", Value: int64(-cost)}}}})
				if res.Err() == nil {
					ok.Add(1)
				} else if !errors.Is(storage.MapErrForTest("debit", res.Err()), shopapp.ErrNotFound) {
					t.Error(res.Err())
				}
			}
		}()
	}
	wg.Wait()
	var doc struct {
		Balance int64 `bson:"balance"`
	}
	if err := shops.FindOne(ctx, bson.D{{Key: "_id", Value: "shop"}}).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if want := int64(start / cost); ok.Load() != want {
		t.Errorf("debits succeeded %d times, want %d", ok.Load(), want)
	}
	if doc.Balance != start-ok.Load()*cost || doc.Balance < 0 {
		t.Errorf("balance %d after %d debits of %d from %d", doc.Balance, ok.Load(), cost, start)
	}
}

// TestClaimNeverHandsOneParcelToTwo runs 4 claimers over 1,000 due parcels.
// The final claim of all 1,000 is one batch: an update over many rows must
// stay under the embedded server's bulk limits.
func TestClaimNeverHandsOneParcelToTwo(t *testing.T) {
	t.Parallel()
	db := server.DB(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	due := now.Add(-time.Minute)
	const n = 1000
	rows := make([]tracking.Schedule, 0, n)
	for range n {
		rows = append(rows, tracking.Schedule{ID: storage.NewID(), ShopID: "s", Track: "T", NextPollAt: due, State: "registered"})
	}
	if err := db.BulkLoad(ctx, nil, rows); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	owners := map[string]string{}
	var wg sync.WaitGroup
	for w := range 4 {
		owner := "w" + string(rune('0'+w))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				c, err := db.Polls().ClaimDue(ctx, owner, now, now, time.Minute, 50)
				if err != nil {
					t.Error(err)
					return
				}
				if len(c.Rows) == 0 {
					return
				}
				if !strings.HasPrefix(c.Token, owner+"/") {
					t.Errorf("claim token %q does not name its owner %s", c.Token, owner)
				}
				mu.Lock()
				for _, p := range c.Rows {
					if prev, dup := owners[p.ID]; dup {
						t.Errorf("parcel %s claimed by %s and %s", p.ID, prev, owner)
					}
					owners[p.ID] = owner
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(owners) != n {
		t.Fatalf("claimed %d parcels, want %d", len(owners), n)
	}
	// Leases expire: a minute later every parcel can be claimed again.
	c, err := db.Polls().ClaimDue(ctx, "late", now, now.Add(2*time.Minute), time.Minute, n)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Rows) != n {
		t.Fatalf("after expiry claimed %d, want %d", len(c.Rows), n)
	}
}

func TestLeases(t *testing.T) {
	t.Parallel()
	db := server.DB(t)
	ctx := context.Background()
	l := db.Leases()
	t0 := time.Now().UTC().Truncate(time.Millisecond)
	steps := []struct {
		name  string
		owner string
		at    time.Time
		want  bool
	}{
		{"free lease is taken", "a", t0, true},
		{"held lease refuses another owner", "b", t0.Add(time.Second), false},
		{"holder may renew", "a", t0.Add(2 * time.Second), true},
		{"expired lease goes to another owner", "b", t0.Add(time.Minute), true},
		{"old holder is refused", "a", t0.Add(61 * time.Second), false},
	}
	for _, s := range steps {
		got, err := l.Acquire(ctx, "job", s.owner, s.at, 10*time.Second)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got != s.want {
			t.Fatalf("%s: acquired=%v, want %v", s.name, got, s.want)
		}
	}
	if err := l.Release(ctx, "job", "b"); err != nil {
		t.Fatal(err)
	}
	if got, _ := l.Acquire(ctx, "job", "a", t0.Add(62*time.Second), time.Second); !got {
		t.Fatal("released lease not free")
	}
}

func TestDataSurvivesRestartAndFolderIsExclusive(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := context.Background()
	open := func() (*storage.DB, error) {
		return storage.Open(ctx, storage.Options{DataDir: dir, Database: "persist"})
	}
	db, err := open()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := open(); err == nil || !strings.Contains(err.Error(), "in use by another parceltrack process") {
		t.Fatalf("second open of one folder: %v, want in-use error", err)
	}
	if err := db.Parcels().InsertParcel(ctx, shopapp.Parcel{ID: "keep", ShopID: "s", Track: "X"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(ctx); err != nil {
		t.Fatal(err)
	}
	db, err = open()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	p, err := db.Parcels().Parcel(ctx, "keep")
	if err != nil || p.Track != "X" {
		t.Fatalf("after restart: %+v, %v", p, err)
	}
}

func TestOpenUnreachableFailsFast(t *testing.T) {
	t.Parallel()
	start := time.Now()
	_, err := storage.Open(context.Background(), storage.Options{URI: "mongodb://127.0.0.1:1", Database: "x", ConnectTimeout: 2 * time.Second})
	if err == nil || !strings.Contains(err.Error(), "not reachable") {
		t.Fatalf("got %v", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Fatalf("took %v", time.Since(start))
	}
}
