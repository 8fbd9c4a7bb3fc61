package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"parceltrack/storage"
)

func TestCSRFTokens(t *testing.T) {
	t.Parallel()
	db := server.DB(t)
	clock := clockwork.NewFakeClockAt(time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC))
	tokens := storage.CSRFTokensAt(db, clock.Now)
	other := storage.CSRFTokensAt(db, clock.Now) // another web process

	steps := []struct {
		name string
		do   func() error
		key  string
		want string // "" : missing
	}{
		{"missing key", nil, "k1", ""},
		{"set", func() error { return tokens.Set("k1", []byte("v1"), time.Hour) }, "k1", "v1"},
		{"set again replaces", func() error { return tokens.Set("k1", []byte("v2"), time.Hour) }, "k1", "v2"},
		{"seen by another process", nil, "k1", "v2"},
		{"just before expiry", func() error { clock.Advance(time.Hour - time.Second); return nil }, "k1", "v2"},
		{"at expiry", func() error { clock.Advance(time.Second); return nil }, "k1", ""},
		{"no expiry", func() error { return tokens.Set("k2", []byte("forever"), 0) }, "k2", "forever"},
		{"delete", func() error { return other.Delete("k2") }, "k2", ""},
		{"delete a missing key", func() error { return tokens.Delete("nothing") }, "nothing", ""},
		{"empty value stores nothing", func() error { return tokens.Set("k3", nil, time.Hour) }, "k3", ""},
	}
	for _, st := range steps {
		if st.do != nil {
			if err := st.do(); err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
		}
		got, err := other.Get(st.key)
		if err != nil || string(got) != st.want {
			t.Fatalf("%s: Get(%q) = %q, %v; want %q", st.name, st.key, got, err, st.want)
		}
	}

	// The sweep deletes what expired and keeps the rest.
	if err := tokens.Set("live", []byte("x"), 2*time.Hour); err != nil {
		t.Fatal(err)
	}
	if n, err := tokens.Sweep(context.Background(), clock.Now()); err != nil || n != 1 {
		t.Fatalf("sweep: %d, %v; want the one expired token", n, err)
	}
	if got, _ := tokens.Get("live"); string(got) != "x" {
		t.Fatalf("the sweep took a live token: %q", got)
	}
	if err := tokens.Reset(); err != nil {
		t.Fatal(err)
	}
	if got, _ := tokens.Get("live"); got != nil {
		t.Fatalf("after reset: %q", got)
	}
}
