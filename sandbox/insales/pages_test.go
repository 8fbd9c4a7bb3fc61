package insalessandbox_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"parceltrack/insales"
	insalessandbox "parceltrack/sandbox/insales"
)

func doc(t *testing.T, body string) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	tests := []struct {
		name   string
		path   string
		status int
		has    []string
	}{
		{"home before install", "/", 200, []string{"Режим песочницы", "Установить приложение", "не установлено", "Последние заказы"}},
		{"orders", "/orders", 200, []string{"Смирнова Анна", "8 (900) 000-23-45", "Новый заказ", "Создать заказ"}},
		{"order page", "/orders/1434100001", 200, []string{"Заказ №1001", "Смирнова Анна Викторовна", "Термокружка «Походная»",
			"2\u00a0740,00\u00a0₽", "101000", "Отгружен", "Сохранить", "поле для трек-номера появится"}},
		{"order without e-mail", "/orders/1434100003", 200, []string{"e-mail не указан"}},
		{"order without phone", "/orders/1434100004", 200, []string{"телефон не указан"}},
		{"unknown order", "/orders/99", 404, []string{"Страница не найдена"}},
		{"unknown page", "/nothing", 404, []string{"Страница не найдена"}},
		{"app page before install", "/app", 409, []string{"Приложение не установлено"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, _, body := e.get(prefix + tc.path)
			if status != tc.status {
				t.Fatalf("status %d, want %d", status, tc.status)
			}
			for _, s := range tc.has {
				if !strings.Contains(body, s) {
					t.Errorf("page lacks %q", s)
				}
			}
		})
	}

	t.Run("the bare prefix redirects to the home page", func(t *testing.T) {
		rec := httptest.NewRecorder()
		e.sb.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, prefix, nil))
		if rec.Code != http.StatusFound || rec.Header().Get("Location") != prefix+"/" {
			t.Fatalf("%d → %q", rec.Code, rec.Header().Get("Location"))
		}
	})

	e.install()
	ctx := context.Background()
	f, err := e.client.CreateField(ctx, e.shop, insales.TrackFieldInput(""))
	if err != nil {
		t.Fatal(err)
	}
	_, _, body := e.get(prefix + "/orders/1434100001")
	d := doc(t, body)
	input := d.Find(`form input[name="field_` + strconv.FormatInt(f.ID, 10) + `"]`)
	if label := d.Find(`label[for="field_` + strconv.FormatInt(f.ID, 10) + `"]`).Text(); label != "Трек-номер" {
		t.Errorf("track field label = %q", label)
	}
	if v, _ := input.Attr("value"); len(v) != 14 {
		t.Errorf("the demo track was not filled: %q", v)
	}
	if d.Find(`select[name="custom_status"] option[selected]`).AttrOr("value", "") != "otgruzhen" {
		t.Error("the current status is not selected")
	}
	_, _, home := e.get(prefix + "/")
	for _, s := range []string{"Удалить приложение", "Открыть приложение", "Трек-номер", "установлено"} {
		if !strings.Contains(home, s) {
			t.Errorf("home after install lacks %q", s)
		}
	}
	if status, _, app := e.get(prefix + "/app"); status != 200 || !strings.Contains(app, `<iframe class="widget" src="`+e.app.srv.URL+`/login?`) {
		t.Errorf("app page: %d", status)
	}
}

func TestOrderSaveFiresWebhooks(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *insalessandbox.Config) { c.NoDemoTracks = true })
	e.install()
	ctx := context.Background()
	f, err := e.client.CreateField(ctx, e.shop, insales.TrackFieldInput(""))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []insales.WebhookInput{
		{Address: e.app.srv.URL + "/hooks/update", Topic: insales.TopicOrdersUpdate},
		{Address: e.app.srv.URL + "/hooks/create", Topic: insales.TopicOrdersCreate},
	} {
		if _, err := e.client.CreateWebhook(ctx, e.shop, h); err != nil {
			t.Fatal(err)
		}
	}
	fieldKey := "field_" + strconv.FormatInt(f.ID, 10)
	const id = 1434100001
	before, _ := e.client.GetOrder(ctx, e.shop, id)

	steps := []struct {
		name  string
		act   func() int
		want  int // HTTP status of the action
		path  string
		check func(t *testing.T, o insales.Order)
	}{
		{"the merchant types a track", func() int {
			return e.postForm(prefix+"/orders/"+strconv.Itoa(id), url.Values{fieldKey: {" 80085412345678 "}, "custom_status": {"otgruzhen"}}).StatusCode
		}, http.StatusSeeOther, "/hooks/update", func(t *testing.T, o insales.Order) {
			if v, _ := o.FieldValue(f.ID); v != "80085412345678" || o.ID != id || !o.UpdatedAt.After(before.UpdatedAt) {
				t.Fatalf("payload: track %q, id %d, updated_at %v", v, o.ID, o.UpdatedAt)
			}
		}},
		{"the app's own PUT echoes back", func() int {
			perm := "dostavlen"
			if _, err := e.client.UpdateOrder(ctx, e.shop, id, insales.OrderUpdate{CustomStatusPermalink: &perm}); err != nil {
				t.Fatal(err)
			}
			return http.StatusOK
		}, http.StatusOK, "/hooks/update", func(t *testing.T, o insales.Order) {
			if o.CustomStatus.Permalink != "dostavlen" || o.FulfillmentStatus != "delivered" {
				t.Fatalf("echo payload status %+v %s", o.CustomStatus, o.FulfillmentStatus)
			}
			if v, _ := o.FieldValue(f.ID); v != "80085412345678" {
				t.Fatalf("echo lost the track: %q", v)
			}
		}},
		{"a new order with a track", func() int {
			return e.postForm(prefix+"/orders", url.Values{"surname": {"Орлова"}, "name": {"Вера"}, "phone": {"+7(900)000-99-11"},
				"email": {"vera.orlova@example.ru"}, "city": {"9"}, "address": {"пр. Ленина, д. 5, кв. 2"}, "product1": {"2"}, "qty1": {"2"},
				"product2": {"-1"}, "delivery": {"0"}, "payment": {"1"}, fieldKey: {"80085498765432"}}).StatusCode
		}, http.StatusSeeOther, "/hooks/create", func(t *testing.T, o insales.Order) {
			v, _ := o.FieldValue(f.ID)
			if o.ID != 1434100101 || o.Number != 1101 || v != "80085498765432" || o.DestinationZip() != "634050" ||
				o.BuyerPhone() != "+7(900)000-99-11" || o.TotalPrice.Kopecks() != 2*129900+35000 || o.CustomStatus.Permalink != "novyy" {
				t.Fatalf("created %+v", o)
			}
		}},
	}
	for i, s := range steps {
		if !t.Run(s.name, func(t *testing.T) {
			if got := s.act(); got != s.want {
				t.Fatalf("status %d, want %d", got, s.want)
			}
			ds := e.app.deliveries()
			if len(ds) != i+1 {
				t.Fatalf("%d deliveries, want %d", len(ds), i+1)
			}
			last := ds[i]
			if last.Path != s.path || last.ContentType != "application/json" {
				t.Fatalf("delivery to %s (%s), want %s", last.Path, last.ContentType, s.path)
			}
			if strings.HasPrefix(string(last.Body), `{"order"`) {
				t.Fatal("payload is wrapped; InSales sends the bare order")
			}
			o, err := insales.ParseOrder(last.Body)
			if err != nil {
				t.Fatal(err)
			}
			s.check(t, o)
		}) {
			return
		}
	}

	t.Run("invalid new order", func(t *testing.T) {
		resp, err := e.noRedirect().PostForm(e.srv.URL+prefix+"/orders", url.Values{"product1": {"0"}})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		d, _ := goquery.NewDocumentFromReader(resp.Body)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(d.Find(".bad").Text(), "Укажите имя") {
			t.Fatalf("status %d, errors %q", resp.StatusCode, d.Find(".bad").Text())
		}
		if len(e.app.deliveries()) != 3 {
			t.Fatal("a rejected order fired a webhook")
		}
	})
	t.Run("cross-site post", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+prefix+"/install", nil)
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		resp, err := e.noRedirect().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("status %d, want 403", resp.StatusCode)
		}
	})
}

// syncBuffer is a log sink safe for the background deliveries.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestBackgroundWebhooks(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	e := newEnv(t, func(c *insalessandbox.Config) {
		c.SyncWebhooks = false
		c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	e.install()
	ctx := context.Background()
	for _, addr := range []string{e.app.srv.URL + "/hooks/ok", e.srv.URL + "/nowhere/s3cr3t"} {
		if _, err := e.client.CreateWebhook(ctx, e.shop, insales.WebhookInput{Address: addr, Topic: insales.TopicOrdersUpdate}); err != nil {
			t.Fatal(err)
		}
	}
	st := insales.FulfillmentApproved
	if _, err := e.client.UpdateOrder(ctx, e.shop, 1434100008, insales.OrderUpdate{FulfillmentStatus: &st}); err != nil {
		t.Fatal(err)
	}
	e.sb.Close() // waits for the deliveries in flight
	if ds := e.app.deliveries(); len(ds) != 1 || ds[0].Path != "/hooks/ok" {
		t.Fatalf("deliveries = %+v", ds)
	}
	out := logs.String()
	if !strings.Contains(out, "webhook failed") || !strings.Contains(out, "status 404") {
		t.Errorf("the failed delivery is not logged: %s", out)
	}
	if strings.Contains(out, "s3cr3t") {
		t.Errorf("the log leaks the webhook secret: %s", out)
	}
}

func TestOrderPageWidget(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.install()
	ctx := context.Background()
	const code = `<div id="w"></div><script>document.getElementById("w").textContent = window.order_info.id;</script>`
	wd, err := e.client.CreateApplicationWidget(ctx, e.shop, insales.ApplicationWidgetInput{Code: code, Height: 180, PageType: insales.PageTypeOrder})
	if err != nil {
		t.Fatal(err)
	}
	// A widget for another page stays off the order card.
	if _, err := e.client.CreateApplicationWidget(ctx, e.shop, insales.ApplicationWidgetInput{Code: "<p>x</p>", PageType: "product"}); err != nil {
		t.Fatal(err)
	}
	const id = 1434100003
	_, _, body := e.get(prefix + "/orders/" + strconv.Itoa(id))
	frames := doc(t, body).Find("iframe.widget")
	if frames.Length() != 1 {
		t.Fatalf("%d widget iframes, want 1", frames.Length())
	}
	src, _ := frames.Attr("src")
	if want := prefix + "/orders/" + strconv.Itoa(id) + "/widgets/" + strconv.FormatInt(wd.ID, 10); src != want {
		t.Fatalf("iframe src = %q, want %q", src, want)
	}
	if style, _ := frames.Attr("style"); !strings.Contains(style, "height:180px") {
		t.Errorf("iframe style = %q", style)
	}
	status, hdr, widget := e.get(src)
	if status != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") {
		t.Fatalf("widget document: %d %s", status, hdr.Get("Content-Type"))
	}
	iInfo, iCode := strings.Index(widget, "window.order_info = "), strings.Index(widget, code)
	if iInfo < 0 || iCode < 0 || iInfo > iCode {
		t.Fatalf("order_info at %d, code at %d: %s", iInfo, iCode, widget)
	}
	for _, s := range []string{"window.account_id = 1000001;", "window.user_id = 2000001;"} {
		if i := strings.Index(widget, s); i < 0 || i > iCode {
			t.Errorf("%q missing or after the code: %.300s", s, widget)
		}
	}
	js := widget[iInfo+len("window.order_info = "):]
	js = js[:strings.Index(js, ";\nwindow.account_id")]
	o, err := insales.ParseOrder([]byte(js))
	if err != nil {
		t.Fatalf("order_info is not the order JSON: %v", err)
	}
	if o.ID != id || o.BuyerName() == "" {
		t.Fatalf("order_info = %+v", o)
	}
}
