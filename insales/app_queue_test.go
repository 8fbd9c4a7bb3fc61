package insales

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestQueueSerialisesALaneAndDedups(t *testing.T) {
	q := newQueue(4, 100, false, slog.New(slog.DiscardHandler))
	release := make(chan struct{})
	var (
		mu      sync.Mutex
		order   []int
		running atomic.Int32
		overlap atomic.Bool
		ran     atomic.Int32
	)
	// Jobs of one lane, queued before the workers start.
	for i := range 5 {
		q.submit(context.Background(), "", "shop:order-1", func(context.Context) {
			if running.Add(1) > 1 {
				overlap.Store(true)
			}
			<-release
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
			running.Add(-1)
		})
	}
	// The same dedup key twice while waiting: queued once.
	for range 2 {
		q.submit(context.Background(), "setup:s1", "", func(context.Context) { ran.Add(1) })
	}
	q.start(context.Background())
	close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := q.close(ctx); err != nil {
		t.Fatal(err)
	}
	if overlap.Load() {
		t.Error("two jobs of one lane ran at once")
	}
	if len(order) != 5 || order[0] != 0 || order[4] != 4 {
		t.Errorf("lane order %v, want 0..4", order)
	}
	if ran.Load() != 1 {
		t.Errorf("deduplicated job ran %d times", ran.Load())
	}
	if q.submit(context.Background(), "late", "", func(context.Context) {}) {
		t.Error("a closed queue took a job")
	}
}
