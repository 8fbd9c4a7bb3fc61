package handlers

import (
	"github.com/gofiber/fiber/v2"

	"parceltrack/onboarding"
)

// wizardCodeResend is POST /app/wizard/code/resend: another code to the
// same phone, once the resend delay has passed.
func (s *server) wizardCodeResend(c *fiber.Ctx) error {
	w, ok, err := s.wizardAt(c, onboarding.StepCode)
	if !ok {
		return err
	}
	if err := s.onboard.svc.ResendCode(c.UserContext(), w.sess.ShopID); err != nil {
		return s.wizardRefused(c, w, err, func(ps onboarding.Problems) error { return s.renderCode(c, w, "", ps) })
	}
	s.flashNext(c, flashSuccess, "Новый код отправлен на "+onboarding.FormatPhone(w.m.Owner.Phone)+".")
	return redirect(c, wizardPath(onboarding.StepCode))
}
