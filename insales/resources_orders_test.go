package insales

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncServer implements the documented updated_since/from_id semantics:
// updated_at >= updated_since, minus updated_at == updated_since && id <=
// from_id, sorted by updated_at then id, first per_page only.
type syncServer struct {
	t          *testing.T
	orders     []Order
	ignoreFrom bool // misbehave: pretend from_id does not exist

	mu      sync.Mutex
	queries []string // "updated_since|from_id|per_page"
}

func (s *syncServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	s.queries = append(s.queries, q.Get("updated_since")+"|"+q.Get("from_id")+"|"+q.Get("per_page"))
	s.mu.Unlock()
	since, err := time.Parse("2006-01-02 15:04:05 -07:00", q.Get("updated_since"))
	if err != nil {
		s.t.Errorf("server cannot parse updated_since %q: %v", q.Get("updated_since"), err)
		http.Error(w, "bad updated_since", http.StatusBadRequest)
		return
	}
	fromID, _ := strconv.ParseInt(q.Get("from_id"), 10, 64)
	perPage, _ := strconv.Atoi(q.Get("per_page"))
	var out []Order
	for _, o := range s.orders {
		if o.UpdatedAt.Before(since) {
			continue
		}
		if !s.ignoreFrom && o.UpdatedAt.Equal(since) && o.ID <= fromID {
			continue
		}
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].UpdatedAt.Equal(out[j].UpdatedAt) {
			return out[i].UpdatedAt.Before(out[j].UpdatedAt)
		}
		return out[i].ID < out[j].ID
	})
	if len(out) > perPage {
		out = out[:perPage]
	}
	if out == nil {
		out = []Order{}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

func TestOrdersUpdatedSince(t *testing.T) {
	t.Parallel()
	msk := time.FixedZone("", 3*3600)
	t0 := time.Date(2026, 4, 9, 10, 0, 0, 0, msk)
	t1 := t0.Add(5*time.Second + 250*time.Millisecond) // a fraction must survive the round trip
	t2 := t0.Add(time.Minute)
	t3 := t0.Add(time.Hour)
	orders := []Order{
		{ID: 10, UpdatedAt: t0}, {ID: 5, UpdatedAt: t1}, {ID: 7, UpdatedAt: t1}, {ID: 3, UpdatedAt: t1},
		{ID: 20, UpdatedAt: t2}, {ID: 1, UpdatedAt: t3}, {ID: 2, UpdatedAt: t3},
		{ID: 99, UpdatedAt: t0.Add(-time.Hour)}, // before the start: never returned
	}
	stopErr := errors.New("stop here")
	tests := []struct {
		name        string
		since       time.Time
		ignoreFrom  bool
		stopAtID    int64
		wantIDs     []int64
		wantCursor  OrderCursor
		wantQueries []string
		wantErr     string
	}{
		{
			name:       "walks every batch until an empty one",
			since:      t0,
			wantIDs:    []int64{10, 3, 5, 7, 20, 1, 2},
			wantCursor: OrderCursor{UpdatedSince: t3, FromID: 2},
			wantQueries: []string{
				"2026-04-09 10:00:00 +03:00||2",
				"2026-04-09 10:00:05.25 +03:00|3|2",
				"2026-04-09 10:00:05.25 +03:00|7|2",
				"2026-04-09 11:00:00 +03:00|1|2",
				"2026-04-09 11:00:00 +03:00|2|2",
			},
		},
		{
			name:       "stops at a callback error and keeps the last accepted cursor",
			since:      t0,
			stopAtID:   20,
			wantIDs:    []int64{10, 3, 5, 7},
			wantCursor: OrderCursor{UpdatedSince: t1, FromID: 7},
			wantErr:    "stop here",
		},
		{
			name:       "a server ignoring from_id cannot loop forever",
			since:      t0,
			ignoreFrom: true,
			wantIDs:    []int64{10, 3, 5},
			wantCursor: OrderCursor{UpdatedSince: t1, FromID: 5},
			wantErr:    "did not advance",
		},
		{
			name:       "a zero since starts from the epoch",
			wantIDs:    []int64{99, 10, 3, 5, 7, 20, 1, 2},
			wantCursor: OrderCursor{UpdatedSince: t3, FromID: 2},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := &syncServer{t: t, orders: orders, ignoreFrom: tt.ignoreFrom}
			c := newTestClient(t, srv, func(cfg *Config) { cfg.PageSize = 2 })
			var seen []int64
			cur, err := c.OrdersUpdatedSince(context.Background(), testShop, tt.since, 0, func(o Order) error {
				if o.ID == tt.stopAtID {
					return stopErr
				}
				seen = append(seen, o.ID)
				return nil
			})
			if tt.wantErr == "" && err != nil {
				t.Fatalf("err = %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if !reflect.DeepEqual(seen, tt.wantIDs) {
				t.Errorf("visited %v, want %v", seen, tt.wantIDs)
			}
			if !cur.UpdatedSince.Equal(tt.wantCursor.UpdatedSince) || cur.FromID != tt.wantCursor.FromID {
				t.Errorf("cursor = %v/%d, want %v/%d", cur.UpdatedSince, cur.FromID, tt.wantCursor.UpdatedSince, tt.wantCursor.FromID)
			}
			if tt.since.IsZero() && !strings.HasPrefix(srv.queries[0], "2000-01-01 00:00:00 +00:00||") {
				t.Errorf("first query = %q", srv.queries[0])
			}
			if tt.wantQueries != nil && !reflect.DeepEqual(srv.queries, tt.wantQueries) {
				t.Errorf("queries =\n%q\nwant\n%q", srv.queries, tt.wantQueries)
			}
		})
	}
}
