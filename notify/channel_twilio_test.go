package notify_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"parceltrack/notify"
)

const (
	testSID   = "AC0123456789abcdef0123456789abcdef"
	testToken = "secret0token0123456789abcdef0123"
)

// captured is one request as the fake Twilio saw it.
type captured struct {
	Method, Path, ContentType string
	User, Pass                string
	HasAuth                   bool
	Form                      url.Values
}

// fakeTwilio answers every request with the given status, headers and body
// and remembers what it received.
type fakeTwilio struct {
	mu       sync.Mutex
	requests []captured
	status   int
	header   map[string]string
	body     string
	delay    time.Duration
}

func (f *fakeTwilio) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(raw))
	user, pass, ok := r.BasicAuth()
	f.mu.Lock()
	f.requests = append(f.requests, captured{
		Method: r.Method, Path: r.URL.Path, ContentType: r.Header.Get("Content-Type"),
		User: user, Pass: pass, HasAuth: ok, Form: form,
	})
	f.mu.Unlock()
	if f.delay > 0 {
		select {
		case <-time.After(f.delay):
		case <-r.Context().Done():
			return
		}
	}
	for k, v := range f.header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(f.status)
	_, _ = io.WriteString(w, f.body)
}

func (f *fakeTwilio) only(t *testing.T) captured {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.requests) != 1 {
		t.Fatalf("fake twilio got %d requests, want 1", len(f.requests))
	}
	return f.requests[0]
}

func (f *fakeTwilio) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.requests)
}

func startFake(t *testing.T, f *fakeTwilio) string {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return srv.URL
}

func twilioErrorBody(code, status int, msg string) string {
	return `{"code":` + itoa(code) + `,"message":"` + msg + `","more_info":"https://www.twilio.com/docs/errors/` +
		itoa(code) + `","status":` + itoa(status) + `}`
}

func itoa(n int) string { return strconv.Itoa(n) }

// refusedURL returns a loopback URL nothing listens on.
func refusedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return "http://" + addr
}

func TestTwilioErrorMapping(t *testing.T) {
	t.Parallel()
	type want struct {
		permanent, config bool
		code              string
		retryAfter        time.Duration
	}
	tests := []struct {
		name    string
		fake    *fakeTwilio
		baseURL string // overrides the fake
		timeout time.Duration
		cancel  bool
		want    want
	}{
		{"invalid number 21211 is permanent",
			&fakeTwilio{status: 400, body: twilioErrorBody(21211, 400, "The 'To' number +7999 is not a valid phone number.")},
			"", 0, false, want{permanent: true, code: "21211"}},
		{"not a mobile 21614 is permanent",
			&fakeTwilio{status: 400, body: twilioErrorBody(21614, 400, "'To' number is not a valid mobile number")},
			"", 0, false, want{permanent: true, code: "21614"}},
		{"unsubscribed 21610 is permanent",
			&fakeTwilio{status: 400, body: twilioErrorBody(21610, 400, "Attempt to send to unsubscribed recipient")},
			"", 0, false, want{permanent: true, code: "21610"}},
		{"invalid from 21212 is config",
			&fakeTwilio{status: 400, body: twilioErrorBody(21212, 400, "Invalid From number")},
			"", 0, false, want{config: true, code: "21212"}},
		{"region not enabled 21408 is config",
			&fakeTwilio{status: 400, body: twilioErrorBody(21408, 400, "Permission to send an SMS has not been enabled")},
			"", 0, false, want{config: true, code: "21408"}},
		{"unknown 400 code waits for a person",
			&fakeTwilio{status: 400, body: twilioErrorBody(99999, 400, "Something new")},
			"", 0, false, want{config: true, code: "99999"}},
		{"401 bad credentials is temporary config",
			&fakeTwilio{status: 401, body: twilioErrorBody(20003, 401, "Authenticate")},
			"", 0, false, want{config: true, code: "20003"}},
		{"403 without code is config",
			&fakeTwilio{status: 403, body: `{"status":403,"message":"Forbidden"}`},
			"", 0, false, want{config: true, code: "http_403"}},
		{"404 wrong account is config",
			&fakeTwilio{status: 404, body: twilioErrorBody(20404, 404, "The requested resource was not found")},
			"", 0, false, want{config: true, code: "20404"}},
		{"429 is temporary with retry-after seconds",
			&fakeTwilio{status: 429, header: map[string]string{"Retry-After": "7"},
				body: twilioErrorBody(20429, 429, "Too Many Requests")},
			"", 0, false, want{code: "20429", retryAfter: 7 * time.Second}},
		{"429 without retry-after",
			&fakeTwilio{status: 429, body: twilioErrorBody(20429, 429, "Too Many Requests")},
			"", 0, false, want{code: "20429"}},
		{"500 is temporary",
			&fakeTwilio{status: 500, body: twilioErrorBody(20500, 500, "Internal Server Error")},
			"", 0, false, want{code: "20500"}},
		{"502 html page is temporary",
			&fakeTwilio{status: 502, header: map[string]string{"Content-Type": "text/html"},
				body: "<html><body>Bad Gateway</body></html>"},
			"", 0, false, want{code: "http_502"}},
		{"503 with retry-after is temporary",
			&fakeTwilio{status: 503, header: map[string]string{"Retry-After": "3"}, body: "unavailable"},
			"", 0, false, want{code: "http_503"}},
		{"2xx with garbage is temporary bad response",
			&fakeTwilio{status: 201, body: "not json"},
			"", 0, false, want{code: notify.CodeBadResponse}},
		{"connection refused is temporary",
			nil, "refused", 0, false, want{code: notify.CodeNetwork}},
		{"slow server times out, temporary",
			&fakeTwilio{status: 201, body: `{"sid":"SM1"}`, delay: 2 * time.Second},
			"", 100 * time.Millisecond, false, want{code: notify.CodeTimeout}},
		{"caller cancels, temporary",
			&fakeTwilio{status: 201, body: `{"sid":"SM1"}`, delay: 2 * time.Second},
			"", 0, true, want{code: notify.CodeCanceled}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			base := tc.baseURL
			if base == "refused" {
				base = refusedURL(t)
			} else {
				base = startFake(t, tc.fake)
			}
			sms, err := notify.NewSMS(notify.TwilioConfig{
				AccountSID: testSID, AuthToken: testToken, From: "+15005550006",
				BaseURL: base, Timeout: tc.timeout,
			})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if tc.cancel {
				var cancel context.CancelFunc
				ctx, cancel = context.WithCancel(ctx)
				time.AfterFunc(100*time.Millisecond, cancel)
			}
			start := time.Now()
			_, err = sms.Send(ctx, notify.Message{Channel: notify.KindSMS, To: "+79123456789", Text: "Привет"})
			if elapsed := time.Since(start); elapsed > time.Second {
				t.Errorf("Send took %v; timeout or cancellation not honoured", elapsed)
			}
			var se *notify.SendError
			if !errors.As(err, &se) {
				t.Fatalf("error %v (%T) is not a *SendError", err, err)
			}
			got := want{permanent: se.Permanent, config: se.Config, code: se.Code, retryAfter: se.RetryAfter}
			if got != tc.want {
				t.Errorf("SendError = %+v, want %+v (error: %v)", got, tc.want, err)
			}
			if notify.IsPermanent(err) != tc.want.permanent || notify.IsTemporary(err) == tc.want.permanent {
				t.Errorf("IsPermanent = %v, IsTemporary = %v, want permanent %v",
					notify.IsPermanent(err), notify.IsTemporary(err), tc.want.permanent)
			}
			if notify.IsConfig(err) != tc.want.config || notify.RetryAfter(err) != tc.want.retryAfter {
				t.Errorf("IsConfig = %v, RetryAfter = %v", notify.IsConfig(err), notify.RetryAfter(err))
			}
			if se.Channel != notify.KindSMS {
				t.Errorf("Channel = %q", se.Channel)
			}
		})
	}
}

func TestNewTwilioChannelsRejectBadConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  notify.TwilioConfig
	}{
		{"no sender", notify.TwilioConfig{AccountSID: testSID, AuthToken: testToken}},
		{"empty sid", notify.TwilioConfig{AuthToken: testToken, From: "+15005550006"}},
		{"token with symbols", notify.TwilioConfig{AccountSID: testSID, AuthToken: "abc-def", From: "+15005550006"}},
		{"base url without scheme", notify.TwilioConfig{AccountSID: testSID, AuthToken: testToken,
			From: "+15005550006", BaseURL: "127.0.0.1:8080"}},
		{"base url ftp", notify.TwilioConfig{AccountSID: testSID, AuthToken: testToken,
			From: "+15005550006", BaseURL: "ftp://127.0.0.1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := notify.NewSMS(tc.cfg); err == nil {
				t.Error("NewSMS accepted the config")
			}
			if _, err := notify.NewVoice(tc.cfg); err == nil {
				t.Error("NewVoice accepted the config")
			}
		})
	}
}
