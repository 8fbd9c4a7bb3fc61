package handlers

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"parceltrack/billing"
	"parceltrack/ru"
	"parceltrack/shopapp"
	"parceltrack/tracking"
)

// SandboxDemo is the demo shop behind the sandbox page.
type SandboxDemo interface {
	// Parcels lists the demo shop's parcels, most recently changed first.
	Parcels(ctx context.Context) ([]shopapp.Parcel, error)
	// Add tracks a number for the demo shop.
	Add(ctx context.Context, track string) (shopapp.Parcel, error)
	// Ledger is the demo shop's balance and its last limit changes,
	// newest first.
	Ledger(ctx context.Context, limit int) (int64, []billing.Entry, error)
	// Now is the sandbox carrier's clock.
	Now() time.Time
}

type sandboxRow struct {
	Parcel shopapp.Parcel
	// Status is the parcel classified at the sandbox clock, so the row
	// shows today's state, not the last poll's.
	Status tracking.Status
}

type sandboxData struct {
	Now     time.Time
	Rows    []sandboxRow
	Balance string
	Ledger  []ledgerRow
	Track   string
	Problem string
}

// ledgerRow is one balance change on the sandbox page.
type ledgerRow struct {
	Ref, Kind, Amount, After, At string
}

// sandboxLedgerShown is how many balance changes the sandbox page lists.
const sandboxLedgerShown = 30

// sandboxShow lists the demo parcels with their states; the table refreshes
// itself, so a person can watch parcels move as sandbox time runs.
func (s *server) sandboxShow(c *fiber.Ctx) error {
	return s.renderSandbox(c, sandboxData{})
}

func (s *server) renderSandbox(c *fiber.Ctx, d sandboxData) error {
	parcels, err := s.demo.Parcels(c.UserContext())
	if err != nil {
		return err
	}
	d.Now = s.demo.Now()
	balance, entries, err := s.demo.Ledger(c.UserContext(), sandboxLedgerShown)
	if err != nil {
		return err
	}
	d.Balance = ru.Rub(balance)
	for _, e := range entries {
		d.Ledger = append(d.Ledger, ledgerRow{Ref: e.Ref, Kind: kindLabel(e.Kind), Amount: ru.Rub(e.Amount),
			After: ru.Rub(e.BalanceAfter), At: e.CreatedAt.In(tracking.Moscow).Format("02.01.2006 15:04:05")})
	}
	for _, p := range parcels {
		d.Rows = append(d.Rows, sandboxRow{Parcel: p, Status: p.Tracking(d.Now, tracking.Rules{})})
	}
	view := viewSandbox
	if htmxFrom(c).wantsFragment() && c.Query("part") == "table" {
		view = viewSandboxTable
	}
	return s.render(c, view, page{Title: "Песочница", Data: d})
}

// kindLabel names a balance change for the merchant.
func kindLabel(k billing.Kind) string {
	switch k {
	case billing.KindTopup:
		return "пополнение"
	case billing.KindTrack:
		return "отслеживание посылки"
	case billing.KindTrackChange:
		return "замена трек-номера"
	case billing.KindSMS:
		return "SMS"
	case billing.KindVoice:
		return "звонок"
	case billing.KindEmail:
		return "e-mail"
	case billing.KindRefund:
		return "возврат"
	case billing.KindAdjustment:
		return "корректировка"
	case billing.KindWelcome:
		return "приветственный бонус"
	}
	return string(k)
}
