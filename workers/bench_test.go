package workers_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/event"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"parceltrack/carriers/russianpost"
	rpsandbox "parceltrack/sandbox/russianpost"
	"parceltrack/workers"
)

// BenchmarkPollPipeline polls due parcels end to end — claim, carrier call,
// classify, store — against the sandbox carrier answering each call after
// 100 ms, on an embedded database of its own whose commands are counted. It
// reports parcels per second next to the target (80% of the lower of
// concurrency / latency and the database's update rate measured in the same
// run), database round trips per polled parcel, and the peak heap, which
// must stay flat in the number of parcels. Run with:
//
//	go test -run '^$' -bench PollPipeline -benchtime 1x ./workers/
func BenchmarkPollPipeline(b *testing.B) {
	const (
		latency     = 100 * time.Millisecond
		concurrency = 8 // POLL_CONCURRENCY's default
		batchSize   = 200
	)
	for _, n := range []int{500, 2000} {
		b.Run(fmt.Sprintf("parcels=%d", n), func(b *testing.B) {
			var (
				counting atomic.Bool
				trips    atomic.Int64
				mu       sync.Mutex
				byCmd    = map[string]int{}
				cmdTime  = map[string]time.Duration{}
				names    sync.Map
			)
			mon := &event.CommandMonitor{
				Started: func(_ context.Context, e *event.CommandStartedEvent) {
					if !counting.Load() {
						return
					}
					trips.Add(1)
					coll, _ := e.Command.Lookup(e.CommandName).StringValueOK()
					names.Store(e.RequestID, e.CommandName+" "+coll)
				},
				Succeeded: func(_ context.Context, e *event.CommandSucceededEvent) {
					if k, ok := names.LoadAndDelete(e.RequestID); ok {
						mu.Lock()
						byCmd[k.(string)]++
						cmdTime[k.(string)] += e.Duration
						mu.Unlock()
					}
				},
			}
			db := server.MonitoredDB(b, mon)
			ctx := context.Background()
			now := time.Now()

			// The sandbox runs at real speed, so nothing polled becomes due
			// again during the run; scenarios started days ago, so a first
			// poll finds history to store, as for a parcel in transit.
			starts := &rpsandbox.MemoryStarts{}
			sandbox := &rpsandbox.Server{Login: "l", Password: "p", Speed: realTime, Latency: latency, Starts: starts,
				Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
			ts := httptest.NewServer(sandbox)
			b.Cleanup(ts.Close)
			client := russianpost.NewClient(russianpost.Config{URL: ts.URL + "/rtm34", Login: "l", Password: "p"})

			// The database's update rate at this size: single-_id updates.
			var tracks []string
			seedDue(b, db, n, sandbox.Now(), &tracks)
			for i, track := range tracks {
				if _, err := starts.Start(ctx, track, now.Add(-time.Duration(i%48)*6*time.Hour)); err != nil {
					b.Fatal(err)
				}
			}
			ids := pollIDs(b, db.Database().Collection("polls"))
			const probes = 200
			t0 := time.Now()
			for i := range probes {
				if _, err := db.Database().Collection("polls").UpdateOne(ctx, bson.D{{Key: "_id", Value: ids[i%len(ids)]}},
					bson.D{{Key: "$set", Value: bson.D{{Key: "bench_probe", Value: i}}}}); err != nil {
					b.Fatal(err)
				}
			}
			dbRate := probes / time.Since(t0).Seconds()

			p, err := workers.NewPoller(workers.PollerOptions{
				Owner: "bench", Polls: db.Polls(), Parcels: db.Parcels(), Budgets: db.Budgets(), Carrier: client,
				BatchSize: batchSize, Lease: 5 * time.Minute, Concurrency: concurrency, RatePerSec: 1e6,
				TrackingClock: sandbox.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
			})
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close(ctx)

			runtime.GC()
			var base runtime.MemStats
			runtime.ReadMemStats(&base)
			peak := sampleHeap(b)
			counting.Store(true)
			b.ResetTimer()
			start := time.Now()
			// One iteration is the whole pipeline over the n due parcels,
			// whatever b.N (run with -benchtime 1x).
			st, err := p.Drain(ctx, 10*n)
			if err != nil {
				b.Fatal(err)
			}
			if st.Polled+st.Failed != n {
				b.Fatalf("polled %+v, want all %d", st, n)
			}
			elapsed := time.Since(start)
			b.StopTimer()
			counting.Store(false)
			peakHeap := peak()

			polled := float64(n)
			rate := polled / elapsed.Seconds()
			target := 0.8 * min(float64(concurrency)/latency.Seconds(), dbRate)
			b.ReportMetric(rate, "parcels/s")
			b.ReportMetric(target, "target_parcels/s")
			b.ReportMetric(dbRate, "db_updates/s")
			b.ReportMetric(float64(trips.Load())/polled, "roundtrips/parcel")
			b.ReportMetric(float64(peakHeap-base.HeapAlloc)/(1<<20), "peak_heap_MB")
			b.ReportMetric(0, "ns/op")
			mu.Lock()
			keys := make([]string, 0, len(byCmd))
			for k := range byCmd {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			var lines []string
			for _, k := range keys {
				lines = append(lines, fmt.Sprintf("%s: %d × %v", k, byCmd[k], (cmdTime[k]/time.Duration(byCmd[k])).Round(10*time.Microsecond)))
			}
			mu.Unlock()
			b.Logf("%d parcels (%d changed) in %v; commands: %s", n, st.Changed, elapsed.Round(time.Millisecond), strings.Join(lines, "; "))
		})
	}
}

func pollIDs(b *testing.B, col *mongo.Collection) []string {
	b.Helper()
	cur, err := col.Find(context.Background(), bson.D{}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		b.Fatal(err)
	}
	var rows []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(context.Background(), &rows); err != nil {
		b.Fatal(err)
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	return ids
}

// sampleHeap samples the live heap every 20 ms until the returned function
// is called, which reports the highest value seen.
func sampleHeap(b *testing.B) func() uint64 {
	var (
		peak atomic.Uint64
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	sample := func() {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		if m.HeapAlloc > peak.Load() {
			peak.Store(m.HeapAlloc)
		}
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				sample()
			}
		}
	}()
	var once sync.Once
	stop := func() uint64 {
		once.Do(func() { close(done); wg.Wait(); sample() })
		return peak.Load()
	}
	b.Cleanup(func() { stop() })
	return stop
}
