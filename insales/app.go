package insales

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"
)

// Errors of the app's entry points; handlers map them to HTTP statuses.
var (
	// ErrUnknownShop means no installed shop matches the request.
	ErrUnknownShop = errors.New("insales: unknown shop")
	// ErrDenied means a token, password or URL secret did not match.
	ErrDenied = errors.New("insales: credentials do not match")
	// ErrBadRequest means the request's parameters or body cannot be used.
	ErrBadRequest = errors.New("insales: bad request")
	// ErrSetupBusy means another run of the shop's setup (in this or another
	// process) did not finish within the wait.
	ErrSetupBusy = errors.New("insales: setup is already running for this shop")
)

// Locker holds named, expiring locks shared by every process on the database
// (storage.Leases). The setup takes one per shop, so two runs never look for
// the same resources at once and both create them.
type Locker interface {
	Acquire(ctx context.Context, key, owner string, now time.Time, ttl time.Duration) (bool, error)
	Release(ctx context.Context, key, owner string) error
}

// AppOptions configure an App. Client, AppSecret, BaseURL, Sealer, Shops,
// Parcels, Events, Billing and Locks are required.
type AppOptions struct {
	// Client talks to InSales (or the sandbox shop).
	Client *Client
	// AppSecret is INSALES_APP_SECRET: it derives each shop's password from
	// its install token.
	AppSecret string
	// BaseURL is the app's public URL; webhook addresses and the widget's
	// iframe are built on it.
	BaseURL string
	Sealer  *Sealer
	Shops   ShopStore
	Parcels ParcelStore
	Events  EventStore
	Billing Biller
	Locks   Locker
	// Now is the wall clock (nil: time.Now). TrackingClock is the clock of
	// parcel dates — entered_at and the first next_poll_at: the wall clock in
	// production, the Russian Post sandbox's fast clock in sandbox mode (nil:
	// Now).
	Now           func() time.Time
	TrackingClock func() time.Time
	Logger        *slog.Logger
	// Inline runs queued work (setup, webhook imports, status sync) in the
	// caller instead of the background queue; tests use it.
	Inline bool
	// Workers run queued jobs (default 2); QueueSize bounds the queue
	// (default 1000).
	Workers   int
	QueueSize int
	// SetupRetries are the delays before the queue retries a failed setup
	// (default 10 s, 1 min, 5 min); the periodic RunPendingSetups job takes
	// over after them.
	SetupRetries []time.Duration
}

// App is the app side of the InSales integration: install and uninstall,
// login checks, the webhook receiver, the setup job, track import,
// reconciliation and status sync. It is safe for concurrent use.
type App struct {
	o     AppOptions
	log   *slog.Logger
	queue *queue
}

// NewApp checks o and builds the App. Call Start before serving requests
// (unless o.Inline) and Close on shutdown.
func NewApp(o AppOptions) (*App, error) {
	switch {
	case o.Client == nil:
		return nil, errors.New("insales: app: no client")
	case o.AppSecret == "":
		return nil, errors.New("insales: app: empty app secret")
	case o.Sealer == nil:
		return nil, errors.New("insales: app: no sealer")
	case o.Shops == nil || o.Parcels == nil || o.Events == nil:
		return nil, errors.New("insales: app: missing store")
	case o.Billing == nil:
		return nil, errors.New("insales: app: no billing")
	case o.Locks == nil:
		return nil, errors.New("insales: app: no locker")
	}
	u, err := url.Parse(o.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("insales: app: base url %q: want http(s)://host", o.BaseURL)
	}
	o.BaseURL = strings.TrimRight(o.BaseURL, "/")
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.TrackingClock == nil {
		o.TrackingClock = o.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Workers <= 0 {
		o.Workers = 2
	}
	if o.QueueSize <= 0 {
		o.QueueSize = 1000
	}
	if o.SetupRetries == nil {
		o.SetupRetries = []time.Duration{10 * time.Second, time.Minute, 5 * time.Minute}
	}
	a := &App{o: o, log: o.Logger.With(slog.String("component", "insales_app"))}
	a.queue = newQueue(o.Workers, o.QueueSize, o.Inline, a.log)
	return a, nil
}

// Start runs the background queue until ctx ends or Close is called.
func (a *App) Start(ctx context.Context) { a.queue.start(ctx) }

// Close stops taking work and waits for running jobs (or ctx).
func (a *App) Close(ctx context.Context) error { return a.queue.close(ctx) }

// creds opens the shop's stored password for an API call.
func (a *App) creds(s AppShop) (Shop, error) {
	pw, err := a.o.Sealer.Open(s.PasswordEnc, ShopLabel(s.InsalesID))
	if err != nil {
		return Shop{}, fmt.Errorf("insales: shop %s password: %w", s.ID, err)
	}
	return Shop{Domain: s.Domain, Password: pw, ID: s.InsalesID}, nil
}

// webhookPath is the route prefix of the webhook receiver.
const webhookPath = "/insales/webhooks/"

// WebhookToken is the per-shop secret path segment of the shop's webhook
// URL: the shop id (a cheap primary-key lookup) and the random secret.
func WebhookToken(shopID, secret string) string { return shopID + "." + secret }

// WebhookURL is the address the shop's webhooks post to.
func (a *App) WebhookURL(s AppShop) string {
	return a.o.BaseURL + webhookPath + WebhookToken(s.ID, s.WebhookSecret)
}

// randomHex returns n random bytes in hex.
func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("insales: random: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// errText keeps a stored or logged error short.
func errText(err error) string {
	s := err.Error()
	if r := []rune(s); len(r) > 300 {
		s = string(r[:300]) + "…"
	}
	return s
}
