package messages_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/event"

	"parceltrack/billing"
	"parceltrack/messages"
	"parceltrack/notify"
	"parceltrack/sandbox/outbox"
	twiliosandbox "parceltrack/sandbox/twilio"
	"parceltrack/shopapp"
	"parceltrack/tracking"
)

// BenchmarkDispatch sends n due SMS through the sandbox Twilio answering in
// 50 ms, and reports the throughput, the database round trips per message
// and the peak heap, with the two ceilings measured in the same run: the
// channel's rate limit and the embedded database's rate of single-_id
// updates on the outbox at its size. Run with -benchtime 1x:
//
//	go test -run '^$' -bench Dispatch -benchtime 1x ./messages/
func BenchmarkDispatch(b *testing.B) {
	const (
		latency     = 50 * time.Millisecond
		smsPerSec   = 100.0
		concurrency = 8
	)
	for _, n := range []int{500, 2000} {
		b.Run(fmt.Sprintf("messages=%d", n), func(b *testing.B) {
			var counting atomic.Bool
			var trips atomic.Int64
			mon := &event.CommandMonitor{Started: func(context.Context, *event.CommandStartedEvent) {
				if counting.Load() {
					trips.Add(1)
				}
			}}
			db := server.MonitoredDB(b, mon)
			ctx := context.Background()
			now := time.Date(2030, 3, 6, 12, 0, 0, 0, msk)
			bill := billing.New(db.Ledger(), billing.Options{Prices: billing.DefaultPrices()})
			shop, _, err := db.Shops().InstallShop(ctx, shopapp.InstallRecord{InsalesID: 1, Domain: "bench.myinsales.ru", Name: "Пледы"}, 1e9, now)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := bill.Settle(ctx, shop.ID); err != nil {
				b.Fatal(err)
			}
			seedOutbox(b, db.Notifications(), db, shop.ID, n, now)

			// The outbox's update rate at this size.
			const probes = 200
			t0 := time.Now()
			for i := range probes {
				if _, err := db.Database().Collection("notifications").UpdateOne(ctx, bson.D{{Key: "_id", Value: benchKey(i % n)}},
					bson.D{{Key: "$set", Value: bson.D{{Key: "updated_at", Value: now}}}}); err != nil {
					b.Fatal(err)
				}
			}
			dbRate := probes / time.Since(t0).Seconds()

			// Counted, not kept: the heap measured is the dispatcher's.
			var received countingRecorder
			tw := twiliosandbox.New(twiliosandbox.Config{AccountSID: testSID, AuthToken: testToken, Recorder: &received})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				time.Sleep(latency)
				tw.ServeHTTP(w, r)
			}))
			b.Cleanup(func() { srv.Close(); tw.Close() })
			sms, err := notify.NewSMS(notify.TwilioConfig{AccountSID: testSID, AuthToken: testToken, From: "parceltrack", BaseURL: srv.URL})
			if err != nil {
				b.Fatal(err)
			}
			d, err := messages.NewDispatcher(messages.DispatcherOptions{
				Owner: "bench", Store: db.Notifications(), Parcels: db.Parcels(), Shops: db.Shops(), Billing: bill,
				Budgets: db.Budgets(), Links: linker{}, Channels: []notify.Channel{sms},
				Rates: map[notify.ChannelKind]float64{notify.KindSMS: smsPerSec}, BaseURL: "https://pt.example",
				Concurrency: concurrency, Rules: tracking.DefaultRules(), Lease: 5 * time.Minute,
				TrackingClock: func() time.Time { return now },
			})
			if err != nil {
				b.Fatal(err)
			}

			runtime.GC()
			var base runtime.MemStats
			runtime.ReadMemStats(&base)
			peak := sampleHeap(b)
			counting.Store(true)
			b.ResetTimer()
			start := time.Now()
			st, err := d.Drain(ctx, n)
			if err != nil {
				b.Fatal(err)
			}
			elapsed := time.Since(start)
			b.StopTimer()
			counting.Store(false)
			peakHeap := peak()
			if st.Sent != n || received.n.Load() != int64(n) {
				b.Fatalf("sent %+v, the sandbox got %d; want %d", st, received.n.Load(), n)
			}
			rate := float64(n) / elapsed.Seconds()
			b.ReportMetric(rate, "messages/s")
			b.ReportMetric(0.8*min(smsPerSec, dbRate), "target_messages/s")
			b.ReportMetric(dbRate, "db_updates/s")
			b.ReportMetric(float64(trips.Load())/float64(n), "roundtrips/message")
			b.ReportMetric(float64(peakHeap-base.HeapAlloc)/(1<<20), "peak_heap_MB")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// countingRecorder counts what the sandbox Twilio accepted.
type countingRecorder struct{ n atomic.Int64 }

func (c *countingRecorder) Record(context.Context, outbox.Record) error {
	c.n.Add(1)
	return nil
}

func benchKey(i int) string { return fmt.Sprintf("bp%05d:arrived:sms:1", i) }

// seedOutbox stores n waiting parcels, each with its arrived SMS due now.
func seedOutbox(b *testing.B, store messages.Store, db interface {
	BulkLoad(context.Context, []shopapp.Parcel, []tracking.Schedule) error
}, shopID string, n int, now time.Time) {
	b.Helper()
	ctx := context.Background()
	arrival := now.Add(-2 * time.Hour)
	parcels := make([]shopapp.Parcel, n)
	rows := make([]messages.Notification, n)
	for i := range n {
		id := fmt.Sprintf("bp%05d", i)
		parcels[i] = shopapp.Parcel{ID: id, ShopID: shopID, OrderID: int64(i + 1), Track: "RA644000001RU", Carrier: "russianpost",
			OrderFacts: shopapp.OrderFacts{OrderNumber: fmt.Sprint(1000 + i), Products: []string{"Плед шерстяной"}, DestPostcode: "101000",
				Buyer: shopapp.Buyer{Name: "Анна", Phone: fmt.Sprintf("+7916%07d", i), PhoneOK: true}},
			State: tracking.StateArrived, EnteredAt: now.Add(-72 * time.Hour), Link: "L" + id,
			Events: []tracking.Event{accepted(now.Add(-70 * time.Hour)), arrived(arrival, "101000")}}
		rows[i] = messages.Notification{Key: benchKey(i), ShopID: shopID, ParcelID: id, Trigger: notify.TriggerArrived,
			Channel: notify.KindSMS, Step: "1", Due: arrival, SendAt: arrival, Zone: "Europe/Moscow",
			Status: messages.StatusQueued, NextAt: arrival, CreatedAt: now, UpdatedAt: now}
	}
	if err := db.BulkLoad(ctx, parcels, nil); err != nil {
		b.Fatal(err)
	}
	for chunk := range slices.Chunk(rows, 500) {
		if _, err := store.Add(ctx, chunk); err != nil {
			b.Fatal(err)
		}
	}
}

// sampleHeap watches the heap every 5 ms until the returned function is
// called, which returns the highest HeapAlloc seen.
func sampleHeap(b *testing.B) func() uint64 {
	b.Helper()
	var (
		mu   sync.Mutex
		peak uint64
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			mu.Lock()
			peak = max(peak, m.HeapAlloc)
			mu.Unlock()
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		wg.Wait()
		return peak
	}
}
