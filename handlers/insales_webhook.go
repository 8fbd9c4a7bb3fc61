package handlers

import (
	"errors"
	"strings"

	"parceltrack/shopapp"

	"github.com/gofiber/fiber/v2"
)

// insalesWebhook handles POST /insales/webhooks/:secret, the orders/create
// and orders/update deliveries of one shop. The secret in the URL is the
// only authentication InSales offers: a wrong one is 403 and nothing is
// stored; a body that is not an order is 400 with the reason. A good one is
// queued and answered at once.
func (s *server) insalesWebhook(c *fiber.Ctx) error {
	err := s.insales.app.ReceiveWebhook(c.UserContext(), c.Params("secret"), c.Body())
	switch {
	case errors.Is(err, shopapp.ErrDenied):
		return c.Status(fiber.StatusForbidden).SendString("forbidden")
	case errors.Is(err, shopapp.ErrBadRequest):
		reason := strings.TrimPrefix(err.Error(), shopapp.ErrBadRequest.Error()+": ")
		return c.Status(fiber.StatusBadRequest).SendString("bad webhook body: " + reason)
	case err != nil:
		return err
	}
	return c.SendString("ok")
}
