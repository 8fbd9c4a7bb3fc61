package handlers

import (
	"errors"
	neturl "net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"parceltrack/ru"
	"parceltrack/shopapp"
	"parceltrack/tracking"
)

// The widget's views: its own document (no site navigation fits the frame
// on the order card) and the state panel, which htmx refreshes alone.
const (
	viewWidgetShow     = "pages/widget_show"
	partialWidgetPanel = "partials/widget_panel"
)

// widgetData is the data of pages/widget_show and partials/widget_panel.
type widgetData struct {
	// URL is the page's own path, which the panel re-fetches; Refresh is
	// false once the state is final.
	URL     string
	Refresh bool
	NoTrack bool
	Track   string
	// State is the badge's state class, StateLabel its text.
	State      string
	StateLabel string
	// Meaning is the state in one sentence; Problem adds what to fix.
	Meaning string
	Problem string
	Facts   []widgetFact
	// CabinetURL opens the app's cabinet through the InSales login round
	// trip (the frame has no session of its own).
	CabinetURL string
}

// widgetFact is one line of the panel: "Хранение до: 18.04.2026 (осталось 3 дня)".
type widgetFact struct {
	Label string
	Value string
	Note  string
}

// widgetShow is GET /widget/:token/:order: the state of the order's current
// parcel, shown inside the InSales order card. The widget key in the URL is
// the only credential, so the page shows no buyer data.
func (s *server) widgetShow(c *fiber.Ctx) error {
	// Digits only: ParseInt alone would take "+7".
	order := c.Params("order")
	orderID, err := strconv.ParseInt(order, 10, 64)
	if !isDigits(order) || err != nil || orderID <= 0 {
		return fiber.ErrBadRequest
	}
	key := c.Params("token")
	w, err := s.insales.app.OrderWidget(c.UserContext(), key, orderID)
	switch {
	case errors.Is(err, shopapp.ErrUnknownShop):
		return fiber.ErrNotFound
	case errors.Is(err, shopapp.ErrBadRequest):
		return fiber.ErrBadRequest
	case err != nil:
		return err
	}
	c.Set(fiber.HeaderContentSecurityPolicy, widgetFrameAncestors(w.ShopDomain))
	c.Set(fiber.HeaderCacheControl, "no-store")
	url := "/widget/" + key + "/" + strconv.FormatInt(orderID, 10)
	return s.renderWidget(c, page{Title: "Отслеживание посылки", Data: widgetView(w, url)})
}

// renderWidget answers with the widget's own document, or with the panel
// alone on an htmx refresh (the same rule as render, which would wrap the
// page in layouts/main). Flashes are left alone: they belong to the page
// the merchant opens next, not to a frame.
func (s *server) renderWidget(c *fiber.Ctx, p page) error {
	view := viewWidgetShow
	if htmxFrom(c).wantsFragment() {
		view = partialWidgetPanel
	}
	c.Vary(hxRequest)
	return s.renderDocument(c, view, p)
}

// hostnameRE is what a shop domain must look like to go into a header.
var hostnameRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$`)

// widgetFrameAncestors allows the widget inside the shop's admin: on the
// shop's stored domain and on any *.myinsales.ru (the admin may be opened
// on either), and in the app itself (the sandbox shop is served by this
// process). A domain that is not a plain host name is left out rather than
// written into the header.
func widgetFrameAncestors(domain string) string {
	csp := "frame-ancestors 'self'"
	if hostnameRE.MatchString(domain) {
		csp += " https://" + domain
	}
	return csp + " https://*.myinsales.ru"
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// widgetFinal are the states that no longer change by themselves: their
// panel stops refreshing.
var widgetFinal = map[tracking.State]bool{
	tracking.StateDelivered: true, tracking.StateReturned: true, tracking.StateLost: true,
	tracking.StateStopped: true, tracking.StateTrackError: true, tracking.StateStale: true,
}

// widgetMeanings say what each state means, in one sentence a merchant
// understands.
var widgetMeanings = map[tracking.State]string{
	tracking.StateStopped:         "Отслеживание этой посылки остановлено: состояние больше не обновляется, покупатель не получает уведомлений.",
	tracking.StateNoBalance:       "Недостаточно средств: отслеживание начнётся после пополнения баланса.",
	tracking.StateTrackError:      "Почта России не принимает этот трек-номер — проверьте его в поле «Трек-номер» заказа.",
	tracking.StateDelivered:       "Посылка вручена получателю.",
	tracking.StateReturned:        "Посылка возвращается отправителю или уже вернулась.",
	tracking.StateLost:            "Почта России сообщила, что посылка утрачена или изъята.",
	tracking.StateStale:           "Почта России больше 60 дней ничего не сообщает о посылке; мы перестали её проверять.",
	tracking.StateArrived:         "Посылка ждёт покупателя в отделении.",
	tracking.StateWaiting:         "Посылка ждёт в отделении больше 5 дней — покупателю пора её забрать.",
	tracking.StateWaitingLong:     "Посылка долго лежит в отделении: после срока хранения её вернут отправителю.",
	tracking.StateProbablyArrived: "Посылка покинула сортировочный центр и, скорее всего, уже в отделении.",
	tracking.StateInTransit:       "Посылка в пути.",
	tracking.StateRegistered:      "Почта России ещё не сообщала о посылке: обычно сведения появляются после приёма в отделении.",
}

// widgetView turns what the app knows into the panel's lines, dates in
// Moscow time. Days, the deadline and days left are the classifier's (the
// parcel's status at the widget's Now), so they agree with the state.
func widgetView(w shopapp.OrderWidget, url string) widgetData {
	d := widgetData{URL: url, Refresh: true,
		CabinetURL: "/insales/login?" + neturl.Values{"shop": {w.ShopDomain}, "insales_id": {strconv.FormatInt(w.InsalesID, 10)}}.Encode()}
	p := w.Parcel
	if p == nil {
		d.NoTrack, d.State = true, string(tracking.StateNoTrack)
		return d
	}
	st := p.Status
	state := st.State
	d.Refresh = !widgetFinal[state]
	d.Track, d.State, d.StateLabel = p.Track, string(state), state.Label()
	d.Meaning, d.Problem = widgetMeanings[state], p.TrackProblem

	if !p.EnteredAt.IsZero() {
		d.Facts = append(d.Facts, widgetFact{Label: "Отслеживается с", Value: widgetDate(p.EnteredAt)})
	}
	if !st.ArrivedAt.IsZero() {
		f := widgetFact{Label: "В отделении с", Value: widgetDate(st.ArrivedAt)}
		if office := officeText(st.OfficeIndex, st.OfficeName); office != "" {
			f.Value += ", " + office
		}
		if state.Waiting() {
			f.Note = "ждёт " + ru.Days(st.Days)
		}
		d.Facts = append(d.Facts, f)
	}
	if !st.Deadline.IsZero() {
		f := widgetFact{Label: "Хранение до", Value: tracking.StorageDay(st.Deadline).Format("02.01.2006")}
		switch {
		case tracking.StorageExpired(st.Deadline, w.Now):
			f.Note = "срок истёк"
		case st.DaysLeft == 0:
			f.Note = "последний день"
		default:
			f.Note = "осталось " + ru.Days(st.DaysLeft)
		}
		d.Facts = append(d.Facts, f)
	}
	if e := p.LastEvent(); e != nil {
		d.Facts = append(d.Facts, widgetFact{Label: "Последнее событие",
			Value: e.At.In(tracking.Moscow).Format("02.01.2006 15:04") + ", " + e.DisplayName()})
	}
	return d
}

func widgetDate(t time.Time) string { return t.In(tracking.Moscow).Format("02.01.2006") }

// officeText names a post office by postcode and name, once: the carrier's
// names often carry the postcode already ("Москва 127018").
func officeText(index, name string) string {
	switch {
	case index == "" || strings.Contains(name, index):
		return name
	case name == "":
		return index
	}
	return index + " " + name
}
