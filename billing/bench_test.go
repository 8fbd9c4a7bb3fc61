package billing_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/event"

	"parceltrack/billing"
	"parceltrack/storage"
)

// BenchmarkChargeMany charges fresh refs one by one with Charge and in
// batches of 1, 10 and 50 with ChargeMany, on a database of its own whose
// commands are counted, next to a ledger of 1,000 and 10,000 entries of other
// shops. It reports database round trips and microseconds per charge. Run
// with:
//
//	go test -run '^$' -bench ChargeMany -benchtime 20x ./billing/
func BenchmarkChargeMany(b *testing.B) {
	var (
		counting atomic.Bool
		trips    atomic.Int64
		mu       sync.Mutex
		names    = map[int64]string{}
		byCmd    = map[string]int{}
		cmdTime  = map[string]time.Duration{}
	)
	db := server.MonitoredDB(b, &event.CommandMonitor{
		Started: func(_ context.Context, e *event.CommandStartedEvent) {
			if !counting.Load() {
				return
			}
			trips.Add(1)
			coll, _ := e.Command.Lookup(e.CommandName).StringValueOK()
			mu.Lock()
			names[e.RequestID] = e.CommandName + " " + coll
			mu.Unlock()
		},
		Succeeded: func(_ context.Context, e *event.CommandSucceededEvent) {
			mu.Lock()
			if k, ok := names[e.RequestID]; ok {
				delete(names, e.RequestID)
				byCmd[k]++
				cmdTime[k] += e.Duration
			}
			mu.Unlock()
		},
	})
	ctx := context.Background()
	f := fixture{db: db, svc: billing.New(db.Ledger(), billing.Options{})}
	loaded := 0
	for _, ledger := range []int{1000, 10000} {
		loadLedger(b, db, &loaded, ledger)
		shop := f.shop(b, int64(ledger), 1<<40)
		runs := 0
		fresh := func(n int) []billing.Charge {
			runs++
			cs := make([]billing.Charge, n)
			for i := range cs {
				cs[i] = charge(fmt.Sprintf("sms:%d-%d", runs, i), 1, billing.KindSMS)
			}
			return cs
		}
		measure := func(b *testing.B, size int, do func([]billing.Charge)) {
			trips.Store(0)
			mu.Lock()
			clear(byCmd)
			clear(cmdTime)
			mu.Unlock()
			counting.Store(true)
			b.ResetTimer()
			for range b.N {
				do(fresh(size))
			}
			b.StopTimer()
			counting.Store(false)
			charges := float64(b.N * size)
			b.ReportMetric(float64(trips.Load())/charges, "roundtrips/charge")
			b.ReportMetric(float64(b.Elapsed().Microseconds())/charges, "µs/charge")
			b.ReportMetric(0, "ns/op")
			mu.Lock()
			var lines []string
			for _, k := range slices.Sorted(maps.Keys(byCmd)) {
				lines = append(lines, fmt.Sprintf("%s: %.2f × %v", k, float64(byCmd[k])/charges,
					(cmdTime[k]/time.Duration(byCmd[k])).Round(10*time.Microsecond)))
			}
			mu.Unlock()
			b.Logf("per charge: %s", strings.Join(lines, "; "))
		}
		b.Run(fmt.Sprintf("ledger=%d/Charge", ledger), func(b *testing.B) {
			measure(b, 1, func(cs []billing.Charge) {
				if _, err := f.svc.Charge(ctx, shop, cs[0].Ref, cs[0].Amount, cs[0].Kind, cs[0].Meta); err != nil {
					b.Fatal(err)
				}
			})
		})
		for _, size := range []int{1, 10, 50} {
			b.Run(fmt.Sprintf("ledger=%d/batch=%d", ledger, size), func(b *testing.B) {
				measure(b, size, func(cs []billing.Charge) {
					out, err := f.svc.ChargeMany(ctx, shop, cs)
					if err == nil && out[len(out)-1].Err != nil {
						err = out[len(out)-1].Err
					}
					if err != nil {
						b.Fatal(err)
					}
				})
			})
		}
		f.checkInvariants(b, shop)
	}
}

// loadLedger fills the ledger up to n entries of a shop of their own.
func loadLedger(b *testing.B, db *storage.DB, loaded *int, n int) {
	b.Helper()
	for *loaded < n {
		var es []billing.Entry
		for range min(1000, n-*loaded) {
			*loaded++
			es = append(es, billing.Entry{ShopID: "other", Ref: fmt.Sprintf("sms:%d", *loaded), Kind: billing.KindSMS,
				Amount: -1, Seq: int64(*loaded), Actor: billing.Actor{Type: billing.ActorSystem}})
		}
		if _, err := db.Ledger().InsertLedgerMany(context.Background(), es); err != nil {
			b.Fatal(err)
		}
	}
}
