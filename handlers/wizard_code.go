package handlers

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"parceltrack/onboarding"
)

// codeData is the data of the code page.
type codeData struct {
	// Phone is where the code went, written for people.
	Phone   string
	Pending bool
	Usable  bool
	// ResendIn is the whole seconds until another code may be asked for.
	ResendIn  int
	TriesLeft int
	// NewPhone echoes the change-phone form.
	NewPhone string
}

func (s *server) codeData(c *fiber.Ctx, w wizardReq) (codeData, error) {
	st, err := s.onboard.svc.CodeStatus(c.UserContext(), w.sess.ShopID)
	if err != nil {
		return codeData{}, err
	}
	d := codeData{Phone: onboarding.FormatPhone(w.m.Owner.Phone), Pending: st.Pending, Usable: st.Usable, TriesLeft: st.TriesLeft}
	if st.Pending {
		d.Phone = onboarding.FormatPhone(st.Phone)
		d.ResendIn = int((st.ResendIn + time.Second - 1) / time.Second)
	}
	return d, nil
}

// renderCode renders the code page with the problems of a refused submit.
func (s *server) renderCode(c *fiber.Ctx, w wizardReq, newPhone string, ps onboarding.Problems) error {
	d, err := s.codeData(c, w)
	if err != nil {
		return err
	}
	d.NewPhone = newPhone
	return s.renderWizard(c, w, onboarding.StepCode, viewWizardCode, d, ps)
}

// wizardCodeShow is GET /app/wizard/code: type the code from the SMS, ask
// for another, or correct the phone.
func (s *server) wizardCodeShow(c *fiber.Ctx) error {
	w, ok, err := s.wizardAt(c, onboarding.StepCode)
	if !ok {
		return err
	}
	return s.renderCode(c, w, "", nil)
}

// wizardCodeVerify is POST /app/wizard/code: the right code proves the
// phone and e-mails the credentials.
func (s *server) wizardCodeVerify(c *fiber.Ctx) error {
	w, ok, err := s.wizardAt(c, onboarding.StepCode)
	if !ok {
		return err
	}
	if err := s.onboard.svc.VerifyCode(c.UserContext(), w.sess.ShopID, formValue(c, "code")); err != nil {
		return s.wizardRefused(c, w, err, func(ps onboarding.Problems) error { return s.renderCode(c, w, "", ps) })
	}
	s.flashNext(c, flashSuccess, "Телефон подтверждён.")
	return redirect(c, wizardPath(onboarding.StepCredentials))
}
