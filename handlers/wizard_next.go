package handlers

import (
	"github.com/gofiber/fiber/v2"

	"parceltrack/onboarding"
)

// wizardNext is POST /app/wizard/:step/next: leave an informational step
// (setup, how it works, texts) for the next one. Leaving the setup needs it
// complete; the refusal is shown on the setup page.
func (s *server) wizardNext(c *fiber.Ctx) error {
	step, known := onboarding.ParseStep(c.Params("step"))
	if !known {
		return fiber.ErrNotFound
	}
	w, ok, err := s.wizardAt(c, step)
	if !ok {
		return err
	}
	next, err := s.onboard.svc.Advance(c.UserContext(), w.sess.ShopID, step)
	if err != nil {
		return s.wizardRefused(c, w, err, func(ps onboarding.Problems) error {
			if step != onboarding.StepSetup {
				return err
			}
			st, serr := s.onboard.svc.Setup(c.UserContext(), w.sess.ShopID)
			if serr != nil {
				return serr
			}
			return s.renderSetup(c, w, st, ps)
		})
	}
	return redirect(c, wizardPath(next))
}
