package handlers

import (
	"crypto/rand"
	"log/slog"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// headerRequestID carries the request id both ways: a proxy may set it, and
// every response returns it so a user can quote it to support.
const headerRequestID = "X-Request-ID"

// ctxKey types keep our fiber.Ctx locals apart from other packages'.
type ctxKey int

const (
	ctxKeyRequestID ctxKey = iota
	ctxKeyCSRF
	ctxKeyFlashNext
)

// requestID takes a well-formed X-Request-ID from the client (a proxy's) or
// makes one, and stores it for logs and error pages.
func (s *server) requestID(c *fiber.Ctx) error {
	id := c.Get(headerRequestID)
	if validRequestID(id) {
		id = strings.Clone(id)
	} else {
		id = rand.Text()
	}
	c.Locals(ctxKeyRequestID, id)
	c.Set(headerRequestID, id)
	return c.Next()
}

// validRequestID accepts short ids of letters, digits and -_. only: the id
// lands in logs and pages, so nothing that could forge a log line.
func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		ok := r == '-' || r == '_' || r == '.' || ('0' <= r && r <= '9') || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z')
		if !ok {
			return false
		}
	}
	return true
}

func requestIDOf(c *fiber.Ctx) string {
	id, _ := c.Locals(ctxKeyRequestID).(string)
	return id
}

// logger returns the app logger with the request id attached, for handlers.
func (s *server) logger(c *fiber.Ctx) *slog.Logger {
	return s.log.With("request_id", requestIDOf(c))
}

// observe writes one log line per request and the HTTP metrics. It renders
// errors itself (through handleError) so the status and size it records are
// the ones the client gets.
func (s *server) observe(c *fiber.Ctx) error {
	start := time.Now()
	global := c.Route() // the global middleware's route, for routeLabel
	if err := c.Next(); err != nil {
		if herr := s.handleError(c, err); herr != nil {
			s.log.Error("error handler failed", "error", herr, "request_id", requestIDOf(c))
			c.Status(fiber.StatusInternalServerError)
		}
	}
	elapsed := time.Since(start)
	status := c.Response().StatusCode()
	route := routeLabel(c, global)
	s.metrics.observe(c.Method(), route, status, elapsed)

	level := slog.LevelInfo
	if route == "/healthz" || route == "/readyz" || route == "/metrics" {
		level = slog.LevelDebug // probes every few seconds would drown the log
	}
	s.log.Log(c.UserContext(), level, "request",
		"method", c.Method(),
		"path", logPath(c),
		"status", status,
		"duration_ms", float64(elapsed.Microseconds())/1000,
		"bytes", len(c.Response().Body()),
		"request_id", requestIDOf(c),
	)
	return nil
}

// routeLabel is the matched route pattern ("/parcels/:id"), never the raw
// path, which would make one metric series per parcel. A request that
// matched no route is still on the global middleware's route: "unmatched".
func routeLabel(c *fiber.Ctx, global *fiber.Route) string {
	r := c.Route()
	if r == nil || r == global {
		return "unmatched"
	}
	return r.Path
}

// logPath is the path for logs: never the query string (it may carry
// tokens), and the route pattern instead of the path when a parameter is
// named like a secret (":secret", ":token": webhook URLs carry one).
func logPath(c *fiber.Ctx) string {
	if r := c.Route(); r != nil {
		for _, p := range r.Params {
			if strings.Contains(p, "secret") || strings.Contains(p, "token") {
				return r.Path
			}
		}
	}
	return strings.Clone(c.Path())
}

// securityHeaders sets the headers every response carries.
//
// Framing is deliberately not restricted here (no X-Frame-Options, no CSP
// frame-ancestors): the widget is shown in an iframe on the merchant's
// InSales order page, on any shop domain. Groups that must never be framed
// (admin portal, cabinet login) add denyFraming.
func securityHeaders(c *fiber.Ctx) error {
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	// same-origin, not no-referrer: on https the CSRF check compares the
	// Referer of a form post with the host.
	c.Set(fiber.HeaderReferrerPolicy, "same-origin")
	return c.Next()
}

// denyFraming forbids framing for a route group.
func denyFraming(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentSecurityPolicy, "frame-ancestors 'none'")
	c.Set(fiber.HeaderXFrameOptions, "DENY")
	return c.Next()
}
