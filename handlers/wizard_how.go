package handlers

import (
	"github.com/gofiber/fiber/v2"

	"parceltrack/onboarding"
)

// wizardHowShow is GET /app/wizard/how: what buyers receive (a sample
// message with the order's products), when, and what it costs.
func (s *server) wizardHowShow(c *fiber.Ctx) error {
	w, ok, err := s.wizardAt(c, onboarding.StepHowItWorks)
	if !ok {
		return err
	}
	return s.renderWizard(c, w, onboarding.StepHowItWorks, viewWizardHow, s.onboard.svc.HowItWorks(w.m.Domain), nil)
}
