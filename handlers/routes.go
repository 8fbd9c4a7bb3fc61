package handlers

import (
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"

	"parceltrack/static"
)

// routes lists every route of the app, in one place.
//
// To add a page: write views/pages/<name>.html, add its name to viewRegistry
// (render.go), write the handler in <entity>_<action>.go and add one line
// here. Browser forms that change state go in a group behind s.csrfProtect:
//
//	cab := app.Group("/cabinet", s.csrfProtect)
//	cab.Get("/parcels", s.parcelList)
//	cab.Post("/parcels/:id/stop", s.parcelStop)
//
// Public endpoints are rate-limited per client address (ratelimit.go).
// Webhooks (/webhooks/...) and the API (/api/v1/...) must not use
// csrfProtect: they authenticate by URL secret or API key instead. Name a
// URL parameter that carries a secret ":secret" or ":token" so the request
// log writes the route pattern instead of the path.
func (s *server) routes(app *fiber.App) {
	// Middleware, outermost first: request id → log + metrics (renders
	// errors) → panic recovery → security headers.
	app.Use(s.requestID, s.observe, recoverPanic, securityHeaders)

	// Probes and metrics.
	app.Get("/healthz", s.healthz)
	app.Get("/readyz", s.readyz)
	app.Get("/metrics", s.metricsAuth, adaptor.HTTPHandler(s.metricsHandler()))

	// Fingerprinted static files.
	app.Get(static.Prefix+"*", s.assets.Handler())

	// Pages.
	app.Get("/", s.homeShow)

	// The sandbox home: demo parcels watched as sandbox time runs.
	if s.demo != nil {
		app.Get("/sandbox/", s.csrfProtect, s.sandboxShow)
		app.Post("/sandbox/parcels", s.csrfProtect, s.sandboxParcelAdd)
	}

	// InSales app. Install, uninstall and webhooks are called by InSales
	// (no CSRF: token and URL secret instead); login comes from the InSales
	// admin and ends on /app, the merchant's start page.
	if s.insales.app != nil {
		app.Get("/insales/install", s.insalesInstall)
		app.Get("/insales/uninstall", s.insalesUninstall)
		app.Get("/insales/login", s.limit.login, s.insalesLogin)
		app.Get("/insales/autologin", s.limit.login, s.insalesAutologin)
		app.Post("/insales/webhooks/:secret", s.limit.webhooks, s.insalesWebhook)
		app.Get("/app", s.csrfProtect, s.appShow)
		app.Post("/app/setup", s.csrfProtect, s.appSetupRetry)
		// The order-page widget, framed in the InSales admin. Its widget
		// key is the only credential, hence ":token" (kept out of the log,
		// also when the order is missing: "?").
		app.Get("/widget/:token/:order?", s.limit.widget, s.widgetShow)
		// The buyer's tracking page, linked from messages; the token in
		// the path is its only credential.
		app.Get("/t/:token", s.limit.track, s.trackShow)
	}

	// Onboarding wizard. Every page needs the merchant's session; a page
	// the merchant has not reached redirects to their current step.
	if s.onboard.svc != nil {
		wz := app.Group("/app/wizard", s.limit.wizard, s.csrfProtect)
		wz.Get("", s.wizardShow)
		wz.Get("/register", s.wizardRegisterShow)
		wz.Post("/register", s.wizardRegister)
		wz.Get("/code", s.wizardCodeShow)
		wz.Post("/code", s.wizardCodeVerify)
		wz.Post("/code/resend", s.wizardCodeResend)
		wz.Post("/code/phone", s.wizardCodePhone)
		wz.Get("/credentials", s.wizardCredentialsShow)
		wz.Post("/credentials", s.wizardCredentialsCheck)
		wz.Post("/credentials/resend", s.wizardCredentialsResend)
		wz.Post("/credentials/email", s.wizardCredentialsEmail)
		wz.Get("/setup", s.wizardSetupShow)
		wz.Post("/setup", s.wizardSetupRun)
		wz.Post("/setup/statuses", s.wizardStatusSyncSave)
		wz.Post("/setup/suggested", s.wizardStatusesSuggest)
		wz.Get("/how", s.wizardHowShow)
		wz.Get("/texts", s.wizardTextsShow)
		wz.Post("/:step/next", s.wizardNext)
		wz.Get("/finish", s.wizardFinishShow)
		wz.Post("/finish", s.wizardFinish)
		app.Get("/app/texts", s.csrfProtect, s.textsShow)
	}
	// Delivery reports from Twilio: signed, not CSRF-protected.
	if s.onboard.twilio != nil {
		app.Post("/notify/twilio/status", s.twilioStatus)
	}
	// What the sandbox Twilio and SMTP stand-ins received.
	if s.onboard.outbox != nil {
		app.Get("/sandbox/outbox", s.sandboxOutbox)
	}

	// Sandbox stand-ins (net/http handlers), longest prefix first.
	for _, prefix := range s.sandboxPrefixes() {
		h := adaptor.HTTPHandler(detached(s.sandboxHandlers[prefix]))
		app.All(prefix, h)
		app.All(prefix+"/*", h)
	}
}
