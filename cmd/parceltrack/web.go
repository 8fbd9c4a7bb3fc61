package main

import (
	"context"
	"net"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"parceltrack/handlers"
	insalessandbox "parceltrack/sandbox/insales"
	"parceltrack/storage"
)

// webServer is the Fiber app of this process.
type webServer struct {
	app *fiber.App
}

func newWebServer(e *env, svc *services) (*webServer, error) {
	deps := handlers.Deps{
		Logger:       e.log,
		BaseURL:      e.cfg.BaseURL,
		Sandbox:      e.cfg.Sandbox(),
		Ready:        e.db.Ping,
		Metrics:      e.metrics,
		MetricsToken: e.cfg.MetricsToken,
		InSales:      svc.insales,
		Sessions:     e.db.Sessions(),
		// In the database, so any web process accepts a form another served.
		CSRFStorage: e.db.CSRFTokens(),
	}
	deps.SandboxHandlers = map[string]http.Handler{}
	if svc.rpSandbox != nil {
		deps.SandboxHandlers["/sandbox/russianpost"] = svc.rpSandbox
		deps.Demo = sandboxDemo{svc: svc}
	}
	if svc.shopSandbox != nil {
		deps.SandboxHandlers[insalessandbox.DefaultPrefix] = svc.shopSandbox
		// "Вернуться в магазин" leads to the sandbox shop's admin.
		deps.ShopAdminURL = func(string) string { return e.cfg.BaseURL + insalessandbox.DefaultPrefix + "/" }
	}
	// Guarded: a nil *onboarding.Service in the interface would not be nil.
	if svc.onboarding != nil {
		deps.Onboarding = svc.onboarding
		deps.TwilioAuthToken = svc.twilioToken
		deps.TwilioStatusURL = svc.twilioStatusURL
		deps.MessageStatuses = e.db.MessageStatuses()
	}
	if svc.twilioSandbox != nil {
		deps.SandboxHandlers["/sandbox/twilio"] = svc.twilioSandbox
	}
	// The outbox shows what either stand-in received.
	if svc.twilioSandbox != nil || svc.smtpSink != nil {
		deps.Outbox = e.db.SandboxOutbox()
	}
	app, err := handlers.New(deps)
	if err != nil {
		return nil, err
	}
	return &webServer{app: app}, nil
}

func (w *webServer) serve(ln net.Listener) error { return w.app.Listener(ln) }

func (w *webServer) shutdown(timeout time.Duration) error {
	return w.app.ShutdownWithTimeout(timeout)
}

// sandboxDemo serves the sandbox page from the demo shop.
type sandboxDemo struct{ svc *services }

func (d sandboxDemo) Parcels(ctx context.Context) ([]storage.Parcel, error) {
	shop, err := d.svc.demo.Shop(ctx)
	if err != nil {
		return nil, err
	}
	return d.svc.e.db.Parcels().ListByShop(ctx, shop.ID, 200)
}

func (d sandboxDemo) Add(ctx context.Context, track string) (storage.Parcel, error) {
	return d.svc.demo.Add(ctx, track, 0, "Добавлена вручную")
}

func (d sandboxDemo) Now() time.Time { return d.svc.trackingClock() }
