package handlers

import (
	"github.com/gofiber/fiber/v2"

	"parceltrack/onboarding"
)

// wizardCodePhone is POST /app/wizard/code/phone: the merchant corrects the
// phone and gets the code there instead.
func (s *server) wizardCodePhone(c *fiber.Ctx) error {
	w, ok, err := s.wizardAt(c, onboarding.StepCode)
	if !ok {
		return err
	}
	phone := formValue(c, "phone")
	if err := s.onboard.svc.ChangePhone(c.UserContext(), w.sess.ShopID, phone); err != nil {
		return s.wizardRefused(c, w, err, func(ps onboarding.Problems) error { return s.renderCode(c, w, phone, ps) })
	}
	m, err := s.onboard.svc.Shop(c.UserContext(), w.sess.ShopID)
	if err != nil {
		return err
	}
	s.flashNext(c, flashSuccess, "Код отправлен на "+onboarding.FormatPhone(m.Owner.Phone)+".")
	return redirect(c, wizardPath(onboarding.StepCode))
}
