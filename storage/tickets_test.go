package storage_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"parceltrack/shopapp"
	"parceltrack/tracking"

	"go.mongodb.org/mongo-driver/bson"
)

func TestTicketClaimDue(t *testing.T) {
	t.Parallel()
	db := server.DB(t)
	ctx := context.Background()
	t0 := time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)
	wall := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tk := range []tracking.Ticket{
		{ID: "late", Carrier: "russianpost", NextTryAt: t0.Add(30 * time.Minute)},
		{ID: "due", Carrier: "russianpost", NextTryAt: t0.Add(15 * time.Minute)},
	} {
		if err := db.Tickets().Insert(ctx, tk); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Tickets().Insert(ctx, tracking.Ticket{ID: "due"}); !errors.Is(err, shopapp.ErrConflict) {
		t.Fatalf("second insert of a ticket: %v, want ErrConflict", err)
	}

	steps := []struct {
		name     string
		owner    string
		dueBy    time.Time
		leaseNow time.Time
		want     string // "" = nothing claimed
	}{
		{"nothing due yet", "a", t0.Add(10 * time.Minute), wall, ""},
		{"the longest due first", "a", t0.Add(time.Hour), wall, "due"},
		{"then the other", "b", t0.Add(time.Hour), wall, "late"},
		{"both leased", "c", t0.Add(time.Hour), wall.Add(time.Minute), ""},
		{"a lease that ended is taken over", "c", t0.Add(time.Hour), wall.Add(11 * time.Minute), "due"},
	}
	for _, s := range steps {
		got, ok, err := db.Tickets().ClaimDue(ctx, s.owner, s.dueBy, s.leaseNow, 10*time.Minute)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got.ID != s.want || ok != (s.want != "") {
			t.Fatalf("%s: claimed %q (%v), want %q", s.name, got.ID, ok, s.want)
		}
		if ok && (got.Owner != s.owner || !got.LeaseUntil.Equal(s.leaseNow.Add(10*time.Minute))) {
			t.Fatalf("%s: claim owner %q until %v", s.name, got.Owner, got.LeaseUntil)
		}
	}

	// "a" lost "due" to "c": its retry must not touch c's claim.
	if ok, err := db.Tickets().Retry(ctx, "due", "a", t0.Add(2*time.Hour)); err != nil || ok {
		t.Fatalf("retry by a former owner: %v, %v; want false", ok, err)
	}
	if ok, err := db.Tickets().Retry(ctx, "due", "c", t0.Add(2*time.Hour)); err != nil || !ok {
		t.Fatalf("retry by the owner: %v, %v", ok, err)
	}
	got, err := db.Tickets().Get(ctx, "due")
	if err != nil {
		t.Fatal(err)
	}
	if got.Tries != 1 || got.Owner != "" || !got.NextTryAt.Equal(t0.Add(2*time.Hour)) {
		t.Fatalf("after retry: %+v", got)
	}
	if err := db.Tickets().Delete(ctx, "late", "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Tickets().Get(ctx, "late"); err != nil {
		t.Fatalf("delete by a non-owner removed the ticket: %v", err)
	}
	if err := db.Tickets().Delete(ctx, "late", "b"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Tickets().Get(ctx, "late"); !errors.Is(err, shopapp.ErrNotFound) {
		t.Fatalf("after delete by the owner: %v, want ErrNotFound", err)
	}
	if got, ok, _ := db.Tickets().ClaimDue(ctx, "d", t0.Add(time.Hour), wall.Add(time.Hour), time.Minute); ok {
		t.Fatalf("ticket %s claimed before its next try", got.ID)
	}
	if got, ok, _ := db.Tickets().ClaimDue(ctx, "d", t0.Add(2*time.Hour), wall.Add(time.Hour), time.Minute); !ok || got.ID != "due" {
		t.Fatalf("at its next try: claimed %q, %v", got.ID, ok)
	}
}

// TestTicketClaimIsExclusive: workers racing for one due ticket, as two
// processes would, get it exactly once.
func TestTicketClaimIsExclusive(t *testing.T) {
	t.Parallel()
	db := server.DB(t)
	ctx := context.Background()
	now := time.Now()
	if err := db.Tickets().Insert(ctx, tracking.Ticket{ID: "t1", NextTryAt: now.Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		won []string
	)
	for _, owner := range []string{"a", "b", "c", "d"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, ok, err := db.Tickets().ClaimDue(ctx, owner, now, now, time.Minute)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				won = append(won, owner)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(won) != 1 {
		t.Fatalf("ticket claimed by %v, want exactly one worker", won)
	}
}

func TestTicketRowsFollowTheLeaseToken(t *testing.T) {
	t.Parallel()
	db := server.DB(t)
	ctx := context.Background()
	now := time.Now().Truncate(time.Millisecond)
	due := now.Add(-time.Minute)
	ids := []string{"p1", "p2", "p3", "p4"}
	for _, id := range ids {
		if err := db.Polls().Schedule(ctx, tracking.Schedule{ID: id, Track: "T" + id, State: "registered", NextPollAt: due}); err != nil {
			t.Fatal(err)
		}
	}
	claim, err := db.Polls().ClaimDue(ctx, "w", now, now, 40*time.Minute, 10)
	if err != nil || len(claim.Rows) != len(ids) {
		t.Fatalf("claim: %d rows, %v", len(claim.Rows), err)
	}
	tk := tracking.Ticket{ID: "t1", Token: claim.Token, Submitter: "w", RowsUntil: claim.Until, NextTryAt: now}
	for _, id := range ids {
		tk.Parcels = append(tk.Parcels, tracking.TicketParcel{ID: id, Track: "T" + id})
	}
	if err := db.Tickets().Insert(ctx, tk); err != nil {
		t.Fatal(err)
	}
	// p1 was already stored by an earlier collection (its lease stays until
	// the ticket is done), p2 stopped (row deleted), p3 taken over by another
	// worker after the lease ran out.
	if _, err := db.Polls().Complete(ctx, "p1", tracking.PollOutcome{State: "in_transit", PolledAt: now}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Database().Collection("polls").DeleteOne(ctx, bson.D{{Key: "_id", Value: "p2"}}); err != nil {
		t.Fatal(err)
	}
	leases := db.Database().Collection("poll_leases")
	if _, err := leases.DeleteOne(ctx, bson.D{{Key: "_id", Value: "p2"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := leases.DeleteOne(ctx, bson.D{{Key: "_id", Value: "p3"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := leases.InsertOne(ctx, bson.D{{Key: "_id", Value: "p3"}, {Key: "token", Value: "other/x"},
		{Key: "owner", Value: "other"}, {Key: "until", Value: claim.Until}}); err != nil {
		t.Fatal(err)
	}

	heldIDs := func() []string {
		t.Helper()
		rows, err := db.Tickets().HeldRows(ctx, tk)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range rows {
			out = append(out, r.ID)
		}
		slices.Sort(out)
		return out
	}
	if got := heldIDs(); !slices.Equal(got, []string{"p1", "p4"}) {
		t.Fatalf("held rows %v, want [p1 p4]", got)
	}

	until := now.Add(2 * time.Hour)
	if n, err := db.Tickets().HoldRows(ctx, tk, until); err != nil || n != 2 {
		t.Fatalf("hold rows: %d, %v; want 2", n, err)
	}
	tests := []struct {
		id, token string
		until     time.Time
	}{
		{"p1", claim.Token, until},
		{"p3", "other/x", claim.Until}, // another worker's: untouched
		{"p4", claim.Token, until},
	}
	for _, tt := range tests {
		var l struct {
			Token string    `bson:"token"`
			Until time.Time `bson:"until"`
		}
		if err := leases.FindOne(ctx, bson.D{{Key: "_id", Value: tt.id}}).Decode(&l); err != nil {
			t.Fatalf("%s: %v", tt.id, err)
		}
		if l.Token != tt.token || !l.Until.Equal(tt.until) {
			t.Errorf("%s lease %s until %v, want %s until %v", tt.id, l.Token, l.Until, tt.token, tt.until)
		}
	}
	if got := heldIDs(); !slices.Equal(got, []string{"p1", "p4"}) {
		t.Fatalf("held rows after the hold %v, want [p1 p4]", got)
	}
	got, err := db.Tickets().Get(ctx, "t1")
	if err != nil || !got.RowsUntil.Equal(until) {
		t.Fatalf("ticket rows_until %v, %v; want %v", got.RowsUntil, err, until)
	}

	// Giving the rows back frees them for the next claim.
	if err := db.Polls().Release(ctx, tk.Token, tk.IDs()); err != nil {
		t.Fatal(err)
	}
	if got := heldIDs(); len(got) != 0 {
		t.Fatalf("held rows after release %v, want none", got)
	}
}
