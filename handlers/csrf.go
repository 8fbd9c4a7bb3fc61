package handlers

import (
	"errors"
	"html/template"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/csrf"
)

// CSRF: Fiber's csrf middleware in double-submit mode. A safe request
// (GET, HEAD) behind csrfProtect gets a token in a cookie and in the page
// (page.CSRF: {{csrfField .CSRF}} in forms; the layout also puts it in
// hx-headers for htmx requests); an unsafe request must send it back in the
// form field or the header, equal to the cookie and known to the store.
const (
	csrfFormField  = "_csrf"
	csrfHeader     = "X-CSRF-Token"
	csrfCookieName = "pt_csrf"
	// csrfLifetime is long enough for a form left open over a working day;
	// each protected request extends it.
	csrfLifetime = 12 * time.Hour
)

// csrfError is a refused CSRF check; the error page explains it as a stale form.
type csrfError struct{ err error }

func (e *csrfError) Error() string { return "handlers: csrf: " + e.err.Error() }
func (e *csrfError) Unwrap() error { return e.err }

// newCSRF returns the csrfProtect middleware. storage nil means process
// memory.
func newCSRF(storage fiber.Storage, secure bool) fiber.Handler {
	return csrf.New(csrf.Config{
		CookieName:     csrfCookieName,
		CookiePath:     "/",
		CookieSecure:   secure,
		CookieHTTPOnly: true, // the token reaches scripts through the page, not the cookie
		CookieSameSite: fiber.CookieSameSiteLaxMode,
		Expiration:     csrfLifetime,
		Storage:        storage,
		ContextKey:     ctxKeyCSRF,
		Extractor:      csrfFromFormOrHeader,
		ErrorHandler: func(_ *fiber.Ctx, err error) error {
			return &csrfError{err: err}
		},
	})
}

// csrfFromFormOrHeader reads the token from the form (plain forms, which
// must work without JavaScript) or from the header (htmx).
func csrfFromFormOrHeader(c *fiber.Ctx) (string, error) {
	if t := c.FormValue(csrfFormField); t != "" {
		return t, nil
	}
	if t := c.Get(csrfHeader); t != "" {
		return t, nil
	}
	return "", csrf.ErrTokenNotFound
}

// csrfToken is the request's token, or "" when the route is not behind
// csrfProtect.
func csrfToken(c *fiber.Ctx) string {
	t, _ := c.Locals(ctxKeyCSRF).(string)
	return t
}

// csrfFieldHTML is the template function csrfField: the hidden input for a
// form. Without a token the form could never be submitted, so that is a
// render error, caught by the first test that renders the page.
func csrfFieldHTML(token string) (template.HTML, error) {
	if token == "" {
		return "", errors.New("csrfField: no CSRF token: put the route behind csrfProtect")
	}
	return template.HTML(`<input type="hidden" name="` + csrfFormField + `" value="` + template.HTMLEscapeString(token) + `">`), nil
}
