// Package workers runs background work: a gocron scheduler whose singleton
// jobs run in one process at a time, a bounded worker pool, and the jobs
// themselves. It holds no business rules; those live in the domain packages.
package workers

import (
	"context"
	"errors"
	"sync"
)

// ErrPoolClosed is returned by Submit once the pool is shutting down.
var ErrPoolClosed = errors.New("workers: pool closed")

// Pool runs submitted tasks on a fixed number of goroutines. Submit blocks
// while every worker is busy and the queue is full, which is the backpressure
// that keeps a producer from loading more work than the pool can finish.
type Pool struct {
	tasks   chan func(context.Context)
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	mu      sync.RWMutex
	closed  bool
	closing sync.Once
}

// NewPool starts size workers with a queue of queue tasks. Tasks receive a
// context that is cancelled when Abort is called.
func NewPool(size, queue int) *Pool {
	if size < 1 {
		size = 1
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Pool{tasks: make(chan func(context.Context), queue), ctx: ctx, cancel: cancel}
	p.wg.Add(size)
	for range size {
		go func() {
			defer p.wg.Done()
			for task := range p.tasks {
				task(p.ctx)
			}
		}()
	}
	return p
}

// Submit queues task, waiting for room. It fails with ErrPoolClosed after
// Close, or with ctx's error when ctx ends first.
func (p *Pool) Submit(ctx context.Context, task func(context.Context)) error {
	// The read lock keeps Close from closing the channel under a pending send.
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return ErrPoolClosed
	}
	select {
	case p.tasks <- task:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-p.ctx.Done():
		return ErrPoolClosed
	}
}

// Close stops accepting tasks, lets queued and running ones finish, and waits
// for them until ctx ends; then it cancels the tasks' context and waits for
// the workers to return.
func (p *Pool) Close(ctx context.Context) error {
	p.closing.Do(func() {
		// Abort first wakes any Submit blocked on a full queue, so taking the
		// write lock cannot wait behind it forever.
		go func() {
			select {
			case <-ctx.Done():
				p.cancel()
			case <-p.ctx.Done():
			}
		}()
		p.mu.Lock()
		p.closed = true
		close(p.tasks)
		p.mu.Unlock()
	})
	done := make(chan struct{})
	go func() { p.wg.Wait(); close(done) }()
	select {
	case <-done:
		p.cancel()
		return nil
	case <-ctx.Done():
		p.cancel()
		<-done
		return ctx.Err()
	}
}
