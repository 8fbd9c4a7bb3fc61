package shopapp

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

	"parceltrack/insales"
	"parceltrack/jobs"
	"parceltrack/tracking"
)

// Errors of the app's entry points; handlers map them to HTTP statuses.
var (
	// ErrUnknownShop means no installed shop matches the request.
	ErrUnknownShop = errors.New("shopapp: unknown shop")
	// ErrDenied means a token, password or URL secret did not match.
	ErrDenied = errors.New("shopapp: credentials do not match")
	// ErrBadRequest means the request's parameters or body cannot be used.
	ErrBadRequest = errors.New("shopapp: bad request")
	// ErrSetupBusy means another run of the shop's setup (in this or another
	// process) did not finish within the wait.
	ErrSetupBusy = errors.New("shopapp: setup is already running for this shop")
)

// Options configure an App. Client, AppSecret, BaseURL, Sealer, Shops,
// Parcels, Events, Billing, Locks and Jobs are required.
type Options struct {
	// Client talks to InSales (or the sandbox shop).
	Client *insales.Client
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
	// Jobs stores the app's background work (webhook imports, setup, status
	// sync), which JobHandlers run.
	Jobs jobs.Enqueuer
	// Now is the wall clock (nil: time.Now). TrackingClock is the clock of
	// parcel dates — entered_at, the first next_poll_at and the widget's
	// "now": the wall clock in production, the Russian Post sandbox's fast
	// clock in sandbox mode (nil: Now).
	Now           func() time.Time
	TrackingClock func() time.Time
	// Rules are the state model's thresholds (zero: tracking.DefaultRules).
	Rules  tracking.Rules
	Logger *slog.Logger
}

// App is the app's behaviour in installed shops (see the package comment).
// It is safe for concurrent use.
type App struct {
	o   Options
	log *slog.Logger
}

// New checks o and builds the App.
func New(o Options) (*App, error) {
	switch {
	case o.Client == nil:
		return nil, errors.New("shopapp: no client")
	case o.AppSecret == "":
		return nil, errors.New("shopapp: empty app secret")
	case o.Sealer == nil:
		return nil, errors.New("shopapp: no sealer")
	case o.Shops == nil || o.Parcels == nil || o.Events == nil:
		return nil, errors.New("shopapp: missing store")
	case o.Billing == nil:
		return nil, errors.New("shopapp: no billing")
	case o.Locks == nil:
		return nil, errors.New("shopapp: no locker")
	case o.Jobs == nil:
		return nil, errors.New("shopapp: no job queue")
	}
	u, err := url.Parse(o.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("shopapp: base url %q: want http(s)://host", o.BaseURL)
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
	return &App{o: o, log: o.Logger.With(slog.String("component", "shopapp"))}, nil
}

// creds opens the shop's stored password for an API call.
func (a *App) creds(s Shop) (insales.Shop, error) {
	pw, err := a.o.Sealer.Open(s.PasswordEnc, ShopLabel(s.InsalesID))
	if err != nil {
		return insales.Shop{}, fmt.Errorf("shopapp: shop %s password: %w", s.ID, err)
	}
	return insales.Shop{Domain: s.Domain, Password: pw, ID: s.InsalesID}, nil
}

// rules are the state model's thresholds for the shop's parcels.
func (a *App) rules(s Shop) tracking.Rules {
	r := a.o.Rules
	if s.Settings.StorageDays > 0 {
		r.StorageDays = s.Settings.StorageDays
	}
	return r
}

// webhookPath is the route prefix of the webhook receiver.
const webhookPath = "/insales/webhooks/"

// WebhookToken is the per-shop secret path segment of the shop's webhook
// URL: the shop id (a cheap primary-key lookup) and the random secret.
func WebhookToken(shopID, secret string) string { return shopID + "." + secret }

// WebhookURL is the address the shop's webhooks post to.
func (a *App) WebhookURL(s Shop) string {
	return a.o.BaseURL + webhookPath + WebhookToken(s.ID, s.Settings.WebhookSecret)
}

// shopByID reads a shop, an unknown one being ErrUnknownShop.
func (a *App) shopByID(ctx context.Context, id string) (Shop, error) {
	s, err := a.o.Shops.Shop(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return Shop{}, fmt.Errorf("%w: %s", ErrUnknownShop, id)
	}
	if err != nil {
		return Shop{}, fmt.Errorf("shopapp: shop %s: %w", id, err)
	}
	return s, nil
}

// randomHex returns n random bytes in hex.
func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("shopapp: random: %w", err)
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
