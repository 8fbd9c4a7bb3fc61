package handlers

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"
)

// RateLimits caps the requests one client address may make to the public
// endpoints, each per minute. A zero field takes the default of
// DefaultRateLimits.
type RateLimits struct {
	// Widget covers the order-page widget: one open order card refreshes
	// it once a minute, and a whole office may share one address.
	Widget int
	// Track covers the buyer's tracking page, whose token must not be
	// guessable by trying.
	Track int
	// Webhooks covers InSales' deliveries, which come from a few InSales
	// addresses for every shop at once: a refused one is read again by the
	// reconciliation.
	Webhooks int
	// Login covers the InSales login round trip.
	Login int
	// Wizard covers the setup wizard's form posts (the SMS codes have caps
	// of their own).
	Wizard int
}

// DefaultRateLimits are the production limits.
func DefaultRateLimits() RateLimits {
	return RateLimits{Widget: 300, Track: 30, Webhooks: 1200, Login: 30, Wizard: 60}
}

func (l RateLimits) withDefaults() RateLimits {
	d := DefaultRateLimits()
	or := func(v, def int) int {
		if v <= 0 {
			return def
		}
		return v
	}
	return RateLimits{Widget: or(l.Widget, d.Widget), Track: or(l.Track, d.Track), Webhooks: or(l.Webhooks, d.Webhooks),
		Login: or(l.Login, d.Login), Wizard: or(l.Wizard, d.Wizard)}
}

// rateWindow is the window every limit counts in.
const rateWindow = time.Minute

// limiters are the rate limit middleware of the public endpoints, built
// once: each counts in its own keys of the shared storage.
type limiters struct {
	widget, track, webhooks, login, wizard fiber.Handler
}

func (s *server) newLimiters(l RateLimits, storage fiber.Storage) limiters {
	l = l.withDefaults()
	page := func(c *fiber.Ctx) error {
		return s.renderProblem(c, fiber.StatusTooManyRequests, "Слишком много запросов",
			"С вашего адреса пришло слишком много запросов. Подождите минуту и попробуйте снова.")
	}
	plain := func(c *fiber.Ctx) error {
		return c.Status(fiber.StatusTooManyRequests).SendString("too many requests: retry after the Retry-After header's seconds")
	}
	newLimiter := func(name string, max int, reached fiber.Handler, next func(*fiber.Ctx) bool) fiber.Handler {
		return limiter.New(limiter.Config{
			Max: max, Expiration: rateWindow, Storage: storage, Next: next,
			KeyGenerator: func(c *fiber.Ctx) string { return name + ":" + c.IP() },
			LimitReached: reached,
		})
	}
	onlyPosts := func(c *fiber.Ctx) bool { return c.Method() != fiber.MethodPost }
	return limiters{
		widget:   newLimiter("widget", l.Widget, page, nil),
		track:    newLimiter("track", l.Track, page, nil),
		webhooks: newLimiter("webhooks", l.Webhooks, plain, nil),
		login:    newLimiter("login", l.Login, page, nil),
		wizard:   newLimiter("wizard", l.Wizard, page, onlyPosts),
	}
}
