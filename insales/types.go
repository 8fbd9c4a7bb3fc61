package insales

import (
	"strings"
	"time"
)

// Field destinies: what a custom field is attached to.
const (
	DestinyAddress        = 1
	DestinyClient         = 2
	DestinyOrder          = 3
	DestinyLegalClient    = 5
	DestinyRecipient      = 6
	FieldTypeText         = "Field::TextField"
	DefaultTrackFieldName = "Трек-номер"
)

// Webhook topics and formats the app uses.
const (
	TopicOrdersCreate  = "orders/create"
	TopicOrdersUpdate  = "orders/update"
	TopicOrdersDestroy = "orders/destroy"
	FormatJSON         = "json"
)

// PageTypeOrder places an application widget on the order card.
const PageTypeOrder = "order"

// Field is a shop's additional field (GET /admin/fields.json). System fields
// have a SystemName and no Handle.
type Field struct {
	ID               int64         `json:"id"`
	Destiny          int           `json:"destiny"`
	Position         int           `json:"position"`
	Title            string        `json:"title"`
	OfficeTitle      string        `json:"office_title"`
	Handle           string        `json:"handle"`
	SystemName       string        `json:"system_name"`
	Type             string        `json:"type"`
	Active           bool          `json:"active"`
	ForBuyer         bool          `json:"for_buyer"`
	Obligatory       bool          `json:"obligatory"`
	ShowInCheckout   bool          `json:"show_in_checkout"`
	ShowInResult     bool          `json:"show_in_result"`
	HideInBackoffice bool          `json:"hide_in_backoffice"`
	FieldOptions     []FieldOption `json:"field_options,omitempty"`
	CreatedAt        time.Time     `json:"created_at"`
	UpdatedAt        time.Time     `json:"updated_at"`
}

// FieldOption is one choice of a select field.
type FieldOption struct {
	ID       int64  `json:"id"`
	Position int    `json:"position"`
	Value    string `json:"value"`
}

// FieldInput is the body of a field create or update; empty members are left
// out so an update changes only what is set.
type FieldInput struct {
	Title            string `json:"title,omitempty"`
	OfficeTitle      string `json:"office_title,omitempty"`
	Type             string `json:"type,omitempty"`
	Destiny          int    `json:"destiny,omitempty"`
	Handle           string `json:"handle,omitempty"`
	Active           *bool  `json:"active,omitempty"`
	ForBuyer         *bool  `json:"for_buyer,omitempty"`
	Obligatory       *bool  `json:"obligatory,omitempty"`
	ShowInCheckout   *bool  `json:"show_in_checkout,omitempty"`
	ShowInResult     *bool  `json:"show_in_result,omitempty"`
	HideInBackoffice *bool  `json:"hide_in_backoffice,omitempty"`
}

// TrackFieldInput is the create body for the track-number order field: a
// text field on the order, titled the same for the buyer and the back office.
func TrackFieldInput(title string) FieldInput {
	if title == "" {
		title = DefaultTrackFieldName
	}
	return FieldInput{Title: title, OfficeTitle: title, Type: FieldTypeText, Destiny: DestinyOrder}
}

// FindTrackField looks for an existing order field that is our track field, so
// a reinstall reuses it instead of creating a second one. A handle match wins;
// otherwise the office title or title is compared case-insensitively.
func FindTrackField(fields []Field, title, handle string) (Field, bool) {
	handle = strings.TrimSpace(handle)
	title = strings.TrimSpace(title)
	if handle != "" {
		for _, f := range fields {
			if f.Destiny == DestinyOrder && strings.EqualFold(strings.TrimSpace(f.Handle), handle) {
				return f, true
			}
		}
	}
	if title != "" {
		for _, f := range fields {
			if f.Destiny != DestinyOrder {
				continue
			}
			if strings.EqualFold(strings.TrimSpace(f.OfficeTitle), title) || strings.EqualFold(strings.TrimSpace(f.Title), title) {
				return f, true
			}
		}
	}
	return Field{}, false
}

// Webhook is a webhook subscription of the app in a shop.
type Webhook struct {
	ID         int64     `json:"id"`
	Address    string    `json:"address"`
	Topic      string    `json:"topic"`
	FormatType string    `json:"format_type"`
	CreatedAt  time.Time `json:"created_at"`
}

// WebhookInput is the body of a webhook create.
type WebhookInput struct {
	Address    string `json:"address"`
	Topic      string `json:"topic"`
	FormatType string `json:"format_type"` // FormatJSON
}

// ApplicationWidget is an app's HTML block shown on an admin page.
type ApplicationWidget struct {
	ID        int64     `json:"id"`
	Code      string    `json:"code"`
	Height    int       `json:"height"`
	PageType  string    `json:"page_type"`
	CreatedAt time.Time `json:"created_at"`
}

// ApplicationWidgetInput is the body of a widget create or update.
type ApplicationWidgetInput struct {
	Code     string `json:"code"`
	Height   int    `json:"height,omitempty"`
	PageType string `json:"page_type,omitempty"` // PageTypeOrder
}

// CustomStatus is a shop's own order status layered over a system
// (fulfillment) status. Inside an order only Permalink and Title are
// guaranteed.
type CustomStatus struct {
	ID           int64     `json:"id,omitempty"`
	Permalink    string    `json:"permalink"`
	Title        string    `json:"title"`
	SystemStatus string    `json:"system_status,omitempty"`
	Color        string    `json:"color,omitempty"`
	Position     int       `json:"position,omitempty"`
	IsDefault    bool      `json:"is_default,omitempty"`
	CreatedAt    time.Time `json:"created_at,omitzero"`
	UpdatedAt    time.Time `json:"updated_at,omitzero"`
}

// CustomStatusInput is the body of a custom status create or update. Always
// use the permalink InSales returns; it is generated from the title.
type CustomStatusInput struct {
	SystemStatus string `json:"system_status,omitempty"`
	Title        string `json:"title,omitempty"`
	Color        string `json:"color,omitempty"`
}

// Account is the shop's account (GET /admin/account.json); ID is the
// insales_id the install request carries.
type Account struct {
	ID        int64     `json:"id"`
	Title     string    `json:"title"`
	Subdomain string    `json:"subdomain"`
	Email     string    `json:"email"`
	Phone     string    `json:"phone"`
	Country   string    `json:"country"`
	TimeZone  string    `json:"time_zone"`
	CreatedAt time.Time `json:"created_at"`
}
