package insales

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	testAppID    = "parceltrack-app"
	testPassword = "4c3f4c197336eb97475506e71c839c71"
	testDomain   = "demo.myinsales.ru"
)

var testShop = Shop{Domain: testDomain, Password: testPassword, ID: 1474469}

// sandboxPrefix mimics the sandbox base URL so the tests also prove that the
// base URL, not a hard-coded host, decides where requests go.
const sandboxPrefix = "/sandbox/insales/" + testDomain

// fakeClock is a Clock whose Sleep returns at once and moves time forward.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	slept  time.Duration
	sleeps int
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 4, 9, 12, 0, 0, 0, time.UTC)}
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if d > 0 {
		f.now = f.now.Add(d)
		f.slept += d
	}
	f.sleeps++
	return nil
}

func (f *fakeClock) totalSlept() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.slept
}

// newTestClient starts h behind an httptest server and returns a client
// pointed at it through a sandbox-style base URL pattern.
func newTestClient(t *testing.T, h http.Handler, mutate func(*Config)) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cfg := Config{
		AppID:   testAppID,
		BaseURL: BaseURLPattern(srv.URL + "/sandbox/insales/{shop}"),
		Clock:   newFakeClock(),
	}
	if mutate != nil {
		mutate(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type captured struct {
	method, path, rawQuery string
	query                  url.Values
	user, pass             string
	authOK                 bool
	contentType, accept    string
	body                   []byte
}

func strPtr(s string) *string { return &s }
func boolPtr(b bool) *bool    { return &b }

func TestWireFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		call       func(ctx context.Context, c *Client) (any, error)
		status     int
		respFile   string // from testdata, or
		respBody   string
		wantMethod string
		wantPath   string // after the sandbox prefix
		wantQuery  url.Values
		wantRawQ   string // exact raw query when it matters
		wantBody   string // JSON; "" means no body
		check      func(t *testing.T, got any)
	}{
		{
			name:       "get account",
			call:       func(ctx context.Context, c *Client) (any, error) { return c.GetAccount(ctx, testShop) },
			respBody:   `{"id": 1474469, "title": "Демо-магазин", "subdomain": "demo"}`,
			wantMethod: "GET", wantPath: "/admin/account.json",
			check: func(t *testing.T, got any) {
				if a := got.(Account); a.ID != 1474469 || a.Title != "Демо-магазин" {
					t.Errorf("account = %+v", a)
				}
			},
		},
		{
			name:       "get order returns the bare object",
			call:       func(ctx context.Context, c *Client) (any, error) { return c.GetOrder(ctx, testShop, 1432359369) },
			respFile:   "order-3.json",
			wantMethod: "GET", wantPath: "/admin/orders/1432359369.json",
			check: func(t *testing.T, got any) {
				if v, _ := got.(Order).FieldValue(trackFieldID); v != "10251949535" {
					t.Errorf("track = %q", v)
				}
			},
		},
		{
			name: "list orders updated since",
			call: func(ctx context.Context, c *Client) (any, error) {
				since := time.Date(2026, 4, 8, 20, 12, 36, 0, time.FixedZone("MSK", 3*3600))
				return c.ListOrders(ctx, testShop, ListOrdersParams{UpdatedSince: since, FromID: 1432359369, PerPage: 250})
			},
			respFile:   "orders-list.json",
			wantMethod: "GET", wantPath: "/admin/orders.json",
			wantQuery: url.Values{"updated_since": {"2026-04-08 20:12:36 +03:00"}, "from_id": {"1432359369"}, "per_page": {"250"}},
			wantRawQ:  "from_id=1432359369&per_page=250&updated_since=2026-04-08+20%3A12%3A36+%2B03%3A00",
			check: func(t *testing.T, got any) {
				if n := len(got.([]Order)); n != 5 {
					t.Errorf("got %d orders, want 5", n)
				}
			},
		},
		{
			name: "list orders by page clamps per_page and drops a lone from_id",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ListOrders(ctx, testShop, ListOrdersParams{FromID: 5, Page: 2, PerPage: 1000})
			},
			respBody:   `[]`,
			wantMethod: "GET", wantPath: "/admin/orders.json",
			wantQuery: url.Values{"page": {"2"}, "per_page": {"250"}},
			check: func(t *testing.T, got any) {
				if n := len(got.([]Order)); n != 0 {
					t.Errorf("got %d orders, want 0", n)
				}
			},
		},
		{
			name:       "count orders",
			call:       func(ctx context.Context, c *Client) (any, error) { return c.CountOrders(ctx, testShop) },
			respBody:   `{"count": 17}`,
			wantMethod: "GET", wantPath: "/admin/orders/count.json",
			check: func(t *testing.T, got any) {
				if got.(int) != 17 {
					t.Errorf("count = %v", got)
				}
			},
		},
		{
			name: "update order status and an existing track row",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.UpdateOrder(ctx, testShop, 1432359369, OrderUpdate{
					CustomStatusPermalink:  strPtr("v-puti"),
					FieldsValuesAttributes: []FieldValueAttr{{ID: 456230921, FieldID: trackFieldID, Value: "RA123456789RU"}},
				})
			},
			respFile:   "order-3.json",
			wantMethod: "PUT", wantPath: "/admin/orders/1432359369.json",
			wantBody: `{"order":{"custom_status_permalink":"v-puti","fields_values_attributes":[{"id":456230921,"field_id":80222849,"value":"RA123456789RU"}]}}`,
			check: func(t *testing.T, got any) {
				if got.(Order).ID != 1432359369 {
					t.Errorf("order = %v", got)
				}
			},
		},
		{
			name: "update fulfillment status and clear a new field value",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.UpdateOrder(ctx, testShop, 7, OrderUpdate{
					FulfillmentStatus:      strPtr(FulfillmentDispatched),
					FieldsValuesAttributes: []FieldValueAttr{{FieldID: trackFieldID, Value: ""}},
				})
			},
			respBody:   `{"id": 7}`,
			wantMethod: "PUT", wantPath: "/admin/orders/7.json",
			wantBody: `{"order":{"fulfillment_status":"dispatched","fields_values_attributes":[{"field_id":80222849,"value":""}]}}`,
		},
		{
			name:       "list fields",
			call:       func(ctx context.Context, c *Client) (any, error) { return c.ListFields(ctx, testShop) },
			respFile:   "fields-list.json",
			wantMethod: "GET", wantPath: "/admin/fields.json",
			check: func(t *testing.T, got any) {
				if _, ok := FindTrackField(got.([]Field), "", "aks_track_number"); !ok {
					t.Errorf("track field not found in %d fields", len(got.([]Field)))
				}
			},
		},
		{
			name:       "get field",
			call:       func(ctx context.Context, c *Client) (any, error) { return c.GetField(ctx, testShop, 80222721) },
			respFile:   "field.json",
			wantMethod: "GET", wantPath: "/admin/fields/80222721.json",
			check: func(t *testing.T, got any) {
				if f := got.(Field); f.Handle != "aks_shipment_id" || f.Destiny != DestinyOrder || !f.HideInBackoffice {
					t.Errorf("field = %+v", f)
				}
			},
		},
		{
			name: "create the track field",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CreateField(ctx, testShop, TrackFieldInput(""))
			},
			status:     http.StatusCreated,
			respFile:   "field.json",
			wantMethod: "POST", wantPath: "/admin/fields.json",
			wantBody: `{"field":{"title":"Трек-номер","office_title":"Трек-номер","type":"Field::TextField","destiny":3}}`,
		},
		{
			name: "update a field sends only what is set",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.UpdateField(ctx, testShop, 80222721, FieldInput{OfficeTitle: "Трек", HideInBackoffice: boolPtr(false)})
			},
			respFile:   "field.json",
			wantMethod: "PUT", wantPath: "/admin/fields/80222721.json",
			wantBody: `{"field":{"office_title":"Трек","hide_in_backoffice":false}}`,
		},
		{
			name:       "delete a field",
			call:       func(ctx context.Context, c *Client) (any, error) { return nil, c.DeleteField(ctx, testShop, 80222721) },
			respFile:   "delete-response-status-ok.json",
			wantMethod: "DELETE", wantPath: "/admin/fields/80222721.json",
		},
		{
			name:       "list webhooks",
			call:       func(ctx context.Context, c *Client) (any, error) { return c.ListWebhooks(ctx, testShop) },
			respFile:   "webhooks-list-1.json",
			wantMethod: "GET", wantPath: "/admin/webhooks.json",
			check: func(t *testing.T, got any) {
				if hs := got.([]Webhook); len(hs) != 1 || hs[0].ID != 14 || hs[0].Topic != TopicOrdersCreate {
					t.Errorf("webhooks = %+v", hs)
				}
			},
		},
		{
			name: "create a webhook defaults to json",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CreateWebhook(ctx, testShop, WebhookInput{Address: "https://app.example.ru/hooks/insales/k3y", Topic: TopicOrdersUpdate})
			},
			status:     http.StatusCreated,
			respBody:   `{"id": 15, "address": "https://app.example.ru/hooks/insales/k3y", "topic": "orders/update", "format_type": "json", "created_at": "2026-04-09T12:00:00+03:00"}`,
			wantMethod: "POST", wantPath: "/admin/webhooks.json",
			wantBody: `{"webhook":{"address":"https://app.example.ru/hooks/insales/k3y","topic":"orders/update","format_type":"json"}}`,
			check: func(t *testing.T, got any) {
				if w := got.(Webhook); w.ID != 15 || w.CreatedAt.IsZero() {
					t.Errorf("webhook = %+v", w)
				}
			},
		},
		{
			name:       "delete a webhook",
			call:       func(ctx context.Context, c *Client) (any, error) { return nil, c.DeleteWebhook(ctx, testShop, 14) },
			respFile:   "delete-response-status-ok.json",
			wantMethod: "DELETE", wantPath: "/admin/webhooks/14.json",
		},
		{
			name:       "list application widgets",
			call:       func(ctx context.Context, c *Client) (any, error) { return c.ListApplicationWidgets(ctx, testShop) },
			respBody:   "[" + string(mustRead("application-widget.json")) + "]",
			wantMethod: "GET", wantPath: "/admin/application_widgets.json",
			check: func(t *testing.T, got any) {
				if ws := got.([]ApplicationWidget); len(ws) != 1 || ws[0].ID != 1 || ws[0].Height != 80 || ws[0].PageType != PageTypeOrder {
					t.Errorf("widgets = %+v", ws)
				}
			},
		},
		{
			name: "create an application widget",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CreateApplicationWidget(ctx, testShop, ApplicationWidgetInput{
					Code: `<p>Номер заказа: <b id="order-number"></b></p>`, Height: 80, PageType: PageTypeOrder,
				})
			},
			status:     http.StatusCreated,
			respFile:   "application-widget.json",
			wantMethod: "POST", wantPath: "/admin/application_widgets.json",
			wantBody: string(mustRead("application-widget-create-request.json")),
		},
		{
			name:       "get an application widget",
			call:       func(ctx context.Context, c *Client) (any, error) { return c.GetApplicationWidget(ctx, testShop, 1) },
			respFile:   "application-widget.json",
			wantMethod: "GET", wantPath: "/admin/application_widgets/1.json",
		},
		{
			name: "update an application widget",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.UpdateApplicationWidget(ctx, testShop, 1, ApplicationWidgetInput{Code: "<div></div>", Height: 300, PageType: PageTypeOrder})
			},
			respFile:   "application-widget.json",
			wantMethod: "PUT", wantPath: "/admin/application_widgets/1.json",
			wantBody: `{"application_widget":{"code":"<div></div>","height":300,"page_type":"order"}}`,
		},
		{
			name: "delete an application widget",
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.DeleteApplicationWidget(ctx, testShop, 1)
			},
			respFile:   "delete-response-status-ok.json",
			wantMethod: "DELETE", wantPath: "/admin/application_widgets/1.json",
		},
		{
			name:       "list custom statuses",
			call:       func(ctx context.Context, c *Client) (any, error) { return c.ListCustomStatuses(ctx, testShop) },
			respFile:   "custom-statuses-list-real.json",
			wantMethod: "GET", wantPath: "/admin/custom_statuses.json",
		},
		{
			name: "create a custom status",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CreateCustomStatus(ctx, testShop, CustomStatusInput{SystemStatus: FulfillmentDispatched, Title: "В пути"})
			},
			status:     http.StatusCreated,
			respFile:   "custom-status-create-response.json",
			wantMethod: "POST", wantPath: "/admin/custom_statuses.json",
			wantBody: `{"custom_status":{"system_status":"dispatched","title":"В пути"}}`,
			check: func(t *testing.T, got any) {
				if s := got.(CustomStatus); s.Permalink != "new-ordered-by-phone" || s.ID != 6 {
					t.Errorf("status = %+v", s)
				}
			},
		},
		{
			name: "update a custom status by permalink",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.UpdateCustomStatus(ctx, testShop, "v-puti", CustomStatusInput{Color: "#85C5E0"})
			},
			respFile:   "custom-status-create-response.json",
			wantMethod: "PUT", wantPath: "/admin/custom_statuses/v-puti.json",
			wantBody: `{"custom_status":{"color":"#85C5E0"}}`,
		},
		{
			name: "delete a custom status",
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.DeleteCustomStatus(ctx, testShop, "v-puti")
			},
			respFile:   "delete-response-status-ok.json",
			wantMethod: "DELETE", wantPath: "/admin/custom_statuses/v-puti.json",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got captured
			var calls int
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls++
				got.method, got.path, got.rawQuery, got.query = r.Method, r.URL.Path, r.URL.RawQuery, r.URL.Query()
				got.user, got.pass, got.authOK = r.BasicAuth()
				got.contentType, got.accept = r.Header.Get("Content-Type"), r.Header.Get("Accept")
				got.body, _ = io.ReadAll(r.Body)
				w.Header().Set("Content-Type", "application/json; charset=utf-8")
				w.Header().Set("API-Usage-Limit", "1/500")
				if tt.status != 0 {
					w.WriteHeader(tt.status)
				}
				if tt.respFile != "" {
					_, _ = w.Write(readTestdata(t, tt.respFile))
				} else {
					_, _ = io.WriteString(w, tt.respBody)
				}
			})
			c := newTestClient(t, h, nil)
			res, err := tt.call(context.Background(), c)
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			if calls != 1 {
				t.Fatalf("server saw %d requests, want 1", calls)
			}
			if got.method != tt.wantMethod || got.path != sandboxPrefix+tt.wantPath {
				t.Errorf("request = %s %s, want %s %s", got.method, got.path, tt.wantMethod, sandboxPrefix+tt.wantPath)
			}
			if !got.authOK || got.user != testAppID || got.pass != testPassword {
				t.Errorf("basic auth = %q:%q (ok %v), want %q:%q", got.user, got.pass, got.authOK, testAppID, testPassword)
			}
			if got.accept != "application/json" {
				t.Errorf("Accept = %q", got.accept)
			}
			wantQuery := tt.wantQuery
			if wantQuery == nil {
				wantQuery = url.Values{}
			}
			if !reflect.DeepEqual(got.query, wantQuery) {
				t.Errorf("query = %v, want %v", got.query, wantQuery)
			}
			if tt.wantRawQ != "" && got.rawQuery != tt.wantRawQ {
				t.Errorf("raw query = %q, want %q", got.rawQuery, tt.wantRawQ)
			}
			if tt.wantBody == "" {
				if len(got.body) != 0 || got.contentType != "" {
					t.Errorf("unexpected body %q (Content-Type %q)", got.body, got.contentType)
				}
			} else {
				if got.contentType != "application/json" {
					t.Errorf("Content-Type = %q, want application/json", got.contentType)
				}
				assertJSONEqual(t, got.body, []byte(tt.wantBody))
			}
			if tt.check != nil {
				tt.check(t, res)
			}
		})
	}
}

func mustRead(name string) []byte {
	b, err := readFileTestdata(name)
	if err != nil {
		panic(err)
	}
	return b
}

func assertJSONEqual(t *testing.T, got, want []byte) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("request body is not JSON: %v: %s", err, got)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("bad expectation: %v", err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("body = %s\nwant   %s", got, want)
	}
}

func TestErrorMapping(t *testing.T) {
	t.Parallel()
	type want struct {
		status     int
		message    string
		fields     map[string][]string
		retryAfter time.Duration
		is         func(error) bool
	}
	tests := []struct {
		name        string
		status      int
		contentType string
		body        []byte
		headers     map[string]string
		want        want
	}{
		{"401 wrong password", 401, "text/plain", []byte("HTTP Basic: Access denied.\n"), nil,
			want{status: 401, message: "Unauthorized", is: IsUnauthorized}},
		{"403 no permission", 403, "application/json", []byte(`{"message": "Forbidden"}`), nil,
			want{status: 403, message: "Forbidden", is: IsForbidden}},
		{"404 is an HTML page", 404, "text/html", mustRead("error-404.html"), nil,
			want{status: 404, message: "Not Found", is: IsNotFound}},
		{"422 wrong content type", 422, "application/json", mustRead("errors/error-422-content-type.json"), nil,
			want{status: 422, message: "incorrect Content-Type, should be application/json", is: IsValidation}},
		{"422 bare hash", 422, "application/json", mustRead("errors/error-422-external-discount-url-invalid.json"), nil,
			want{status: 422, message: "url: Недопустимый URL", fields: map[string][]string{"url": {"Недопустимый URL"}}, is: IsValidation}},
		{"422 taken", 422, "application/json", mustRead("errors/error-422-external-discount-url-taken.json"), nil,
			want{status: 422, message: "url: уже существует", fields: map[string][]string{"url": {"уже существует"}}, is: IsValidation}},
		{"422 too long", 422, "application/json", mustRead("errors/error-422-external-discount-description-too-long.json"), nil,
			want{status: 422, message: "description: Описание слишком большой длины (не может быть больше, чем 200 символов)",
				fields: map[string][]string{"description": {"Описание слишком большой длины (не может быть больше, чем 200 символов)"}}, is: IsValidation}},
		{"422 category", 422, "application/json", mustRead("errors/error-422-product-category.json"), nil,
			want{status: 422, message: "category_id: Категория удалена или отсутствует.",
				fields: map[string][]string{"category_id": {"Категория удалена или отсутствует."}}, is: IsValidation}},
		{"422 nested errors hash", 422, "application/json", mustRead("errors/error-422-storefront-fast-checkout.json"), nil,
			want{status: 422, message: `client.consent_to_personal_data: Не заполнено обязательное поле "Согласие на обработку персональных данных"`,
				fields: map[string][]string{"client.consent_to_personal_data": {`Не заполнено обязательное поле "Согласие на обработку персональных данных"`}}, is: IsValidation}},
		{"422 errors list", 422, "application/json", mustRead("errors/external-discount-error-response-from-app.json"), nil,
			want{status: 422, message: "Карта не найдена", is: IsValidation}},
		{"429 with Retry-After and an empty body", 429, "", nil, map[string]string{"Retry-After": "7", "API-Usage-Limit": "500/500"},
			want{status: 429, message: "Too Many Requests", retryAfter: 7 * time.Second, is: IsRateLimited}},
		{"503 without Retry-After", 503, "text/html", []byte("<html>busy</html>"), nil,
			want{status: 503, message: "Service Unavailable", retryAfter: defaultRetryAfter, is: IsRateLimited}},
		{"400 unparseable", 400, "text/plain", []byte("Bad Request"), nil,
			want{status: 400, message: "Bad Request", is: func(err error) bool { return !IsValidation(err) && !IsNotFound(err) }}},
		{"504 cancelled after 50 s", 504, "", nil, nil,
			want{status: 504, message: "Gateway Timeout", is: func(err error) bool { return !IsRateLimited(err) }}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			calls := 0
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls++
				for k, v := range tt.headers {
					w.Header().Set(k, v)
				}
				if tt.contentType != "" {
					w.Header().Set("Content-Type", tt.contentType)
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write(tt.body)
			})
			// No retries: this test is about the error value, not the waiting.
			c := newTestClient(t, h, func(cfg *Config) { cfg.MaxRetries = -1 })
			_, err := c.GetOrder(context.Background(), testShop, 1)
			if err == nil {
				t.Fatal("want an error")
			}
			if calls != 1 {
				t.Errorf("server saw %d requests, want 1", calls)
			}
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("error %v (%T) is not an *APIError", err, err)
			}
			if ae.Status != tt.want.status || ae.Message != tt.want.message || ae.RetryAfter != tt.want.retryAfter {
				t.Errorf("APIError = {%d %q %v}, want {%d %q %v}", ae.Status, ae.Message, ae.RetryAfter, tt.want.status, tt.want.message, tt.want.retryAfter)
			}
			if !reflect.DeepEqual(ae.Fields, tt.want.fields) {
				t.Errorf("Fields = %v, want %v", ae.Fields, tt.want.fields)
			}
			if !tt.want.is(err) {
				t.Errorf("predicate false for %v", err)
			}
			if !strings.HasPrefix(err.Error(), "insales: get order 1: status ") {
				t.Errorf("error text = %q", err.Error())
			}
			if strings.Contains(err.Error(), testPassword) {
				t.Errorf("error leaks the password: %q", err.Error())
			}
		})
	}
}

func TestNonJSONSuccessIsADecodeError(t *testing.T) {
	t.Parallel()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(w, "<html>login</html>")
	})
	c := newTestClient(t, h, nil)
	_, err := c.GetAccount(context.Background(), testShop)
	var ae *APIError
	if err == nil || errors.As(err, &ae) || !strings.Contains(err.Error(), "decode response") {
		t.Fatalf("err = %v, want a decode error", err)
	}
}

func TestTimeouts(t *testing.T) {
	t.Parallel()
	hang := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	tests := []struct {
		name    string
		timeout time.Duration // Config.RequestTimeout
		ctx     func() (context.Context, context.CancelFunc)
	}{
		{"default timeout when ctx has none", 50 * time.Millisecond, func() (context.Context, context.CancelFunc) {
			return context.WithCancel(context.Background())
		}},
		{"caller deadline wins", time.Minute, func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 50*time.Millisecond)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newTestClient(t, hang, func(cfg *Config) { cfg.RequestTimeout = tt.timeout })
			ctx, cancel := tt.ctx()
			defer cancel()
			start := time.Now()
			_, err := c.GetAccount(ctx, testShop)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("err = %v, want deadline exceeded", err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	if _, err := New(Config{}); err == nil {
		t.Error("New without an app id succeeded")
	}
	c, err := New(Config{AppID: "a"})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.cfg.BaseURL("shop.myinsales.ru"); got != "https://shop.myinsales.ru" {
		t.Errorf("default base URL = %q", got)
	}
	if _, err := c.GetAccount(context.Background(), Shop{}); err == nil {
		t.Error("a call without a shop domain succeeded")
	}
}
