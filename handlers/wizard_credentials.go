package handlers

import (
	"github.com/gofiber/fiber/v2"

	"parceltrack/onboarding"
	"parceltrack/tracking"
)

// credentialsData is the data of the credentials page.
type credentialsData struct {
	Email string
	// Sent: the e-mail with the User ID and key went out.
	Sent   bool
	SentAt string
	// UserID echoes the form (the key never is).
	UserID string
	// NewEmail echoes the change-address form.
	NewEmail string
}

func (s *server) renderCredentials(c *fiber.Ctx, w wizardReq, userID, newEmail string, ps onboarding.Problems) error {
	d := credentialsData{Email: w.m.Owner.Email, Sent: !w.m.Wizard.CredentialsSentAt.IsZero(), UserID: userID, NewEmail: newEmail}
	if !w.m.Wizard.CredentialsSentAt.IsZero() {
		d.SentAt = w.m.Wizard.CredentialsSentAt.In(tracking.Moscow).Format("15:04")
	}
	return s.renderWizard(c, w, onboarding.StepCredentials, viewWizardCredentials, d, ps)
}

// wizardCredentialsShow is GET /app/wizard/credentials: type back the User
// ID and API key from the e-mail.
func (s *server) wizardCredentialsShow(c *fiber.Ctx) error {
	w, ok, err := s.wizardAt(c, onboarding.StepCredentials)
	if !ok {
		return err
	}
	return s.renderCredentials(c, w, "", "", nil)
}

// wizardCredentialsCheck is POST /app/wizard/credentials: both right prove
// the e-mail address; on to the shop setup.
func (s *server) wizardCredentialsCheck(c *fiber.Ctx) error {
	w, ok, err := s.wizardAt(c, onboarding.StepCredentials)
	if !ok {
		return err
	}
	userID := formValue(c, "user_id")
	if err := s.onboard.svc.CheckCredentials(c.UserContext(), w.sess.ShopID, userID, formValue(c, "api_key")); err != nil {
		return s.wizardRefused(c, w, err, func(ps onboarding.Problems) error {
			return s.renderCredentials(c, w, userID, "", ps)
		})
	}
	s.flashNext(c, flashSuccess, "Почта подтверждена.")
	return redirect(c, wizardPath(onboarding.StepSetup))
}
