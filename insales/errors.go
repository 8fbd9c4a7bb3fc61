package insales

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

// APIError is a non-2xx answer from InSales (or a request the client refused
// to send because the shop's request budget is spent, Status 429).
type APIError struct {
	Status  int
	Message string
	// Fields holds a 422's validation messages (Russian), keyed by attribute:
	// the admin API answers a bare hash such as {"url": ["Недопустимый URL"]}.
	Fields map[string][]string
	// RetryAfter is how long InSales asked to wait (429/503), or how long the
	// local limiter would have had to wait.
	RetryAfter time.Duration
}

// Error describes the failure without any credentials.
func (e *APIError) Error() string {
	if e.RetryAfter > 0 {
		return fmt.Sprintf("status %d: %s (retry after %s)", e.Status, e.Message, e.RetryAfter)
	}
	return fmt.Sprintf("status %d: %s", e.Status, e.Message)
}

func statusOf(err error) int {
	var e *APIError
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// IsUnauthorized reports a 401: the shop password is wrong (the app was
// probably uninstalled or reinstalled with a new token).
func IsUnauthorized(err error) bool { return statusOf(err) == http.StatusUnauthorized }

// IsForbidden reports a 403: the app lacks the permission for this resource.
func IsForbidden(err error) bool { return statusOf(err) == http.StatusForbidden }

// IsNotFound reports a 404. InSales answers it with an HTML page even for
// .json URLs, so only the status is meaningful.
func IsNotFound(err error) bool { return statusOf(err) == http.StatusNotFound }

// IsValidation reports a 422; see APIError.Fields for the messages.
func IsValidation(err error) bool { return statusOf(err) == http.StatusUnprocessableEntity }

// IsRateLimited reports a 429 (or the older 503) after the client's retries
// were used up; APIError.RetryAfter says when to try again.
func IsRateLimited(err error) bool {
	s := statusOf(err)
	return s == http.StatusTooManyRequests || s == http.StatusServiceUnavailable
}

// RetryAfter returns how long to wait before retrying a rate-limited call, or
// 0 when err carries no such hint.
func RetryAfter(err error) time.Duration {
	var e *APIError
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}

// newAPIError reads whatever InSales put in an error body: {"message": ...},
// a bare hash of arrays (422), {"errors": {...}} or {"errors": [...]}. HTML
// and empty bodies (404, 429) leave only the status text.
func newAPIError(status int, body []byte) *APIError {
	e := &APIError{Status: status}
	body = bytes.TrimSpace(body)
	var top map[string]json.RawMessage
	if len(body) > 0 && body[0] == '{' && json.Unmarshal(body, &top) == nil {
		for k, raw := range top {
			switch k {
			case "message", "error":
				var s string
				if json.Unmarshal(raw, &s) == nil && e.Message == "" {
					e.Message = s
				}
			case "errors":
				var list []string
				var hash map[string][]string
				switch {
				case json.Unmarshal(raw, &list) == nil:
					if e.Message == "" {
						e.Message = strings.Join(list, "; ")
					}
				case json.Unmarshal(raw, &hash) == nil:
					e.addFields(hash)
				}
			default:
				var msgs []string
				if json.Unmarshal(raw, &msgs) == nil && len(msgs) > 0 {
					e.addFields(map[string][]string{k: msgs})
				}
			}
		}
	}
	if e.Message == "" && len(e.Fields) > 0 {
		keys := make([]string, 0, len(e.Fields))
		for k := range e.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, 0, len(keys))
		for _, k := range keys {
			parts = append(parts, k+": "+strings.Join(e.Fields[k], ", "))
		}
		e.Message = strings.Join(parts, "; ")
	}
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	if e.Message == "" {
		e.Message = "unexpected status"
	}
	return e
}

func (e *APIError) addFields(m map[string][]string) {
	if len(m) == 0 {
		return
	}
	if e.Fields == nil {
		e.Fields = make(map[string][]string, len(m))
	}
	for k, v := range m {
		e.Fields[k] = append(e.Fields[k], v...)
	}
}
