package handlers

import (
	"bytes"
	"fmt"
	"html/template"

	"github.com/gofiber/fiber/v2"
)

// View names: template paths under views/ without ".html".
const (
	layoutMain       = "layouts/main"
	partialFlash     = "partials/flash"
	viewHome         = "pages/home"
	viewError        = "pages/error"
	viewSandbox      = "pages/sandbox"
	viewSandboxTable = "pages/sandbox_table"
)

// viewRegistry lists every view the handlers render. New checks that each
// exists, so a missing file fails at start-up, not on the first request.
var viewRegistry = []string{
	layoutMain,
	partialFlash,
	viewHome,
	viewError,
	viewSandbox,
	viewSandboxTable,
	viewAppShow, // declared in app_show.go
	// Declared in widget_show.go and track_show.go.
	viewWidgetShow, partialWidgetPanel, viewTrackShow,
	// Declared in wizard_deps.go.
	viewWizardRegister, viewWizardCode, viewWizardCredentials, viewWizardSetup,
	viewWizardHow, viewWizardTexts, viewWizardFinish, viewTexts, viewSandboxOutbox, partialWizardNav,
}

// page is the data every view gets. Handlers set Title and Data; render
// fills in the rest.
type page struct {
	// Title goes into <title> before " — parceltrack".
	Title string
	// Data is the page's own data, reached as .Data in its template.
	Data any
	// Flashes to show now, in addition to those left by the previous request
	// (see flashNext).
	Flashes []flash

	// Filled by render.
	Sandbox   bool
	CSRF      string // empty unless the route is behind csrfProtect
	RequestID string
	FlashOOB  bool          // the flash partial is an out-of-band swap
	Content   template.HTML // the page's markup, for the layout
}

// render answers with the view: the whole page inside the layout on a normal
// (or boosted, or history-restore) request, only the view's markup on an
// htmx request, plus the flash area as an out-of-band swap when there is a
// message. The status is whatever the handler set (200 by default).
//
// The page is rendered first and handed to the layout as .Content rather
// than through the engine's {{embed}}: with {{embed}} a failing page
// template prints its error text into the layout and still answers 200.
func (s *server) render(c *fiber.Ctx, view string, p page) error {
	s.fillPage(c, &p)
	var body bytes.Buffer
	if err := s.views.Render(&body, view, p); err != nil {
		return fmt.Errorf("handlers: render %s: %w", view, err)
	}
	c.Vary(hxRequest)

	if htmxFrom(c).wantsFragment() {
		if len(p.Flashes) > 0 {
			p.FlashOOB = true
			if err := s.views.Render(&body, partialFlash, p); err != nil {
				return fmt.Errorf("handlers: render %s: %w", partialFlash, err)
			}
		}
		return sendHTML(c, body.Bytes())
	}

	p.Content = template.HTML(body.String()) // rendered by html/template: already safe
	var full bytes.Buffer
	if err := s.views.Render(&full, layoutMain, p); err != nil {
		return fmt.Errorf("handlers: render %s: %w", layoutMain, err)
	}
	return sendHTML(c, full.Bytes())
}

// fillPage sets the per-request fields of p.
func (s *server) fillPage(c *fiber.Ctx, p *page) {
	p.Sandbox = s.sandbox
	p.CSRF = csrfToken(c)
	p.RequestID = requestIDOf(c)
	p.Flashes = append(s.takeFlashes(c), p.Flashes...)
}

func sendHTML(c *fiber.Ctx, b []byte) error {
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(b)
}
