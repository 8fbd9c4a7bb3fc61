package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"parceltrack/jobs"
)

// almostOne is the largest jitter Backoff is given.
var almostOne = math.Nextafter(1, 0)

func TestJobBackoff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		attempt int
		jitter  float64
		want    time.Duration
	}{
		{"first retry, middle", 1, 0.5, 10 * time.Second},
		{"first retry, earliest", 1, 0, 8 * time.Second},
		{"first retry, latest", 1, almostOne, 12 * time.Second},
		{"second retry doubles", 2, 0.5, 20 * time.Second},
		{"third retry doubles again", 3, 0.5, 40 * time.Second},
		{"seventh retry", 7, 0.5, 640 * time.Second},
		{"ninth retry", 9, 0.5, 2560 * time.Second},
		{"tenth retry reaches the cap", 10, 0.5, time.Hour},
		{"the cap holds with jitter above the middle", 10, almostOne, time.Hour},
		{"jitter spreads below the cap", 10, 0, 48 * time.Minute},
		{"a huge attempt does not overflow", 1000, 0.5, time.Hour},
		{"attempt 0 counts as the first", 0, 0.5, 10 * time.Second},
		{"jitter below 0 is clamped", 1, -3, 8 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := jobs.Backoff(tc.attempt, tc.jitter); got != tc.want {
				t.Fatalf("Backoff(%d, %v) = %v, want %v", tc.attempt, tc.jitter, got, tc.want)
			}
		})
	}
}

func TestJobBackoffGrowsUntilTheCapWhateverTheJitter(t *testing.T) {
	t.Parallel()
	for a := 1; a < 9; a++ {
		latest, next := jobs.Backoff(a, almostOne), jobs.Backoff(a+1, 0)
		if next <= latest {
			t.Errorf("retry %d may come at %v, before retry %d at the latest (%v)", a+1, next, a, latest)
		}
	}
	for a := 1; a < 50; a++ {
		if d := jobs.Backoff(a, almostOne); d > time.Hour {
			t.Errorf("Backoff(%d) = %v, over the hour cap", a, d)
		}
	}
}

type importOrder struct {
	ShopID  string `json:"shop_id"`
	OrderID int64  `json:"order_id"`
}

func TestJobNewAndDecode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		kind    string
		payload any
		wantErr bool
		json    string
	}{
		{"struct", "insales.import", importOrder{ShopID: "s1", OrderID: 42}, false, `{"shop_id":"s1","order_id":42}`},
		{"nil payload", "sweep", nil, false, `null`},
		{"empty kind", "", importOrder{}, true, ""},
		{"payload JSON cannot encode", "x", make(chan int), true, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			j, err := jobs.New(tc.kind, tc.payload)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("New(%q) = %+v, want an error", tc.kind, j)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if j.Kind != tc.kind || string(j.Payload) != tc.json {
				t.Fatalf("New = kind %q payload %s, want %q %s", j.Kind, j.Payload, tc.kind, tc.json)
			}
		})
	}

	j, err := jobs.New("insales.import", importOrder{ShopID: "s1", OrderID: 42})
	if err != nil {
		t.Fatal(err)
	}
	var got importOrder
	if err := j.Decode(&got); err != nil {
		t.Fatal(err)
	}
	if got != (importOrder{ShopID: "s1", OrderID: 42}) {
		t.Fatalf("Decode = %+v", got)
	}
	bad := jobs.Job{ID: "j1", Kind: "insales.import", Payload: []byte(`{"order_id":"x"}`)}
	if err := bad.Decode(&got); err == nil {
		t.Fatal("Decode of a mistyped payload succeeded")
	}
}

func TestJobPermanent(t *testing.T) {
	t.Parallel()
	base := errors.New("shop is gone")
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"plain error", base, false},
		{"permanent", jobs.Permanent(base), true},
		{"wrapped permanent", fmt.Errorf("import: %w", jobs.Permanent(base)), true},
		{"context error", context.DeadlineExceeded, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := jobs.IsPermanent(tc.err); got != tc.want {
				t.Fatalf("IsPermanent(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
	if jobs.Permanent(nil) != nil {
		t.Fatal("Permanent(nil) is not nil")
	}
	p := jobs.Permanent(base)
	if !errors.Is(p, base) || p.Error() != base.Error() {
		t.Fatalf("Permanent hides its error: %v", p)
	}
}
