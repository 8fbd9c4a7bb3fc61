package handlers

import (
	"github.com/gofiber/fiber/v2"

	"parceltrack/onboarding"
)

// registerForm is the registration form as typed.
type registerForm struct {
	Name  string
	Email string
	Phone string
	// Back: the merchant came back from the code page to correct a detail.
	Back bool
}

// wizardRegisterShow is GET /app/wizard/register: name, e-mail and mobile
// phone, prefilled from what is known (InSales tells the admin's name and
// e-mail at login).
func (s *server) wizardRegisterShow(c *fiber.Ctx) error {
	w, ok, err := s.wizardAt(c, onboarding.StepRegister)
	if !ok {
		return err
	}
	f := registerForm{Name: w.m.Owner.Name, Email: w.m.Owner.Email, Phone: onboarding.FormatPhone(w.m.Owner.Phone), Back: onboarding.Current(w.m) == onboarding.StepCode}
	if f.Name == "" {
		f.Name = w.sess.UserName
	}
	if f.Email == "" {
		f.Email = w.sess.UserEmail
	}
	return s.renderWizard(c, w, onboarding.StepRegister, viewWizardRegister, f, nil)
}

// wizardRegister is POST /app/wizard/register: store the details and send
// the SMS code, then on to the code page.
func (s *server) wizardRegister(c *fiber.Ctx) error {
	w, ok, err := s.wizardAt(c, onboarding.StepRegister)
	if !ok {
		return err
	}
	f := registerForm{Name: formValue(c, "name"), Email: formValue(c, "email"), Phone: formValue(c, "phone"),
		Back: onboarding.Current(w.m) == onboarding.StepCode}
	err = s.onboard.svc.Register(c.UserContext(), w.sess.ShopID, onboarding.Registration{Name: f.Name, Email: f.Email, Phone: f.Phone})
	if err != nil {
		return s.wizardRefused(c, w, err, func(ps onboarding.Problems) error {
			return s.renderWizard(c, w, onboarding.StepRegister, viewWizardRegister, f, ps)
		})
	}
	return redirect(c, wizardPath(onboarding.StepCode))
}
