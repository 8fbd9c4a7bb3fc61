package billing

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestShopLocks(t *testing.T) {
	t.Parallel()
	var l shopLocks
	ctx := context.Background()
	unlockA, err := l.lock(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	// Another shop is free meanwhile.
	unlockB, err := l.lock(ctx, "b")
	if err != nil {
		t.Fatal(err)
	}
	unlockB()

	// A waiter gives up with its context.
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := l.lock(short, "a"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waiting for a held shop: %v", err)
	}
	// A waiter gets the shop once it is freed.
	got := make(chan func())
	go func() {
		unlock, err := l.lock(ctx, "a")
		if err != nil {
			t.Error(err)
		}
		got <- unlock
	}()
	select {
	case <-got:
		t.Fatal("took a held shop")
	case <-time.After(20 * time.Millisecond):
	}
	unlockA()
	if unlock := <-got; unlock != nil {
		unlock()
	}
	if len(l.m) != 0 {
		t.Fatalf("%d shops left in the map", len(l.m))
	}
}
