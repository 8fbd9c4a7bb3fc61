package handlers

import (
	"encoding/base64"
	"encoding/json"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
)

// flash is a one-time message shown in the flash area.
type flash struct {
	Kind string // flashSuccess, flashInfo or flashError (a CSS class suffix)
	Text string
}

const (
	flashSuccess = "success"
	flashInfo    = "info"
	flashError   = "error"

	flashCookieName = "pt_flash"
	flashMaxCount   = 5
	flashMaxRunes   = 300
)

// flashNext leaves a message for the next page the browser loads — the one
// after a redirect. It travels in a short-lived cookie: it is not secret
// (the user could type it), and html/template escapes it on display.
func (s *server) flashNext(c *fiber.Ctx, kind, text string) {
	pending, _ := c.Locals(ctxKeyFlashNext).([]flash)
	pending = append(pending, flash{Kind: kind, Text: text})
	c.Locals(ctxKeyFlashNext, pending)
	b, err := json.Marshal(pending)
	if err != nil {
		return // cannot happen with strings
	}
	c.Cookie(&fiber.Cookie{
		Name:     flashCookieName,
		Value:    base64.RawURLEncoding.EncodeToString(b),
		Path:     "/",
		MaxAge:   300,
		Secure:   s.secureCookies,
		HTTPOnly: true,
		SameSite: fiber.CookieSameSiteLaxMode,
	})
}

// takeFlashes returns the messages left by the previous request and clears
// them. A malformed cookie yields nothing; kinds and lengths are clamped.
func (s *server) takeFlashes(c *fiber.Ctx) []flash {
	raw := c.Cookies(flashCookieName)
	if raw == "" {
		return nil
	}
	c.Cookie(&fiber.Cookie{
		Name:     flashCookieName,
		Path:     "/",
		Expires:  time.Unix(1, 0),
		Secure:   s.secureCookies,
		HTTPOnly: true,
		SameSite: fiber.CookieSameSiteLaxMode,
	})
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil {
		return nil
	}
	var in []flash
	if json.Unmarshal(b, &in) != nil {
		return nil
	}
	out := make([]flash, 0, min(len(in), flashMaxCount))
	for _, f := range in {
		if len(out) == flashMaxCount {
			break
		}
		switch f.Kind {
		case flashSuccess, flashInfo, flashError:
		default:
			f.Kind = flashInfo
		}
		if utf8.RuneCountInString(f.Text) > flashMaxRunes {
			f.Text = string([]rune(f.Text)[:flashMaxRunes]) + "…"
		}
		if f.Text != "" {
			out = append(out, f)
		}
	}
	return out
}
