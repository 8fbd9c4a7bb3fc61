package handlers

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"parceltrack/shopapp"
	"parceltrack/tracking"
)

// SandboxDemo is the demo shop behind the sandbox page.
type SandboxDemo interface {
	// Parcels lists the demo shop's parcels, most recently changed first.
	Parcels(ctx context.Context) ([]shopapp.Parcel, error)
	// Add tracks a number for the demo shop.
	Add(ctx context.Context, track string) (shopapp.Parcel, error)
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
		d.Rows = append(d.Rows, sandboxRow{Parcel: p, Status: p.Tracking(d.Now, tracking.Rules{})})
	}
	view := viewSandbox
	if htmxFrom(c).wantsFragment() && c.Query("part") == "table" {
		view = viewSandboxTable
	}
	return s.render(c, view, page{Title: "Песочница", Data: d})
}
