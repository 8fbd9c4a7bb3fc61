package insalessandbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"parceltrack/insales"
	insalessandbox "parceltrack/sandbox/insales"
)

func TestClientAccountAndOrders(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.install()
	ctx := context.Background()

	acc, err := e.client.GetAccount(ctx, e.shop)
	if err != nil {
		t.Fatal(err)
	}
	if acc.ID != insalessandbox.DefaultInsalesID || acc.Subdomain != "demo-shop" || acc.Title == "" {
		t.Fatalf("account = %+v", acc)
	}
	n, err := e.client.CountOrders(ctx, e.shop)
	if err != nil || n != 8 {
		t.Fatalf("count = %d, %v; want 8 seeded orders", n, err)
	}

	page, err := e.client.ListOrders(ctx, e.shop, insales.ListOrdersParams{Page: 2, PerPage: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 3 || page[0].ID != 1434100004 {
		t.Fatalf("page 2 of 3 = %d orders starting %v, want 3 from 1434100004", len(page), ids(page))
	}

	var phones, emails, zips []string
	for _, id := range []int64{1434100001, 1434100002, 1434100003, 1434100004} {
		o, err := e.client.GetOrder(ctx, e.shop, id)
		if err != nil {
			t.Fatal(err)
		}
		if o.ID != id || o.Number == 0 || o.Key == "" || o.CurrencyCode != "RUR" || len(o.OrderLines) == 0 ||
			o.TotalPrice <= o.ItemsPrice-1 || o.CustomStatus.Permalink == "" || o.BuyerName() == "" {
			t.Fatalf("order %d = %+v", id, o)
		}
		phones, emails, zips = append(phones, o.BuyerPhone()), append(emails, o.BuyerEmail()), append(zips, o.DestinationZip())
	}
	if want := []string{"+79000001234", "8 (900) 000-23-45", "+7(900)000-34-56", ""}; !slices.Equal(phones, want) {
		t.Errorf("phones = %q, want %q", phones, want)
	}
	if emails[2] != "" || emails[0] == "" {
		t.Errorf("emails = %q, want the third empty", emails)
	}
	if want := []string{"101000", "620014", "420111", "630099"}; !slices.Equal(zips, want) {
		t.Errorf("zips = %q, want %q", zips, want)
	}

	if _, err := e.client.GetOrder(ctx, e.shop, 42); !insales.IsNotFound(err) {
		t.Fatalf("missing order: %v, want 404", err)
	}
}

func ids(os []insales.Order) []int64 {
	var out []int64
	for _, o := range os {
		out = append(out, o.ID)
	}
	return out
}

func TestOrderJSONShape(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.install()
	resp, body := e.raw(http.MethodGet, "/admin/orders/1434100002.json", appID, e.shop.Password, "", "")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("status %d, %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var o map[string]any
	if err := json.Unmarshal([]byte(body), &o); err != nil {
		t.Fatal(err)
	}
	stamp := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+03:00$`)
	money := regexp.MustCompile(`"total_price":\d+\.\d{1,2}[,}]`)
	ship, _ := o["shipping_address"].(map[string]any)
	loc, _ := ship["location"].(map[string]any)
	lines, _ := o["order_lines"].([]any)
	client, _ := o["client"].(map[string]any)
	checks := []struct {
		name string
		ok   bool
	}{
		{"created_at style", stamp.MatchString(o["created_at"].(string))},
		{"updated_at style", stamp.MatchString(o["updated_at"].(string))},
		{"money as a number", money.MatchString(body)},
		{"id is a number", o["id"] == float64(1434100002)},
		{"currency RUR", o["currency_code"] == "RUR"},
		{"kladr_zip", loc["kladr_zip"] == "620014"},
		{"zip in the address form", ship["zip"] == "620014"},
		{"phone as typed", client["phone"] == "8 (900) 000-23-45"},
		{"formatted_phone", ship["formatted_phone"] == "+7(900)000-23-45"},
		{"one order line", len(lines) == 1},
		{"custom status", o["custom_status"].(map[string]any)["permalink"] == "otgruzhen"},
		{"fields_values empty before the app's field", len(o["fields_values"].([]any)) == 0},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: %s", c.name, body)
		}
	}
}

func TestClientUpdateOrderWithFieldsValues(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *insalessandbox.Config) { c.NoDemoTracks = true })
	e.install()
	ctx := context.Background()
	field, err := e.client.CreateField(ctx, e.shop, insales.TrackFieldInput(""))
	if err != nil {
		t.Fatal(err)
	}
	const id = 1434100005
	before, err := e.client.GetOrder(ctx, e.shop, id)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	st := insales.FulfillmentDispatched
	added, err := e.client.UpdateOrder(ctx, e.shop, id, insales.OrderUpdate{
		FulfillmentStatus:      &st,
		FieldsValuesAttributes: []insales.FieldValueAttr{{FieldID: field.ID, Value: "80085412345678"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	row, ok := added.FieldValueEntry(field.ID)
	if !ok || row.Value != "80085412345678" || row.ID == 0 || row.Name != insales.DefaultTrackFieldName || row.Type != "Текст" {
		t.Fatalf("after adding: %+v, %v", added.FieldsValues, ok)
	}
	if added.FulfillmentStatus != "dispatched" || added.CustomStatus.Permalink != "otgruzhen" {
		t.Errorf("status = %s / %s, want dispatched / otgruzhen", added.FulfillmentStatus, added.CustomStatus.Permalink)
	}
	if !added.UpdatedAt.After(before.UpdatedAt) {
		t.Errorf("updated_at did not move: %v → %v", before.UpdatedAt, added.UpdatedAt)
	}

	tests := []struct {
		name  string
		attr  insales.FieldValueAttr
		value string
	}{
		{"update the row by id", insales.FieldValueAttr{ID: row.ID, Value: "RA644000001RU"}, "RA644000001RU"},
		{"field_id of an existing row updates it", insales.FieldValueAttr{FieldID: field.ID, Value: "80085412345679"}, "80085412345679"},
		{"empty value", insales.FieldValueAttr{ID: row.ID, Value: ""}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, err := e.client.UpdateOrder(ctx, e.shop, id, insales.OrderUpdate{FieldsValuesAttributes: []insales.FieldValueAttr{tc.attr}})
			if err != nil {
				t.Fatal(err)
			}
			got, _ := o.FieldValueEntry(field.ID)
			if len(o.FieldsValues) != 1 || got.ID != row.ID || got.Value != tc.value {
				t.Fatalf("fields_values = %+v, want one row %d = %q", o.FieldsValues, row.ID, tc.value)
			}
		})
	}

	perm := "otmenen"
	o, err := e.client.UpdateOrder(ctx, e.shop, id, insales.OrderUpdate{CustomStatusPermalink: &perm})
	if err != nil || o.FulfillmentStatus != "declined" || o.CustomStatus.Title != "Отменен" {
		t.Fatalf("custom status: %+v, %v", o.CustomStatus, err)
	}
	invalid := []struct {
		name string
		upd  insales.OrderUpdate
		attr string
	}{
		{"unknown status", insales.OrderUpdate{FulfillmentStatus: ptr("shipped")}, "fulfillment_status"},
		{"unknown permalink", insales.OrderUpdate{CustomStatusPermalink: ptr("net-takogo")}, "custom_status_permalink"},
		{"unknown field", insales.OrderUpdate{FieldsValuesAttributes: []insales.FieldValueAttr{{FieldID: 1, Value: "x"}}}, "fields_values.field"},
	}
	for _, tc := range invalid {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.client.UpdateOrder(ctx, e.shop, id, tc.upd)
			var ae *insales.APIError
			if !errors.As(err, &ae) || ae.Status != http.StatusUnprocessableEntity || len(ae.Fields[tc.attr]) == 0 {
				t.Fatalf("err = %v, want 422 on %s", err, tc.attr)
			}
		})
	}
}

func ptr(s string) *string { return &s }

func TestClientOrdersUpdatedSincePaging(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.install()
	ctx := context.Background()
	e.clock.Advance(time.Hour)
	// Creating the track field fills the prepared demo tracks: five orders
	// share one updated_at, so only from_id separates them.
	field, err := e.client.CreateField(ctx, e.shop, insales.TrackFieldInput(""))
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{1, 2, 3, 250} {
		t.Run("page size "+strconv.Itoa(size), func(t *testing.T) {
			c, err := insales.New(insales.Config{AppID: appID, BaseURL: insales.BaseURLPattern(e.srv.URL + prefix + "/{shop}"),
				HTTPClient: e.srv.Client(), PageSize: size})
			if err != nil {
				t.Fatal(err)
			}
			var seen []insales.Order
			cur, err := c.OrdersUpdatedSince(ctx, e.shop, time.Time{}, 0, func(o insales.Order) error {
				seen = append(seen, o)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(seen) != 8 {
				t.Fatalf("walked %d orders, want 8: %v", len(seen), ids(seen))
			}
			withTrack := 0
			for i, o := range seen {
				if i > 0 {
					p := seen[i-1]
					if o.UpdatedAt.Before(p.UpdatedAt) || (o.UpdatedAt.Equal(p.UpdatedAt) && o.ID <= p.ID) {
						t.Fatalf("order %d after %d is out of (updated_at, id) order", o.ID, p.ID)
					}
				}
				if v, ok := o.FieldValue(field.ID); ok && v != "" {
					withTrack++
				}
			}
			if withTrack != 5 {
				t.Errorf("%d orders carry a demo track, want 5", withTrack)
			}
			last := seen[len(seen)-1]
			if !cur.UpdatedSince.Equal(last.UpdatedAt) || cur.FromID != last.ID {
				t.Errorf("cursor = %+v, want the last order %d", cur, last.ID)
			}
			// Resuming from the cursor finds nothing new.
			more, err := c.ListOrders(ctx, e.shop, insales.ListOrdersParams{UpdatedSince: cur.UpdatedSince, FromID: cur.FromID})
			if err != nil || len(more) != 0 {
				t.Fatalf("after the cursor: %v, %v", ids(more), err)
			}
		})
	}
}

func TestUpdatedSinceWireForms(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.install()
	tests := []struct {
		name   string
		query  string
		status int
		count  int
	}{
		{"docs form", "updated_since=2000-01-01+00:00:00+%2B03:00", 200, 8},
		{"unencoded plus", "updated_since=2000-01-01%2000:00:00%2003:00", 200, 8},
		{"ISO 8601", "updated_since=2000-01-01T00:00:00Z", 200, 8},
		{"in the future", "updated_since=2100-01-01+00:00:00+%2B03:00", 200, 0},
		{"garbage", "updated_since=yesterday", 400, -1},
		{"per_page above the cap", "per_page=1000", 200, 8},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := e.raw(http.MethodGet, "/admin/orders.json?"+tc.query, appID, e.shop.Password, "", "")
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			if tc.count < 0 {
				return
			}
			var list []map[string]any
			if err := json.Unmarshal([]byte(body), &list); err != nil || len(list) != tc.count {
				t.Fatalf("got %d orders (%v), want %d", len(list), err, tc.count)
			}
		})
	}
}

func TestClientFieldsCRUD(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.install()
	ctx := context.Background()
	before, err := e.client.ListFields(ctx, e.shop)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := insales.FindTrackField(before, insales.DefaultTrackFieldName, ""); ok || len(before) == 0 {
		t.Fatalf("seeded fields: %d, a track field among them: %v", len(before), ok)
	}
	f, err := e.client.CreateField(ctx, e.shop, insales.TrackFieldInput(""))
	if err != nil {
		t.Fatal(err)
	}
	if f.ID == 0 || f.Destiny != insales.DestinyOrder || f.Type != insales.FieldTypeText || f.Title != "Трек-номер" || !f.Active {
		t.Fatalf("created %+v", f)
	}
	got, err := e.client.GetField(ctx, e.shop, f.ID)
	if err != nil || got.ID != f.ID {
		t.Fatalf("get: %+v, %v", got, err)
	}
	upd, err := e.client.UpdateField(ctx, e.shop, f.ID, insales.FieldInput{Handle: "parceltrack_track"})
	if err != nil || upd.Handle != "parceltrack_track" || upd.Title != "Трек-номер" {
		t.Fatalf("update: %+v, %v", upd, err)
	}
	all, err := e.client.ListFields(ctx, e.shop)
	if err != nil {
		t.Fatal(err)
	}
	if found, ok := insales.FindTrackField(all, "", "parceltrack_track"); !ok || found.ID != f.ID {
		t.Fatalf("FindTrackField by handle: %+v, %v", found, ok)
	}
	bad := []struct {
		name string
		in   insales.FieldInput
		attr string
	}{
		{"no title", insales.FieldInput{Type: insales.FieldTypeText, Destiny: 3}, "office_title"},
		{"bad destiny", insales.FieldInput{Title: "x", Type: insales.FieldTypeText, Destiny: 9}, "destiny"},
		{"bad type", insales.FieldInput{Title: "x", Type: "Field::Nope", Destiny: 3}, "type"},
		{"handle taken", insales.FieldInput{Title: "x", Destiny: 3, Handle: "parceltrack_track"}, "handle"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.client.CreateField(ctx, e.shop, tc.in)
			var ae *insales.APIError
			if !errors.As(err, &ae) || !insales.IsValidation(err) || len(ae.Fields[tc.attr]) == 0 {
				t.Fatalf("err = %v, want 422 on %s", err, tc.attr)
			}
		})
	}
	if err := e.client.DeleteField(ctx, e.shop, f.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.GetField(ctx, e.shop, f.ID); !insales.IsNotFound(err) {
		t.Fatalf("after delete: %v, want 404", err)
	}
	if err := e.client.DeleteField(ctx, e.shop, before[0].ID); !insales.IsValidation(err) {
		t.Fatalf("deleting a system field: %v, want 422", err)
	}
}

func TestClientWebhooksCRUD(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.install()
	ctx := context.Background()
	in := insales.WebhookInput{Address: e.app.srv.URL + "/hooks/s3cr3t", Topic: insales.TopicOrdersUpdate}
	h, err := e.client.CreateWebhook(ctx, e.shop, in)
	if err != nil {
		t.Fatal(err)
	}
	if h.ID == 0 || h.Address != in.Address || h.Topic != in.Topic || h.FormatType != "json" || h.CreatedAt.IsZero() {
		t.Fatalf("created %+v", h)
	}
	tests := []struct {
		name string
		in   insales.WebhookInput
		attr string
		msg  string
	}{
		{"duplicate address and topic", in, "address", "уже существует"},
		{"no address", insales.WebhookInput{Topic: insales.TopicOrdersCreate}, "address", "не может быть пустым"},
		{"not a URL", insales.WebhookInput{Address: "ftp://x", Topic: insales.TopicOrdersCreate}, "address", "Недопустимый URL"},
		{"unknown topic", insales.WebhookInput{Address: in.Address, Topic: "orders/paid"}, "topic", "имеет непредусмотренное значение"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.client.CreateWebhook(ctx, e.shop, tc.in)
			var ae *insales.APIError
			if !errors.As(err, &ae) || ae.Status != 422 || !slices.Contains(ae.Fields[tc.attr], tc.msg) {
				t.Fatalf("err = %#v, want 422 %s: %s", err, tc.attr, tc.msg)
			}
		})
	}
	// The same address for another topic is fine.
	if _, err := e.client.CreateWebhook(ctx, e.shop, insales.WebhookInput{Address: in.Address, Topic: insales.TopicOrdersCreate}); err != nil {
		t.Fatal(err)
	}
	list, err := e.client.ListWebhooks(ctx, e.shop)
	if err != nil || len(list) != 2 {
		t.Fatalf("list = %+v, %v", list, err)
	}
	if err := e.client.DeleteWebhook(ctx, e.shop, h.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.client.DeleteWebhook(ctx, e.shop, h.ID); !insales.IsNotFound(err) {
		t.Fatalf("second delete: %v, want 404", err)
	}
	if list, _ := e.client.ListWebhooks(ctx, e.shop); len(list) != 1 {
		t.Fatalf("after delete: %+v", list)
	}
}

func TestClientWidgetsCRUD(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.install()
	ctx := context.Background()
	wd, err := e.client.CreateApplicationWidget(ctx, e.shop, insales.ApplicationWidgetInput{
		Code: "<p>Номер заказа: <b id=\"order-number\"></b></p>", Height: 80, PageType: insales.PageTypeOrder})
	if err != nil {
		t.Fatal(err)
	}
	if wd.ID == 0 || wd.Height != 80 || wd.PageType != "order" || wd.CreatedAt.IsZero() {
		t.Fatalf("created %+v", wd)
	}
	got, err := e.client.GetApplicationWidget(ctx, e.shop, wd.ID)
	if err != nil || got.Code != wd.Code {
		t.Fatalf("get: %+v, %v", got, err)
	}
	upd, err := e.client.UpdateApplicationWidget(ctx, e.shop, wd.ID, insales.ApplicationWidgetInput{Code: "<p>v2</p>", Height: 240})
	if err != nil || upd.Code != "<p>v2</p>" || upd.Height != 240 || upd.PageType != "order" {
		t.Fatalf("update: %+v, %v", upd, err)
	}
	if _, err := e.client.CreateApplicationWidget(ctx, e.shop, insales.ApplicationWidgetInput{Code: ""}); !insales.IsValidation(err) {
		t.Fatalf("empty code: %v, want 422", err)
	}
	if list, err := e.client.ListApplicationWidgets(ctx, e.shop); err != nil || len(list) != 1 {
		t.Fatalf("list = %+v, %v", list, err)
	}
	if err := e.client.DeleteApplicationWidget(ctx, e.shop, wd.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.GetApplicationWidget(ctx, e.shop, wd.ID); !insales.IsNotFound(err) {
		t.Fatalf("after delete: %v, want 404", err)
	}
}

func TestClientCustomStatuses(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.install()
	ctx := context.Background()
	list, err := e.client.ListCustomStatuses(ctx, e.shop)
	if err != nil || len(list) != 8 {
		t.Fatalf("seeded statuses = %d, %v; want 8", len(list), err)
	}
	tests := []struct {
		name, title, system, permalink string
	}{
		{"transliterated", "В пути", "dispatched", "v-puti"},
		{"taken permalink gets a suffix", "В пути!", "dispatched", "v-puti-2"},
		{"ж, щ and ь", "Ждёт в отделении", "dispatched", "zhdyot-v-otdelenii"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, err := e.client.CreateCustomStatus(ctx, e.shop, insales.CustomStatusInput{SystemStatus: tc.system, Title: tc.title})
			if err != nil {
				t.Fatal(err)
			}
			if st.Permalink != tc.permalink || st.Title != tc.title || st.SystemStatus != tc.system || st.Color == "" || st.ID == 0 {
				t.Fatalf("created %+v, want permalink %s", st, tc.permalink)
			}
		})
	}
	upd, err := e.client.UpdateCustomStatus(ctx, e.shop, "v-puti", insales.CustomStatusInput{Title: "Едет к покупателю", Color: "#249641"})
	if err != nil || upd.Permalink != "v-puti" || upd.Title != "Едет к покупателю" || upd.Color != "#249641" {
		t.Fatalf("update: %+v, %v", upd, err)
	}
	if _, err := e.client.CreateCustomStatus(ctx, e.shop, insales.CustomStatusInput{SystemStatus: "teleported", Title: "x"}); !insales.IsValidation(err) {
		t.Fatalf("bad system status: %v, want 422", err)
	}
	if _, err := e.client.CreateCustomStatus(ctx, e.shop, insales.CustomStatusInput{SystemStatus: "new", Title: "x", Color: "#123456"}); !insales.IsValidation(err) {
		t.Fatalf("colour outside the palette: %v, want 422", err)
	}
	perm := "v-puti"
	o, err := e.client.UpdateOrder(ctx, e.shop, 1434100004, insales.OrderUpdate{CustomStatusPermalink: &perm})
	if err != nil || o.CustomStatus.Title != "Едет к покупателю" || o.FulfillmentStatus != "dispatched" {
		t.Fatalf("order with the new status: %+v %s, %v", o.CustomStatus, o.FulfillmentStatus, err)
	}
	if err := e.client.DeleteCustomStatus(ctx, e.shop, "v-puti-2"); err != nil {
		t.Fatal(err)
	}
	if err := e.client.DeleteCustomStatus(ctx, e.shop, "novyy"); !insales.IsValidation(err) {
		t.Fatalf("deleting a default status: %v, want 422", err)
	}
	if err := e.client.DeleteCustomStatus(ctx, e.shop, "v-puti-2"); !insales.IsNotFound(err) {
		t.Fatalf("deleting twice: %v, want 404", err)
	}
}

func TestAPIRejects(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.install()
	good := e.shop.Password
	if _, err := e.client.CreateApplicationWidget(context.Background(), e.shop, insales.ApplicationWidgetInput{Code: "<p>x</p>"}); err != nil {
		t.Fatal(err) // id 101, deleted below
	}
	tests := []struct {
		name        string
		method      string
		path        string
		user, pass  string
		ctype, body string
		status      int
		bodyHas     string
	}{
		{"wrong password", "GET", "/admin/account.json", appID, "0123456789abcdef0123456789abcdef", "", "", 401, "Access denied"},
		{"wrong app id", "GET", "/admin/account.json", "other-app", good, "", "", 401, "Access denied"},
		{"no credentials", "GET", "/admin/orders.json", "", "", "", "", 401, "Access denied"},
		{"form content type", "POST", "/admin/webhooks.json", appID, good, "application/x-www-form-urlencoded", "webhook[topic]=orders/create", 422,
			`{"message":"incorrect Content-Type, should be application/json"}`},
		{"no content type", "PUT", "/admin/orders/1434100001.json", appID, good, "", `{"order":{}}`, 422, "incorrect Content-Type"},
		{"json with charset is fine", "PUT", "/admin/orders/1434100001.json", appID, good, "application/json; charset=utf-8", `{"order":{}}`, 200, `"id":1434100001`},
		{"unwrapped body", "POST", "/admin/webhooks.json", appID, good, "application/json", `{"topic":"orders/create"}`, 400, "webhook"},
		{"broken JSON", "POST", "/admin/fields.json", appID, good, "application/json", `{"field":`, 400, "field"},
		{"unknown resource is an HTML 404", "GET", "/admin/products.json", appID, good, "", "", 404, "<h1>Страница не найдена</h1>"},
		{"no .json suffix", "GET", "/admin/orders", appID, good, "", "", 404, "<html>"},
		{"wrong method", "DELETE", "/admin/orders/1434100001.json", appID, good, "", "", 404, "<html>"},
		{"order count", "GET", "/admin/orders/count.json", appID, good, "", "", 200, `{"count":8}`},
		{"delete of a missing status", "DELETE", "/admin/custom_statuses/nope.json", appID, good, "", "", 404, "<html>"},
		{"delete answers status ok", "DELETE", "/admin/application_widgets/101.json", appID, good, "", "", 200, `{"status":"ok"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := e.raw(tc.method, tc.path, tc.user, tc.pass, tc.ctype, tc.body)
			if resp.StatusCode != tc.status || !strings.Contains(body, tc.bodyHas) {
				t.Fatalf("%d %q, want %d containing %q", resp.StatusCode, body, tc.status, tc.bodyHas)
			}
			if resp.Header.Get("API-Usage-Limit") == "" {
				t.Error("no API-Usage-Limit header")
			}
		})
	}
	t.Run("another shop's domain", func(t *testing.T) {
		status, _, body := e.get(prefix + "/other.myinsales.ru/admin/account.json")
		if status != 404 || !strings.Contains(body, "<html>") {
			t.Fatalf("%d %s", status, body)
		}
	})
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *insalessandbox.Config) { c.RateLimit = 5 })
	e.install()
	type step struct {
		advance time.Duration
		pass    string
		status  int
		usage   string
		retry   string
	}
	bad := "ffffffffffffffffffffffffffffffff"
	steps := []step{
		{0, e.shop.Password, 200, "1/5", ""},
		{10 * time.Second, bad, 401, "2/5", ""}, // failed auth counts
		{0, e.shop.Password, 200, "3/5", ""},
		{0, e.shop.Password, 200, "4/5", ""},
		{0, bad, 401, "5/5", ""},
		{50 * time.Second, e.shop.Password, 429, "5/5", "240"}, // the window opened 60 s ago
		{239 * time.Second, e.shop.Password, 429, "5/5", "1"},
		{time.Second, e.shop.Password, 200, "1/5", ""}, // a new window
	}
	for i, s := range steps {
		e.clock.Advance(s.advance)
		resp, body := e.raw(http.MethodGet, "/admin/account.json", appID, s.pass, "", "")
		if resp.StatusCode != s.status || resp.Header.Get("API-Usage-Limit") != s.usage || resp.Header.Get("Retry-After") != s.retry {
			t.Fatalf("step %d: %d usage %q retry %q, want %d %q %q", i, resp.StatusCode,
				resp.Header.Get("API-Usage-Limit"), resp.Header.Get("Retry-After"), s.status, s.usage, s.retry)
		}
		if s.status == 429 && body != "" {
			t.Fatalf("step %d: 429 body %q, want empty", i, body)
		}
	}
	// The app's client sees a 429 as rate limited with the hint.
	_, err := e.client.GetAccount(context.Background(), e.shop) // 2/5 in the new window
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		_, _ = e.raw(http.MethodGet, "/admin/account.json", appID, e.shop.Password, "", "")
	}
	c, _ := insales.New(insales.Config{AppID: appID, BaseURL: insales.BaseURLPattern(e.srv.URL + prefix + "/{shop}"),
		HTTPClient: e.srv.Client(), MaxRetries: -1})
	_, err = c.GetAccount(context.Background(), e.shop)
	if !insales.IsRateLimited(err) || insales.RetryAfter(err) != 300*time.Second {
		t.Fatalf("client: %v (retry %v), want rate limited for 300 s", err, insales.RetryAfter(err))
	}
}
