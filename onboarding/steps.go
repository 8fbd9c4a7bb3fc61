package onboarding

import (
	"slices"

	"parceltrack/shopapp"
)

// Step is a page of the wizard. The values are stored on the shop.
type Step string

// The wizard's steps, in order. StepDone means the wizard is finished and the
// app opens to the cabinet.
const (
	StepRegister    Step = "register"
	StepCode        Step = "code"
	StepCredentials Step = "credentials"
	StepSetup       Step = "setup"
	StepHowItWorks  Step = "how"
	StepTexts       Step = "texts"
	StepFinish      Step = "finish"
	StepDone        Step = "done"
)

var stepOrder = []Step{StepRegister, StepCode, StepCredentials, StepSetup, StepHowItWorks, StepTexts, StepFinish, StepDone}

// Steps lists the wizard's pages in order (StepDone is not a page).
func Steps() []Step { return slices.Clone(stepOrder[:len(stepOrder)-1]) }

// ParseStep reads a stored or routed step name.
func ParseStep(s string) (Step, bool) {
	st := Step(s)
	return st, slices.Contains(stepOrder, st)
}

// Index is the step's position, 0 for StepRegister; -1 for an unknown step.
func (s Step) Index() int { return slices.Index(stepOrder, s) }

// Next is the step after s (StepDone after StepFinish and after itself).
func (s Step) Next() Step {
	i := s.Index()
	if i < 0 || i+1 >= len(stepOrder) {
		return StepDone
	}
	return stepOrder[i+1]
}

// Title is the step's name for the merchant.
func (s Step) Title() string {
	switch s {
	case StepRegister:
		return "Регистрация"
	case StepCode:
		return "Код из SMS"
	case StepCredentials:
		return "Подтверждение почты"
	case StepSetup:
		return "Настройка магазина"
	case StepHowItWorks:
		return "Как это работает"
	case StepTexts:
		return "Тексты сообщений"
	case StepFinish:
		return "Готово"
	case StepDone:
		return "Кабинет"
	}
	return string(s)
}

// Current is the step the merchant of shop is on.
func Current(shop shopapp.Shop) Step {
	st := Step(shop.Wizard.Step)
	if st.Index() < 0 {
		return StepRegister
	}
	return st
}

// Done reports whether the shop's wizard is finished.
func Done(shop shopapp.Shop) bool { return Current(shop) == StepDone }

// CanOpen reports whether the page of step s may be shown to the merchant of
// shop: the current step; the registration form again while the code is
// pending (to correct a detail); and, once the merchant's identity is
// proved, any step from the setup up to the current one (they are safe to
// revisit).
func CanOpen(shop shopapp.Shop, s Step) bool {
	cur := Current(shop)
	switch {
	case s == StepDone || s.Index() < 0:
		return false
	case s == cur:
		return true
	case cur == StepCode && s == StepRegister:
		return true
	case s.Index() >= StepSetup.Index() && s.Index() <= cur.Index():
		return true
	}
	return false
}
