package handlers

import (
	"github.com/gofiber/fiber/v2"

	"parceltrack/onboarding"
)

// wizardCredentialsResend is POST /app/wizard/credentials/resend: a new
// key (and the same User ID) by e-mail, once the resend delay has passed.
func (s *server) wizardCredentialsResend(c *fiber.Ctx) error {
	w, ok, err := s.wizardAt(c, onboarding.StepCredentials)
	if !ok {
		return err
	}
	if err := s.onboard.svc.IssueCredentials(c.UserContext(), w.sess.ShopID); err != nil {
		return s.wizardRefused(c, w, err, func(ps onboarding.Problems) error {
			return s.renderCredentials(c, w, "", "", ps)
		})
	}
	s.flashNext(c, flashSuccess, "Письмо отправлено на "+w.m.Owner.Email+". Ключ из прежнего письма больше не действует.")
	return redirect(c, wizardPath(onboarding.StepCredentials))
}
