package insales

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"parceltrack/retryafter"
)

// Defaults for Config members left zero.
const (
	DefaultRequestTimeout = 60 * time.Second // InSales itself gives up after 50 s (504)
	DefaultMaxRetries     = 3
	DefaultMaxWait        = 6 * time.Minute // longer than one rate window
	DefaultRateLimit      = 500
	DefaultRateWindow     = 5 * time.Minute
	DefaultPageSize       = 250 // the API maximum for per_page
	// defaultRetryAfter is used when a 429/503 carries no usable Retry-After.
	defaultRetryAfter = 5 * time.Second
	maxBodyBytes      = 64 << 20
	maxErrorBodyBytes = 1 << 20
)

// Shop is the per-shop credential every call takes.
type Shop struct {
	Domain   string // the shop's host, e.g. "myshop.myinsales.ru"
	Password string // md5(token + secret), see InstallPassword
	ID       int64  // insales_id; keys the rate limiter when set
}

// LogValue keeps the password out of logs.
func (s Shop) LogValue() slog.Value {
	return slog.GroupValue(slog.String("domain", s.Domain), slog.Int64("insales_id", s.ID))
}

// key identifies the shop for the rate limiter: InSales counts requests per
// shop, and one shop can be reached under more than one domain.
func (s Shop) key() string {
	if s.ID != 0 {
		return "id:" + strconv.FormatInt(s.ID, 10)
	}
	return "domain:" + strings.ToLower(s.Domain)
}

// Clock is the time source for rate limiting and retries; tests inject a fake
// one so that waiting out a five-minute window takes no real time.
type Clock interface {
	Now() time.Time
	// Sleep blocks for d or until ctx is done, returning ctx.Err() then.
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Config configures the one client shared by all shops.
type Config struct {
	AppID     string // the app identifier: the Basic-auth user for every shop
	AppSecret string // optional; only for Client.InstallPassword
	// BaseURL maps a shop domain to the API base (without "/admin").
	// Production: ProductionBaseURL; sandbox: BaseURLPattern("http://127.0.0.1:8080/sandbox/insales/{shop}").
	BaseURL    func(shop string) string
	HTTPClient *http.Client
	Logger     *slog.Logger
	Clock      Clock
	// RequestTimeout bounds one HTTP attempt when ctx has no deadline.
	RequestTimeout time.Duration
	// MaxRetries is how often a 429/503 is waited out and retried; negative
	// disables retries.
	MaxRetries int
	// MaxWait is the longest the client waits for the rate limit before it
	// gives up with a rate-limited *APIError instead.
	MaxWait time.Duration
	// RateLimit requests per RateWindow per shop is the platform's cap; the
	// client keeps a safety margin below it.
	RateLimit  int
	RateWindow time.Duration
	// PageSize is per_page for OrdersUpdatedSince (at most 250).
	PageSize int
}

// ProductionBaseURL is the real API base: https://{shop}.
func ProductionBaseURL(shop string) string { return "https://" + shop }

// BaseURLPattern returns a BaseURL func that substitutes the shop domain for
// "{shop}" in pattern, e.g. "http://127.0.0.1:8080/sandbox/insales/{shop}".
func BaseURLPattern(pattern string) func(shop string) string {
	return func(shop string) string {
		return strings.ReplaceAll(pattern, "{shop}", url.PathEscape(shop))
	}
}

// Client talks to the InSales admin API of any installed shop. It is safe for
// concurrent use; one per process is enough.
type Client struct {
	cfg   Config
	http  *http.Client
	log   *slog.Logger
	clock Clock

	budget limiterShape

	mu      sync.Mutex
	shops   map[string]*shopLimiter // keyed by Shop.key
	lookups int
}

// New validates cfg, fills in defaults and returns a client.
func New(cfg Config) (*Client, error) {
	if cfg.AppID == "" {
		return nil, errors.New("insales: new client: empty app id")
	}
	if cfg.BaseURL == nil {
		cfg.BaseURL = ProductionBaseURL
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Clock == nil {
		cfg.Clock = realClock{}
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = DefaultMaxRetries
	}
	if cfg.MaxRetries < 0 {
		cfg.MaxRetries = 0
	}
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = DefaultMaxWait
	}
	if cfg.RateLimit <= 0 {
		cfg.RateLimit = DefaultRateLimit
	}
	if cfg.RateWindow <= 0 {
		cfg.RateWindow = DefaultRateWindow
	}
	if cfg.PageSize <= 0 || cfg.PageSize > DefaultPageSize {
		cfg.PageSize = DefaultPageSize
	}
	return &Client{
		cfg:    cfg,
		http:   cfg.HTTPClient,
		log:    cfg.Logger,
		clock:  cfg.Clock,
		shops:  make(map[string]*shopLimiter),
		budget: newLimiterShape(cfg.RateLimit, cfg.RateWindow),
	}, nil
}

// InstallPassword derives a shop's password from its install token with the
// configured app secret.
func (c *Client) InstallPassword(token string) string {
	return InstallPassword(token, c.cfg.AppSecret)
}

// LoginRedirectURL is the autologin redirect for shop, built on the
// configured base URL so the sandbox gets its own host.
func (c *Client) LoginRedirectURL(shop, nonce, autologinURL string) string {
	return LoginRedirectURL(c.cfg.BaseURL(shop), c.cfg.AppID, nonce, autologinURL)
}

// wrap puts a request body under its resource key, as InSales expects.
func wrap(key string, v any) map[string]any { return map[string]any{key: v} }

// do performs one API call: path is relative to /admin and without ".json"
// ("orders/42"). body, when not nil, is sent as JSON; out, when not nil,
// receives the decoded 2xx answer. 429/503 answers are waited out and retried.
func (c *Client) do(ctx context.Context, shop Shop, method, path string, query url.Values, body, out any) error {
	if shop.Domain == "" {
		return errors.New("empty shop domain")
	}
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return fmt.Errorf("encode request: %w", err)
		}
	}
	u := strings.TrimRight(c.cfg.BaseURL(shop.Domain), "/") + "/admin/" + path + ".json"
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	lim := c.limiterFor(shop)
	var lastErr *APIError
	for attempt := 0; ; attempt++ {
		if err := c.waitTurn(ctx, lim); err != nil {
			var ae *APIError
			if lastErr != nil && errors.As(err, &ae) {
				lastErr.RetryAfter = ae.RetryAfter
				return lastErr
			}
			return err
		}
		apiErr, err := c.attempt(ctx, shop, lim, method, u, path, payload, out)
		if err != nil {
			return err
		}
		if apiErr == nil {
			return nil
		}
		if !IsRateLimited(apiErr) {
			return apiErr
		}
		lastErr = apiErr
		lim.blockFor(c.clock.Now(), apiErr.RetryAfter)
		if attempt >= c.cfg.MaxRetries {
			return apiErr
		}
		c.log.WarnContext(ctx, "insales rate limited, waiting",
			slog.String("shop", shop.Domain), slog.Int("status", apiErr.Status),
			slog.Int64("retry_after_ms", apiErr.RetryAfter.Milliseconds()), slog.Int("attempt", attempt+1))
	}
}

// attempt sends one HTTP request. It returns an *APIError for a non-2xx
// answer and a plain error for transport and decoding failures.
func (c *Client) attempt(ctx context.Context, shop Shop, lim *shopLimiter, method, u, path string, payload []byte, out any) (*APIError, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.cfg.RequestTimeout)
		defer cancel()
	}
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.SetBasicAuth(c.cfg.AppID, shop.Password)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "parceltrack")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	sentAt := c.clock.Now()
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	usage := resp.Header.Get("API-Usage-Limit")
	lim.observeUsage(sentAt, c.clock.Now(), usage)
	c.log.DebugContext(ctx, "insales request",
		slog.String("shop", shop.Domain), slog.String("method", method), slog.String("path", path),
		slog.Int("status", resp.StatusCode), slog.String("api_usage", usage),
		slog.Int64("duration_ms", time.Since(start).Milliseconds()))

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBodyBytes))
		apiErr := newAPIError(resp.StatusCode, b)
		if IsRateLimited(apiErr) {
			wait, ok := retryafter.Parse(resp.Header.Get("Retry-After"), c.clock.Now())
			if !ok {
				wait = defaultRetryAfter
			}
			apiErr.RetryAfter = wait
		}
		return apiErr, nil
	}
	if out == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBodyBytes))
		return nil, nil
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxBodyBytes)).Decode(out); err != nil {
		return nil, fmt.Errorf("%s %s: decode response: %w", method, path, err)
	}
	return nil, nil
}
