package handlers

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"parceltrack/onboarding"
)

// statusSyncForm reads the status sync form: the switch and one select per
// parcel state ("map_<state>").
func statusSyncForm(c *fiber.Ctx) (bool, map[string]string) {
	mapping := map[string]string{}
	for _, st := range onboarding.MappableStates() {
		if v := formValue(c, "map_"+string(st)); v != "" {
			mapping[string(st)] = v
		}
	}
	return c.FormValue("enabled") == "on", mapping
}

// wizardStatusSyncSave is POST /app/wizard/setup/statuses: whether and how
// parcel states move the shop's order statuses.
func (s *server) wizardStatusSyncSave(c *fiber.Ctx) error {
	w, ok, err := s.wizardAt(c, onboarding.StepSetup)
	if !ok {
		return err
	}
	enabled, mapping := statusSyncForm(c)
	if err := s.onboard.svc.SaveStatusSync(c.UserContext(), w.sess.ShopID, enabled, mapping); err != nil {
		return s.wizardRefused(c, w, err, func(ps onboarding.Problems) error {
			st, serr := s.onboard.svc.Setup(c.UserContext(), w.sess.ShopID)
			if serr != nil {
				return serr
			}
			// Show the merchant's choices, not the stored ones.
			st.StatusSyncOn = enabled
			for i := range st.States {
				st.States[i].Permalink = mapping[string(st.States[i].State)]
			}
			return s.renderSetup(c, w, st, ps)
		})
	}
	if enabled {
		s.flashNext(c, flashSuccess, "Смена статусов заказов включена.")
	} else {
		s.flashNext(c, flashSuccess, "Настройки статусов сохранены; смена статусов выключена.")
	}
	return redirect(c, wizardPath(onboarding.StepSetup))
}

// wizardStatusesSuggest is POST /app/wizard/setup/suggested: create the
// suggested custom statuses the shop lacks and preselect them.
func (s *server) wizardStatusesSuggest(c *fiber.Ctx) error {
	w, ok, err := s.wizardAt(c, onboarding.StepSetup)
	if !ok {
		return err
	}
	n, err := s.onboard.svc.CreateSuggestedStatuses(c.UserContext(), w.sess.ShopID)
	if err != nil {
		return s.wizardRefused(c, w, err, func(ps onboarding.Problems) error {
			st, serr := s.onboard.svc.Setup(c.UserContext(), w.sess.ShopID)
			if serr != nil {
				return serr
			}
			return s.renderSetup(c, w, st, ps)
		})
	}
	text := "Все рекомендуемые статусы уже есть в магазине; они выбраны ниже."
	if n > 0 {
		text = "Создано статусов: " + strconv.Itoa(n) + ". Они выбраны ниже — включите смену статусов и сохраните."
	}
	s.flashNext(c, flashSuccess, text)
	return redirect(c, wizardPath(onboarding.StepSetup))
}
