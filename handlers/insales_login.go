package handlers

import (
	"crypto/rand"
	"errors"
	"net/url"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"parceltrack/insales"
	"parceltrack/shopapp"
)

// Texts of a refused login.
const (
	loginFailedTitle = "Не удалось войти"
	loginAgainText   = "Откройте приложение ещё раз из админки InSales: «Приложения» → «Установленные» → parceltrack."
)

// insalesLogin handles GET /insales/login?shop=&insales_id=&user_id=&user_email=,
// where the InSales admin sends a merchant opening the app. The parameters
// are not signed, so they only pick the shop: a merchant already signed in
// to it goes straight to /app; anyone else is sent through InSales
// autologin with a fresh nonce, which stays on the server with a login
// session tied to this browser by a cookie.
func (s *server) insalesLogin(c *fiber.Ctx) error {
	ctx := c.UserContext()
	insalesID, err := strconv.ParseInt(c.Query("insales_id"), 10, 64)
	if err != nil || insalesID <= 0 {
		return s.renderProblem(c, fiber.StatusBadRequest, loginFailedTitle, loginAgainText)
	}
	if sess, ok, err := s.appSession(c); err != nil {
		return err
	} else if ok && sess.InsalesID == insalesID {
		return redirect(c, "/app")
	}
	nonce, err := insales.NewNonce(rand.Reader)
	if err != nil {
		return err
	}
	shop, target, err := s.insales.app.BeginLogin(ctx, insalesID, nonce, s.publicURL(c)+"/insales/autologin")
	if errors.Is(err, shopapp.ErrUnknownShop) || errors.Is(err, shopapp.ErrBadRequest) {
		return s.renderProblem(c, fiber.StatusNotFound, "Магазин не найден",
			"Приложение не установлено в этом магазине. Установите его из каталога приложений InSales.")
	}
	if err != nil {
		return err
	}
	token := newSessionToken()
	now := time.Now()
	if err := s.insales.sessions.Create(ctx, shopapp.Session{
		ID: sessionKey(token), Kind: shopapp.SessionLogin, ShopID: shop.ID, InsalesID: shop.InsalesID,
		Nonce: nonce, CreatedAt: now, ExpiresAt: now.Add(loginLifetime),
	}); err != nil {
		return err
	}
	s.setSessionCookie(c, loginCookie, token, loginLifetime)
	c.Set(fiber.HeaderCacheControl, "no-store")
	// Leaving the app on purpose: the target is the shop's InSales admin.
	return c.Redirect(target, fiber.StatusSeeOther)
}

// insalesAutologin handles GET /insales/autologin?token=&token2=&token3=&...,
// where InSales returns the merchant. The browser's login session is
// consumed first, whatever happens next, so a nonce serves one callback
// only; token3 must match the nonce and the shop's password. Then a new
// session (a new cookie value: nothing chosen before login survives it)
// signs the merchant in.
func (s *server) insalesAutologin(c *fiber.Ctx) error {
	ctx := c.UserContext()
	token := c.Cookies(loginCookie)
	s.setSessionCookie(c, loginCookie, "", 0)
	if token == "" {
		return s.renderProblem(c, fiber.StatusForbidden, loginFailedTitle, loginAgainText)
	}
	now := time.Now()
	pending, err := s.insales.sessions.Take(ctx, sessionKey(token), now)
	if errors.Is(err, shopapp.ErrNotFound) {
		return s.renderProblem(c, fiber.StatusForbidden, loginFailedTitle, loginAgainText)
	}
	if err != nil {
		return err
	}
	if pending.Kind != shopapp.SessionLogin {
		return s.renderProblem(c, fiber.StatusForbidden, loginFailedTitle, loginAgainText)
	}
	q, err := url.ParseQuery(string(c.Request().URI().QueryString()))
	if err != nil {
		return s.renderProblem(c, fiber.StatusBadRequest, loginFailedTitle, loginAgainText)
	}
	aq := insales.ParseAutologinQuery(q)
	shop, err := s.insales.app.CheckAutologin(ctx, pending.ShopID, pending.Nonce, aq)
	if errors.Is(err, shopapp.ErrDenied) || errors.Is(err, shopapp.ErrUnknownShop) {
		s.logger(c).Warn("autologin refused", "shop_id", pending.ShopID, "error", err.Error())
		return s.renderProblem(c, fiber.StatusForbidden, loginFailedTitle, loginAgainText)
	}
	if err != nil {
		return err
	}
	if old := c.Cookies(sessionCookie); old != "" {
		if err := s.insales.sessions.Delete(ctx, sessionKey(old)); err != nil {
			return err
		}
	}
	fresh := newSessionToken()
	if err := s.insales.sessions.Create(ctx, shopapp.Session{
		ID: sessionKey(fresh), Kind: shopapp.SessionApp, ShopID: shop.ID, InsalesID: shop.InsalesID,
		UserID: aq.UserID, UserEmail: aq.UserEmail, UserName: aq.UserName,
		CreatedAt: now, ExpiresAt: now.Add(sessionLifetime),
	}); err != nil {
		return err
	}
	s.setSessionCookie(c, sessionCookie, fresh, sessionLifetime)
	return redirect(c, "/app")
}
