package storage_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/event"

	"parceltrack/billing"
	"parceltrack/storage"
	"parceltrack/tracking"
)

// BenchmarkEmbedded measures the embedded database at the sizes a small shop
// reaches: inserts, finds by _id and by an indexed field, and the conditional
// update that every charge and lease uses. Run with:
//
//	go test -run '^$' -bench Embedded -benchtime 200x ./storage/
func BenchmarkEmbedded(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		db := server.DB(b)
		ctx := context.Background()
		col := db.Database().Collection("shops")
		docs := make([]any, 0, n)
		for i := range n {
			docs = append(docs, bson.D{
				{Key: "_id", Value: fmt.Sprintf("shop%06d", i)},
				{Key: "insales_id", Value: int64(i)},
				{Key: "domain", Value: fmt.Sprintf("shop%d.myinsales.ru", i)},
				{Key: "balance", Value: int64(1_000_000)},
			})
		}
		for i := 0; i < len(docs); i += 1000 {
			if _, err := col.InsertMany(ctx, docs[i:min(i+1000, len(docs))]); err != nil {
				b.Fatal(err)
			}
		}
		inserted := 0
		b.Run(fmt.Sprintf("insert/%d", n), func(b *testing.B) {
			for range b.N {
				inserted++
				if _, err := db.Database().Collection("bench_insert").InsertOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("x%d-%d", n, inserted)}, {Key: "v", Value: inserted}}); err != nil {
					b.Fatal(err)
				}
			}
		})
		// spread visits keys all over the collection: a scan that stops at
		// the first match would look cheap on keys near the start.
		spread := func(i int) int { return (i*7919 + n/2) % n }
		b.Run(fmt.Sprintf("find_id/%d", n), func(b *testing.B) {
			for i := range b.N {
				if err := col.FindOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("shop%06d", spread(i))}}).Err(); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("find_indexed/%d", n), func(b *testing.B) {
			for i := range b.N {
				// Served by index insales_id_unique on MongoDB; a scan here.
				if err := col.FindOne(ctx, bson.D{{Key: "insales_id", Value: int64(spread(i))}}).Err(); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("update_id/%d", n), func(b *testing.B) {
			for i := range b.N {
				if _, err := col.UpdateOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("shop%06d", spread(i))}},
					bson.D{{Key: "$inc", Value: bson.D{{Key: "balance", Value: int64(-1)}}}}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("conditional_update/%d", n), func(b *testing.B) {
			for i := range b.N {
				res := col.FindOneAndUpdate(ctx,
					bson.D{{Key: "_id", Value: fmt.Sprintf("shop%06d", spread(i))}, {Key: "balance", Value: bson.D{{Key: "$gte", Value: int64(5)}}}},
					bson.D{{Key: "$inc", Value: bson.D{{Key: "balance", Value: int64(-5)}}}})
				if err := res.Err(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkClaim measures one lease claim of 100 rows among 1,000 due.
func BenchmarkClaim(b *testing.B) {
	db := server.DB(b)
	ctx := context.Background()
	now := time.Now()
	due := now.Add(-time.Hour)
	var rows []tracking.Schedule
	for range 1000 {
		rows = append(rows, tracking.Schedule{ID: storage.NewID(), NextPollAt: due, State: "registered"})
	}
	if err := db.BulkLoad(ctx, nil, rows); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := range b.N {
		// Each claim leases for a minute at a later instant, so rows come back.
		at := now.Add(time.Duration(i) * 2 * time.Minute)
		if _, err := db.Polls().ClaimDue(ctx, "bench", at, at, time.Minute, 100); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLedgerByRefs compares the two ways of looking up a batch's 50
// refs in a ledger of 1,000 and 10,000 entries: one find of all the keys
// with $in, and one find by _id per ref. Half the refs are in the ledger.
// Run with:
//
//	go test -run '^$' -bench LedgerByRefs -benchtime 20x ./storage/
func BenchmarkLedgerByRefs(b *testing.B) {
	var trips atomic.Int64
	db := server.MonitoredDB(b, &event.CommandMonitor{Started: func(context.Context, *event.CommandStartedEvent) { trips.Add(1) }})
	ctx := context.Background()
	loaded := 0
	for _, n := range []int{1000, 10000} {
		for loaded < n {
			var es []billing.Entry
			for range min(1000, n-loaded) {
				loaded++
				es = append(es, billing.Entry{ShopID: "shop", Ref: fmt.Sprintf("sms:%d", loaded), Kind: billing.KindSMS,
					Amount: -1, Seq: int64(loaded), Actor: billing.Actor{Type: billing.ActorSystem}})
			}
			if _, err := db.Ledger().InsertLedgerMany(ctx, es); err != nil {
				b.Fatal(err)
			}
		}
		refs := make([]string, 50)
		for i := range refs {
			refs[i] = fmt.Sprintf("sms:%d", n-24+i) // the last 25 entries and 25 refs not there
		}
		for _, way := range []struct {
			name string
			each bool
		}{{"in", false}, {"each", true}} {
			l := storage.LedgerFindingEach(db, way.each)
			b.Run(fmt.Sprintf("ledger=%d/%s", n, way.name), func(b *testing.B) {
				trips.Store(0)
				b.ResetTimer()
				for range b.N {
					got, err := l.LedgerByRefs(ctx, "shop", refs)
					if err != nil || len(got) != 25 {
						b.Fatalf("%d found, %v", len(got), err)
					}
				}
				b.ReportMetric(float64(trips.Load())/float64(b.N), "roundtrips/op")
				b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/op")
				b.ReportMetric(0, "ns/op")
			})
		}
	}
}
