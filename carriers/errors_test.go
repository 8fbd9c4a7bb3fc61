package carriers

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"parceltrack/tracking"
)

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

var _ net.Error = timeoutErr{}

func TestKindOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want Kind
	}{
		{"nil", nil, 0},
		{"permanent", &Error{Kind: Permanent, Code: "OperationHistoryFault"}, Permanent},
		{"account wrapped twice", fmt.Errorf("worker: poll: %w", fmt.Errorf("russianpost: get history: %w", &Error{Kind: Account})), Account},
		{"temporary", &Error{Kind: Temporary}, Temporary},
		{"zero kind counts as temporary", &Error{}, Temporary},
		{"deadline", context.DeadlineExceeded, Temporary},
		{"wrapped deadline", fmt.Errorf("x: %w", context.DeadlineExceeded), Temporary},
		{"cancelled", context.Canceled, Temporary},
		{"net error", &net.OpError{Op: "dial", Err: errors.New("connection refused")}, Temporary},
		{"plain error", errors.New("boom"), Temporary},
		{"not ready sentinel", &Error{Kind: Temporary, Code: "6", Err: ErrNotReady}, Temporary},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := KindOf(tc.err); got != tc.want {
				t.Fatalf("KindOf = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestTransportError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		err      error
		wantCode string
	}{
		{"deadline", fmt.Errorf("post: %w", context.DeadlineExceeded), "timeout"},
		{"net timeout", &net.OpError{Op: "read", Err: timeoutErr{}}, "timeout"},
		{"refused", &net.OpError{Op: "dial", Err: errors.New("connection refused")}, "network"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := TransportError(tc.err)
			if e.Code != tc.wantCode || KindOf(e) != Temporary {
				t.Fatalf("got code %q kind %v", e.Code, KindOf(e))
			}
			if !errors.Is(e, tc.err) {
				t.Fatal("cause is not reachable with errors.Is")
			}
		})
	}
}

func TestErrorMessageAndSentinels(t *testing.T) {
	t.Parallel()
	e := &Error{Kind: Temporary, Code: "6", Message: "Ответ не готов", RetryAfter: 15 * time.Minute, Err: ErrNotReady}
	wrapped := fmt.Errorf("russianpost: collect batch: %w", e)
	if !errors.Is(wrapped, ErrNotReady) || errors.Is(wrapped, ErrExpired) {
		t.Fatal("sentinel matching is wrong")
	}
	if got := RetryAfterOf(wrapped); got != 15*time.Minute {
		t.Fatalf("RetryAfterOf = %v", got)
	}
	want := "temporary carrier error [6]: Ответ не готов: batch answer not ready"
	if e.Error() != want {
		t.Fatalf("Error() = %q, want %q", e.Error(), want)
	}
}

// TestAnswer: a client's result in the state model's terms.
func TestAnswer(t *testing.T) {
	t.Parallel()
	events := []tracking.Event{{Type: 1, Attr: 1}}
	tests := []struct {
		name string
		err  error
		want tracking.Answer
	}{
		{"a history", nil, tracking.Answer{Events: events}},
		{"a rejected number", &Error{Kind: Permanent, Code: "bad"}, tracking.Answer{Rejected: true, Reason: "permanent carrier error [bad]"}},
		{"a failure with a hint", &Error{Kind: Temporary, Code: "http_503", RetryAfter: time.Minute},
			tracking.Answer{Failed: true, Reason: "temporary carrier error [http_503]", RetryAfter: time.Minute}},
		{"an unknown error is a failure", errors.New("boom"), tracking.Answer{Failed: true, Reason: "boom"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Answer(events, tt.err)
			if len(got.Events) != len(tt.want.Events) || got.Rejected != tt.want.Rejected || got.Failed != tt.want.Failed ||
				got.Reason != tt.want.Reason || got.RetryAfter != tt.want.RetryAfter {
				t.Fatalf("%+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestAccountRest: how long the whole account rests after a refusal.
func TestAccountRest(t *testing.T) {
	t.Parallel()
	now := time.Date(2030, 1, 1, 22, 30, 0, 0, time.UTC) // 01:30 MSK on 02.01
	tests := []struct {
		name string
		err  error
		want time.Time
	}{
		{"the day's limit: until the carrier's next day", fmt.Errorf("wrapped: %w", &Error{Kind: Account, DailyLimit: true}),
			time.Date(2030, 1, 3, 0, 0, 0, 0, tracking.Moscow)},
		{"as long as the carrier asked", &Error{Kind: Account, RetryAfter: 10 * time.Minute}, now.Add(10 * time.Minute)},
		{"else an hour", &Error{Kind: Account, Code: "AuthorizationFault"}, now.Add(time.Hour)},
	}
	for _, tt := range tests {
		if got := AccountRest(tt.err, now); !got.Equal(tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}
