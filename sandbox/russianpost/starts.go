package rpsandbox

import (
	"context"
	"sync"
	"time"
)

// StartsCollection is the collection of the app's database the default run
// keeps scenario starts in (the wiring layer's StartStore); the name is kept
// from before it moved here, so existing sandboxes keep their scenarios.
const StartsCollection = "sandbox_rp_starts"

// StartStore remembers when each barcode's scenario started. Start returns the
// stored instant, storing now first if the barcode has none (the first caller
// wins, also between processes for a database-backed store). Instants are
// wall-clock times.
type StartStore interface {
	Start(ctx context.Context, barcode string, now time.Time) (time.Time, error)
}

// MemoryStarts is an in-memory StartStore for tests and single-process demos.
// The zero value is ready to use.
type MemoryStarts struct {
	mu     sync.Mutex
	starts map[string]time.Time
}

// Start implements StartStore.
func (m *MemoryStarts) Start(_ context.Context, barcode string, now time.Time) (time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if t, ok := m.starts[barcode]; ok {
		return t, nil
	}
	if m.starts == nil {
		m.starts = make(map[string]time.Time)
	}
	m.starts[barcode] = now
	return now, nil
}
