package insalessandbox

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"parceltrack/insales"
)

// updateShop changes the cached shop state and writes it through.
func (s *Server) updateShop(ctx context.Context, fn func(*ShopState)) error {
	s.shopMu.Lock()
	defer s.shopMu.Unlock()
	next := s.shop
	fn(&next)
	if err := s.store.SaveShop(ctx, next); err != nil {
		return fmt.Errorf("insalessandbox: save shop: %w", err)
	}
	s.shop = next
	return nil
}

// Install installs the app as InSales does: a new token, the password
// md5(token + secret) made valid at once (the app may call the API while it
// handles the install), then GET App.InstallURL?shop=&token=&insales_id=.
// Anything but a 200 within InstallTimeout cancels the install and restores
// the previous state. The outcome is also kept as the home page's notice.
func (s *Server) Install(ctx context.Context) error {
	ctx = context.WithoutCancel(ctx)
	if s.cfg.App.InstallURL == "" {
		return errors.New("insalessandbox: install: the app has no install URL")
	}
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return fmt.Errorf("insalessandbox: install: token: %w", err)
	}
	token := hex.EncodeToString(b)
	password := insales.InstallPassword(token, s.cfg.App.Secret)
	var prev ShopState
	now := s.now()
	if err := s.updateShop(ctx, func(st *ShopState) {
		prev = *st
		st.Installed, st.Token, st.Password, st.InstalledAt = true, token, password, now
	}); err != nil {
		return err
	}
	status, callErr := s.callApp(ctx, s.cfg.App.InstallURL, url.Values{
		"shop": {s.cfg.ShopDomain}, "token": {token}, "insales_id": {strconv.FormatInt(s.cfg.InsalesID, 10)}})
	if callErr == nil && status == http.StatusOK {
		s.log.InfoContext(ctx, "insales sandbox app installed", slog.String("shop", s.cfg.ShopDomain))
		return s.updateShop(ctx, func(st *ShopState) {
			st.Notice, st.NoticeOK, st.NoticeAt = "Приложение установлено: ответ приложения 200 OK.", true, s.now()
		})
	}
	why := describeCall(status, callErr)
	s.log.WarnContext(ctx, "insales sandbox install cancelled", slog.String("shop", s.cfg.ShopDomain),
		slog.Int("status", status), slog.Any("error", callErr))
	if err := s.updateShop(ctx, func(st *ShopState) {
		seeded := st.SeedVersion
		*st = prev
		st.SeedVersion = seeded
		st.Notice, st.NoticeOK, st.NoticeAt = "Установка отменена: "+why+".", false, s.now()
	}); err != nil {
		return err
	}
	return fmt.Errorf("insalessandbox: install: %s", why)
}

// Uninstall removes the app as InSales does: GET
// App.UninstallURL?shop=&token=PASSWORD&insales_id= (token is the password),
// then — whatever the app answers — the password stops working and the
// app's webhooks and widgets are removed. A non-200 answer is returned as an
// error after the removal.
func (s *Server) Uninstall(ctx context.Context) error {
	ctx = context.WithoutCancel(ctx)
	st := s.State()
	if !st.Installed {
		return errors.New("insalessandbox: uninstall: the app is not installed")
	}
	status, callErr := http.StatusOK, error(nil)
	if s.cfg.App.UninstallURL != "" {
		status, callErr = s.callApp(ctx, s.cfg.App.UninstallURL, url.Values{
			"shop": {s.cfg.ShopDomain}, "token": {st.Password}, "insales_id": {strconv.FormatInt(s.cfg.InsalesID, 10)}})
	}
	if err := s.removeAppData(ctx); err != nil {
		return err
	}
	ok := callErr == nil && status == http.StatusOK
	notice := "Приложение удалено: ответ приложения 200 OK."
	if !ok {
		notice = "Приложение удалено, но приложение ответило с ошибкой: " + describeCall(status, callErr) + "."
	}
	if err := s.updateShop(ctx, func(st *ShopState) {
		st.Installed, st.Token, st.Password, st.UninstalledAt = false, "", "", s.now()
		st.Notice, st.NoticeOK, st.NoticeAt = notice, ok, s.now()
	}); err != nil {
		return err
	}
	s.log.InfoContext(ctx, "insales sandbox app uninstalled", slog.String("shop", s.cfg.ShopDomain), slog.Int("status", status))
	if !ok {
		return fmt.Errorf("insalessandbox: uninstall: %s", describeCall(status, callErr))
	}
	return nil
}

// removeAppData deletes what belongs to the app install: its webhooks and
// widgets. Fields and statuses are the shop's and stay.
func (s *Server) removeAppData(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	hooks, err := s.store.ListWebhooks(ctx)
	if err != nil {
		return fmt.Errorf("insalessandbox: uninstall: %w", err)
	}
	for _, h := range hooks {
		if err := s.store.DeleteWebhook(ctx, h.ID); err != nil && !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("insalessandbox: uninstall: webhook %d: %w", h.ID, err)
		}
	}
	ws, err := s.store.ListWidgets(ctx)
	if err != nil {
		return fmt.Errorf("insalessandbox: uninstall: %w", err)
	}
	for _, wd := range ws {
		if err := s.store.DeleteWidget(ctx, wd.ID); err != nil && !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("insalessandbox: uninstall: widget %d: %w", wd.ID, err)
		}
	}
	return nil
}

// callApp makes an install or uninstall GET and returns the status.
func (s *Server) callApp(ctx context.Context, raw string, params url.Values) (int, error) {
	target, err := withQuery(raw, params)
	if err != nil {
		return 0, fmt.Errorf("bad app URL: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.InstallTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return 0, fmt.Errorf("bad app URL: %w", err)
	}
	req.Header.Set("User-Agent", "InSales")
	resp, err := s.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, nil
}

// describeCall says in Russian what went wrong with an app call.
func describeCall(status int, err error) string {
	if ue := (*url.Error)(nil); errors.As(err, &ue) {
		err = ue.Err // the URL carries the token
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "приложение не ответило вовремя"
	case err != nil:
		return "приложение недоступно (" + err.Error() + ")"
	default:
		return "ответ приложения " + strconv.Itoa(status) + " " + http.StatusText(status)
	}
}

// loginLink is where "Открыть приложение" sends the merchant: the app's
// login URL with shop, insales_id, user_id and user_email (not signed).
func (s *Server) loginLink() string {
	if s.cfg.App.LoginURL == "" {
		return ""
	}
	u, err := withQuery(s.cfg.App.LoginURL, url.Values{
		"shop":       {s.cfg.ShopDomain},
		"insales_id": {strconv.FormatInt(s.cfg.InsalesID, 10)},
		"user_id":    {strconv.FormatInt(s.cfg.Admin.ID, 10)},
		"user_email": {s.cfg.Admin.Email},
	})
	if err != nil {
		return ""
	}
	return u
}

// handleAutologin serves {shop}/admin/applications/{appID}/login?token=NONCE&login=URL:
// it sends the merchant back to the app's autologin URL with the tokens
// InSales computes from the nonce, the admin user and the shop password.
func (s *Server) handleAutologin(w http.ResponseWriter, r *http.Request, appID string) {
	if appID != s.cfg.App.ID {
		s.notFoundHTML(w)
		return
	}
	st := s.State()
	if !st.Installed {
		s.errorPage(w, r, http.StatusForbidden, "Приложение не установлено",
			"Установите приложение на главной странице песочницы, затем откройте его снова.")
		return
	}
	q := r.URL.Query()
	nonce, login := q.Get("token"), q.Get("login")
	lu, err := url.Parse(login)
	if nonce == "" || login == "" || err != nil || (lu.Scheme != "http" && lu.Scheme != "https") || lu.Host == "" {
		s.errorPage(w, r, http.StatusBadRequest, "Неверный запрос входа",
			"Нужны параметры token и login (абсолютный адрес возврата).")
		return
	}
	if s.cfg.App.LoginURL != "" {
		reg, err := url.Parse(s.cfg.App.LoginURL)
		if err != nil || !strings.EqualFold(reg.Hostname(), lu.Hostname()) {
			s.errorPage(w, r, http.StatusForbidden, "Адрес входа не совпадает",
				"Домен адреса login должен совпадать с доменом зарегистрированного адреса входа приложения.")
			return
		}
	}
	email, name, uid, confirmed := s.cfg.Admin.Email, s.cfg.Admin.Name, strconv.FormatInt(s.cfg.Admin.ID, 10), "true"
	pw := st.Password
	target, err := withQuery(login, url.Values{
		"token":           {md5Hex(nonce + pw)},
		"token2":          {md5Hex(nonce + email + name + uid + pw)},
		"token3":          {insales.AutologinToken3(nonce, email, name, uid, confirmed, pw)},
		"user_email":      {email},
		"user_name":       {name},
		"user_id":         {uid},
		"email_confirmed": {confirmed},
	})
	if err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "Неверный запрос входа", "Адрес login не разобран.")
		return
	}
	http.Redirect(w, r, target, http.StatusFound)
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}
