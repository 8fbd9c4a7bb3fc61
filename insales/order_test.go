package insales

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

const trackFieldID = 80222849 // the "aks_track_number" field in the samples

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseOrderSamples(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file          string
		id            int64
		number        int64
		total         Money
		deliveryPrice Money
		fulfillment   string
		financial     string
		permalink     string
		buyerName     string
		phone         string
		shipPhone     string
		email         string
		zip           string
		products      []string
		quantity      Quantity
		track         string // "" = no track field value
		trackRowID    int64
		updatedAt     string
	}{
		{
			file: "order-1.json", id: 1434042577, number: 17621, total: 875300, deliveryPrice: 115290,
			fulfillment: "new", financial: "pending", permalink: "novyy",
			buyerName: "Условная Ольга", phone: "+79000006930", shipPhone: "+7(900)000-22-40", email: "buyer93@example.ru",
			zip: "628400", products: []string{"Tangem 2.0 (3 карты / Классический белый / -)"}, quantity: 1,
			updatedAt: "2026-04-09T16:23:29+03:00",
		},
		{
			file: "order-2.json", id: 1433068065, number: 17620, total: 664755, deliveryPrice: 53070,
			fulfillment: "approved", financial: "pending", permalink: "soglasovan",
			buyerName: "Условная Елена", phone: "+79000000240", shipPhone: "+79000000240", email: "buyer60@example.ru",
			zip: "164500", products: []string{"Tangem 2.0 (2 карты / Классический черный / -)"}, quantity: 1,
			updatedAt: "2026-04-09T18:55:47+03:00",
		},
		{
			file: "order-3.json", id: 1432359369, number: 17618, total: 646500, deliveryPrice: 66490,
			fulfillment: "dispatched", financial: "paid", permalink: "otgruzhen",
			buyerName: "Пробный Сергей", phone: "+79000004540", shipPhone: "+79000004540", email: "buyer9@example.ru",
			zip: "603000", products: []string{"Tangem 2.0 (2 карты / Классический черный / -)"}, quantity: 1,
			track: "10251949535", trackRowID: 456230921, updatedAt: "2026-04-08T20:12:36+03:00",
		},
		{
			file: "order-4-promo.json", id: 1451521881, number: 17665, total: 3696300, deliveryPrice: 0, // "0.0"
			fulfillment: "new", financial: "pending", permalink: "novyy",
			buyerName: "Примерова Анна", phone: "+79000001030", shipPhone: "+7(900)000-76-90", email: "buyer64@example.ru",
			zip: "101000", products: []string{"Tangem 2.0 (Family Pack / Blush Sky / -)"}, quantity: 3,
			updatedAt: "2026-04-23T12:44:48+03:00",
		},
		{
			file: "order-5.json", id: 1432937697, number: 17619, total: 881895, deliveryPrice: 79910,
			fulfillment: "approved", financial: "pending", permalink: "soglasovan",
			buyerName: "Примерова Иван", phone: "89000002450", shipPhone: "+79000005130", email: "buyer33@example.ru",
			zip: "665450", products: []string{"Tangem 2.0 (3 карты / Классический черный / -)"}, quantity: 1,
			updatedAt: "2026-04-09T18:55:29+03:00",
		},
		{
			file: "order-6.json", id: 1432324073, number: 17617, total: 641025, deliveryPrice: 30500, // integer 305
			fulfillment: "dispatched", financial: "pending", permalink: "otgruzhen",
			buyerName: "Образцова Сергей", phone: "+79000003010", shipPhone: "+7(900)000-39-70", email: "buyer43@example.ru",
			zip: "190000", products: []string{"Tangem 2.0 (2 карты / Классический черный / -)"}, quantity: 1,
			track: "10251949033", trackRowID: 456230817, updatedAt: "2026-04-08T20:12:24+03:00",
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			o, err := ParseOrder(readTestdata(t, tt.file))
			if err != nil {
				t.Fatalf("ParseOrder: %v", err)
			}
			checkOrder(t, o, tt.id, tt.number, tt.total, tt.fulfillment, tt.financial, tt.permalink)
			if o.DeliveryInfo.Price != tt.deliveryPrice {
				t.Errorf("delivery_info.price = %d, want %d", o.DeliveryInfo.Price, tt.deliveryPrice)
			}
			if got := o.BuyerName(); got != tt.buyerName {
				t.Errorf("BuyerName = %q, want %q", got, tt.buyerName)
			}
			if got := o.BuyerPhone(); got != tt.phone {
				t.Errorf("BuyerPhone = %q, want %q", got, tt.phone)
			}
			if o.ShippingAddress.Phone != tt.shipPhone {
				t.Errorf("shipping phone = %q, want %q", o.ShippingAddress.Phone, tt.shipPhone)
			}
			if got := o.BuyerEmail(); got != tt.email {
				t.Errorf("BuyerEmail = %q, want %q", got, tt.email)
			}
			if got := o.DestinationZip(); got != tt.zip {
				t.Errorf("DestinationZip = %q, want %q", got, tt.zip)
			}
			if got := o.ProductNames(); !reflect.DeepEqual(got, tt.products) {
				t.Errorf("ProductNames = %q, want %q", got, tt.products)
			}
			if len(o.OrderLines) != 1 || o.OrderLines[0].Quantity != tt.quantity || o.OrderLines[0].SalePrice <= 0 {
				t.Errorf("order lines = %+v", o.OrderLines)
			}
			want, _ := time.Parse(time.RFC3339, tt.updatedAt)
			if !o.UpdatedAt.Equal(want) {
				t.Errorf("updated_at = %v, want %v", o.UpdatedAt, want)
			}
			if o.CurrencyCode != "RUR" {
				t.Errorf("currency = %q", o.CurrencyCode)
			}
			track, ok := o.FieldValue(trackFieldID)
			if ok != (tt.track != "") || track != tt.track {
				t.Errorf("FieldValue(track) = %q, %v; want %q", track, ok, tt.track)
			}
			if row, ok := o.FieldValueEntry(trackFieldID); ok && (row.ID != tt.trackRowID || row.Handle != "aks_track_number" || row.Type != "Текст") {
				t.Errorf("track row = %+v, want id %d", row, tt.trackRowID)
			}
		})
	}
}

func checkOrder(t *testing.T, o Order, id, number int64, total Money, fulfillment, financial, permalink string) {
	t.Helper()
	if o.ID != id || o.Number != number {
		t.Errorf("id/number = %d/%d, want %d/%d", o.ID, o.Number, id, number)
	}
	if o.TotalPrice != total {
		t.Errorf("total_price = %d kopecks, want %d", o.TotalPrice, total)
	}
	if o.FulfillmentStatus != fulfillment || o.FinancialStatus != financial {
		t.Errorf("statuses = %q/%q, want %q/%q", o.FulfillmentStatus, o.FinancialStatus, fulfillment, financial)
	}
	if o.CustomStatus.Permalink != permalink || o.CustomStatus.Title == "" {
		t.Errorf("custom_status = %+v, want permalink %q", o.CustomStatus, permalink)
	}
	if o.Key == "" || o.CreatedAt.IsZero() {
		t.Errorf("key/created_at missing: %q %v", o.Key, o.CreatedAt)
	}
}

func TestOrdersListSample(t *testing.T) {
	t.Parallel()
	var orders []Order
	if err := json.Unmarshal(readTestdata(t, "orders-list.json"), &orders); err != nil {
		t.Fatal(err)
	}
	wantIDs := []int64{1434042577, 1433068065, 1432937697, 1432359369, 1432324073}
	var ids []int64
	tracks := 0
	for _, o := range orders {
		ids = append(ids, o.ID)
		if _, ok := o.FieldValue(trackFieldID); ok {
			tracks++
		}
	}
	if !reflect.DeepEqual(ids, wantIDs) {
		t.Errorf("ids = %v, want %v", ids, wantIDs)
	}
	if tracks != 2 {
		t.Errorf("orders with a track = %d, want 2", tracks)
	}
}

func TestParseOrderEdgeCases(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		body    string
		wantErr string
		check   func(t *testing.T, o Order)
	}{
		{
			name: "nulls everywhere and an id beyond 32 bits",
			body: `{"id": 9116325561, "number": null, "key": null, "created_at": null, "updated_at": null,
				"client": null, "shipping_address": null, "order_lines": null, "fields_values": null,
				"custom_status": null, "delivery_info": null, "total_price": null, "currency_code": null}`,
			check: func(t *testing.T, o Order) {
				if o.ID != 9116325561 || o.TotalPrice != 0 || !o.UpdatedAt.IsZero() {
					t.Errorf("order = %+v", o)
				}
				if o.BuyerName() != "" || o.BuyerPhone() != "" || o.DestinationZip() != "" || len(o.ProductNames()) != 0 {
					t.Errorf("helpers on an empty order returned data")
				}
				if _, ok := o.FieldValue(trackFieldID); ok {
					t.Errorf("FieldValue found a value in an empty order")
				}
			},
		},
		{
			name: "falls back to the shipping address",
			body: `{"id": 1, "total_price": "180.0", "client": {"name": "", "phone": ""},
				"shipping_address": {"full_name": "Тестов Иван", "name": "Иван", "phone": "+7(900)000-11-22", "zip": " 101000 "},
				"order_lines": [{"title": "Чехол", "quantity": "2", "sale_price": "90.0"}, {"title": " "}]}`,
			check: func(t *testing.T, o Order) {
				if o.TotalPrice != 18000 {
					t.Errorf("total = %d", o.TotalPrice)
				}
				if got := o.BuyerName(); got != "Тестов Иван" {
					t.Errorf("BuyerName = %q", got)
				}
				if got := o.BuyerGreeting(); got != "Иван" {
					t.Errorf("BuyerGreeting = %q", got)
				}
				if got := o.BuyerPhone(); got != "+7(900)000-11-22" {
					t.Errorf("BuyerPhone = %q", got)
				}
				if got := o.DestinationZip(); got != "101000" {
					t.Errorf("DestinationZip = %q", got)
				}
				if got := o.ProductNames(); !reflect.DeepEqual(got, []string{"Чехол"}) {
					t.Errorf("ProductNames = %q", got)
				}
				if o.OrderLines[0].Quantity != 2 || o.OrderLines[0].SalePrice != 9000 {
					t.Errorf("line = %+v", o.OrderLines[0])
				}
			},
		},
		{
			name: "non-string field values",
			body: `{"id": 2, "fields_values": [{"id": 1, "field_id": 7, "value": 42}, {"field_id": 8, "value": true}, {"field_id": 9, "value": null}]}`,
			check: func(t *testing.T, o Order) {
				for fieldID, want := range map[int64]string{7: "42", 8: "true", 9: ""} {
					if got, ok := o.FieldValue(fieldID); !ok || got != want {
						t.Errorf("FieldValue(%d) = %q, %v; want %q", fieldID, got, ok, want)
					}
				}
			},
		},
		{
			name: "wrapped in an order key",
			body: `{"order": {"id": 7, "number": 1001}}`,
			check: func(t *testing.T, o Order) {
				if o.ID != 7 || o.Number != 1001 {
					t.Errorf("order = %+v", o)
				}
			},
		},
		{name: "malformed JSON", body: `{"id": 1,`, wantErr: "insales: parse order"},
		{name: "empty body", body: "  ", wantErr: "empty body"},
		{name: "no id", body: `{"number": 5}`, wantErr: "no order id"},
		{name: "an array", body: `[{"id": 1}]`, wantErr: "insales: parse order"},
		{name: "money that is not a number", body: `{"id": 1, "total_price": "дорого"}`, wantErr: "money"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := ParseOrder([]byte(tt.body))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseOrder: %v", err)
			}
			tt.check(t, o)
		})
	}
}

func TestFindTrackField(t *testing.T) {
	t.Parallel()
	var fields []Field
	if err := json.Unmarshal(readTestdata(t, "fields-list.json"), &fields); err != nil {
		t.Fatal(err)
	}
	ours := Field{ID: 99, Destiny: DestinyOrder, Title: "Трек-номер", OfficeTitle: "Трек-номер", Type: FieldTypeText}
	clientField := Field{ID: 98, Destiny: DestinyClient, OfficeTitle: "Трек-номер"}
	tests := []struct {
		name          string
		fields        []Field
		title, handle string
		wantID        int64
		wantOK        bool
	}{
		{"by handle in the real list", fields, "", "aks_track_number", trackFieldID, true},
		{"by office title in the real list", fields, "Идентификатор отгрузки АКС", "", 80222721, true},
		{"handle wins over title", append([]Field{ours}, fields...), "Трек-номер", "aks_track_number", trackFieldID, true},
		{"title case-insensitive, first order field wins", append([]Field{clientField}, fields...), "трек-номер", "", 23780250, true},
		{"unknown handle falls back to title", fields, "Данные доставки", "parceltrack_track", 23780251, true},
		{"our field found by title when alone", []Field{clientField, ours}, "Трек-номер", "", 99, true},
		{"only order fields count", []Field{clientField}, "Трек-номер", "", 0, false},
		{"nothing to match", fields, "", "", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, ok := FindTrackField(tt.fields, tt.title, tt.handle)
			if ok != tt.wantOK || f.ID != tt.wantID {
				t.Errorf("FindTrackField = %d, %v; want %d, %v", f.ID, ok, tt.wantID, tt.wantOK)
			}
		})
	}
}

func TestSampleSetupObjectsParse(t *testing.T) {
	t.Parallel()
	var statuses []CustomStatus
	if err := json.Unmarshal(readTestdata(t, "custom-statuses-list-real.json"), &statuses); err != nil {
		t.Fatal(err)
	}
	if len(statuses) == 0 || statuses[0].Permalink != "novyy" || statuses[0].SystemStatus != FulfillmentNew || statuses[0].Color == "" {
		t.Errorf("custom statuses = %+v", statuses)
	}
	var sel Field
	if err := json.Unmarshal(readTestdata(t, "field-select.json"), &sel); err != nil {
		t.Fatal(err)
	}
	if sel.Type != "Field::Select" || len(sel.FieldOptions) != 5 || sel.FieldOptions[0].Value != "Без НДС" {
		t.Errorf("select field = %+v", sel)
	}
}

func readFileTestdata(name string) ([]byte, error) {
	return os.ReadFile(filepath.Join("testdata", name))
}
