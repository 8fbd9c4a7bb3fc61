package handlers

import (
	"github.com/gofiber/fiber/v2"

	"parceltrack/onboarding"
	"parceltrack/shopapp"
)

// setupData is the data of the setup page.
type setupData struct {
	onboarding.SetupState
	// Suggested are the titles "create suggested statuses" adds.
	Suggested []string
	// Failed: a part of the setup failed (the button says "retry").
	Failed bool
}

func (s *server) renderSetup(c *fiber.Ctx, w wizardReq, st onboarding.SetupState, ps onboarding.Problems) error {
	d := setupData{SetupState: st, Suggested: onboarding.SuggestedStatusTitles()}
	for _, step := range st.Steps {
		d.Failed = d.Failed || step.Status == shopapp.StepFailed
	}
	return s.renderWizard(c, w, onboarding.StepSetup, viewWizardSetup, d, ps)
}

// wizardSetupShow is GET /app/wizard/setup: what the app set up in the shop
// (webhooks, the track field, the widget) and the status sync settings.
func (s *server) wizardSetupShow(c *fiber.Ctx) error {
	w, ok, err := s.wizardAt(c, onboarding.StepSetup)
	if !ok {
		return err
	}
	st, err := s.onboard.svc.Setup(c.UserContext(), w.sess.ShopID)
	if err != nil {
		return err
	}
	return s.renderSetup(c, w, st, nil)
}

// wizardSetupRun is POST /app/wizard/setup: run (or retry) the setup at
// InSales now and show each part's result; a failure is shown with the
// parts that did succeed, and a retry creates nothing twice.
func (s *server) wizardSetupRun(c *fiber.Ctx) error {
	w, ok, err := s.wizardAt(c, onboarding.StepSetup)
	if !ok {
		return err
	}
	st, err := s.onboard.svc.RunSetup(c.UserContext(), w.sess.ShopID)
	if err != nil {
		return s.wizardRefused(c, w, err, func(ps onboarding.Problems) error { return s.renderSetup(c, w, st, ps) })
	}
	s.flashNext(c, flashSuccess, "Магазин настроен.")
	return redirect(c, wizardPath(onboarding.StepSetup))
}
