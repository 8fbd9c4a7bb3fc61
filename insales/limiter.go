package insales

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// InSales allows 500 requests per 5 minutes per app per shop, counted in a
// fixed window that starts at the first request; failed-auth requests count
// too. Each shop gets a token bucket sized so that no 5-minute interval —
// hence no fixed window, wherever it starts — can hold more than 90% of the
// cap: burst + rate*window = 0.9*cap. The rest is a margin for the other
// processes of the app (web and worker) that share the shop's budget; those
// are caught by reading API-Usage-Limit on every answer.

// limiterShape is the per-shop bucket geometry derived from the config.
type limiterShape struct {
	rate   rate.Limit
	burst  int
	window time.Duration
}

func newLimiterShape(limit int, window time.Duration) limiterShape {
	budget := limit * 9 / 10
	if budget < 1 {
		budget = 1
	}
	burst := budget / 10
	if burst < 1 {
		burst = 1
	}
	refill := budget - burst
	if refill < 1 {
		refill = 1
	}
	return limiterShape{
		rate:   rate.Limit(float64(refill) / window.Seconds()),
		burst:  burst,
		window: window,
	}
}

// shopLimiter is the request budget of one shop.
type shopLimiter struct {
	bucket *rate.Limiter
	window time.Duration

	mu           sync.Mutex
	blockedUntil time.Time // no request before this (Retry-After or a spent window)
	windowStart  time.Time // our latest-possible estimate of the server window's start
	lastUsed     int       // last N of "API-Usage-Limit: N/M"
	lastSeen     time.Time // for dropping idle shops from the client's map
}

// sweepEvery is how many limiter look-ups pass between sweeps of idle shops.
const sweepEvery = 1024

func (c *Client) limiterFor(shop Shop) *shopLimiter {
	key := shop.key()
	now := c.clock.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lookups++
	if c.lookups%sweepEvery == 0 {
		c.sweepLocked(now)
	}
	l, ok := c.shops[key]
	if !ok {
		l = &shopLimiter{
			bucket: rate.NewLimiter(c.budget.rate, c.budget.burst),
			window: c.budget.window,
		}
		c.shops[key] = l
	}
	l.touch(now)
	return l
}

// sweepLocked forgets shops idle for two windows: by then their bucket is full
// and their window over, so a fresh limiter is equivalent.
func (c *Client) sweepLocked(now time.Time) {
	for k, l := range c.shops {
		if l.idleSince(now) > 2*c.budget.window {
			delete(c.shops, k)
		}
	}
}

func (l *shopLimiter) touch(now time.Time) {
	l.mu.Lock()
	if now.After(l.lastSeen) {
		l.lastSeen = now
	}
	l.mu.Unlock()
}

func (l *shopLimiter) idleSince(now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Before(l.blockedUntil) {
		return 0
	}
	return now.Sub(l.lastSeen)
}

func (l *shopLimiter) blocked() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.blockedUntil
}

// blockFor stops every caller of this shop for d from now (a Retry-After).
func (l *shopLimiter) blockFor(now time.Time, d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if until := now.Add(d); until.After(l.blockedUntil) {
		l.blockedUntil = until
	}
}

// observeUsage reads "API-Usage-Limit: N/M". When the shop is within 2% of
// the cap, the shop is blocked until the estimated end of the server's window.
// The window start is estimated as late as possible (the send time of the
// first answer seen in it) so the estimated end is never early.
func (l *shopLimiter) observeUsage(sentAt, now time.Time, header string) {
	used, limit, ok := parseUsage(header)
	if !ok {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.windowStart.IsZero() || !now.Before(l.windowStart.Add(l.window)) || used < l.lastUsed {
		l.windowStart = sentAt
	}
	l.lastUsed = used
	headroom := limit / 50
	if headroom < 1 {
		headroom = 1
	}
	if used >= limit-headroom {
		if end := l.windowStart.Add(l.window); end.After(l.blockedUntil) {
			l.blockedUntil = end
		}
	}
}

func parseUsage(h string) (used, limit int, ok bool) {
	a, b, found := strings.Cut(strings.TrimSpace(h), "/")
	if !found {
		return 0, 0, false
	}
	used, err1 := strconv.Atoi(strings.TrimSpace(a))
	limit, err2 := strconv.Atoi(strings.TrimSpace(b))
	if err1 != nil || err2 != nil || limit <= 0 || used < 0 {
		return 0, 0, false
	}
	return used, limit, true
}

// waitTurn blocks until the shop may receive one more request: first any
// block (Retry-After, spent window), then a token from the bucket.
func (c *Client) waitTurn(ctx context.Context, l *shopLimiter) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		now := c.clock.Now()
		if until := l.blocked(); now.Before(until) {
			d := until.Sub(now)
			if err := c.checkWait(ctx, d); err != nil {
				return err
			}
			if err := c.clock.Sleep(ctx, d); err != nil {
				return err
			}
			continue // another caller may have extended the block meanwhile
		}
		r := l.bucket.ReserveN(now, 1)
		if !r.OK() {
			return &APIError{Status: 429, Message: "local rate limiter refused the request", RetryAfter: c.budget.window}
		}
		d := r.DelayFrom(now)
		if d <= 0 {
			return nil
		}
		if err := c.checkWait(ctx, d); err != nil {
			r.CancelAt(now)
			return err
		}
		if err := c.clock.Sleep(ctx, d); err != nil {
			r.CancelAt(c.clock.Now())
			return err
		}
		return nil
	}
}

// checkWait refuses a wait longer than MaxWait or past ctx's deadline, so a
// caller learns at once to come back later instead of timing out asleep.
func (c *Client) checkWait(ctx context.Context, d time.Duration) error {
	refuse := d > c.cfg.MaxWait
	if dl, ok := ctx.Deadline(); ok && d > time.Until(dl) {
		refuse = true
	}
	if refuse {
		return &APIError{Status: 429, Message: "request budget for this shop is spent", RetryAfter: d}
	}
	return nil
}
