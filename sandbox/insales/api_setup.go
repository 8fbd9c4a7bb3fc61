package insalessandbox

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"parceltrack/insales"
)

// Webhook topics the sandbox fires.
const (
	TopicOrdersCreate = insales.TopicOrdersCreate
	TopicOrdersUpdate = insales.TopicOrdersUpdate
)

// webhookTopics are the topics a webhook may subscribe to.
var webhookTopics = []string{
	"orders/create", "orders/update", "orders/destroy",
	"products/create", "products/update", "products/destroy",
	"clients/create", "clients/update", "clients/destroy",
}

// fieldTypes are the field types a field may be created with.
var fieldTypes = []string{
	"Field::TextField", "Field::TextArea", "Field::Checkbox", "Field::Select", "Field::Date",
	"Field::Phone", "Field::File",
}

// widgetPageTypes are the admin pages a widget may be placed on.
var widgetPageTypes = []string{"order", "orders", "client", "product", "dashboard"}

// statusColors are the 16 colours a custom status may take.
var statusColors = []string{
	"#DC5F59", "#85C5E0", "#86AA60", "#3A9FC9", "#249641", "#686A69", "#929594", "#A69196",
	"#F0AD4E", "#E67E22", "#9B59B6", "#1ABC9C", "#34495E", "#F1C40F", "#E74C8C", "#5B6ABF",
}

// --- fields ---

// fieldsAPI is the shop's additional fields as the API serves them.
func (s *Server) fieldsAPI() collection[Field, fieldJSON] {
	return collection[Field, fieldJSON]{srv: s, key: "field", seq: SeqFields, base: idBaseFields,
		list: s.store.ListFields, put: s.store.PutField, del: s.store.DeleteField, wire: fieldWire,
		id:    func(f *Field) *int64 { return &f.ID },
		times: func(f *Field) (*time.Time, *time.Time) { return &f.CreatedAt, &f.UpdatedAt }}
}

// fieldInput is the body of a field create or update.
type fieldInput struct {
	Title            *string  `json:"title"`
	OfficeTitle      *string  `json:"office_title"`
	Type             *string  `json:"type"`
	Destiny          *flexInt `json:"destiny"`
	Handle           *string  `json:"handle"`
	Active           *bool    `json:"active"`
	ForBuyer         *bool    `json:"for_buyer"`
	Obligatory       *bool    `json:"obligatory"`
	ShowInCheckout   *bool    `json:"show_in_checkout"`
	ShowInResult     *bool    `json:"show_in_result"`
	HideInBackoffice *bool    `json:"hide_in_backoffice"`
}

// apply sets what the input carries on f and validates the result against
// the shop's other fields.
func (in fieldInput) apply(f *Field, fields []Field) validation {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = strings.TrimSpace(*src)
		}
	}
	set(&f.Title, in.Title)
	set(&f.OfficeTitle, in.OfficeTitle)
	set(&f.Type, in.Type)
	set(&f.Handle, in.Handle)
	if in.Destiny != nil {
		f.Destiny = int(*in.Destiny)
	}
	for _, b := range []struct {
		dst *bool
		src *bool
	}{
		{&f.Active, in.Active}, {&f.ForBuyer, in.ForBuyer}, {&f.Obligatory, in.Obligatory},
		{&f.ShowInCheckout, in.ShowInCheckout}, {&f.ShowInResult, in.ShowInResult},
		{&f.HideInBackoffice, in.HideInBackoffice},
	} {
		if b.src != nil {
			*b.dst = *b.src
		}
	}
	return validateField(*f, fields)
}

func validateField(f Field, others []Field) validation {
	bad := validation{}
	if f.OfficeTitle == "" && f.Title == "" {
		bad.add("office_title", msgBlank)
	}
	if !slices.Contains([]int{1, 2, 3, 5, 6}, f.Destiny) {
		bad.add("destiny", msgInvalid)
	}
	if f.SystemName == "" && !slices.Contains(fieldTypes, f.Type) {
		bad.add("type", msgInvalid)
	}
	if f.Handle != "" {
		for _, o := range others {
			if o.ID != f.ID && strings.EqualFold(o.Handle, f.Handle) {
				bad.add("handle", msgTaken)
				break
			}
		}
	}
	return bad
}

// newField makes a text field by default, titled in the office as for the
// buyer unless told otherwise, last among the fields of its destiny.
func newField(in fieldInput, fields []Field) (Field, validation) {
	f := Field{Type: "Field::TextField", Active: true}
	if bad := in.apply(&f, fields); len(bad) > 0 {
		return f, bad
	}
	if f.OfficeTitle == "" {
		f.OfficeTitle = f.Title
	}
	for _, o := range fields {
		if o.Destiny == f.Destiny {
			f.Position = max(f.Position, o.Position)
		}
	}
	f.Position++
	return f, nil
}

// fieldCreated fills the prepared demo track numbers into a new track field
// (see the package comment).
func (s *Server) fieldCreated(ctx context.Context, f Field) error {
	if s.cfg.NoDemoTracks || !looksLikeTrackField(f) {
		return nil
	}
	return s.fillDemoTracks(ctx, f)
}

// keepSystemField refuses to delete the shop's system fields.
func keepSystemField(f Field) string {
	if f.SystemName != "" {
		return "Системное поле нельзя удалить"
	}
	return ""
}

// --- webhooks ---

// webhooksAPI is the app's webhook subscriptions as the API serves them.
func (s *Server) webhooksAPI() collection[Webhook, webhookJSON] {
	return collection[Webhook, webhookJSON]{srv: s, key: "webhook", seq: SeqWebhooks, base: idBaseWebhooks,
		list: s.store.ListWebhooks, put: s.store.PutWebhook, del: s.store.DeleteWebhook, wire: webhookWire,
		id:    func(h *Webhook) *int64 { return &h.ID },
		times: func(h *Webhook) (*time.Time, *time.Time) { return &h.CreatedAt, &h.UpdatedAt }}
}

type webhookInput struct {
	Address    string `json:"address"`
	Topic      string `json:"topic"`
	FormatType string `json:"format_type"`
}

func validWebhookAddress(a string) bool {
	u, err := url.Parse(a)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// newWebhook makes a JSON subscription by default; one address takes each
// topic once.
func newWebhook(in webhookInput, hooks []Webhook) (Webhook, validation) {
	h := Webhook{Address: strings.TrimSpace(in.Address), Topic: strings.TrimSpace(in.Topic), FormatType: in.FormatType}
	if h.FormatType == "" {
		h.FormatType = insales.FormatJSON
	}
	bad := validation{}
	switch {
	case h.Address == "":
		bad.add("address", msgBlank)
	case !validWebhookAddress(h.Address):
		bad.add("address", msgBadURL)
	}
	switch {
	case h.Topic == "":
		bad.add("topic", msgBlank)
	case !slices.Contains(webhookTopics, h.Topic):
		bad.add("topic", msgInvalid)
	}
	if h.FormatType != "json" && h.FormatType != "xml" {
		bad.add("format_type", msgInvalid)
	}
	if slices.ContainsFunc(hooks, func(o Webhook) bool { return o.Address == h.Address && o.Topic == h.Topic }) {
		bad.add("address", msgTaken)
	}
	return h, bad
}

// --- application widgets ---

// widgetsAPI is the app's widgets as the API serves them.
func (s *Server) widgetsAPI() collection[Widget, widgetJSON] {
	return collection[Widget, widgetJSON]{srv: s, key: "application_widget", seq: SeqWidgets, base: idBaseWidgets,
		list: s.store.ListWidgets, put: s.store.PutWidget, del: s.store.DeleteWidget, wire: widgetWire,
		id:    func(wd *Widget) *int64 { return &wd.ID },
		times: func(wd *Widget) (*time.Time, *time.Time) { return &wd.CreatedAt, &wd.UpdatedAt }}
}

type widgetInput struct {
	Code     *string  `json:"code"`
	Height   *flexInt `json:"height"`
	PageType *string  `json:"page_type"`
}

const defaultWidgetHeight = 300

// apply sets what the input carries on wd and validates the result; a
// widget does not depend on the others.
func (in widgetInput) apply(wd *Widget, _ []Widget) validation {
	bad := validation{}
	if in.Code != nil {
		wd.Code = *in.Code
	}
	if strings.TrimSpace(wd.Code) == "" {
		bad.add("code", msgBlank)
	}
	if in.Height != nil && *in.Height > 0 {
		wd.Height = int(*in.Height)
	}
	if in.PageType != nil && *in.PageType != "" {
		wd.PageType = *in.PageType
	}
	if !slices.Contains(widgetPageTypes, wd.PageType) {
		bad.add("page_type", msgInvalid)
	}
	return bad
}

// newWidget makes a widget on the order page by default.
func newWidget(in widgetInput, widgets []Widget) (Widget, validation) {
	wd := Widget{Height: defaultWidgetHeight, PageType: insales.PageTypeOrder}
	bad := in.apply(&wd, widgets)
	return wd, bad
}

// --- custom statuses ---

// statusesAPI is the shop's custom statuses as the API serves them; a
// status is named by its permalink in member paths.
func (s *Server) statusesAPI() collection[CustomStatus, statusJSON] {
	return collection[CustomStatus, statusJSON]{srv: s, key: "custom_status", seq: SeqStatuses, base: idBaseStatuses,
		list: s.store.ListStatuses, put: s.store.PutStatus, del: s.store.DeleteStatus, wire: statusWire,
		id:        func(st *CustomStatus) *int64 { return &st.ID },
		times:     func(st *CustomStatus) (*time.Time, *time.Time) { return &st.CreatedAt, &st.UpdatedAt },
		permalink: func(st CustomStatus) string { return st.Permalink }}
}

type statusInput struct {
	SystemStatus *string `json:"system_status"`
	Title        *string `json:"title"`
	Color        *string `json:"color"`
}

// apply sets what the input carries on st, the colour of the system
// status' default when none is given, and validates the result.
func (in statusInput) apply(st *CustomStatus, statuses []CustomStatus) validation {
	if in.Title != nil {
		st.Title = strings.TrimSpace(*in.Title)
	}
	if in.SystemStatus != nil {
		st.SystemStatus = strings.TrimSpace(*in.SystemStatus)
	}
	if in.Color != nil && *in.Color != "" {
		st.Color = strings.ToUpper(strings.TrimSpace(*in.Color))
	}
	if st.Color == "" {
		if d, ok := defaultStatus(statuses, st.SystemStatus); ok {
			st.Color = d.Color
		} else {
			st.Color = statusColors[0]
		}
	}
	bad := validation{}
	if st.Title == "" {
		bad.add("title", msgBlank)
	}
	switch {
	case st.SystemStatus == "":
		bad.add("system_status", msgBlank)
	case !validFulfillment(st.SystemStatus):
		bad.add("system_status", msgInvalid)
	}
	if !slices.ContainsFunc(statusColors, func(c string) bool { return strings.EqualFold(c, st.Color) }) {
		bad.add("color", msgInvalid)
	}
	return bad
}

// newStatus makes a status with a permalink of its own, last in order.
func newStatus(in statusInput, statuses []CustomStatus) (CustomStatus, validation) {
	var st CustomStatus
	if bad := in.apply(&st, statuses); len(bad) > 0 {
		return st, bad
	}
	st.Permalink = uniquePermalink(st.Title, statuses)
	for _, o := range statuses {
		st.Position = max(st.Position, o.Position)
	}
	st.Position++
	return st, nil
}

// keepDefaultStatus refuses to delete a system status' default.
func keepDefaultStatus(st CustomStatus) string {
	if st.IsDefault {
		return "Нельзя удалить статус по умолчанию"
	}
	return ""
}

// uniquePermalink makes a permalink from title (transliterated, as InSales
// does: "В пути" → "v-puti"), suffixed "-2", "-3"... when taken.
func uniquePermalink(title string, taken []CustomStatus) string {
	base := permalink(title)
	if base == "" {
		base = "status"
	}
	p := base
	for n := 2; slices.ContainsFunc(taken, func(st CustomStatus) bool { return st.Permalink == p }); n++ {
		p = base + "-" + strconv.Itoa(n)
	}
	return p
}

var translit = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "yo", 'ж': "zh", 'з': "z",
	'и': "i", 'й': "y", 'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p", 'р': "r",
	'с': "s", 'т': "t", 'у': "u", 'ф': "f", 'х': "kh", 'ц': "ts", 'ч': "ch", 'ш': "sh",
	'щ': "shch", 'ъ': "", 'ы': "y", 'ь': "", 'э': "e", 'ю': "yu", 'я': "ya",
}

func permalink(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(title) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case translit[r] != "":
			b.WriteString(translit[r])
			dash = false
		case r == 'ъ' || r == 'ь':
		default:
			if !dash && b.Len() > 0 {
				b.WriteByte('-')
				dash = true
			}
		}
	}
	return strings.TrimRight(b.String(), "-")
}
