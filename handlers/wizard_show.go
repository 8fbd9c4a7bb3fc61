package handlers

import (
	"github.com/gofiber/fiber/v2"

	"parceltrack/onboarding"
)

// wizardShow is GET /app/wizard: the wizard resumes at the merchant's
// current step.
func (s *server) wizardShow(c *fiber.Ctx) error {
	w, ok, err := s.wizardAt(c, "")
	if !ok {
		return err
	}
	return redirect(c, wizardPath(onboarding.Current(w.m)))
}
