package insalessandbox

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"parceltrack/tracking"
)

// The JSON the API answers, shaped like the real samples: timestamps as
// "2026-04-08T11:23:18.000+03:00", money as numbers ("7600.0"), absent
// strings as null, ids as integers.

const timeLayout = "2006-01-02T15:04:05.000-07:00"

// jsonTime writes a timestamp in InSales' style; zero is null.
type jsonTime time.Time

func (t jsonTime) MarshalJSON() ([]byte, error) {
	tt := time.Time(t)
	if tt.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + tt.In(tracking.Moscow).Format(timeLayout) + `"`), nil
}

// jsonMoney writes kopecks as a number of roubles: 7600.0, 6647.55.
type jsonMoney int64

func (m jsonMoney) MarshalJSON() ([]byte, error) {
	return []byte(formatMoney(int64(m))), nil
}

func formatMoney(k int64) string {
	sign := ""
	if k < 0 {
		sign, k = "-", -k
	}
	if k%100 == 0 {
		return fmt.Sprintf("%s%d.0", sign, k/100)
	}
	if k%10 == 0 {
		return fmt.Sprintf("%s%d.%d", sign, k/100, (k%100)/10)
	}
	return fmt.Sprintf("%s%d.%02d", sign, k/100, k%100)
}

// nullString writes "" as null.
type nullString string

func (s nullString) MarshalJSON() ([]byte, error) {
	if s == "" {
		return []byte("null"), nil
	}
	return json.Marshal(string(s))
}

type orderJSON struct {
	FieldsValues        []fieldValueJSON `json:"fields_values"`
	OrderLines          []orderLineJSON  `json:"order_lines"`
	ShippingAddress     addressJSON      `json:"shipping_address"`
	Client              clientJSON       `json:"client"`
	Discount            *struct{}        `json:"discount"`
	TotalPrice          jsonMoney        `json:"total_price"`
	ItemsPrice          jsonMoney        `json:"items_price"`
	ID                  int64            `json:"id"`
	Key                 string           `json:"key"`
	Number              int64            `json:"number"`
	Comment             nullString       `json:"comment"`
	Archived            bool             `json:"archived"`
	DeliveryTitle       string           `json:"delivery_title"`
	DeliveryDescription string           `json:"delivery_description"`
	DeliveryPrice       jsonMoney        `json:"delivery_price"`
	FullDeliveryPrice   jsonMoney        `json:"full_delivery_price"`
	PaymentTitle        string           `json:"payment_title"`
	FulfillmentStatus   string           `json:"fulfillment_status"`
	CustomStatus        *statusRefJSON   `json:"custom_status"`
	DeliveredAt         jsonTime         `json:"delivered_at"`
	AcceptedAt          jsonTime         `json:"accepted_at"`
	CreatedAt           jsonTime         `json:"created_at"`
	UpdatedAt           jsonTime         `json:"updated_at"`
	FinancialStatus     string           `json:"financial_status"`
	PaidAt              jsonTime         `json:"paid_at"`
	DeliveryVariantID   int64            `json:"delivery_variant_id"`
	CurrencyCode        string           `json:"currency_code"`
	AccountID           int64            `json:"account_id"`
	ManagerComment      nullString       `json:"manager_comment"`
	Locale              string           `json:"locale"`
	DeliveryInfo        deliveryInfoJSON `json:"delivery_info"`
}

type statusRefJSON struct {
	Permalink string `json:"permalink"`
	Title     string `json:"title"`
}

type fieldValueJSON struct {
	ID        int64      `json:"id"`
	Value     string     `json:"value"`
	CreatedAt jsonTime   `json:"created_at"`
	UpdatedAt jsonTime   `json:"updated_at"`
	FieldID   int64      `json:"field_id"`
	Type      string     `json:"type"`
	Name      string     `json:"name"`
	Handle    nullString `json:"handle"`
}

type orderLineJSON struct {
	ID               int64      `json:"id"`
	OrderID          int64      `json:"order_id"`
	SalePrice        jsonMoney  `json:"sale_price"`
	FullSalePrice    jsonMoney  `json:"full_sale_price"`
	TotalPrice       jsonMoney  `json:"total_price"`
	FullTotalPrice   jsonMoney  `json:"full_total_price"`
	DiscountsAmount  jsonMoney  `json:"discounts_amount"`
	Quantity         int        `json:"quantity"`
	ReservedQuantity int        `json:"reserved_quantity"`
	VariantID        int64      `json:"variant_id"`
	ProductID        int64      `json:"product_id"`
	SKU              nullString `json:"sku"`
	Barcode          nullString `json:"barcode"`
	Title            string     `json:"title"`
	Unit             string     `json:"unit"`
	Comment          nullString `json:"comment"`
	UpdatedAt        jsonTime   `json:"updated_at"`
	CreatedAt        jsonTime   `json:"created_at"`
	VAT              int        `json:"vat"`
}

type clientJSON struct {
	ID           int64      `json:"id"`
	Email        nullString `json:"email"`
	Name         string     `json:"name"`
	Phone        nullString `json:"phone"`
	CreatedAt    jsonTime   `json:"created_at"`
	UpdatedAt    jsonTime   `json:"updated_at"`
	Type         string     `json:"type"`
	ContactName  string     `json:"contact_name"`
	Surname      nullString `json:"surname"`
	Middlename   nullString `json:"middlename"`
	FieldsValues []struct{} `json:"fields_values"`
}

type locationJSON struct {
	Zip       nullString `json:"zip"`
	KladrZip  nullString `json:"kladr_zip"`
	RegionZip nullString `json:"region_zip"`
	Country   string     `json:"country"`
	State     string     `json:"state"`
	City      string     `json:"city"`
	CityType  string     `json:"city_type"`
	Address   string     `json:"address"`
	IsKladr   bool       `json:"is_kladr"`
}

type addressJSON struct {
	ID                  int64        `json:"id"`
	FieldsValues        []struct{}   `json:"fields_values"`
	Name                string       `json:"name"`
	Surname             nullString   `json:"surname"`
	Middlename          nullString   `json:"middlename"`
	Phone               nullString   `json:"phone"`
	FormattedPhone      nullString   `json:"formatted_phone"`
	FullName            string       `json:"full_name"`
	FullLocalityName    string       `json:"full_locality_name"`
	FullDeliveryAddress string       `json:"full_delivery_address"`
	LocationValid       bool         `json:"location_valid"`
	Address             nullString   `json:"address"`
	Country             nullString   `json:"country"`
	State               string       `json:"state"`
	City                string       `json:"city"`
	Zip                 nullString   `json:"zip"`
	KladrJSON           locationJSON `json:"kladr_json"`
	Location            locationJSON `json:"location"`
}

type deliveryInfoJSON struct {
	DeliveryVariantID     int64      `json:"delivery_variant_id"`
	TariffID              nullString `json:"tariff_id"`
	Title                 string     `json:"title"`
	Price                 jsonMoney  `json:"price"`
	ShippingCompany       nullString `json:"shipping_company"`
	ShippingCompanyHandle nullString `json:"shipping_company_handle"`
}

// orderWire renders o as InSales does; accountID is the shop's insales_id.
func orderWire(o Order, accountID int64) orderJSON {
	out := orderJSON{
		FieldsValues:        make([]fieldValueJSON, 0, len(o.FieldsValues)),
		OrderLines:          make([]orderLineJSON, 0, len(o.Lines)),
		ShippingAddress:     addressWire(o.Shipping),
		Client:              clientWire(o.Client, o.CreatedAt),
		ID:                  o.ID,
		Key:                 o.Key,
		Number:              o.Number,
		Comment:             nullString(o.Comment),
		DeliveryTitle:       o.Delivery.Title,
		DeliveryDescription: o.Delivery.Title,
		DeliveryPrice:       jsonMoney(o.Delivery.Price),
		FullDeliveryPrice:   jsonMoney(o.Delivery.Price),
		PaymentTitle:        o.PaymentTitle,
		FulfillmentStatus:   o.FulfillmentStatus,
		CreatedAt:           jsonTime(o.CreatedAt),
		UpdatedAt:           jsonTime(o.UpdatedAt),
		FinancialStatus:     o.FinancialStatus,
		DeliveryVariantID:   o.Delivery.VariantID,
		CurrencyCode:        "RUR",
		AccountID:           accountID,
		Locale:              "ru",
		DeliveryInfo: deliveryInfoJSON{
			DeliveryVariantID:     o.Delivery.VariantID,
			TariffID:              nullString(o.Delivery.TariffID),
			Title:                 o.Delivery.Title,
			Price:                 jsonMoney(o.Delivery.Price),
			ShippingCompany:       nullString(o.Delivery.Company),
			ShippingCompanyHandle: nullString(o.Delivery.CompanyHandle),
		},
	}
	if o.FinancialStatus == "paid" {
		out.PaidAt = jsonTime(o.CreatedAt.Add(3 * time.Minute))
	}
	if o.CustomStatus != nil {
		out.CustomStatus = &statusRefJSON{Permalink: o.CustomStatus.Permalink, Title: o.CustomStatus.Title}
	}
	for _, v := range o.FieldsValues {
		out.FieldsValues = append(out.FieldsValues, fieldValueJSON{
			ID: v.ID, Value: v.Value, CreatedAt: jsonTime(v.CreatedAt), UpdatedAt: jsonTime(v.UpdatedAt),
			FieldID: v.FieldID, Type: v.Type, Name: v.Name, Handle: nullString(v.Handle),
		})
	}
	for _, l := range o.Lines {
		total := l.SalePrice * int64(l.Quantity)
		out.OrderLines = append(out.OrderLines, orderLineJSON{
			ID: l.ID, OrderID: o.ID,
			SalePrice: jsonMoney(l.SalePrice), FullSalePrice: jsonMoney(l.SalePrice),
			TotalPrice: jsonMoney(total), FullTotalPrice: jsonMoney(total),
			Quantity: l.Quantity, ReservedQuantity: l.Quantity,
			VariantID: l.VariantID, ProductID: l.ProductID, SKU: nullString(l.SKU),
			Title: l.Title, Unit: "pce",
			CreatedAt: jsonTime(o.CreatedAt), UpdatedAt: jsonTime(o.CreatedAt), VAT: -1,
		})
	}
	items := itemsPrice(o)
	out.ItemsPrice = jsonMoney(items)
	out.TotalPrice = jsonMoney(items + o.Delivery.Price)
	return out
}

func itemsPrice(o Order) int64 {
	var sum int64
	for _, l := range o.Lines {
		sum += l.SalePrice * int64(l.Quantity)
	}
	return sum
}

func clientWire(c Client, at time.Time) clientJSON {
	return clientJSON{
		ID: c.ID, Email: nullString(c.Email), Name: c.Name, Phone: nullString(c.Phone),
		CreatedAt: jsonTime(at), UpdatedAt: jsonTime(at), Type: "Client::Individual",
		ContactName: c.Name, Surname: nullString(c.Surname), Middlename: nullString(c.Middlename),
		FieldsValues: []struct{}{},
	}
}

func addressWire(a Address) addressJSON {
	locality := "г " + a.City
	if a.State != "" && a.State != a.City {
		locality += ", " + a.State
	}
	loc := locationJSON{
		KladrZip: nullString(a.KladrZip), RegionZip: nullString(a.RegionZip), Country: "RU",
		State: a.State, City: a.City, CityType: "г", Address: a.Address, IsKladr: true,
	}
	return addressJSON{
		ID:                  a.ID,
		FieldsValues:        []struct{}{},
		Name:                a.Name,
		Surname:             nullString(a.Surname),
		Phone:               nullString(a.Phone),
		FormattedPhone:      nullString(formatPhone(a.Phone)),
		FullName:            strings.TrimSpace(a.Surname + " " + a.Name),
		FullLocalityName:    locality,
		FullDeliveryAddress: fullDeliveryAddress(a),
		LocationValid:       true,
		Address:             nullString(a.Address),
		State:               a.State,
		City:                a.City,
		Zip:                 nullString(a.Zip),
		KladrJSON:           loc,
		Location:            loc,
	}
}

func fullDeliveryAddress(a Address) string {
	zip := a.Zip
	if zip == "" {
		zip = a.KladrZip
	}
	parts := []string{}
	for _, p := range []string{zip, "г " + a.City, a.Address} {
		if strings.TrimSpace(p) != "" && p != "г " {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}

// formatPhone writes a Russian mobile number the way InSales' formatted_phone
// does ("+7(900)000-22-40"); anything else is returned unchanged.
func formatPhone(p string) string {
	var d []byte
	for i := 0; i < len(p); i++ {
		if p[i] >= '0' && p[i] <= '9' {
			d = append(d, p[i])
		}
	}
	if len(d) == 11 && (d[0] == '8' || d[0] == '7') {
		d = d[1:]
	}
	if len(d) != 10 {
		return p
	}
	s := string(d)
	return "+7(" + s[:3] + ")" + s[3:6] + "-" + s[6:8] + "-" + s[8:]
}

type fieldJSON struct {
	ID               int64      `json:"id"`
	Destiny          int        `json:"destiny"`
	Position         int        `json:"position"`
	OfficeTitle      string     `json:"office_title"`
	ForBuyer         bool       `json:"for_buyer"`
	Obligatory       bool       `json:"obligatory"`
	Active           bool       `json:"active"`
	SystemName       nullString `json:"system_name"`
	CreatedAt        jsonTime   `json:"created_at"`
	UpdatedAt        jsonTime   `json:"updated_at"`
	ShowInResult     bool       `json:"show_in_result"`
	ShowInCheckout   bool       `json:"show_in_checkout"`
	IsIndexed        *bool      `json:"is_indexed"`
	HideInBackoffice bool       `json:"hide_in_backoffice"`
	Handle           nullString `json:"handle"`
	Placeholder      *string    `json:"placeholder"`
	Title            nullString `json:"title"`
	Example          *string    `json:"example"`
	Type             string     `json:"type"`
}

func fieldWire(f Field) fieldJSON {
	return fieldJSON{
		ID: f.ID, Destiny: f.Destiny, Position: f.Position, OfficeTitle: f.OfficeTitle,
		ForBuyer: f.ForBuyer, Obligatory: f.Obligatory, Active: f.Active,
		SystemName: nullString(f.SystemName), CreatedAt: jsonTime(f.CreatedAt), UpdatedAt: jsonTime(f.UpdatedAt),
		ShowInResult: f.ShowInResult, ShowInCheckout: f.ShowInCheckout, HideInBackoffice: f.HideInBackoffice,
		Handle: nullString(f.Handle), Title: nullString(f.Title), Type: f.Type,
	}
}

type webhookJSON struct {
	ID         int64    `json:"id"`
	Address    string   `json:"address"`
	Topic      string   `json:"topic"`
	FormatType string   `json:"format_type"`
	CreatedAt  jsonTime `json:"created_at"`
	UpdatedAt  jsonTime `json:"updated_at"`
}

func webhookWire(w Webhook) webhookJSON {
	return webhookJSON{ID: w.ID, Address: w.Address, Topic: w.Topic, FormatType: w.FormatType,
		CreatedAt: jsonTime(w.CreatedAt), UpdatedAt: jsonTime(w.UpdatedAt)}
}

type widgetJSON struct {
	ID        int64    `json:"id"`
	Code      string   `json:"code"`
	Height    int      `json:"height"`
	PageType  string   `json:"page_type"`
	CreatedAt jsonTime `json:"created_at"`
}

func widgetWire(w Widget) widgetJSON {
	return widgetJSON{ID: w.ID, Code: w.Code, Height: w.Height, PageType: w.PageType, CreatedAt: jsonTime(w.CreatedAt)}
}

type statusJSON struct {
	ID           int64    `json:"id"`
	SystemStatus string   `json:"system_status"`
	Permalink    string   `json:"permalink"`
	Position     int      `json:"position"`
	IsDefault    bool     `json:"is_default"`
	CreatedAt    jsonTime `json:"created_at"`
	UpdatedAt    jsonTime `json:"updated_at"`
	Title        string   `json:"title"`
	Color        string   `json:"color"`
}

func statusWire(s CustomStatus) statusJSON {
	return statusJSON{ID: s.ID, SystemStatus: s.SystemStatus, Permalink: s.Permalink, Position: s.Position,
		IsDefault: s.IsDefault, CreatedAt: jsonTime(s.CreatedAt), UpdatedAt: jsonTime(s.UpdatedAt),
		Title: s.Title, Color: s.Color}
}

type accountJSON struct {
	ID        int64    `json:"id"`
	Title     string   `json:"title"`
	Subdomain string   `json:"subdomain"`
	Email     string   `json:"email"`
	Phone     string   `json:"phone"`
	Country   string   `json:"country"`
	TimeZone  string   `json:"time_zone"`
	Currency  string   `json:"currency_code"`
	Locale    string   `json:"locale"`
	CreatedAt jsonTime `json:"created_at"`
}

// fieldTypeLabel is the Russian label InSales puts in fields_values[].type.
func fieldTypeLabel(fieldType string) string {
	switch fieldType {
	case "Field::TextArea", "Field::SystemTextArea":
		return "Текстовая область"
	case "Field::Checkbox", "Field::SystemCheckbox":
		return "Флажок"
	case "Field::Select":
		return "Выпадающий список"
	case "Field::Date":
		return "Дата"
	case "Field::Phone":
		return "Телефон"
	default:
		return "Текст"
	}
}

// jsonValueString turns a field value sent as any JSON scalar into text.
func jsonValueString(raw json.RawMessage) (string, bool) {
	t := strings.TrimSpace(string(raw))
	switch {
	case t == "" || t == "null":
		return "", true
	case strings.HasPrefix(t, `"`):
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", false
		}
		return s, true
	case t == "true" || t == "false":
		return t, true
	default:
		if _, err := strconv.ParseFloat(t, 64); err != nil {
			return "", false
		}
		return t, true
	}
}
