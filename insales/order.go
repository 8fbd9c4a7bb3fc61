package insales

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Fulfillment (system) statuses of an order. The list comes from client code,
// not from an official table: treat unknown values as opaque.
const (
	FulfillmentNew        = "new"
	FulfillmentAccepted   = "accepted"
	FulfillmentApproved   = "approved"
	FulfillmentDispatched = "dispatched"
	FulfillmentDelivered  = "delivered"
	FulfillmentReturning  = "returning"
	FulfillmentDeclined   = "declined"
	FulfillmentReturned   = "returned"
)

// Order is the order object as GET /admin/orders/{id}.json, the orders/*
// webhooks and the widget's window.order_info carry it. Only the fields the
// app uses are declared; every one of them may be missing or null, which
// leaves the zero value.
type Order struct {
	ID                int64           `json:"id"`
	Number            int64           `json:"number"`
	Key               string          `json:"key"`
	AccountID         int64           `json:"account_id"`
	CreatedAt         time.Time       `json:"created_at"`
	UpdatedAt         time.Time       `json:"updated_at"`
	FulfillmentStatus string          `json:"fulfillment_status"`
	FinancialStatus   string          `json:"financial_status"`
	CustomStatus      CustomStatus    `json:"custom_status"`
	Customer          Customer        `json:"client"` // "client" on the wire; Client is the API client here
	ShippingAddress   ShippingAddress `json:"shipping_address"`
	OrderLines        []OrderLine     `json:"order_lines"`
	DeliveryTitle     string          `json:"delivery_title"`
	DeliveryPrice     Money           `json:"delivery_price"`
	DeliveryInfo      DeliveryInfo    `json:"delivery_info"`
	FieldsValues      []FieldValue    `json:"fields_values"`
	ItemsPrice        Money           `json:"items_price"`
	TotalPrice        Money           `json:"total_price"`
	CurrencyCode      string          `json:"currency_code"`
	Archived          bool            `json:"archived"`
}

// Customer is the order's "client" object: the buyer who placed the order.
type Customer struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	Surname    string `json:"surname"`
	Middlename string `json:"middlename"`
	Email      string `json:"email"`
	Phone      string `json:"phone"` // as the buyer typed it: "+79…", "+7(9xx)xxx-xx-xx", "89…"
}

// ShippingAddress is where the parcel goes and who receives it.
type ShippingAddress struct {
	FullName            string          `json:"full_name"`
	Name                string          `json:"name"`
	Surname             string          `json:"surname"`
	Middlename          string          `json:"middlename"`
	Phone               string          `json:"phone"`
	Zip                 string          `json:"zip"`
	Country             string          `json:"country"`
	State               string          `json:"state"`
	City                string          `json:"city"`
	Address             string          `json:"address"`
	FullLocalityName    string          `json:"full_locality_name"`
	FullDeliveryAddress string          `json:"full_delivery_address"`
	Location            AddressLocation `json:"location"`
	KladrJSON           AddressLocation `json:"kladr_json"`
}

// AddressLocation is the geocoded part of an address. Shops using the KLADR
// address form leave shipping_address.zip null and put the postcode here.
type AddressLocation struct {
	Zip       string `json:"zip"`
	KladrZip  string `json:"kladr_zip"`
	RegionZip string `json:"region_zip"`
}

// OrderLine is one product line of an order.
type OrderLine struct {
	ID        int64    `json:"id"`
	Title     string   `json:"title"`
	Quantity  Quantity `json:"quantity"`
	SKU       string   `json:"sku"`
	SalePrice Money    `json:"sale_price"`
}

// DeliveryInfo is the chosen delivery variant; the carrier handle tells a
// Russian Post delivery from a courier service.
type DeliveryInfo struct {
	DeliveryVariantID     int64  `json:"delivery_variant_id"`
	TariffID              string `json:"tariff_id"`
	ShippingCompany       string `json:"shipping_company"`
	ShippingCompanyHandle string `json:"shipping_company_handle"`
	Price                 Money  `json:"price"`
}

// FieldValue is one custom (additional) field value on an order. ID is the
// value row (send it back to update the row in place), FieldID the field.
type FieldValue struct {
	ID      int64  `json:"id"`
	FieldID int64  `json:"field_id"`
	Name    string `json:"name"`
	Handle  string `json:"handle"`
	Value   string `json:"value"`
	Type    string `json:"type"` // a Russian label such as "Текст"
}

// UnmarshalJSON accepts a value that is a string, a number, a boolean or null:
// checkbox and number fields must not make a whole webhook unreadable.
func (f *FieldValue) UnmarshalJSON(b []byte) error {
	type plain FieldValue
	var aux struct {
		plain
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	*f = FieldValue(aux.plain)
	f.Value = scalarString(aux.Value)
	return nil
}

// scalarString renders a JSON scalar as text; objects and arrays keep their
// JSON form so nothing is silently lost.
func scalarString(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err == nil {
			return s
		}
	}
	return string(raw)
}

// ParseOrder decodes an order object from a webhook body (or any body holding
// one bare order). A body wrapped as {"order":{...}} is accepted too. An order
// without an id is an error: nothing can be done with it.
func ParseOrder(body []byte) (Order, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return Order{}, errors.New("insales: parse order: empty body")
	}
	var o Order
	if err := json.Unmarshal(body, &o); err != nil {
		return Order{}, fmt.Errorf("insales: parse order: %w", err)
	}
	if o.ID == 0 {
		var wrapped struct {
			Order *Order `json:"order"`
		}
		if err := json.Unmarshal(body, &wrapped); err == nil && wrapped.Order != nil {
			o = *wrapped.Order
		}
	}
	if o.ID == 0 {
		return Order{}, errors.New("insales: parse order: no order id")
	}
	return o, nil
}

// FieldValue returns the value of the custom field fieldID on the order.
func (o Order) FieldValue(fieldID int64) (string, bool) {
	fv, ok := o.FieldValueEntry(fieldID)
	return fv.Value, ok
}

// FieldValueEntry returns the whole value row of the custom field fieldID,
// whose ID is needed to update the row rather than add a second one.
func (o Order) FieldValueEntry(fieldID int64) (FieldValue, bool) {
	if fieldID == 0 {
		return FieldValue{}, false
	}
	for _, fv := range o.FieldsValues {
		if fv.FieldID == fieldID {
			return fv, true
		}
	}
	return FieldValue{}, false
}

// BuyerName returns the buyer's full name in the Russian document order
// (surname, name, middle name) from the client record, or the shipping
// recipient's full name when the client record has none.
func (o Order) BuyerName() string {
	if n := joinNonEmpty(o.Customer.Surname, o.Customer.Name, o.Customer.Middlename); n != "" {
		return n
	}
	if n := strings.TrimSpace(o.ShippingAddress.FullName); n != "" {
		return n
	}
	return joinNonEmpty(o.ShippingAddress.Surname, o.ShippingAddress.Name, o.ShippingAddress.Middlename)
}

// BuyerGreeting returns the name to greet the buyer with in a message: the
// first name and, when known, the patronymic, as Russians address each
// other politely ("Анна Викторовна").
func (o Order) BuyerGreeting() string {
	if strings.TrimSpace(o.Customer.Name) != "" {
		return joinNonEmpty(o.Customer.Name, o.Customer.Middlename)
	}
	return joinNonEmpty(o.ShippingAddress.Name, o.ShippingAddress.Middlename)
}

// BuyerPhone returns the buyer's phone as typed (client phone, else the
// shipping phone). Normalising it to E.164 is the caller's job.
func (o Order) BuyerPhone() string {
	if p := strings.TrimSpace(o.Customer.Phone); p != "" {
		return p
	}
	return strings.TrimSpace(o.ShippingAddress.Phone)
}

// BuyerEmail returns the buyer's e-mail address, if any.
func (o Order) BuyerEmail() string {
	return strings.TrimSpace(o.Customer.Email)
}

// ProductNames returns the titles of the order lines, in order, skipping
// empty ones.
func (o Order) ProductNames() []string {
	names := make([]string, 0, len(o.OrderLines))
	for _, l := range o.OrderLines {
		if t := strings.TrimSpace(l.Title); t != "" {
			names = append(names, t)
		}
	}
	return names
}

// DestinationZip returns the destination postcode: shipping_address.zip, or
// the geocoded postcode InSales keeps when the address form has no zip field
// (every sample order has zip null and the postcode only in location).
func (o Order) DestinationZip() string {
	a := o.ShippingAddress
	for _, z := range []string{a.Zip, a.Location.Zip, a.Location.KladrZip, a.KladrJSON.Zip} {
		if z = strings.TrimSpace(z); z != "" {
			return z
		}
	}
	return ""
}

// String identifies the order in logs without personal data.
func (o Order) String() string {
	return "order " + strconv.FormatInt(o.ID, 10) + " #" + strconv.FormatInt(o.Number, 10)
}

func joinNonEmpty(parts ...string) string {
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, " ")
}
