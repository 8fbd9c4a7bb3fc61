package onboarding

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"

	"parceltrack/insales"
	"parceltrack/tracking"
)

// SetupStepView is one step of the InSales setup as the page shows it.
type SetupStepView struct {
	Step      insales.SetupStep
	Title     string
	Status    insales.StepStatus
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

var stepLabels = map[insales.StepStatus]string{
	insales.StepPending: "ожидает",
	insales.StepDone:    "готово",
	insales.StepFailed:  "ошибка",
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
	shop, err := s.appShop(ctx, shopID)
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
	m, err := s.Merchant(ctx, shopID)
	if err != nil {
		return SetupState{}, err
	}
	if !m.CanOpen(StepSetup) {
		return SetupState{}, refuse(ReasonWrongStep, "", "Сначала подтвердите телефон и почту.")
	}
	rctx, cancel := context.WithTimeout(ctx, setupTimeout)
	runErr := s.o.Setup.RunSetup(rctx, shopID)
	cancel()
	shop, err := s.appShop(ctx, shopID)
	if err != nil {
		return SetupState{}, err
	}
	st := s.setupState(ctx, shop)
	if errors.Is(runErr, insales.ErrSetupBusy) {
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

func (s *Service) setupState(ctx context.Context, shop insales.AppShop) SetupState {
	st := SetupState{Complete: shop.Setup.Complete, StatusSyncOn: shop.StatusSync.Enabled}
	for _, step := range insales.SetupSteps() {
		ss := shop.Setup.Step(step)
		st.Steps = append(st.Steps, SetupStepView{Step: step, Title: step.Title(), Status: ss.Status,
			Label: stepLabels[ss.Status], Attempts: ss.Attempts, LastError: ss.LastError})
	}
	for _, state := range MappableStates() {
		st.States = append(st.States, MappedState{State: state, Label: state.Label(), Permalink: shop.StatusSync.Mapping[string(state)]})
	}
	statuses, err := s.listStatuses(ctx, shop)
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
	m, err := s.Merchant(ctx, shopID)
	if err != nil {
		return err
	}
	if !m.CanOpen(StepSetup) {
		return refuse(ReasonWrongStep, "", "Сначала подтвердите телефон и почту.")
	}
	clean := map[string]string{}
	for k, v := range mapping {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		st, ok := tracking.ParseState(k)
		if !ok || insales.StatusRank(st) == 0 || !permalinkPattern.MatchString(v) {
			return refuse(ReasonStatusUnknown, "mapping", "Такого статуса нет в магазине. Обновите страницу и выберите снова.")
		}
		clean[k] = v
	}
	if enabled && len(clean) == 0 {
		return refuse(ReasonMappingEmpty, "mapping",
			"Выберите статус хотя бы для одного состояния посылки или выключите смену статусов.")
	}
	if len(clean) > 0 {
		shop, err := s.appShop(ctx, shopID)
		if err != nil {
			return err
		}
		statuses, err := s.listStatuses(ctx, shop)
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
	if err := s.o.Shops.SaveStatusSync(ctx, shopID, insales.StatusSyncSettings{Enabled: enabled, Mapping: clean}, s.now()); err != nil {
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
	m, err := s.Merchant(ctx, shopID)
	if err != nil {
		return 0, err
	}
	if !m.CanOpen(StepSetup) {
		return 0, refuse(ReasonWrongStep, "", "Сначала подтвердите телефон и почту.")
	}
	shop, err := s.appShop(ctx, shopID)
	if err != nil {
		return 0, err
	}
	creds, err := s.creds(shop)
	if err != nil {
		return 0, err
	}
	failed := func(err error) (int, error) {
		return 0, Problems{{Reason: ReasonStatusesFailed, Err: err,
			Text: "InSales не создал статусы. Нажмите кнопку ещё раз — уже созданные статусы не повторятся."}}
	}
	existing, err := s.o.Statuses.ListCustomStatuses(ctx, creds)
	if err != nil {
		return failed(err)
	}
	mapping := map[string]string{}
	for k, v := range shop.StatusSync.Mapping {
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
			cs, err := s.o.Statuses.CreateCustomStatus(ctx, creds, sug.in)
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
	settings := insales.StatusSyncSettings{Enabled: shop.StatusSync.Enabled, Mapping: mapping}
	if err := s.o.Shops.SaveStatusSync(ctx, shopID, settings, s.now()); err != nil {
		return created, wrapStore("save status sync", shopID, err)
	}
	return created, nil
}

func (s *Service) appShop(ctx context.Context, shopID string) (insales.AppShop, error) {
	shop, err := s.o.AppShops.ShopByID(ctx, shopID)
	if errors.Is(err, insales.ErrStoreNotFound) {
		return insales.AppShop{}, fmt.Errorf("%w: %s", ErrUnknownShop, shopID)
	}
	if err != nil {
		return insales.AppShop{}, fmt.Errorf("onboarding: shop %s: %w", shopID, err)
	}
	return shop, nil
}

func (s *Service) creds(shop insales.AppShop) (insales.Shop, error) {
	pw, err := s.o.Sealer.Open(shop.PasswordEnc, insales.ShopLabel(shop.InsalesID))
	if err != nil {
		return insales.Shop{}, fmt.Errorf("onboarding: shop %s password: %w", shop.ID, err)
	}
	return insales.Shop{Domain: shop.Domain, Password: pw, ID: shop.InsalesID}, nil
}

func (s *Service) listStatuses(ctx context.Context, shop insales.AppShop) ([]insales.CustomStatus, error) {
	creds, err := s.creds(shop)
	if err != nil {
		return nil, err
	}
	list, err := s.o.Statuses.ListCustomStatuses(ctx, creds)
	if err != nil {
		return nil, fmt.Errorf("onboarding: list statuses %s: %w", shop.ID, err)
	}
	return list, nil
}

// Advance leaves one of the informational steps (setup, how it works,
// texts) for the next one; leaving the setup needs it complete. Moving
// through pages already visited never moves the stored step back.
func (s *Service) Advance(ctx context.Context, shopID string, from Step) (Step, error) {
	m, err := s.Merchant(ctx, shopID)
	if err != nil {
		return "", err
	}
	switch {
	case from != StepSetup && from != StepHowItWorks && from != StepTexts, !m.CanOpen(from):
		return m.Current(), refuse(ReasonWrongStep, "", "Этот шаг ещё не начат.")
	}
	if from == StepSetup {
		shop, err := s.appShop(ctx, shopID)
		if err != nil {
			return "", err
		}
		if !shop.Setup.Complete {
			return from, refuse(ReasonSetupIncomplete, "",
				"Сначала завершите настройку: поле для трек-номера, виджет и уведомления о заказах должны быть готовы.")
		}
	}
	next := from.Next()
	if next.Index() > m.Current().Index() {
		if err := s.o.Shops.SetStep(ctx, shopID, next, s.now()); err != nil {
			return "", wrapStore("advance", shopID, err)
		}
	}
	return next, nil
}

// Finish ends the wizard: from now on the app opens to the cabinet.
func (s *Service) Finish(ctx context.Context, shopID string) error {
	m, err := s.Merchant(ctx, shopID)
	if err != nil {
		return err
	}
	switch m.Current() {
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
