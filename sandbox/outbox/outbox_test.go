package outbox_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"parceltrack/sandbox/outbox"
)

func TestMemory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t0 := time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		records []outbox.Record
		wantIDs []string
		wantErr error
		check   func(t *testing.T, m *outbox.Memory)
	}{
		{name: "newest first",
			records: []outbox.Record{{ID: "a", CreatedAt: t0}, {ID: "b", CreatedAt: t0.Add(time.Second)}, {ID: "c", CreatedAt: t0.Add(2 * time.Second)}},
			wantIDs: []string{"c", "b", "a"}},
		{name: "same id replaces in place and keeps created_at",
			records: []outbox.Record{{ID: "a", Status: "queued", CreatedAt: t0}, {ID: "b", CreatedAt: t0}, {ID: "a", Status: "delivered"}},
			wantIDs: []string{"b", "a"},
			check: func(t *testing.T, m *outbox.Memory) {
				r, ok := m.Get("a")
				if !ok || r.Status != "delivered" || !r.CreatedAt.Equal(t0) {
					t.Errorf("a = %+v, %v", r, ok)
				}
			}},
		{name: "record without id is refused",
			records: []outbox.Record{{Channel: "sms"}},
			wantErr: outbox.ErrNoID},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := &outbox.Memory{}
			var err error
			for _, r := range tc.records {
				if e := m.Record(ctx, r); e != nil {
					err = e
				}
			}
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			var ids []string
			for _, r := range m.List() {
				ids = append(ids, r.ID)
			}
			if len(ids) != len(tc.wantIDs) || m.Len() != len(tc.wantIDs) {
				t.Fatalf("ids = %v, want %v", ids, tc.wantIDs)
			}
			for i := range ids {
				if ids[i] != tc.wantIDs[i] {
					t.Fatalf("ids = %v, want %v", ids, tc.wantIDs)
				}
			}
			if tc.check != nil {
				tc.check(t, m)
			}
		})
	}
}

func TestMemoryConcurrent(t *testing.T) {
	t.Parallel()
	m := &outbox.Memory{}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = m.Record(context.Background(), outbox.Record{ID: string(rune('a' + i))})
			_ = m.List()
		}()
	}
	wg.Wait()
	if m.Len() != 20 {
		t.Errorf("Len = %d, want 20", m.Len())
	}
}

func TestListIsACopy(t *testing.T) {
	t.Parallel()
	m := &outbox.Memory{}
	_ = m.Record(context.Background(), outbox.Record{ID: "a", Status: "queued"})
	l := m.List()
	l[0].Status = "changed"
	if r, _ := m.Get("a"); r.Status != "queued" {
		t.Errorf("List shares storage: %+v", r)
	}
}
