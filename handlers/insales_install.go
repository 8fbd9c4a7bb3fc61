package handlers

import (
	"errors"
	"strconv"
	"strings"

	"parceltrack/shopapp"

	"github.com/gofiber/fiber/v2"
)

// InSales calls these with GET and reads only the status: 200 means done.
// Answers are plain text for the operator reading InSales' logs.

// insalesInstall handles GET /insales/install?shop=&token=&insales_id=. It
// checks the token with InSales, stores the shop and its password and queues
// the slow setup, so InSales gets its 200 well within its 10 s limit.
func (s *server) insalesInstall(c *fiber.Ctx) error {
	id, _ := strconv.ParseInt(c.Query("insales_id"), 10, 64)
	_, err := s.insales.app.Install(c.UserContext(), shopapp.InstallRequest{
		Shop:      strings.Clone(c.Query("shop")),
		Token:     strings.Clone(c.Query("token")),
		InsalesID: id,
	})
	switch {
	case errors.Is(err, shopapp.ErrBadRequest):
		return c.Status(fiber.StatusBadRequest).SendString("bad install request: shop (a *.myinsales.ru domain), token and insales_id are required")
	case errors.Is(err, shopapp.ErrDenied):
		return c.Status(fiber.StatusForbidden).SendString("forbidden: InSales did not confirm this install")
	case err != nil:
		return err
	}
	return c.SendString("ok")
}

// insalesUninstall handles GET /insales/uninstall?shop=&token=&insales_id=,
// where token is the shop's password: a wrong one is refused, an unknown
// shop is fine (InSales expects 200 for it too).
func (s *server) insalesUninstall(c *fiber.Ctx) error {
	id, _ := strconv.ParseInt(c.Query("insales_id"), 10, 64)
	err := s.insales.app.Uninstall(c.UserContext(), shopapp.UninstallRequest{
		Shop:      strings.Clone(c.Query("shop")),
		Token:     strings.Clone(c.Query("token")),
		InsalesID: id,
	})
	switch {
	case errors.Is(err, shopapp.ErrBadRequest):
		return c.Status(fiber.StatusBadRequest).SendString("bad uninstall request: insales_id is required")
	case errors.Is(err, shopapp.ErrDenied):
		return c.Status(fiber.StatusForbidden).SendString("forbidden")
	case err != nil:
		return err
	}
	return c.SendString("ok")
}
