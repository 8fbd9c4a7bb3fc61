package insales

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// windowServer emulates InSales' limit: limit requests per fixed window that
// starts at the first request, API-Usage-Limit on every answer, and 429 with
// Retry-After (seconds to the window's end) and an empty body beyond it.
type windowServer struct {
	clock  Clock
	limit  int
	window time.Duration

	mu       sync.Mutex
	start    time.Time
	count    int
	preUsed  int // requests other processes made in the first window
	accepted []time.Time
	rejected int
}

func (s *windowServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.start.IsZero() || !now.Before(s.start.Add(s.window)) {
		s.start, s.count = now, s.preUsed
		s.preUsed = 0
	}
	s.count++
	if s.count > s.limit {
		s.rejected++
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(s.start.Add(s.window).Sub(now).Seconds()))))
		w.Header().Set("API-Usage-Limit", fmt.Sprintf("%d/%d", s.limit, s.limit))
		w.WriteHeader(http.StatusTooManyRequests)
		return
	}
	s.accepted = append(s.accepted, now)
	w.Header().Set("API-Usage-Limit", fmt.Sprintf("%d/%d", s.count, s.limit))
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"id": 1474469}`)
}

func TestLimiterNeverLetsThe501stRequestIntoAWindow(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	srv := &windowServer{clock: clock, limit: 500, window: 5 * time.Minute}
	c := newTestClient(t, srv, func(cfg *Config) { cfg.Clock = clock })

	const n = 1200
	start := clock.Now()
	for i := range n {
		if _, err := c.GetAccount(context.Background(), testShop); err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
	}
	if srv.rejected != 0 {
		t.Errorf("server rejected %d requests", srv.rejected)
	}
	// Any 501 consecutive requests must span at least a full window, so no
	// window (fixed or sliding) ever holds 501.
	for i := 0; i+500 < len(srv.accepted); i++ {
		if span := srv.accepted[i+500].Sub(srv.accepted[i]); span < 5*time.Minute {
			t.Fatalf("requests %d..%d fit in %v", i+1, i+501, span)
		}
	}
	// The margin: not even 451 fit in one window.
	for i := 0; i+450 < len(srv.accepted); i++ {
		if span := srv.accepted[i+450].Sub(srv.accepted[i]); span < 5*time.Minute {
			t.Fatalf("margin broken: requests %d..%d fit in %v", i+1, i+451, span)
		}
	}
	// The burst goes out at once; then about 1.35 requests a second.
	first := srv.accepted[44]
	if !first.Equal(start) {
		t.Errorf("the first 45 requests waited until %v", first.Sub(start))
	}
	if srv.accepted[45].Equal(start) {
		t.Error("request 46 did not wait")
	}
	if elapsed := clock.Now().Sub(start); elapsed > 15*time.Minute {
		t.Errorf("%d requests took %v of clock time; the limiter is too slow", n, elapsed)
	}
}

func TestUsageHeaderNearTheCapWaitsForTheWindowEnd(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	// Another process of the app already spent 485 requests of this window.
	srv := &windowServer{clock: clock, limit: 500, window: 5 * time.Minute, preUsed: 485}
	c := newTestClient(t, srv, func(cfg *Config) { cfg.Clock = clock })

	start := clock.Now()
	for i := range 20 {
		if _, err := c.GetAccount(context.Background(), testShop); err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
	}
	if srv.rejected != 0 {
		t.Errorf("server rejected %d requests", srv.rejected)
	}
	// Requests 486..490 fit; at 490/500 the client stops until the window ends.
	if got := srv.accepted[4]; !got.Equal(start) {
		t.Errorf("the 5th request was sent at +%v", got.Sub(start))
	}
	if got := srv.accepted[5].Sub(start); got < 5*time.Minute {
		t.Errorf("the 6th request was sent at +%v, inside the spent window", got)
	}
}

// scriptedServer answers with the statuses in script, then 200.
type scriptedServer struct {
	mu         sync.Mutex
	script     []int
	retryAfter string
	calls      int
}

func (s *scriptedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.calls <= len(s.script) {
		if s.retryAfter != "" {
			w.Header().Set("Retry-After", s.retryAfter)
		}
		w.WriteHeader(s.script[s.calls-1])
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(mustRead("order-3.json"))
}

func (s *scriptedServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

func TestRetryAfterIsWaitedOut(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		script     []int
		retryAfter string
		wantCalls  int
		wantSlept  time.Duration
	}{
		{"one 429", []int{429}, "1", 2, time.Second},
		{"two 429s", []int{429, 429}, "3", 3, 6 * time.Second},
		{"older 503", []int{503}, "2", 2, 2 * time.Second},
		{"429 without Retry-After uses the default", []int{429}, "", 2, defaultRetryAfter},
		{"three 429s is still within the retries", []int{429, 429, 429}, "1", 4, 3 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := newFakeClock()
			srv := &scriptedServer{script: tt.script, retryAfter: tt.retryAfter}
			c := newTestClient(t, srv, func(cfg *Config) { cfg.Clock = clock })
			o, err := c.GetOrder(context.Background(), testShop, 1432359369)
			if err != nil {
				t.Fatalf("GetOrder: %v", err)
			}
			if o.ID != 1432359369 {
				t.Errorf("order id = %d", o.ID)
			}
			if srv.count() != tt.wantCalls {
				t.Errorf("server saw %d requests, want %d", srv.count(), tt.wantCalls)
			}
			if got := clock.totalSlept(); got != tt.wantSlept {
				t.Errorf("slept %v, want %v", got, tt.wantSlept)
			}
		})
	}
}

func TestRetryAfterRealClock(t *testing.T) {
	t.Parallel()
	srv := &scriptedServer{script: []int{429}, retryAfter: "1"}
	c := newTestClient(t, srv, func(cfg *Config) { cfg.Clock = nil }) // the production clock
	start := time.Now()
	if _, err := c.GetOrder(context.Background(), testShop, 1432359369); err != nil {
		t.Fatalf("GetOrder: %v", err)
	}
	if d := time.Since(start); d < time.Second || d > 3*time.Second {
		t.Errorf("took %v, want about 1 s", d)
	}
	if srv.count() != 2 {
		t.Errorf("server saw %d requests, want 2", srv.count())
	}
}

func TestRateLimitGivesUp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		retryAfter     string
		mutate         func(*Config)
		ctxTimeout     time.Duration
		wantCalls      int
		wantRetryAfter time.Duration
	}{
		{"retries are bounded", "2", nil, 0, 4, 2 * time.Second},
		{"no retries when disabled", "2", func(c *Config) { c.MaxRetries = -1 }, 0, 1, 2 * time.Second},
		{"a wait beyond MaxWait is not attempted", "600", nil, 0, 1, 600 * time.Second},
		{"a wait beyond the ctx deadline is not attempted", "120", nil, time.Second, 1, 120 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := &scriptedServer{script: []int{429, 429, 429, 429, 429, 429}, retryAfter: tt.retryAfter}
			c := newTestClient(t, srv, tt.mutate)
			ctx := context.Background()
			if tt.ctxTimeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.ctxTimeout)
				defer cancel()
			}
			start := time.Now()
			_, err := c.GetOrder(ctx, testShop, 1)
			if !IsRateLimited(err) {
				t.Fatalf("err = %v, want rate limited", err)
			}
			if got := RetryAfter(err); got != tt.wantRetryAfter {
				t.Errorf("RetryAfter = %v, want %v", got, tt.wantRetryAfter)
			}
			if srv.count() != tt.wantCalls {
				t.Errorf("server saw %d requests, want %d", srv.count(), tt.wantCalls)
			}
			if d := time.Since(start); d > 500*time.Millisecond {
				t.Errorf("gave up after %v of real time", d)
			}
		})
	}
}

func TestLimiterIsPerShop(t *testing.T) {
	t.Parallel()
	calls := map[string]int{}
	var mu sync.Mutex
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		shop := strings.Split(strings.TrimPrefix(r.URL.Path, "/sandbox/insales/"), "/")[0]
		calls[shop]++
		if shop == "busy.myinsales.ru" {
			w.Header().Set("Retry-After", "300")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		_, _ = io.WriteString(w, `{"id": 2}`)
	})
	clock := newFakeClock()
	c := newTestClient(t, h, func(cfg *Config) { cfg.Clock = clock; cfg.MaxRetries = -1; cfg.MaxWait = time.Minute })
	busy := Shop{Domain: "busy.myinsales.ru", Password: "p1", ID: 1}
	calm := Shop{Domain: "calm.myinsales.ru", Password: "p2", ID: 2}

	if _, err := c.GetAccount(context.Background(), busy); !IsRateLimited(err) {
		t.Fatalf("busy shop: err = %v, want rate limited", err)
	}
	if _, err := c.GetAccount(context.Background(), calm); err != nil {
		t.Fatalf("calm shop blocked by the busy one: %v", err)
	}
	if clock.totalSlept() != 0 {
		t.Errorf("slept %v", clock.totalSlept())
	}
	// The busy shop stays blocked locally: no request reaches InSales.
	_, err := c.GetAccount(context.Background(), busy)
	if !IsRateLimited(err) || RetryAfter(err) != 300*time.Second {
		t.Errorf("second busy call: err = %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if calls["busy.myinsales.ru"] != 1 || calls["calm.myinsales.ru"] != 1 {
		t.Errorf("calls = %v", calls)
	}
	// The same shop under another domain shares the budget (keyed by insales_id).
	own := Shop{Domain: "shop.example.ru", Password: "p1", ID: 1}
	if _, err := c.GetAccount(context.Background(), own); !IsRateLimited(err) {
		t.Errorf("same shop under its own domain: err = %v", err)
	}
}

func TestWaitRespectsCancellation(t *testing.T) {
	t.Parallel()
	srv := &scriptedServer{script: []int{429, 429}, retryAfter: "10"}
	c := newTestClient(t, srv, func(cfg *Config) { cfg.Clock = nil })
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.GetOrder(ctx, testShop, 1)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want canceled", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("cancel took %v", d)
	}
}

func TestConcurrentCallersShareTheBudget(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	srv := &windowServer{clock: clock, limit: 500, window: 5 * time.Minute}
	c := newTestClient(t, srv, func(cfg *Config) { cfg.Clock = clock })
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			for range 60 {
				if _, err := c.GetAccount(context.Background(), testShop); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if srv.rejected != 0 {
		t.Errorf("server rejected %d requests", srv.rejected)
	}
	if len(srv.accepted) != 480 {
		t.Errorf("accepted %d requests, want 480", len(srv.accepted))
	}
}

func TestParseUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in          string
		used, limit int
		ok          bool
	}{
		{"1/500", 1, 500, true},
		{" 499 / 500 ", 499, 500, true},
		{"", 0, 0, false},
		{"500", 0, 0, false},
		{"a/500", 0, 0, false},
		{"5/0", 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			used, limit, ok := parseUsage(tt.in)
			if used != tt.used || limit != tt.limit || ok != tt.ok {
				t.Errorf("parseUsage(%q) = %d, %d, %v", tt.in, used, limit, ok)
			}
		})
	}
}

func TestIdleShopsAreForgotten(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	c, err := New(Config{AppID: testAppID, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	for i := range sweepEvery - 2 {
		c.limiterFor(Shop{Domain: fmt.Sprintf("s%d.myinsales.ru", i)})
	}
	blocked := c.limiterFor(Shop{Domain: "blocked.myinsales.ru"})
	blocked.blockFor(clock.Now(), time.Hour)
	if err := clock.Sleep(context.Background(), 11*time.Minute); err != nil {
		t.Fatal(err)
	}
	c.limiterFor(Shop{Domain: "fresh.myinsales.ru"}) // the 1024th look-up sweeps
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.shops) != 2 {
		t.Errorf("%d shops remembered, want 2 (the blocked one and the fresh one)", len(c.shops))
	}
	if c.shops["domain:blocked.myinsales.ru"] != blocked {
		t.Error("a blocked shop was forgotten")
	}
}
