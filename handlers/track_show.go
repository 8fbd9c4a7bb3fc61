package handlers

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"parceltrack/ru"
	"parceltrack/shopapp"
	"parceltrack/tracking"
)

// viewTrackShow is the buyer's tracking page: a document of its own, made
// for a phone, with none of the site's navigation.
const viewTrackShow = "pages/track_show"

// trackData is the data of pages/track_show.
type trackData struct {
	Shop   string
	Order  string
	Track  string
	State  string
	Title  string
	Advice string
	// Office and storage lines, while the parcel waits for the buyer.
	Waiting  bool
	Office   string
	Deadline string
	Left     string
	Expired  bool
	// Collect says what to bring to the office.
	Collect string
	Events  []trackEvent
}

type trackEvent struct {
	At    string
	Name  string
	Place string
}

// buyerAdvice says, for the buyer, what a state means and what to do.
var buyerAdvice = map[tracking.State]string{
	tracking.StateRegistered:      "Магазин передал посылку Почте России. Как только её примут в отделении, здесь появятся новости.",
	tracking.StateInTransit:       "Посылка в пути. Мы напишем, когда она прибудет в ваше отделение.",
	tracking.StateProbablyArrived: "Посылка, скорее всего, уже в вашем отделении или вот-вот будет там.",
	tracking.StateArrived:         "Посылка ждёт вас в отделении. Заберите её до окончания срока хранения.",
	tracking.StateWaiting:         "Посылка ждёт вас в отделении. Пожалуйста, заберите её до окончания срока хранения.",
	tracking.StateWaitingLong:     "Посылка давно ждёт вас в отделении. После срока хранения её вернут в магазин — заберите её, пожалуйста.",
	tracking.StateDelivered:       "Посылка вручена. Спасибо за покупку!",
	tracking.StateReturned:        "Посылка возвращается в магазин. Если это ошибка, свяжитесь с магазином.",
	tracking.StateLost:            "Почта России сообщила, что посылка утрачена. Магазин уже знает об этом; свяжитесь с ним.",
	tracking.StateStale:           "Почта России давно ничего не сообщает о посылке. Свяжитесь с магазином.",
	tracking.StateNoBalance:       "Отслеживание скоро начнётся.",
	tracking.StateTrackError:      "Трек-номер не распознан. Магазин проверит его и исправит.",
}

// trackCollect is what a buyer needs at the office.
const trackCollect = "Возьмите паспорт или другой документ с фотографией. Назовите трек-номер или покажите эту страницу — бумажное извещение не нужно."

// trackShow is GET /t/:token, the page a buyer's message links to. The
// token is the only credential: a wrong one is a plain 404, and the page
// shows this one parcel and the shop's name, nothing else.
func (s *server) trackShow(c *fiber.Ctx) error {
	v, err := s.insales.app.BuyerView(c.UserContext(), c.Params("token"))
	if errors.Is(err, shopapp.ErrNotFound) {
		return fiber.ErrNotFound
	}
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("X-Robots-Tag", "noindex")
	return s.renderDocument(c, viewTrackShow, page{Title: "Посылка " + v.Track, Data: trackView(v)})
}

// trackView writes the buyer's page in the buyer's words; dates are the
// office's own (the events carry its offset).
func trackView(v shopapp.BuyerView) trackData {
	st := v.Status
	d := trackData{Shop: v.ShopName, Order: v.OrderNumber, Track: v.Track, State: string(st.State),
		Title: st.State.Label(), Advice: buyerAdvice[st.State]}
	if st.State.Waiting() {
		d.Waiting, d.Collect = true, trackCollect
		d.Office = officeText(st.OfficeIndex, st.OfficeName)
		if !st.Deadline.IsZero() {
			d.Deadline = ru.DayMonth(st.Deadline)
			switch {
			case tracking.StorageExpired(st.Deadline, v.Now):
				d.Expired = true
			case st.DaysLeft == 0:
				d.Left = "сегодня последний день"
			default:
				d.Left = "осталось " + ru.Days(st.DaysLeft)
			}
		}
	}
	for i := len(st.Events) - 1; i >= 0; i-- {
		e := st.Events[i]
		d.Events = append(d.Events, trackEvent{At: ru.DayMonth(e.At) + ", " + e.At.Format("15:04"),
			Name: e.DisplayName(), Place: officeText(e.OfficeIndex, e.OfficeName)})
	}
	return d
}

// renderDocument renders a view that is a whole document (no layout), as
// the widget does.
func (s *server) renderDocument(c *fiber.Ctx, view string, p page) error {
	p.Sandbox = s.sandbox
	p.RequestID = requestIDOf(c)
	var body bytes.Buffer
	if err := s.views.Render(&body, view, p); err != nil {
		return fmt.Errorf("handlers: render %s: %w", view, err)
	}
	return sendHTML(c, body.Bytes())
}
