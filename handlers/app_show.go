package handlers

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"parceltrack/billing"
	"parceltrack/onboarding"
	"parceltrack/shopapp"
	"parceltrack/tracking"
)

// viewAppShow is the merchant's start page after login.
const viewAppShow = "pages/app_show"

// appParcelsShown is how many recent parcels /app lists.
const appParcelsShown = 50

// appShowData is the data of pages/app_show.
type appShowData struct {
	Domain        string
	UserName      string
	Balance       string
	SetupComplete bool
	Steps         []appStep
	Parcels       []appParcel
}

type appStep struct {
	Title     string
	Status    string // pending, done, failed
	Label     string
	Attempts  int
	LastError string
}

type appParcel struct {
	OrderNumber string
	Track       string
	State       string
	StateLabel  string
	Buyer       string
	Updated     string
}

// appShow is GET /app, the cabinet: the shop, its balance, how far the setup
// got and the latest parcels. A merchant who has not finished the setup
// wizard is sent to their current wizard step instead.
func (s *server) appShow(c *fiber.Ctx) error {
	sess, ok, err := s.appSession(c)
	if err != nil {
		return err
	}
	if !ok {
		return s.renderProblem(c, fiber.StatusUnauthorized, "Нужно войти", loginAgainText)
	}
	// Until the wizard is finished the app opens to where it was left.
	if s.onboard.svc != nil {
		m, err := s.onboard.svc.Shop(c.UserContext(), sess.ShopID)
		switch {
		case err == nil && !onboarding.Done(m):
			c.Set(fiber.HeaderCacheControl, "no-store")
			return redirect(c, wizardPath(onboarding.Current(m)))
		case err != nil && !errors.Is(err, onboarding.ErrUnknownShop):
			return err
		}
	}
	ov, err := s.insales.app.Overview(c.UserContext(), sess.ShopID, appParcelsShown)
	if errors.Is(err, shopapp.ErrUnknownShop) {
		return s.renderProblem(c, fiber.StatusNotFound, "Магазин не найден", loginAgainText)
	}
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.render(c, viewAppShow, page{Title: "Кабинет", Data: appData(sess, ov)})
}

func appData(sess shopapp.Session, ov shopapp.Overview) appShowData {
	d := appShowData{
		Domain:        ov.Shop.Domain,
		UserName:      sess.UserName,
		Balance:       billing.FormatRub(ov.Shop.Balance),
		SetupComplete: ov.Shop.Setup.Complete,
	}
	for _, step := range shopapp.SetupSteps() {
		st := ov.Shop.Setup.Step(step)
		d.Steps = append(d.Steps, appStep{
			Title: step.Title(), Status: string(st.Status), Label: st.Status.Label(),
			Attempts: st.Attempts, LastError: st.LastError,
		})
	}
	for _, p := range ov.Parcels {
		state := p.Tracking(ov.Now, ov.Rules).State
		buyer := p.Buyer.Name
		if buyer == "" {
			buyer = "—"
		}
		d.Parcels = append(d.Parcels, appParcel{
			OrderNumber: p.OrderNumber, Track: p.Track, State: string(state), StateLabel: state.Label(),
			Buyer: buyer, Updated: p.UpdatedAt.In(tracking.Moscow).Format("02.01.2006 15:04"),
		})
	}
	return d
}

// appSetupRetry is POST /app/setup: run the setup job again now.
func (s *server) appSetupRetry(c *fiber.Ctx) error {
	sess, ok, err := s.appSession(c)
	if err != nil {
		return err
	}
	if !ok {
		return s.renderProblem(c, fiber.StatusUnauthorized, "Нужно войти", loginAgainText)
	}
	if err := s.insales.app.EnqueueSetup(c.UserContext(), strings.Clone(sess.ShopID)); err != nil {
		return err
	}
	s.flashNext(c, flashInfo, "Настройка магазина запущена ещё раз. Обновите страницу через минуту.")
	return redirect(c, "/app")
}
