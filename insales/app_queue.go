package insales

import (
	"context"
	"hash/fnv"
	"log/slog"
	"sync"
	"time"
)

// queue runs the app's background work in process: setup jobs, webhook
// imports, status syncs. Work lost with the process is recovered by the
// periodic jobs (RunPendingSetups, ReconcileAll), so nothing here must be
// durable.
//
// Every worker has its own lane and a job goes to the lane its lane key
// hashes to, so jobs with the same lane key (one order's events) run one
// after another, never side by side. A job whose dedup key is already
// waiting is not queued twice.
type queue struct {
	inline bool
	log    *slog.Logger
	lanes  []chan queuedJob

	mu      sync.Mutex
	queued  map[string]bool
	timers  map[*time.Timer]struct{}
	closed  bool
	started bool
	ctx     context.Context
	cancel  context.CancelFunc
	done    sync.WaitGroup
}

type queuedJob struct {
	key string
	run func(ctx context.Context)
}

func newQueue(workers, size int, inline bool, log *slog.Logger) *queue {
	ctx, cancel := context.WithCancel(context.Background())
	q := &queue{
		inline: inline, log: log,
		queued: map[string]bool{}, timers: map[*time.Timer]struct{}{},
		ctx: ctx, cancel: cancel,
	}
	for range workers {
		q.lanes = append(q.lanes, make(chan queuedJob, max(1, size/workers)))
	}
	return q
}

// start launches one worker per lane; their jobs get a context cancelled
// when ctx ends or close gives up waiting.
func (q *queue) start(ctx context.Context) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.started || q.closed || q.inline {
		return
	}
	q.started = true
	stop := context.AfterFunc(ctx, q.cancel)
	for _, lane := range q.lanes {
		q.done.Add(1)
		go func() {
			defer q.done.Done()
			for j := range lane {
				if j.key != "" {
					q.mu.Lock()
					delete(q.queued, j.key)
					q.mu.Unlock()
				}
				q.runOne(j)
			}
		}()
	}
	go func() { <-q.ctx.Done(); stop() }()
}

func (q *queue) runOne(j queuedJob) {
	defer func() {
		if r := recover(); r != nil {
			q.log.Error("queued job panicked", slog.String("job", j.key), slog.Any("panic", r))
		}
	}()
	j.run(q.ctx)
}

// submit queues fn on the lane of laneKey (or of key when laneKey is
// empty); inline it runs fn now with ctx. A non-empty key dedups: while a
// job with that key waits, another is dropped as redundant. It reports false
// when the job was dropped because the queue is full or closed.
func (q *queue) submit(ctx context.Context, key, laneKey string, fn func(ctx context.Context)) bool {
	if q.inline {
		fn(ctx)
		return true
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return false
	}
	if key != "" && q.queued[key] {
		return true
	}
	if laneKey == "" {
		laneKey = key
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(laneKey))
	select {
	case q.lanes[int(h.Sum32()%uint32(len(q.lanes)))] <- queuedJob{key: key, run: fn}:
		if key != "" {
			q.queued[key] = true
		}
		return true
	default:
		q.log.Warn("queue full: job dropped", slog.String("job", key), slog.String("lane", laneKey))
		return false
	}
}

// after queues fn under key once d has passed (not inline: retries there
// are the caller's business).
func (q *queue) after(d time.Duration, key string, fn func(ctx context.Context)) {
	if q.inline {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	var t *time.Timer
	// The callback takes q.mu first, so it sees t assigned.
	t = time.AfterFunc(d, func() {
		q.mu.Lock()
		delete(q.timers, t)
		q.mu.Unlock()
		q.submit(q.ctx, key, "", fn)
	})
	q.timers[t] = struct{}{}
}

// close stops taking jobs, drops pending retries and waits for the queued
// jobs to finish, or cancels them when ctx ends first.
func (q *queue) close(ctx context.Context) error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return nil
	}
	q.closed = true
	for t := range q.timers {
		t.Stop()
	}
	q.timers = nil
	for _, lane := range q.lanes {
		close(lane)
	}
	started := q.started
	q.mu.Unlock()
	if !started {
		q.cancel()
		return nil
	}
	done := make(chan struct{})
	go func() { q.done.Wait(); close(done) }()
	select {
	case <-done:
		q.cancel()
		return nil
	case <-ctx.Done():
		q.cancel()
		<-done
		return ctx.Err()
	}
}
