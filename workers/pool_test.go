package workers_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"parceltrack/workers"
)

// within fails the test instead of hanging when fn does not return in time.
func within(t *testing.T, d time.Duration, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { fn(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("did not finish within %v", d)
	}
}

func TestPoolRunsEveryTaskWithBoundedConcurrency(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		size, queue int
		tasks       int
	}{
		{"one worker", 1, 0, 20},
		{"four workers", 4, 2, 100},
		{"more workers than tasks", 16, 16, 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := workers.NewPool(tc.size, tc.queue)
			var running, peak, done atomic.Int64
			within(t, 5*time.Second, func() {
				for range tc.tasks {
					err := p.Submit(context.Background(), func(context.Context) {
						n := running.Add(1)
						for {
							old := peak.Load()
							if n <= old || peak.CompareAndSwap(old, n) {
								break
							}
						}
						time.Sleep(time.Millisecond)
						running.Add(-1)
						done.Add(1)
					})
					if err != nil {
						t.Error(err)
					}
				}
				if err := p.Close(context.Background()); err != nil {
					t.Error(err)
				}
			})
			if done.Load() != int64(tc.tasks) {
				t.Errorf("ran %d tasks, want %d", done.Load(), tc.tasks)
			}
			if peak.Load() > int64(tc.size) {
				t.Errorf("peak concurrency %d above pool size %d", peak.Load(), tc.size)
			}
		})
	}
}

func TestPoolSubmitAfterCloseFails(t *testing.T) {
	t.Parallel()
	p := workers.NewPool(2, 2)
	within(t, 2*time.Second, func() {
		if err := p.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
	if err := p.Submit(context.Background(), func(context.Context) {}); !errors.Is(err, workers.ErrPoolClosed) {
		t.Fatalf("got %v, want ErrPoolClosed", err)
	}
}

func TestPoolSubmitBlocksUntilRoomOrContextEnds(t *testing.T) {
	t.Parallel()
	p := workers.NewPool(1, 0)
	release := make(chan struct{})
	if err := p.Submit(context.Background(), func(context.Context) { <-release }); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := p.Submit(ctx, func(context.Context) {}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want deadline exceeded while the only worker is busy", err)
	}
	close(release)
	within(t, 2*time.Second, func() { _ = p.Close(context.Background()) })
}

func TestPoolCloseDrainsQueuedTasks(t *testing.T) {
	t.Parallel()
	p := workers.NewPool(1, 10)
	var mu sync.Mutex
	var order []int
	for i := range 10 {
		if err := p.Submit(context.Background(), func(context.Context) {
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
		}); err != nil {
			t.Fatal(err)
		}
	}
	within(t, 2*time.Second, func() {
		if err := p.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	if len(order) != 10 {
		t.Fatalf("drained %d of 10 queued tasks", len(order))
	}
}

func TestPoolCloseTimeoutCancelsRunningTasks(t *testing.T) {
	t.Parallel()
	p := workers.NewPool(2, 0)
	var cancelled atomic.Int64
	for range 2 {
		if err := p.Submit(context.Background(), func(ctx context.Context) {
			<-ctx.Done()
			cancelled.Add(1)
		}); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	within(t, 2*time.Second, func() {
		if err := p.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("got %v, want deadline exceeded", err)
		}
	})
	if cancelled.Load() != 2 {
		t.Fatalf("%d tasks saw cancellation, want 2", cancelled.Load())
	}
}
