// Package handlers is the web layer: the Fiber app, its middleware, the
// error pages and one file per page or action. Every route is listed in
// routes.go.
//
// Pages are html/template views (package views) rendered by render: the full
// page on a normal request, only the page's own markup on an htmx request.
// Handlers stay short: parse → validate → call the domain → render or
// redirect.
package handlers

import (
	"context"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/template/html/v2"
	"github.com/prometheus/client_golang/prometheus"

	"parceltrack/static"
	"parceltrack/views"
)

// Deps is everything the web layer needs from the wiring layer.
type Deps struct {
	// Logger receives the request log and error details; nil discards.
	Logger *slog.Logger
	// BaseURL is the public URL of the app, e.g. "https://parceltrack.example".
	// An https URL makes cookies Secure. Empty means a local http run.
	BaseURL string
	// Sandbox announces sandbox mode on every page (a banner linking to /sandbox/).
	Sandbox bool
	// Ready reports whether the app can serve (the database answers); it backs
	// GET /readyz and gets a context with a 2 s deadline. Nil means always ready.
	Ready func(ctx context.Context) error
	// MetricsToken, when set, is the bearer token GET /metrics requires.
	MetricsToken string
	// Metrics is the process registry: the HTTP metrics are registered on it
	// and GET /metrics serves everything it holds. Nil means a private registry.
	Metrics *prometheus.Registry
	// SandboxHandlers are net/http handlers mounted by path prefix, e.g.
	// "/sandbox/russianpost" → rpsandbox.Server. Each gets the prefix itself
	// and everything below it, with the full (unstripped) path; the longest
	// prefix wins. They bypass CSRF.
	SandboxHandlers map[string]http.Handler
	// Demo is the sandbox demo shop behind /sandbox/; nil outside sandbox mode.
	Demo SandboxDemo
	// CSRFStorage keeps CSRF tokens (the service uses the database, so
	// several web processes behind a balancer accept each other's forms).
	// Nil means process memory, for tests.
	CSRFStorage fiber.Storage
	// RateLimitStorage keeps the rate limiter's counters, shared the same
	// way; nil means process memory. RateLimits are the limits (zero
	// fields: DefaultRateLimits).
	RateLimitStorage fiber.Storage
	RateLimits       RateLimits
	// ShopApp is the app in InSales shops behind /insales/..., /app and
	// the widget (*shopapp.App); nil leaves those routes out. It needs
	// Sessions.
	ShopApp ShopApp
	// Sessions keeps merchant sessions server-side (*storage.Sessions).
	Sessions SessionStore
	// Onboarding is the setup wizard behind /app/wizard/... and /app/texts
	// (*onboarding.Service); nil leaves them out and /app opens the cabinet
	// at once. It needs ShopApp.
	Onboarding Onboarding
	// ShopAdminURL is where "Вернуться в магазин" leads for a shop domain;
	// nil means https://{domain}/admin/ (the sandbox shop lives elsewhere).
	ShopAdminURL func(domain string) string
	// TwilioAuthToken checks X-Twilio-Signature of delivery callbacks at
	// POST /notify/twilio/status; empty leaves the route out.
	TwilioAuthToken string
	// TwilioStatusURL is the exact StatusCallback URL given to Twilio (its
	// signature covers it); empty means the public URL + /notify/twilio/status.
	TwilioStatusURL string
	// MessageStatuses records the callbacks' statuses
	// (*storage.MessageStatuses); required with TwilioAuthToken.
	MessageStatuses MessageStatusStore
	// MessageReports settles the outbox's messages by the callbacks
	// (*messages.Reports); nil records the statuses only.
	MessageReports MessageReports
	// Outbox lists what the sandbox Twilio and SMTP stand-ins received, for
	// GET /sandbox/outbox; nil leaves the page out.
	Outbox OutboxLister
}

// server holds the handlers' dependencies; handlers are its methods.
type server struct {
	log             *slog.Logger
	views           *html.Engine
	assets          *static.Assets
	sandbox         bool
	secureCookies   bool
	ready           func(ctx context.Context) error
	metrics         *httpMetrics
	metricsToken    string
	gatherer        prometheus.Gatherer
	csrfProtect     fiber.Handler
	limit           limiters
	sandboxHandlers map[string]http.Handler
	demo            SandboxDemo
	insales         insalesDeps
	onboard         onboardDeps
}

// options are test hooks: extra views to require and extra routes to mount
// (after the real ones).
type options struct {
	extraViews []string
	routes     func(s *server, app *fiber.App)
}

// New builds the web app. It fails, instead of a later request, when a view
// in the registry is missing, a template calls an unknown asset, a template
// does not parse, or the metrics cannot be registered.
func New(d Deps) (*fiber.App, error) {
	return build(d, options{})
}

func build(d Deps, o options) (*fiber.App, error) {
	s := &server{
		log:             d.Logger,
		sandbox:         d.Sandbox,
		ready:           d.Ready,
		sandboxHandlers: d.SandboxHandlers,
		demo:            d.Demo,
		metricsToken:    d.MetricsToken,
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if err := s.insales.init(d); err != nil {
		return nil, err
	}
	if err := s.onboard.init(d); err != nil {
		return nil, err
	}
	if d.BaseURL != "" {
		u, err := url.Parse(d.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("handlers: base url %q: want http(s)://host", d.BaseURL)
		}
		s.secureCookies = u.Scheme == "https"
	}
	for prefix := range d.SandboxHandlers {
		if len(prefix) < 2 || prefix[0] != '/' || strings.HasSuffix(prefix, "/") || strings.ContainsAny(prefix, "*:?+") {
			return nil, fmt.Errorf("handlers: sandbox prefix %q: want a plain path like /sandbox/name", prefix)
		}
	}

	var err error
	if s.assets, err = static.New(); err != nil {
		return nil, fmt.Errorf("handlers: %w", err)
	}
	s.views, err = views.New(views.Config{
		Funcs:    s.funcs(),
		Required: append(append([]string{}, viewRegistry...), o.extraViews...),
		Literals: map[string]func(string) error{
			"asset": func(name string) error { _, err := s.assets.URL(name); return err },
		},
	})
	if err != nil {
		return nil, fmt.Errorf("handlers: %w", err)
	}

	reg := d.Metrics
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	if s.metrics, err = newHTTPMetrics(reg); err != nil {
		return nil, fmt.Errorf("handlers: %w", err)
	}
	s.gatherer = reg
	s.csrfProtect = newCSRF(d.CSRFStorage, s.secureCookies)
	s.limit = s.newLimiters(d.RateLimits, d.RateLimitStorage)

	app := fiber.New(fiber.Config{
		AppName:               "parceltrack",
		DisableStartupMessage: true,
		ErrorHandler:          s.handleError,
		// Views lets c.Render work for partials; pages go through s.render.
		Views:        s.views,
		ReadTimeout:  15 * time.Second,
		WriteTimeout: 30 * time.Second,
		IdleTimeout:  2 * time.Minute,
	})
	s.routes(app)
	if o.routes != nil {
		o.routes(s, app)
	}
	return app, nil
}

// funcs are the template functions available to every view.
func (s *server) funcs() template.FuncMap {
	return template.FuncMap{
		// asset returns the fingerprinted URL of a static file; an unknown
		// name is an error (and a literal one fails New).
		"asset": s.assets.URL,
		// csrfField renders the hidden CSRF input: {{csrfField .CSRF}}.
		"csrfField": csrfFieldHTML,
	}
}

// sandboxPrefixes returns the sandbox mount prefixes, longest first, so a
// handler for "/sandbox" does not shadow "/sandbox/russianpost".
func (s *server) sandboxPrefixes() []string {
	prefixes := make([]string, 0, len(s.sandboxHandlers))
	for p := range s.sandboxHandlers {
		prefixes = append(prefixes, p)
	}
	sort.Slice(prefixes, func(i, j int) bool {
		if len(prefixes[i]) != len(prefixes[j]) {
			return len(prefixes[i]) > len(prefixes[j])
		}
		return prefixes[i] < prefixes[j]
	})
	return prefixes
}

// sandboxRequestTimeout bounds one request to a sandbox stand-in.
const sandboxRequestTimeout = 30 * time.Second

// detached serves h with a request context of its own. Fiber's adaptor
// hands a net/http handler fasthttp's request context, which fasthttp
// reuses for the next request on the connection; a goroutine a handler
// leaves watching it (the database driver starts one for every deadline
// under a context it does not know) then reads it while the next request
// writes it. A context that cannot be cancelled from there starts no such
// watcher.
func detached(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), sandboxRequestTimeout)
		defer cancel()
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}
