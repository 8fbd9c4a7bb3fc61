package handlers

import (
	"github.com/gofiber/fiber/v2"

	"parceltrack/onboarding"
)

// wizardCredentialsEmail is POST /app/wizard/credentials/email: the
// merchant corrects the address and gets the credentials there.
func (s *server) wizardCredentialsEmail(c *fiber.Ctx) error {
	w, ok, err := s.wizardAt(c, onboarding.StepCredentials)
	if !ok {
		return err
	}
	email := formValue(c, "email")
	if err := s.onboard.svc.ChangeEmail(c.UserContext(), w.sess.ShopID, email); err != nil {
		return s.wizardRefused(c, w, err, func(ps onboarding.Problems) error {
			// The page shows the address as stored (the change may have
			// been saved before the e-mail failed).
			if m, merr := s.onboard.svc.Shop(c.UserContext(), w.sess.ShopID); merr == nil {
				w.m = m
			}
			return s.renderCredentials(c, w, "", email, ps)
		})
	}
	s.flashNext(c, flashSuccess, "Письмо отправлено на новый адрес.")
	return redirect(c, wizardPath(onboarding.StepCredentials))
}
