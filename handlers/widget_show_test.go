package handlers

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"parceltrack/insales"
	"parceltrack/shopapp"
	"parceltrack/tracking"
)

// widgetWorld is an installed test shop with its track field, ready to
// import orders.
type widgetWorld struct {
	insalesWorld
	shop shopapp.Shop
}

const widgetTrackField = 555

func newWidgetWorld(t testing.TB) widgetWorld {
	t.Helper()
	w := newInsalesWorld(t, "")
	shop := w.install(t)
	st := shopapp.StepState{Step: shopapp.StepTrackField, Status: shopapp.StepDone, Attempts: 1, UpdatedAt: time.Now()}
	if err := w.db.Shops().SaveSetupStep(context.Background(), shop.ID, st, shopapp.SetupResult{TrackFieldID: widgetTrackField}); err != nil {
		t.Fatal(err)
	}
	shop, err := w.db.Shops().Shop(context.Background(), shop.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(shop.Settings.WidgetKey) != 32 {
		t.Fatalf("installed shop has widget key %q", shop.Settings.WidgetKey)
	}
	return widgetWorld{insalesWorld: w, shop: shop}
}

// Buyer data the widget must never show.
const (
	widgetBuyerName  = "Анна"
	widgetBuyerPhone = "9123456789"
	widgetBuyerEmail = "anna.buyer@example.ru"
)

// importTrack imports order id with track as a webhook would and returns
// the order's parcel id.
func (w widgetWorld) importTrack(t testing.TB, id int64, updated time.Time, track string) string {
	t.Helper()
	o := insales.Order{ID: id, Number: id + 1000, UpdatedAt: updated,
		Customer:     insales.Customer{Name: widgetBuyerName, Surname: "Смирнова", Phone: "8 (912) 345-67-89", Email: widgetBuyerEmail},
		FieldsValues: []insales.FieldValue{{ID: 1, FieldID: widgetTrackField, Value: track}}}
	res, err := w.ins.ImportOrder(context.Background(), w.shop, o, shopapp.SourceWebhook)
	if err != nil {
		t.Fatal(err)
	}
	return res.ParcelID
}

func (w widgetWorld) url(order string) string {
	return "/widget/" + w.shop.Settings.WidgetKey + "/" + order
}

func TestWidgetStates(t *testing.T) {
	t.Parallel()
	w := newWidgetWorld(t)
	ctx := context.Background()
	now := testTrackingNow
	msk := time.FixedZone("MSK", 3*60*60)
	date := func(t time.Time) string { return t.In(msk).Format("02.01.2006") }
	updated := now.Add(-time.Hour)

	accepted := tracking.Event{At: now.Add(-6 * 24 * time.Hour), Type: 1, Attr: 1, Name: "Принято в отделении связи", OfficeIndex: "620014", OfficeName: "Екатеринбург 14"}
	left := tracking.Event{At: now.Add(-4 * 24 * time.Hour), Type: 8, Attr: 4, Name: "Покинуло сортировочный центр", OfficeIndex: "140983"}
	arrival := func(ago time.Duration) tracking.Event {
		return tracking.Event{At: now.Add(-ago), Type: 8, Attr: 2, Name: "Прибыло в место вручения", OfficeIndex: "127018", OfficeName: "Москва 127018"}
	}
	// stored is what the poller stored for a history, classified when it
	// was polled (the widget classifies it again at now).
	stored := func(events ...tracking.Event) *tracking.Status {
		st := tracking.Classify(tracking.Facts{Track: "RA644000001RU", EnteredAt: now.Add(-70 * 24 * time.Hour)}, events, now, tracking.Rules{})
		return &st
	}
	day := 24 * time.Hour

	tests := []struct {
		name  string
		order int64
		track string // "" imports nothing
		// stop stops the parcel as the merchant's button will; upd is what
		// the poller stored afterwards.
		stop  bool
		upd   *tracking.Status
		state tracking.State
		label string
		// want lists texts the panel shows; refresh says it polls.
		want    []string
		refresh bool
	}{
		{name: "registered", order: 1, track: "80092063905992", state: tracking.StateRegistered, label: "Ожидает приёма почтой",
			want: []string{"Отслеживается с", date(now), "80092063905992"}, refresh: true},
		{name: "in transit", order: 2, track: "RA644000001RU", upd: stored(accepted, left), state: tracking.StateInTransit, label: "В пути",
			want: []string{"Последнее событие", left.At.In(msk).Format("02.01.2006 15:04") + ", Покинуло сортировочный центр"}, refresh: true},
		{name: "probably arrived", order: 3, track: "RA644000001RU", upd: stored(accepted, tracking.Event{At: now.Add(-5*day - 12*time.Hour), Type: 8, Attr: 4, OfficeIndex: "140983"}),
			state: tracking.StateProbablyArrived, label: "Вероятно, прибыло в отделение", want: []string{"скорее всего"}, refresh: true},
		// Arrived 11.03: stored until 27.03 (the day after arrival and 15 more).
		{name: "arrived", order: 4, track: "RA644000001RU", upd: stored(accepted, left, arrival(3*day+time.Hour)),
			state: tracking.StateArrived, label: "Прибыло в отделение",
			want:    []string{"В отделении с", date(now.Add(-3*day-time.Hour)) + ", Москва 127018", "ждёт 3 дня", "Хранение до", "27.03.2030", "осталось 13 дней"},
			refresh: true},
		{name: "waiting", order: 5, track: "RA644000001RU", upd: stored(accepted, left, arrival(7*day)),
			state: tracking.StateWaiting, label: "Ожидает получения", want: []string{"ждёт 7 дней", "Москва 127018"}, refresh: true},
		{name: "waiting long, storage over", order: 6, track: "RA644000001RU", upd: stored(accepted, left, arrival(20*day)),
			state: tracking.StateWaitingLong, label: "Долго ожидает получения", want: []string{"срок истёк", "10.03.2030", "ждёт 20 дней"}, refresh: true},
		{name: "polled when it had just arrived", order: 16, track: "RA644000001RU",
			upd: func() *tracking.Status {
				st := stored(accepted, left, arrival(20*day))
				st.State = tracking.StateArrived
				return st
			}(),
			state: tracking.StateWaitingLong, label: "Долго ожидает получения", want: []string{"ждёт 20 дней"}, refresh: true},
		{name: "delivered", order: 7, track: "RA644000001RU", upd: stored(accepted, tracking.Event{At: now.Add(-time.Hour), Type: 2, Attr: 1, Name: "Вручение адресату"}),
			state: tracking.StateDelivered, label: "Вручено", want: []string{"вручена", "Вручение адресату"}},
		{name: "returned", order: 8, track: "RA644000001RU", upd: stored(accepted, tracking.Event{At: now.Add(-time.Hour), Type: 3, Attr: 1}),
			state: tracking.StateReturned, label: "Возврат отправителю", want: []string{"возвращается"}},
		{name: "lost", order: 9, track: "RA644000001RU", upd: stored(accepted, tracking.Event{At: now.Add(-time.Hour), Type: 5, Attr: 1}),
			state: tracking.StateLost, label: "Утеряно", want: []string{"утрачена"}},
		{name: "stale", order: 10, track: "RA644000001RU", upd: stored(tracking.Event{At: now.Add(-61 * day), Type: 1, Attr: 1}),
			state: tracking.StateStale, label: "Давно нет новостей", want: []string{"больше 60 дней"}},
		{name: "stopped", order: 11, track: "RA644000001RU", stop: true,
			state: tracking.StateStopped, label: "Отслеживание остановлено", want: []string{"покупатель не получает уведомлений"}},
		{name: "number of the wrong shape", order: 12, track: "12345",
			state: tracking.StateTrackError, label: "Ошибка в трек-номере", want: []string{"поле «Трек-номер»", "14 цифр"}},
		{name: "number the carrier refused", order: 13, track: "RA644000001RU", upd: &tracking.Status{State: tracking.StateTrackError},
			state: tracking.StateTrackError, label: "Ошибка в трек-номере", want: []string{"Почта России не принимает этот трек-номер"}},
		{name: "no balance", order: 14, track: "RA644000001RU", upd: &tracking.Status{State: tracking.StateNoBalance},
			state: tracking.StateNoBalance, label: "Недостаточно средств на балансе",
			want: []string{"Недостаточно средств: отслеживание начнётся после пополнения баланса"}, refresh: true},
		{name: "no track", order: 15, state: tracking.StateNoTrack, label: "Трек-номер не указан",
			want: []string{"поле «Трек-номер»"}, refresh: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.track != "" {
				id := w.importTrack(t, tt.order, updated, tt.track)
				if tt.stop {
					if err := w.db.Parcels().StopParcel(ctx, id, "merchant", time.Time{}, now); err != nil {
						t.Fatal(err)
					}
				}
				if tt.upd != nil {
					if err := w.db.Parcels().ApplyTracking(ctx, id, *tt.upd, now); err != nil {
						t.Fatal(err)
					}
				}
			}
			r := w.get(t, w.url(strconv.FormatInt(tt.order, 10)))
			if r.StatusCode != 200 {
				t.Fatalf("status %d:\n%s", r.StatusCode, r.body)
			}
			doc := r.doc(t)
			badge := doc.Find("#widget-panel .state")
			if got := strings.TrimSpace(badge.Text()); badge.Length() != 1 || got != tt.label || !badge.HasClass("state-"+string(tt.state)) {
				t.Fatalf("badge %q (class %q), want %q state-%s", got, badge.AttrOr("class", ""), tt.label, tt.state)
			}
			text := doc.Find("#widget-panel").Text()
			for _, s := range tt.want {
				if !strings.Contains(text, s) {
					t.Errorf("panel lacks %q:\n%s", s, text)
				}
			}
			panel := doc.Find("#widget-panel")
			_, polls := panel.Attr("hx-trigger")
			if polls != tt.refresh || (tt.refresh && (panel.AttrOr("hx-trigger", "") != "every 60s" || panel.AttrOr("hx-get", "") != w.url(strconv.FormatInt(tt.order, 10)))) {
				t.Errorf("refresh: hx-get %q hx-trigger %q, want refresh=%v", panel.AttrOr("hx-get", ""), panel.AttrOr("hx-trigger", ""), tt.refresh)
			}
			if tt.track != "" {
				link := panel.Find("a.widget-track")
				if link.AttrOr("href", "") != "https://www.pochta.ru/tracking#"+tracking.Normalize(tt.track) ||
					link.AttrOr("target", "") != "_blank" || link.AttrOr("rel", "") != "noopener" {
					t.Errorf("track link %v", link.Nodes)
				}
			}
			for _, private := range []string{widgetBuyerName, "Смирнова", widgetBuyerPhone, widgetBuyerEmail, "+7912"} {
				if strings.Contains(r.body, private) {
					t.Errorf("the widget shows buyer data %q", private)
				}
			}
		})
	}
}

func TestWidgetCleared(t *testing.T) {
	t.Parallel()
	w := newWidgetWorld(t)
	at := time.Now().Add(-time.Hour)
	w.importTrack(t, 3, at, "80092063905992")
	w.importTrack(t, 3, at.Add(time.Minute), "")
	doc := w.get(t, w.url("3")).doc(t)
	if got := strings.TrimSpace(doc.Find("#widget-panel .state").Text()); got != "Трек-номер не указан" {
		t.Fatalf("a cleared order shows %q:\n%s", got, doc.Text())
	}
}

func TestWidgetRefusals(t *testing.T) {
	t.Parallel()
	w := newWidgetWorld(t)
	w.importTrack(t, 7, time.Now(), "80092063905992")
	tests := []struct {
		name   string
		target string
		status int
	}{
		{"unknown key", "/widget/" + strings.Repeat("a", 32) + "/7", 404},
		{"malformed key", "/widget/not-a-key/7", 404},
		{"key in capitals", "/widget/" + strings.ToUpper(w.shop.Settings.WidgetKey) + "/7", 404},
		{"no order", "/widget/" + w.shop.Settings.WidgetKey + "/", 400},
		{"no order, no slash", "/widget/" + w.shop.Settings.WidgetKey, 400},
		{"order not a number", w.url("abc"), 400},
		{"order zero", w.url("0"), 400},
		{"negative order", w.url("-7"), 400},
		{"signed order", w.url("+7"), 400},
		{"order too large", w.url("99999999999999999999"), 400},
		{"order with a fraction", w.url("7.5"), 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := w.get(t, tt.target)
			if r.StatusCode != tt.status {
				t.Fatalf("status %d, want %d:\n%s", r.StatusCode, tt.status, r.body)
			}
			if strings.Contains(r.body, "80092063905992") {
				t.Fatal("a refused request shows the parcel")
			}
		})
	}
	if strings.Contains(w.log.String(), w.shop.Settings.WidgetKey) {
		t.Errorf("the widget key reached the log:\n%s", w.log.String())
	}

	// Once the shop uninstalls the app, its key opens nothing.
	password := insales.InstallPassword("token123", testInsalesSecret)
	if r := w.get(t, "/insales/uninstall?shop="+testShopDomain+"&token="+password+"&insales_id=5"); r.StatusCode != 200 {
		t.Fatalf("uninstall = %d", r.StatusCode)
	}
	if r := w.get(t, w.url("7")); r.StatusCode != 404 || strings.Contains(r.body, "80092063905992") {
		t.Fatalf("uninstalled shop's widget = %d:\n%s", r.StatusCode, r.body)
	}
}

func TestWidgetHeadersAndFragment(t *testing.T) {
	t.Parallel()
	w := newWidgetWorld(t)
	w.importTrack(t, 7, time.Now(), "80092063905992")

	full := w.get(t, w.url("7"))
	if full.StatusCode != 200 {
		t.Fatalf("status %d", full.StatusCode)
	}
	wantCSP := "frame-ancestors 'self' https://" + testShopDomain + " https://*.myinsales.ru"
	if got := full.Header.Get("Content-Security-Policy"); got != wantCSP {
		t.Errorf("CSP %q, want %q", got, wantCSP)
	}
	if got := full.Header.Get("X-Frame-Options"); got != "" {
		t.Errorf("X-Frame-Options %q: the InSales admin could not frame the widget", got)
	}
	if got := full.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q", got)
	}
	if !strings.Contains(full.Header.Get("Vary"), "HX-Request") {
		t.Errorf("Vary %q", full.Header.Get("Vary"))
	}
	doc := full.doc(t)
	// The cabinet link starts the InSales login round trip for this shop.
	cabinet := doc.Find(".widget-footer a").AttrOr("href", "")
	if login := w.get(t, cabinet); login.StatusCode/100 != 3 ||
		!strings.Contains(login.Header.Get("Location"), testShopDomain+"/admin/applications/parceltrack/login?token=") {
		t.Errorf("cabinet link %q answers %d, Location %q; want the shop's InSales login", cabinet, login.StatusCode, login.Header.Get("Location"))
	}
	if doc.Find("html").Length() != 1 || doc.Find("script[src*='htmx']").Length() != 1 || doc.Find("link[href*='app']").Length() != 1 {
		t.Errorf("full page lacks its document, htmx or stylesheet:\n%s", full.body)
	}
	if doc.Find("nav, a.brand").Length() != 0 {
		t.Error("the widget carries the site's navigation")
	}

	frag := w.get(t, w.url("7"), "HX-Request", "true")
	if frag.StatusCode != 200 || !strings.HasPrefix(strings.TrimSpace(frag.body), `<section id="widget-panel"`) ||
		strings.Contains(frag.body, "<html") || strings.Contains(frag.body, "widget-footer") {
		t.Fatalf("htmx refresh = %d, want the panel alone:\n%s", frag.StatusCode, frag.body)
	}
	if got := frag.Header.Get("Content-Security-Policy"); got != wantCSP {
		t.Errorf("fragment CSP %q", got)
	}
	fragDoc, err := goquery.NewDocumentFromReader(strings.NewReader(frag.body))
	if err != nil {
		t.Fatal(err)
	}
	if fragDoc.Find("#widget-panel .state-registered").Length() != 1 {
		t.Errorf("fragment lacks the badge:\n%s", frag.body)
	}

	boosted := w.get(t, w.url("7"), "HX-Request", "true", "HX-Boosted", "true")
	if !strings.Contains(boosted.body, "<html") {
		t.Error("a boosted request got the fragment, want the full page")
	}
}
