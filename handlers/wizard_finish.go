package handlers

import (
	"github.com/gofiber/fiber/v2"

	"parceltrack/onboarding"
)

// finishData is the data of the last wizard page.
type finishData struct {
	ShopURL string
}

// wizardFinishShow is GET /app/wizard/finish: all set.
func (s *server) wizardFinishShow(c *fiber.Ctx) error {
	w, ok, err := s.wizardAt(c, onboarding.StepFinish)
	if !ok {
		return err
	}
	return s.renderWizard(c, w, onboarding.StepFinish, viewWizardFinish, finishData{ShopURL: s.onboard.shopAdminURL(w.m.Domain)}, nil)
}

// wizardFinish is POST /app/wizard/finish: the wizard is done and the app
// opens to the cabinet from now on; the merchant goes back to the shop's
// admin ("to=shop") or into the cabinet.
func (s *server) wizardFinish(c *fiber.Ctx) error {
	w, ok, err := s.wizardAt(c, onboarding.StepFinish)
	if !ok {
		return err
	}
	if err := s.onboard.svc.Finish(c.UserContext(), w.sess.ShopID); err != nil {
		return s.wizardRefused(c, w, err, func(onboarding.Problems) error { return err })
	}
	if c.FormValue("to") == "shop" {
		return leaveApp(c, s.onboard.shopAdminURL(w.m.Domain))
	}
	return redirect(c, "/app")
}
