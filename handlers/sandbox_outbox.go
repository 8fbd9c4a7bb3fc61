package handlers

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"parceltrack/notify"
	"parceltrack/ru"
	"parceltrack/shopapp"
	"parceltrack/tracking"
)

// outboxShown is how many records the sandbox outbox page lists;
// outboxStatusLookups how many of them get the app's delivery status.
const (
	outboxShown         = 200
	outboxStatusLookups = 50
)

// outboxRow is one message on the sandbox outbox page.
type outboxRow struct {
	SandboxMessage
	ChannelTitle string
	At           string
	// AppStatus is the delivery status the app recorded from the
	// provider's callback ("" when none arrived).
	AppStatus string
	// LocalAt is when the message went in the recipient's own time;
	// LocalHour its hour (-1: not a message the app planned).
	LocalAt   string
	LocalHour int
	// TwiML is a call's document.
	TwiML string
}

var outboxChannelTitles = map[string]string{
	string(notify.KindSMS):   "SMS",
	string(notify.KindVoice): "Звонок",
	string(notify.KindEmail): "E-mail",
}

// sandboxOutbox is GET /sandbox/outbox: everything the sandbox Twilio and
// SMTP stand-ins received, newest first, with the full text — where a
// person (or a test) reads the SMS codes and e-mails the app sent.
func (s *server) sandboxOutbox(c *fiber.Ctx) error {
	recs, err := s.onboard.outbox.List(c.UserContext(), outboxShown)
	if err != nil {
		return err
	}
	rows := make([]outboxRow, 0, len(recs))
	for _, r := range recs {
		title := outboxChannelTitles[r.Channel]
		if title == "" {
			title = r.Channel
		}
		row := outboxRow{SandboxMessage: r, ChannelTitle: title, At: r.CreatedAt.In(tracking.Moscow).Format("02.01.2006 15:04:05"),
			LocalHour: -1}
		if !r.Local.IsZero() {
			row.LocalAt = ru.DayMonth(r.Local) + ", " + r.Local.Format("15:04") + " (" + r.Local.Location().String() + ")"
			row.LocalHour = r.Local.Hour()
		}
		if r.Channel == string(notify.KindVoice) {
			row.TwiML = r.Raw
		}
		// Shows that the stand-in's signed callback reached the app.
		if s.onboard.statuses != nil && r.Channel != string(notify.KindEmail) && len(rows) < outboxStatusLookups {
			st, err := s.onboard.statuses.Get(c.UserContext(), r.ID)
			switch {
			case err == nil:
				row.AppStatus = st.Status
			case !errors.Is(err, shopapp.ErrNotFound):
				return err
			}
		}
		rows = append(rows, row)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.render(c, viewSandboxOutbox, page{Title: "Исходящие сообщения", Data: rows})
}
