package main

import (
	"context"
	"net"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"parceltrack/handlers"
	insalessandbox "parceltrack/sandbox/insales"
	"parceltrack/sandbox/outbox"
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
		ShopApp:      svc.shopApp,
		Sessions:     e.db.Sessions(),
		// In the database, so any web process accepts a form another served,
		// and a client's requests count alike in every process.
		CSRFStorage:      e.db.CSRFTokens(),
		RateLimitStorage: e.db.RateLimits(),
	}
	deps.SandboxHandlers = map[string]http.Handler{}
	if svc.rpSandbox != nil {
		deps.SandboxHandlers["/sandbox/russianpost"] = svc.rpSandbox
		deps.Demo = svc.demo
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
		deps.MessageReports = svc.reports
	}
	if svc.twilioSandbox != nil {
		deps.SandboxHandlers["/sandbox/twilio"] = svc.twilioSandbox
	}
	// The outbox shows what either stand-in received.
	if svc.twilioSandbox != nil || svc.smtpSink != nil {
		deps.Outbox = outboxPage{store: svc.sandboxOutbox(), messages: e.db.Notifications()}
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

// outboxPage lists the sandbox outbox for its page, each record with what
// the app's outbox knows of it.
type outboxPage struct {
	store    *outbox.Mongo
	messages *storage.Notifications
}

func (o outboxPage) List(ctx context.Context, limit int) ([]handlers.SandboxMessage, error) {
	recs, err := o.store.List(ctx, limit)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(recs))
	for i, r := range recs {
		ids[i] = r.ID
	}
	planned, err := o.messages.ByProviderIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]handlers.SandboxMessage, len(recs))
	for i, r := range recs {
		m := handlers.SandboxMessage{ID: r.ID, Channel: r.Channel, To: r.To, Subject: r.Subject, Text: r.Text,
			Status: r.Status, Error: r.Error, CreatedAt: r.CreatedAt, Raw: r.Raw}
		if n, ok := planned[r.ID]; ok {
			m.Key, m.Trigger, m.Local = n.Key, string(n.Trigger), n.SentAt.In(n.Location())
		}
		out[i] = m
	}
	return out, nil
}
