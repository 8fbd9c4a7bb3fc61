package handlers

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"parceltrack/insales"
	"parceltrack/shopapp"
)

// ShopApp is the app in InSales shops as the web layer drives it;
// *shopapp.App implements it.
type ShopApp interface {
	Install(ctx context.Context, in shopapp.InstallRequest) (shopapp.Shop, error)
	Uninstall(ctx context.Context, in shopapp.UninstallRequest) error
	BeginLogin(ctx context.Context, insalesID int64, nonce, autologinURL string) (shopapp.Shop, string, error)
	CheckAutologin(ctx context.Context, shopID, nonce string, q insales.AutologinQuery) (shopapp.Shop, error)
	ReceiveWebhook(ctx context.Context, token string, body []byte) error
	Overview(ctx context.Context, shopID string, limit int) (shopapp.Overview, error)
	EnqueueSetup(ctx context.Context, shopID string) error
	// OrderWidget is what the order-page widget shows.
	OrderWidget(ctx context.Context, widgetKey string, orderID int64) (shopapp.OrderWidget, error)
	// BuyerView is what the buyer's tracking page shows.
	BuyerView(ctx context.Context, token string) (shopapp.BuyerView, error)
}

// SessionStore keeps browser sessions server-side (package storage
// implements it); a missing or expired session is shopapp.ErrNotFound. Ids
// are hashes of the cookie values (see sessionKey).
type SessionStore interface {
	Create(ctx context.Context, s shopapp.Session) error
	Get(ctx context.Context, id string, now time.Time) (shopapp.Session, error)
	Take(ctx context.Context, id string, now time.Time) (shopapp.Session, error)
	Delete(ctx context.Context, id string) error
}

// insalesDeps are the InSales app's dependencies on the server.
type insalesDeps struct {
	app      ShopApp
	sessions SessionStore
	// base is the app's public URL (Deps.BaseURL); empty means "the host
	// the request came to".
	base string
}

func (d *insalesDeps) init(deps Deps) error {
	if deps.ShopApp == nil {
		return nil
	}
	if deps.Sessions == nil {
		return errors.New("handlers: the InSales app needs a session store")
	}
	d.app, d.sessions, d.base = deps.ShopApp, deps.Sessions, strings.TrimRight(deps.BaseURL, "/")
	return nil
}

// Session cookies and lifetimes.
const (
	// loginCookie carries a login in progress (its nonce stays on the
	// server) from /insales/login to /insales/autologin.
	loginCookie   = "pt_login"
	loginLifetime = 10 * time.Minute
	// sessionCookie is the merchant's signed-in session.
	sessionCookie   = "pt_session"
	sessionLifetime = 12 * time.Hour
)

// sessionKey is the stored id of a session cookie value: a database dump
// holds no usable cookie.
func sessionKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// setSessionCookie sets an HttpOnly session cookie. Locally it is
// SameSite=Lax; on https it is SameSite=None; Secure, because the app opens
// inside the InSales admin (another site) where a Lax cookie is not sent.
func (s *server) setSessionCookie(c *fiber.Ctx, name, value string, lifetime time.Duration) {
	ck := &fiber.Cookie{
		Name:     name,
		Value:    value,
		Path:     "/",
		HTTPOnly: true,
		Secure:   s.secureCookies,
		SameSite: fiber.CookieSameSiteLaxMode,
	}
	if s.secureCookies {
		ck.SameSite = fiber.CookieSameSiteNoneMode
	}
	if lifetime > 0 {
		ck.MaxAge = int(lifetime / time.Second)
	} else {
		ck.Expires = time.Unix(1, 0)
		ck.MaxAge = -1
	}
	c.Cookie(ck)
}

// newSessionToken is a fresh cookie value (128 random bits).
func newSessionToken() string { return rand.Text() }

// appSession returns the signed-in merchant's session, if any.
func (s *server) appSession(c *fiber.Ctx) (shopapp.Session, bool, error) {
	token := c.Cookies(sessionCookie)
	if token == "" {
		return shopapp.Session{}, false, nil
	}
	sess, err := s.insales.sessions.Get(c.UserContext(), sessionKey(token), time.Now())
	if errors.Is(err, shopapp.ErrNotFound) {
		return shopapp.Session{}, false, nil
	}
	if err != nil {
		return shopapp.Session{}, false, err
	}
	if sess.Kind != shopapp.SessionApp {
		return shopapp.Session{}, false, nil
	}
	return sess, true, nil
}

// publicURL is the app's public base URL.
func (s *server) publicURL(c *fiber.Ctx) string {
	if s.insales.base != "" {
		return s.insales.base
	}
	return c.BaseURL()
}

// renderProblem answers with the error page and a specific message.
func (s *server) renderProblem(c *fiber.Ctx, status int, title, message string) error {
	c.Status(status)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.render(c, viewError, page{Title: title, Data: errorView{Status: status, Title: title, Message: message}})
}
