package onboarding

import (
	"context"
	"errors"
	"log/slog"
	"regexp"
	"strings"

	"parceltrack/insales"
	"parceltrack/shopapp"
	"parceltrack/tracking"
)

// SetupStepView is one step of the InSales setup as the page shows it.
type SetupStepView struct {
	Step      shopapp.SetupStep
	Title     string
	Status    shopapp.StepStatus
	Label     string
	Attempts  int
	LastError string
}

// MappedState is one parcel state of the status sync form and the order
// status it sets (empty: none).
type MappedState struct {
	State     tracking.State
	Label     string
	Permalink string
}

// SetupState is what the setup page shows: the setup job's progress and the
// status sync settings with the shop's statuses to choose from.
type SetupState struct {
	Steps    []SetupStepView
	Complete bool
	// StatusSyncOn is whether order statuses follow parcels.
	StatusSyncOn bool
	States       []MappedState
	// Statuses are the shop's custom statuses; nil with StatusesProblem set
	// when InSales could not be asked.
	Statuses        []insales.CustomStatus
	StatusesProblem string
}

// MappableStates are the parcel states status sync can act on, in the order
// a parcel goes through them.
func MappableStates() []tracking.State {
	return []tracking.State{
		tracking.StateRegistered, tracking.StateInTransit, tracking.StateProbablyArrived,
		tracking.StateArrived, tracking.StateWaiting, tracking.StateWaitingLong,
		tracking.StateDelivered, tracking.StateReturned, tracking.StateLost,
	}
}

// suggestedStatuses are the custom statuses offered to a shop that has none
// for its parcels, with the parcel state each one is mapped to.
var suggestedStatuses = []struct {
	state tracking.State
	in    insales.CustomStatusInput
}{
	{tracking.StateInTransit, insales.CustomStatusInput{SystemStatus: insales.FulfillmentDispatched, Title: "Посылка в пути"}},
	{tracking.StateArrived, insales.CustomStatusInput{SystemStatus: insales.FulfillmentDispatched, Title: "Посылка ждёт в отделении"}},
	{tracking.StateDelivered, insales.CustomStatusInput{SystemStatus: insales.FulfillmentDelivered, Title: "Посылка получена"}},
	{tracking.StateReturned, insales.CustomStatusInput{SystemStatus: insales.FulfillmentReturned, Title: "Посылка возвращается"}},
}

// SuggestedStatusTitles lists the titles CreateSuggestedStatuses creates.
func SuggestedStatusTitles() []string {
	out := make([]string, len(suggestedStatuses))
	for i, s := range suggestedStatuses {
		out[i] = s.in.Title
	}
	return out
}

// Setup reads the shop's setup progress, status sync settings and custom
// statuses (an InSales call; its failure is shown, not returned).
func (s *Service) Setup(ctx context.Context, shopID string) (SetupState, error) {
	shop, err := s.Shop(ctx, shopID)
	if err != nil {
		return SetupState{}, err
	}
	return s.setupState(ctx, shop), nil
}

// RunSetup runs the InSales setup job now (webhooks, the track field, the
// widget) and returns the progress after it. Each part first looks for what
// an earlier run created, so a retry after a failure creates no duplicates.
// A failure at InSales is a ReasonSetupFailed refusal next to the progress.
func (s *Service) RunSetup(ctx context.Context, shopID string) (SetupState, error) {
	m, err := s.Shop(ctx, shopID)
	if err != nil {
		return SetupState{}, err
	}
	if !CanOpen(m, StepSetup) {
		return SetupState{}, refuse(ReasonWrongStep, "", "Сначала подтвердите телефон и почту.")
	}
	rctx, cancel := context.WithTimeout(ctx, setupTimeout)
	runErr := s.o.App.RunSetup(rctx, shopID)
	cancel()
	shop, err := s.Shop(ctx, shopID)
	if err != nil {
		return SetupState{}, err
	}
	st := s.setupState(ctx, shop)
	if errors.Is(runErr, shopapp.ErrSetupBusy) {
		return st, Problems{{Reason: ReasonSetupFailed, Err: runErr,
			Text: "Настройка уже выполняется. Обновите страницу через минуту — результат появится здесь."}}
	}
	if runErr != nil {
		s.log.Warn("setup from the wizard failed", slog.String("shop_id", shopID), slog.String("error", runErr.Error()))
		return st, Problems{{Reason: ReasonSetupFailed, Err: runErr,
			Text: "InSales не выполнил часть настройки. Нажмите «Повторить» — то, что уже создано, не будет создано второй раз."}}
	}
	return st, nil
}

func (s *Service) setupState(ctx context.Context, shop shopapp.Shop) SetupState {
	st := SetupState{Complete: shop.Setup.Complete, StatusSyncOn: shop.Settings.StatusSync.Enabled}
	for _, step := range shopapp.SetupSteps() {
		ss := shop.Setup.Step(step)
		st.Steps = append(st.Steps, SetupStepView{Step: step, Title: step.Title(), Status: ss.Status,
			Label: ss.Status.Label(), Attempts: ss.Attempts, LastError: ss.LastError})
	}
	for _, state := range MappableStates() {
		st.States = append(st.States, MappedState{State: state, Label: state.Label(), Permalink: shop.Settings.StatusSync.Mapping[string(state)]})
	}
	statuses, err := s.o.App.CustomStatuses(ctx, shop.ID)
	if err != nil {
		s.log.Warn("list custom statuses", slog.String("shop_id", shop.ID), slog.String("error", err.Error()))
		st.StatusesProblem = "Не удалось получить статусы заказов из InSales. Обновите страницу через минуту."
		return st
	}
	st.Statuses = statuses
	return st
}

// permalinkPattern is what an InSales status permalink looks like; anything
// else in a form is tampering.
var permalinkPattern = regexp.MustCompile(`^[a-z0-9_-]{1,100}$`)

// SaveStatusSync stores whether order statuses follow parcels and which
// status each parcel state sets. Every chosen status must be one of the
// shop's (checked at InSales); turning it on needs at least one.
func (s *Service) SaveStatusSync(ctx context.Context, shopID string, enabled bool, mapping map[string]string) error {
	m, err := s.Shop(ctx, shopID)
	if err != nil {
		return err
	}
	if !CanOpen(m, StepSetup) {
		return refuse(ReasonWrongStep, "", "Сначала подтвердите телефон и почту.")
	}
	clean := map[string]string{}
	for k, v := range mapping {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		st, ok := tracking.ParseState(k)
		if !ok || shopapp.StatusRank(st) == 0 || !permalinkPattern.MatchString(v) {
			return refuse(ReasonStatusUnknown, "mapping", "Такого статуса нет в магазине. Обновите страницу и выберите снова.")
		}
		clean[k] = v
	}
	if enabled && len(clean) == 0 {
		return refuse(ReasonMappingEmpty, "mapping",
			"Выберите статус хотя бы для одного состояния посылки или выключите смену статусов.")
	}
	if len(clean) > 0 {
		shop, err := s.Shop(ctx, shopID)
		if err != nil {
			return err
		}
		statuses, err := s.o.App.CustomStatuses(ctx, shop.ID)
		if err != nil {
			return Problems{{Reason: ReasonStatusesFailed, Field: "mapping", Err: err,
				Text: "Не удалось проверить статусы в InSales. Попробуйте ещё раз через минуту."}}
		}
		known := map[string]bool{}
		for _, cs := range statuses {
			known[cs.Permalink] = true
		}
		for _, v := range clean {
			if !known[v] {
				return refuse(ReasonStatusUnknown, "mapping", "Такого статуса нет в магазине. Обновите страницу и выберите снова.")
			}
		}
	}
	if err := s.o.Shops.SaveStatusSync(ctx, shopID, shopapp.StatusSync{Enabled: enabled, Mapping: clean}, s.now()); err != nil {
		return wrapStore("save status sync", shopID, err)
	}
	return nil
}

// CreateSuggestedStatuses creates the suggested custom statuses the shop
// lacks (found again by title, so a retry after a failure duplicates
// nothing) and maps each to its parcel state where the merchant mapped
// nothing yet; whether status sync is on is left as it is. It returns how
// many statuses it created.
func (s *Service) CreateSuggestedStatuses(ctx context.Context, shopID string) (int, error) {
	m, err := s.Shop(ctx, shopID)
	if err != nil {
		return 0, err
	}
	if !CanOpen(m, StepSetup) {
		return 0, refuse(ReasonWrongStep, "", "Сначала подтвердите телефон и почту.")
	}
	shop, err := s.Shop(ctx, shopID)
	if err != nil {
		return 0, err
	}
	failed := func(err error) (int, error) {
		return 0, Problems{{Reason: ReasonStatusesFailed, Err: err,
			Text: "InSales не создал статусы. Нажмите кнопку ещё раз — уже созданные статусы не повторятся."}}
	}
	existing, err := s.o.App.CustomStatuses(ctx, shopID)
	if err != nil {
		return failed(err)
	}
	mapping := map[string]string{}
	for k, v := range shop.Settings.StatusSync.Mapping {
		mapping[k] = v
	}
	created := 0
	for _, sug := range suggestedStatuses {
		permalink := ""
		for _, cs := range existing {
			if strings.EqualFold(strings.TrimSpace(cs.Title), sug.in.Title) {
				permalink = cs.Permalink
				break
			}
		}
		if permalink == "" {
			cs, err := s.o.App.CreateCustomStatus(ctx, shopID, sug.in)
			if err != nil {
				return failed(err)
			}
			permalink = cs.Permalink
			created++
		}
		if mapping[string(sug.state)] == "" && permalink != "" {
			mapping[string(sug.state)] = permalink
		}
	}
	settings := shopapp.StatusSync{Enabled: shop.Settings.StatusSync.Enabled, Mapping: mapping}
	if err := s.o.Shops.SaveStatusSync(ctx, shopID, settings, s.now()); err != nil {
		return created, wrapStore("save status sync", shopID, err)
	}
	return created, nil
}

// Advance leaves one of the informational steps (setup, how it works,
// texts) for the next one; leaving the setup needs it complete. Moving
// through pages already visited never moves the stored step back.
func (s *Service) Advance(ctx context.Context, shopID string, from Step) (Step, error) {
	m, err := s.Shop(ctx, shopID)
	if err != nil {
		return "", err
	}
	switch {
	case from != StepSetup && from != StepHowItWorks && from != StepTexts, !CanOpen(m, from):
		return Current(m), refuse(ReasonWrongStep, "", "Этот шаг ещё не начат.")
	}
	if from == StepSetup {
		shop, err := s.Shop(ctx, shopID)
		if err != nil {
			return "", err
		}
		if !shop.Setup.Complete {
			return from, refuse(ReasonSetupIncomplete, "",
				"Сначала завершите настройку: поле для трек-номера, виджет и уведомления о заказах должны быть готовы.")
		}
	}
	next := from.Next()
	if next.Index() > Current(m).Index() {
		if err := s.o.Shops.SetStep(ctx, shopID, next, s.now()); err != nil {
			return "", wrapStore("advance", shopID, err)
		}
	}
	return next, nil
}

// Finish ends the wizard: from now on the app opens to the cabinet.
func (s *Service) Finish(ctx context.Context, shopID string) error {
	m, err := s.Shop(ctx, shopID)
	if err != nil {
		return err
	}
	switch Current(m) {
	case StepDone:
		return nil
	case StepFinish:
	default:
		return refuse(ReasonWrongStep, "", "Сначала пройдите все шаги мастера.")
	}
	if err := s.o.Shops.SetStep(ctx, shopID, StepDone, s.now()); err != nil {
		return wrapStore("finish", shopID, err)
	}
	s.log.Info("wizard finished", slog.String("shop_id", shopID))
	return nil
}
