package carriers

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"
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
