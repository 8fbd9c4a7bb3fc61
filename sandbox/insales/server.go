package insalessandbox

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Defaults for Config members left zero.
const (
	DefaultPrefix         = "/sandbox/insales"
	DefaultShopDomain     = "demo-shop.myinsales.ru"
	DefaultShopTitle      = "Демо-магазин «Уютный дом»"
	DefaultInsalesID      = 1000001
	DefaultRateLimit      = 500
	DefaultRateWindow     = 5 * time.Minute
	DefaultWebhookTimeout = 10 * time.Second
	// DefaultInstallTimeout is how long InSales waits for the app's install
	// answer before it cancels the install.
	DefaultInstallTimeout = 10 * time.Second
)

// App is the app's registration in InSales: its identifier and secret and
// the URLs InSales calls (install, uninstall) or sends the merchant to (login).
type App struct {
	ID           string
	Secret       string
	InstallURL   string
	UninstallURL string
	LoginURL     string
}

// User is the shop's admin user who opens the app.
type User struct {
	ID    int64
	Email string
	Name  string
}

// Config configures the sandbox shop.
type Config struct {
	// Prefix is where the handler is mounted (default DefaultPrefix).
	Prefix string
	// BaseURL is the public base of the whole process, e.g.
	// "http://localhost:8080"; links and the API base are built on it.
	BaseURL string
	// Store keeps the shop; nil means an in-memory store.
	Store Store
	// App is the app's registration. App.ID is required.
	App App
	// HTTPClient makes the install/uninstall calls and webhook deliveries;
	// nil means a plain client (each call has its own timeout).
	HTTPClient *http.Client
	// Clock is the wall clock; nil means time.Now.
	Clock func() time.Time
	// Logger receives delivery failures and lifecycle events; nil discards.
	Logger *slog.Logger
	// RateLimit requests per RateWindow (fixed window from the first
	// request) are allowed; defaults 500 per 5 minutes.
	RateLimit  int
	RateWindow time.Duration
	// ShopDomain, ShopTitle and InsalesID describe the shop.
	ShopDomain string
	ShopTitle  string
	InsalesID  int64
	// Admin is the admin user the login round trip reports.
	Admin User
	// SyncWebhooks delivers webhooks before the triggering request returns.
	SyncWebhooks bool
	// WebhookTimeout bounds one delivery (default 10 s).
	WebhookTimeout time.Duration
	// InstallTimeout bounds the install and uninstall calls (default 10 s).
	InstallTimeout time.Duration
	// NoDemoTracks keeps the prepared demo track numbers out of the app's
	// track field (see the package comment).
	NoDemoTracks bool
}

// Server is the sandbox shop: an http.Handler. Build it with New.
type Server struct {
	cfg   Config
	store Store
	log   *slog.Logger
	http  *http.Client
	pages map[string]*template.Template
	mux   *http.ServeMux
	// routes is the API route table.
	routes map[routeKey]apiHandler

	// mu serialises every read-modify-write of the shop's data; one process
	// serves the sandbox, so this stands in for unique indexes and
	// transactions.
	mu sync.Mutex

	shopMu sync.Mutex
	shop   ShopState // cached; the store is written through

	rate rateWindow

	hooksMu sync.Mutex
	closed  bool
	hooks   sync.WaitGroup
}

// New validates cfg, fills in defaults, seeds the demo shop (once per store)
// and returns the handler.
func New(cfg Config) (*Server, error) {
	if cfg.App.ID == "" {
		return nil, errors.New("insalessandbox: new: empty app id")
	}
	if cfg.Prefix == "" {
		cfg.Prefix = DefaultPrefix
	}
	cfg.Prefix = "/" + strings.Trim(cfg.Prefix, "/")
	if cfg.Prefix == "/" {
		cfg.Prefix = ""
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = "http://localhost:8080"
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if _, err := url.Parse(cfg.BaseURL); err != nil {
		return nil, fmt.Errorf("insalessandbox: new: base url: %w", err)
	}
	if cfg.Store == nil {
		cfg.Store = &Memory{}
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{}
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.RateLimit <= 0 {
		cfg.RateLimit = DefaultRateLimit
	}
	if cfg.RateWindow <= 0 {
		cfg.RateWindow = DefaultRateWindow
	}
	if cfg.ShopDomain == "" {
		cfg.ShopDomain = DefaultShopDomain
	}
	cfg.ShopDomain = strings.ToLower(cfg.ShopDomain)
	if cfg.ShopTitle == "" {
		cfg.ShopTitle = DefaultShopTitle
	}
	if cfg.InsalesID == 0 {
		cfg.InsalesID = DefaultInsalesID
	}
	if cfg.Admin.ID == 0 {
		cfg.Admin.ID = 2000001
	}
	if cfg.Admin.Email == "" {
		cfg.Admin.Email = "owner@" + cfg.ShopDomain
	}
	if cfg.Admin.Name == "" {
		cfg.Admin.Name = "Ирина Демидова"
	}
	if cfg.WebhookTimeout <= 0 {
		cfg.WebhookTimeout = DefaultWebhookTimeout
	}
	if cfg.InstallTimeout <= 0 {
		cfg.InstallTimeout = DefaultInstallTimeout
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:   cfg,
		store: cfg.Store,
		log:   cfg.Logger.With(slog.String("component", "insales_sandbox")),
		http:  cfg.HTTPClient,
		pages: pages,
	}
	s.mux = s.pageRoutes()
	s.routes = s.apiRoutes()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	shop, err := s.store.LoadShop(ctx)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("insalessandbox: new: load shop: %w", err)
	}
	s.shop = shop
	if err := s.seed(ctx); err != nil {
		return nil, fmt.Errorf("insalessandbox: new: seed: %w", err)
	}
	return s, nil
}

// Close waits for webhook deliveries in flight; later saves deliver none.
func (s *Server) Close() {
	s.hooksMu.Lock()
	s.closed = true
	s.hooksMu.Unlock()
	s.hooks.Wait()
}

// APIBase is the shop's API base URL (without "/admin"), what the app's
// client gets for the shop domain.
func (s *Server) APIBase() string {
	return s.cfg.BaseURL + s.cfg.Prefix + "/" + s.cfg.ShopDomain
}

// ShopDomain is the sandbox shop's domain.
func (s *Server) ShopDomain() string { return s.cfg.ShopDomain }

// InsalesID is the sandbox shop's insales_id.
func (s *Server) InsalesID() int64 { return s.cfg.InsalesID }

// State returns the app's current install state in the shop.
func (s *Server) State() ShopState {
	s.shopMu.Lock()
	defer s.shopMu.Unlock()
	return s.shop
}

// now is the clock at the millisecond precision every stored time has.
func (s *Server) now() time.Time {
	return s.cfg.Clock().Truncate(time.Millisecond)
}

// ServeHTTP routes a request on the path after the prefix.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, s.cfg.Prefix)
	if !ok || (rest != "" && !strings.HasPrefix(rest, "/")) {
		s.notFoundHTML(w)
		return
	}
	if rest == "" {
		http.Redirect(w, r, s.cfg.Prefix+"/", http.StatusFound)
		return
	}
	first, after, _ := strings.Cut(rest[1:], "/")
	if strings.Contains(first, ".") {
		s.serveShop(w, r, first, "/"+after)
		return
	}
	r2 := r.Clone(r.Context())
	r2.URL.Path = rest
	r2.URL.RawPath = ""
	if _, pattern := s.mux.Handler(r2); pattern == "" {
		s.notFoundPage(w, r)
		return
	}
	s.mux.ServeHTTP(w, r2)
}

// serveShop handles /{shop}/admin/...: the API and the autologin redirect.
func (s *Server) serveShop(w http.ResponseWriter, r *http.Request, shop, rest string) {
	if !strings.EqualFold(shop, s.cfg.ShopDomain) {
		s.notFoundHTML(w)
		return
	}
	adminPath, ok := strings.CutPrefix(rest, "/admin/")
	if !ok {
		s.notFoundHTML(w)
		return
	}
	if app, ok := strings.CutPrefix(adminPath, "applications/"); ok {
		if id, ok := strings.CutSuffix(app, "/login"); ok && r.Method == http.MethodGet {
			s.handleAutologin(w, r, id)
			return
		}
	}
	s.serveAPI(w, r, adminPath)
}

// shopURL is the public URL of a page under the prefix.
func (s *Server) pageURL(path string) string {
	return s.cfg.BaseURL + s.cfg.Prefix + path
}

// withQuery appends params to raw, keeping any query it has.
func withQuery(raw string, params url.Values) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	q := u.Query()
	for k, vs := range params {
		for _, v := range vs {
			q.Add(k, v)
		}
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// rateWindow is InSales' fixed window: it opens at the first request and
// counts every request, failed authentication included.
type rateWindow struct {
	mu    sync.Mutex
	start time.Time
	count int
}

// take counts one request and reports the usage to show, whether the
// request is allowed and, when not, how long until the window ends.
func (rw *rateWindow) take(now time.Time, limit int, length time.Duration) (used int, ok bool, retry time.Duration) {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	if rw.start.IsZero() || !now.Before(rw.start.Add(length)) {
		rw.start, rw.count = now, 0
	}
	rw.count++
	if rw.count > limit {
		return limit, false, rw.start.Add(length).Sub(now)
	}
	return rw.count, true, 0
}
