package handlers

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"parceltrack/storage"
	"parceltrack/tracking"
)

// SandboxDemo is the demo shop behind the sandbox page.
type SandboxDemo interface {
	// Parcels lists the demo shop's parcels, most recently changed first.
	Parcels(ctx context.Context) ([]storage.Parcel, error)
	// Add tracks a number for the demo shop.
	Add(ctx context.Context, track string) (storage.Parcel, error)
	// Now is the sandbox carrier's clock.
	Now() time.Time
}

type sandboxRow struct {
	Parcel storage.Parcel
	State  tracking.State
}

type sandboxData struct {
	Now     time.Time
	Rows    []sandboxRow
	Track   string
	Problem string
}

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
	for _, p := range parcels {
		d.Rows = append(d.Rows, sandboxRow{Parcel: p, State: tracking.State(p.State)})
	}
	view := viewSandbox
	if htmxFrom(c).wantsFragment() && c.Query("part") == "table" {
		view = viewSandboxTable
	}
	return s.render(c, view, page{Title: "Песочница", Data: d})
}
