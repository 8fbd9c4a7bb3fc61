package handlers

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"parceltrack/shopapp"
	"parceltrack/tracking"
)

// sandboxParcelAdd tracks a number typed into the sandbox page for the demo
// shop. A bad number re-renders the page with the reason.
func (s *server) sandboxParcelAdd(c *fiber.Ctx) error {
	track := strings.TrimSpace(c.FormValue("track"))
	_, err := s.demo.Add(c.UserContext(), track)
	switch {
	case err == nil:
		s.flashNext(c, flashSuccess, "Посылка "+tracking.Normalize(track)+" добавлена и скоро будет опрошена.")
		return redirect(c, "/sandbox/")
	case tracking.BarcodeErrorText(err) != "":
		c.Status(fiber.StatusUnprocessableEntity)
		return s.renderSandbox(c, sandboxData{Track: track, Problem: tracking.BarcodeErrorText(err)})
	case errors.Is(err, shopapp.ErrConflict):
		c.Status(fiber.StatusConflict)
		return s.renderSandbox(c, sandboxData{Track: track, Problem: "Эта посылка уже отслеживается."})
	default:
		return err
	}
}
