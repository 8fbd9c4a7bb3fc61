package handlers

import (
	"github.com/gofiber/fiber/v2"

	"parceltrack/notify"
	"parceltrack/onboarding"
)

// textsData is the list of default message texts.
type textsData struct {
	Texts []notify.Text
}

// wizardTextsShow is GET /app/wizard/texts: where the message texts are
// edited, with the defaults at a glance.
func (s *server) wizardTextsShow(c *fiber.Ctx) error {
	w, ok, err := s.wizardAt(c, onboarding.StepTexts)
	if !ok {
		return err
	}
	return s.renderWizard(c, w, onboarding.StepTexts, viewWizardTexts, textsData{Texts: notify.DefaultTexts()}, nil)
}

// textsShow is GET /app/texts: the default message texts, until the
// cabinet's template editor replaces this page.
func (s *server) textsShow(c *fiber.Ctx) error {
	_, ok, err := s.wizardAt(c, "")
	if !ok {
		return err
	}
	return s.render(c, viewTexts, page{Title: "Тексты сообщений", Data: textsData{Texts: notify.DefaultTexts()}})
}
