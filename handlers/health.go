package handlers

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
)

// readyTimeout bounds the readiness check so a hung database makes the
// probe fail instead of hang.
const readyTimeout = 2 * time.Second

// healthz answers 200 while the process serves requests (liveness).
func (s *server) healthz(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.SendString("ok")
}

// readyz answers 200 when the app can do its work (the database answers),
// 503 otherwise (readiness). The reason shown is generic: the error may
// carry a connection string; it goes to the log.
func (s *server) readyz(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	if s.ready != nil {
		ctx, cancel := context.WithTimeout(c.UserContext(), readyTimeout)
		defer cancel()
		if err := s.ready(ctx); err != nil {
			s.logger(c).Warn("not ready", "error", err)
			return c.Status(fiber.StatusServiceUnavailable).SendString("not ready: database unavailable")
		}
	}
	return c.SendString("ok")
}
