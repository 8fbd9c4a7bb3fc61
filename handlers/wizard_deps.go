package handlers

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/twilio/twilio-go/client"

	"parceltrack/notify"
	"parceltrack/onboarding"
	"parceltrack/shopapp"
)

// Onboarding is the setup wizard as the web layer drives it;
// *onboarding.Service implements it.
type Onboarding interface {
	Shop(ctx context.Context, shopID string) (shopapp.Shop, error)
	Register(ctx context.Context, shopID string, in onboarding.Registration) error
	CodeStatus(ctx context.Context, shopID string) (onboarding.CodeStatus, error)
	ResendCode(ctx context.Context, shopID string) error
	ChangePhone(ctx context.Context, shopID, phone string) error
	VerifyCode(ctx context.Context, shopID, code string) error
	IssueCredentials(ctx context.Context, shopID string) error
	ChangeEmail(ctx context.Context, shopID, email string) error
	CheckCredentials(ctx context.Context, shopID, userID, key string) error
	Setup(ctx context.Context, shopID string) (onboarding.SetupState, error)
	RunSetup(ctx context.Context, shopID string) (onboarding.SetupState, error)
	SaveStatusSync(ctx context.Context, shopID string, enabled bool, mapping map[string]string) error
	CreateSuggestedStatuses(ctx context.Context, shopID string) (int, error)
	Advance(ctx context.Context, shopID string, from onboarding.Step) (onboarding.Step, error)
	Finish(ctx context.Context, shopID string) error
	HowItWorks(shop string) onboarding.HowItWorks
}

// MessageStatusStore records delivery statuses reported by providers and
// reads them back (package storage implements it); an unknown message is
// shopapp.ErrNotFound.
type MessageStatusStore interface {
	Save(ctx context.Context, st notify.Delivery) (bool, error)
	Get(ctx context.Context, providerID string) (notify.Delivery, error)
}

// MessageReports settles outbox messages by their delivery reports
// (*messages.Reports); an unknown key is shopapp.ErrNotFound.
type MessageReports interface {
	Report(ctx context.Context, key string, dl notify.Delivery) error
}

// OutboxLister lists what the sandbox stand-ins received, newest first (the
// wiring layer adapts the sandbox's own store).
type OutboxLister interface {
	List(ctx context.Context, limit int) ([]SandboxMessage, error)
}

// SandboxMessage is one message or call a sandbox stand-in received.
type SandboxMessage struct {
	// ID is the provider's: the Twilio SID or the e-mail Message-ID.
	ID string
	// Channel is "sms", "voice" or "email" (notify.ChannelKind values).
	Channel string
	To      string
	Subject string
	// Text is the SMS body, the words a call speaks, or the e-mail's plain
	// part.
	Text      string
	Status    string
	Error     string
	CreatedAt time.Time
	// Raw is what the stand-in received beyond the text: a call's TwiML.
	Raw string
	// Key, Trigger and Local come from the app's own record of the message
	// when it has one: its outbox key (the ledger's ref), what made it due,
	// and when it went on the tracking clock (the sandbox's) in the
	// recipient's zone.
	Key     string
	Trigger string
	Local   time.Time
}

// onboardDeps are the wizard's, the delivery callbacks' and the sandbox
// outbox's dependencies on the server.
type onboardDeps struct {
	svc          Onboarding
	shopAdminURL func(domain string) string
	twilio       *client.RequestValidator
	twilioURL    string
	statuses     MessageStatusStore
	reports      MessageReports
	outbox       OutboxLister
}

func (d *onboardDeps) init(deps Deps) error {
	if deps.Onboarding != nil && deps.ShopApp == nil {
		return errors.New("handlers: the onboarding wizard needs the InSales app (merchant sessions)")
	}
	if deps.TwilioAuthToken != "" && deps.MessageStatuses == nil {
		return errors.New("handlers: twilio status callbacks need a message status store")
	}
	d.svc, d.shopAdminURL, d.outbox = deps.Onboarding, deps.ShopAdminURL, deps.Outbox
	if d.shopAdminURL == nil {
		d.shopAdminURL = func(domain string) string { return "https://" + domain + "/admin/" }
	}
	d.statuses = deps.MessageStatuses
	d.reports = deps.MessageReports
	if deps.TwilioAuthToken != "" {
		v := client.NewRequestValidator(deps.TwilioAuthToken)
		d.twilio, d.twilioURL = &v, deps.TwilioStatusURL
	}
	return nil
}

// Views of the wizard and its neighbours.
const (
	viewWizardRegister    = "pages/wizard_register"
	viewWizardCode        = "pages/wizard_code"
	viewWizardCredentials = "pages/wizard_credentials"
	viewWizardSetup       = "pages/wizard_setup"
	viewWizardHow         = "pages/wizard_how"
	viewWizardTexts       = "pages/wizard_texts"
	viewWizardFinish      = "pages/wizard_finish"
	viewTexts             = "pages/texts_show"
	viewSandboxOutbox     = "pages/sandbox_outbox"
	partialWizardNav      = "partials/wizard_nav"
)

// wizardPath is the page of a step; a finished wizard opens the cabinet.
func wizardPath(step onboarding.Step) string {
	if step == onboarding.StepDone || step.Index() < 0 {
		return "/app"
	}
	return "/app/wizard/" + string(step)
}

// wizardReq is the signed-in merchant of a wizard request.
type wizardReq struct {
	sess shopapp.Session
	m    shopapp.Shop
}

// wizardAt loads the signed-in merchant and checks that the page of step
// may be shown (step "" skips the check). When it may not, it has already
// answered — the login problem, or a redirect to the merchant's current
// step — and returns ok false with the answer's error.
func (s *server) wizardAt(c *fiber.Ctx, step onboarding.Step) (w wizardReq, ok bool, err error) {
	sess, signedIn, err := s.appSession(c)
	if err != nil {
		return wizardReq{}, false, err
	}
	if !signedIn {
		return wizardReq{}, false, s.renderProblem(c, fiber.StatusUnauthorized, "Нужно войти", loginAgainText)
	}
	m, err := s.onboard.svc.Shop(c.UserContext(), sess.ShopID)
	if errors.Is(err, onboarding.ErrUnknownShop) {
		return wizardReq{}, false, s.renderProblem(c, fiber.StatusNotFound, "Магазин не найден", loginAgainText)
	}
	if err != nil {
		return wizardReq{}, false, err
	}
	if m.Uninstalled() {
		return wizardReq{}, false, s.renderProblem(c, fiber.StatusNotFound, "Приложение удалено из магазина",
			"Установите parceltrack снова из каталога приложений InSales.")
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	if step != "" && !onboarding.CanOpen(m, step) {
		return wizardReq{}, false, redirect(c, wizardPath(onboarding.Current(m)))
	}
	return wizardReq{sess: sess, m: m}, true, nil
}

// wizardNavItem is one step in the wizard's progress list.
type wizardNavItem struct {
	Title  string
	Path   string
	State  string // done, current, todo
	Number int
	// Link: the page may be opened from here.
	Link bool
}

// wizardPage is the data of every wizard page: the progress list, the
// refusals of the last submit and the page's own data.
type wizardPage struct {
	Title    string
	Step     string
	Number   int
	Total    int
	Domain   string
	Nav      []wizardNavItem
	Problems map[string]string
	// General is the refusal that concerns no single field.
	General string
	Page    any
}

// renderWizard renders a wizard page for step. Problems from a refused
// submit are shown next to their fields; the caller sets the status (422).
// An htmx request gets the step's own URL pushed, so the address bar never
// shows an action URL.
func (s *server) renderWizard(c *fiber.Ctx, w wizardReq, step onboarding.Step, view string, data any, ps onboarding.Problems) error {
	p := wizardPage{Title: step.Title(), Step: string(step), Number: step.Index() + 1, Total: len(onboarding.Steps()), Domain: w.m.Domain, Page: data}
	for _, st := range onboarding.Steps() {
		item := wizardNavItem{Title: st.Title(), Path: wizardPath(st), Number: st.Index() + 1, State: "todo"}
		switch {
		case st == step:
			item.State = "current"
		case st.Index() < onboarding.Current(w.m).Index():
			item.State = "done"
		}
		item.Link = st != step && onboarding.CanOpen(w.m, st)
		p.Nav = append(p.Nav, item)
	}
	if ps != nil {
		p.Problems = ps.ByField()
		p.General = p.Problems[""]
	}
	if htmxFrom(c).Enabled {
		hxSetPushURL(c, wizardPath(step))
	}
	return s.render(c, view, page{Title: step.Title(), Data: p})
}

// wizardRefused answers an action's error: a refusal of the current page
// re-renders it (422) through again; one that belongs to another step sends
// the merchant to their current step; anything else is a server error.
func (s *server) wizardRefused(c *fiber.Ctx, w wizardReq, err error, again func(onboarding.Problems) error) error {
	ps, ok := onboarding.AsProblems(err)
	if !ok {
		return err
	}
	if ps.Has(onboarding.ReasonWrongStep) || ps.Has(onboarding.ReasonShopUninstalled) {
		m, merr := s.onboard.svc.Shop(c.UserContext(), w.sess.ShopID)
		if merr != nil {
			return merr
		}
		s.flashNext(c, flashInfo, ps[0].Text)
		return redirect(c, wizardPath(onboarding.Current(m)))
	}
	for _, p := range ps {
		if p.Err != nil {
			s.logger(c).Warn("wizard action refused", "shop_id", w.sess.ShopID, "reason", string(p.Reason), "error", p.Err.Error())
		}
	}
	c.Status(fiber.StatusUnprocessableEntity)
	return again(ps)
}

// leaveApp sends the browser out of the app (to the shop's admin): htmx
// gets HX-Redirect, anything else 303.
func leaveApp(c *fiber.Ctx, to string) error {
	if !strings.HasPrefix(to, "https://") && !strings.HasPrefix(to, "http://") {
		return redirect(c, to)
	}
	if htmxFrom(c).Enabled {
		hxSetRedirect(c, to)
		return c.SendStatus(fiber.StatusNoContent)
	}
	return c.Redirect(to, fiber.StatusSeeOther)
}

// formValue is a trimmed copy of a form field, safe to keep.
func formValue(c *fiber.Ctx, key string) string {
	return strings.Clone(strings.TrimSpace(c.FormValue(key)))
}
