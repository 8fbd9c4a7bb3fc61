package insalessandbox

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

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

func (in fieldInput) apply(f *Field) {
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
	if len(bad) == 0 {
		return nil
	}
	return bad
}

func (s *Server) apiListFields(w http.ResponseWriter, r *http.Request, _ string) {
	writeList(s, w, r, s.store.ListFields, fieldWire)
}

func (s *Server) apiGetField(w http.ResponseWriter, r *http.Request, arg string) {
	if f, ok := findByID(s, w, r, arg, s.store.ListFields, func(f Field) int64 { return f.ID }); ok {
		writeJSON(w, http.StatusOK, fieldWire(f))
	}
}

func (s *Server) apiCreateField(w http.ResponseWriter, r *http.Request, _ string) {
	var in fieldInput
	if err := decodeWrapped(r, "field", &in); err != nil {
		writeBadBody(w, "field")
		return
	}
	ctx := r.Context()
	s.mu.Lock()
	defer s.mu.Unlock()
	fields, err := s.store.ListFields(ctx)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	now := s.now()
	f := Field{Type: "Field::TextField", Active: true, CreatedAt: now, UpdatedAt: now}
	in.apply(&f)
	if f.OfficeTitle == "" {
		f.OfficeTitle = f.Title
	}
	if bad := validateField(f, fields); bad != nil {
		writeValidation(w, bad)
		return
	}
	for _, o := range fields {
		if o.Destiny == f.Destiny {
			f.Position = max(f.Position, o.Position)
		}
	}
	f.Position++
	if !insertNew(s, w, r, SeqFields, idBaseFields, &f, func(f *Field, id int64) { f.ID = id }, s.store.PutField) {
		return
	}
	if !s.cfg.NoDemoTracks && looksLikeTrackField(f) {
		if err := s.fillDemoTracks(ctx, f); err != nil {
			s.internalError(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusCreated, fieldWire(f))
}

func (s *Server) apiUpdateField(w http.ResponseWriter, r *http.Request, arg string) {
	var in fieldInput
	if err := decodeWrapped(r, "field", &in); err != nil {
		writeBadBody(w, "field")
		return
	}
	ctx := r.Context()
	s.mu.Lock()
	defer s.mu.Unlock()
	fields, err := s.store.ListFields(ctx)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	id, _ := parseID(arg)
	i := slices.IndexFunc(fields, func(f Field) bool { return f.ID == id })
	if i < 0 {
		s.notFoundHTML(w)
		return
	}
	f := fields[i]
	in.apply(&f)
	if bad := validateField(f, fields); bad != nil {
		writeValidation(w, bad)
		return
	}
	f.UpdatedAt = s.now()
	if err := s.store.PutField(ctx, f); err != nil {
		s.internalError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, fieldWire(f))
}

func (s *Server) apiDeleteField(w http.ResponseWriter, r *http.Request, arg string) {
	ctx := r.Context()
	s.mu.Lock()
	defer s.mu.Unlock()
	fields, err := s.store.ListFields(ctx)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	id, _ := parseID(arg)
	i := slices.IndexFunc(fields, func(f Field) bool { return f.ID == id })
	if i < 0 {
		s.notFoundHTML(w)
		return
	}
	if fields[i].SystemName != "" {
		writeValidation(w, validation{"base": {"Системное поле нельзя удалить"}})
		return
	}
	if err := s.store.DeleteField(ctx, id); err != nil {
		s.internalError(w, r, err)
		return
	}
	writeOK(w)
}

// --- webhooks ---

type webhookInput struct {
	Address    string `json:"address"`
	Topic      string `json:"topic"`
	FormatType string `json:"format_type"`
}

func validWebhookAddress(a string) bool {
	u, err := url.Parse(a)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func (s *Server) apiListWebhooks(w http.ResponseWriter, r *http.Request, _ string) {
	writeList(s, w, r, s.store.ListWebhooks, webhookWire)
}

func (s *Server) apiGetWebhook(w http.ResponseWriter, r *http.Request, arg string) {
	if h, ok := findByID(s, w, r, arg, s.store.ListWebhooks, func(h Webhook) int64 { return h.ID }); ok {
		writeJSON(w, http.StatusOK, webhookWire(h))
	}
}

func (s *Server) apiCreateWebhook(w http.ResponseWriter, r *http.Request, _ string) {
	var in webhookInput
	if err := decodeWrapped(r, "webhook", &in); err != nil {
		writeBadBody(w, "webhook")
		return
	}
	in.Address, in.Topic = strings.TrimSpace(in.Address), strings.TrimSpace(in.Topic)
	if in.FormatType == "" {
		in.FormatType = insales.FormatJSON
	}
	ctx := r.Context()
	s.mu.Lock()
	defer s.mu.Unlock()
	hooks, err := s.store.ListWebhooks(ctx)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	bad := validation{}
	switch {
	case in.Address == "":
		bad.add("address", msgBlank)
	case !validWebhookAddress(in.Address):
		bad.add("address", msgBadURL)
	}
	switch {
	case in.Topic == "":
		bad.add("topic", msgBlank)
	case !slices.Contains(webhookTopics, in.Topic):
		bad.add("topic", msgInvalid)
	}
	if in.FormatType != "json" && in.FormatType != "xml" {
		bad.add("format_type", msgInvalid)
	}
	if slices.ContainsFunc(hooks, func(h Webhook) bool { return h.Address == in.Address && h.Topic == in.Topic }) {
		bad.add("address", msgTaken)
	}
	if len(bad) > 0 {
		writeValidation(w, bad)
		return
	}
	now := s.now()
	h := Webhook{Address: in.Address, Topic: in.Topic, FormatType: in.FormatType, CreatedAt: now, UpdatedAt: now}
	if !insertNew(s, w, r, SeqWebhooks, idBaseWebhooks, &h, func(h *Webhook, id int64) { h.ID = id }, s.store.PutWebhook) {
		return
	}
	writeJSON(w, http.StatusCreated, webhookWire(h))
}

func (s *Server) apiDeleteWebhook(w http.ResponseWriter, r *http.Request, arg string) {
	id, _ := parseID(arg)
	s.deleteByID(w, r, func() error { return s.store.DeleteWebhook(r.Context(), id) })
}

// deleteByID runs del and answers {"status":"ok"} or the 404 page.
func (s *Server) deleteByID(w http.ResponseWriter, r *http.Request, del func() error) {
	s.mu.Lock()
	err := del()
	s.mu.Unlock()
	switch {
	case errors.Is(err, ErrNotFound):
		s.notFoundHTML(w)
	case err != nil:
		s.internalError(w, r, err)
	default:
		writeOK(w)
	}
}

// --- application widgets ---

type widgetInput struct {
	Code     *string  `json:"code"`
	Height   *flexInt `json:"height"`
	PageType *string  `json:"page_type"`
}

const defaultWidgetHeight = 300

func (in widgetInput) apply(wd *Widget) validation {
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
	if len(bad) == 0 {
		return nil
	}
	return bad
}

func (s *Server) apiListWidgets(w http.ResponseWriter, r *http.Request, _ string) {
	writeList(s, w, r, s.store.ListWidgets, widgetWire)
}

func (s *Server) findWidget(w http.ResponseWriter, r *http.Request, arg string) (Widget, bool) {
	return findByID(s, w, r, arg, s.store.ListWidgets, func(wd Widget) int64 { return wd.ID })
}

func (s *Server) apiGetWidget(w http.ResponseWriter, r *http.Request, arg string) {
	if wd, ok := s.findWidget(w, r, arg); ok {
		writeJSON(w, http.StatusOK, widgetWire(wd))
	}
}

func (s *Server) apiCreateWidget(w http.ResponseWriter, r *http.Request, _ string) {
	var in widgetInput
	if err := decodeWrapped(r, "application_widget", &in); err != nil {
		writeBadBody(w, "application_widget")
		return
	}
	now := s.now()
	wd := Widget{Height: defaultWidgetHeight, PageType: insales.PageTypeOrder, CreatedAt: now, UpdatedAt: now}
	if bad := in.apply(&wd); bad != nil {
		writeValidation(w, bad)
		return
	}
	if !insertNew(s, w, r, SeqWidgets, idBaseWidgets, &wd, func(wd *Widget, id int64) { wd.ID = id }, s.store.PutWidget) {
		return
	}
	writeJSON(w, http.StatusCreated, widgetWire(wd))
}

func (s *Server) apiUpdateWidget(w http.ResponseWriter, r *http.Request, arg string) {
	var in widgetInput
	if err := decodeWrapped(r, "application_widget", &in); err != nil {
		writeBadBody(w, "application_widget")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	wd, ok := s.findWidget(w, r, arg)
	if !ok {
		return
	}
	if bad := in.apply(&wd); bad != nil {
		writeValidation(w, bad)
		return
	}
	wd.UpdatedAt = s.now()
	if err := s.store.PutWidget(r.Context(), wd); err != nil {
		s.internalError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, widgetWire(wd))
}

func (s *Server) apiDeleteWidget(w http.ResponseWriter, r *http.Request, arg string) {
	id, _ := parseID(arg)
	s.deleteByID(w, r, func() error { return s.store.DeleteWidget(r.Context(), id) })
}

// --- custom statuses ---

type statusInput struct {
	SystemStatus *string `json:"system_status"`
	Title        *string `json:"title"`
	Color        *string `json:"color"`
}

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
	if len(bad) == 0 {
		return nil
	}
	return bad
}

func (s *Server) apiListStatuses(w http.ResponseWriter, r *http.Request, _ string) {
	writeList(s, w, r, s.store.ListStatuses, statusWire)
}

func (s *Server) findStatus(w http.ResponseWriter, r *http.Request, permalink string) (CustomStatus, []CustomStatus, bool) {
	sts, err := s.store.ListStatuses(r.Context())
	if err != nil {
		s.internalError(w, r, err)
		return CustomStatus{}, nil, false
	}
	i := slices.IndexFunc(sts, func(st CustomStatus) bool { return st.Permalink == permalink })
	if i < 0 {
		s.notFoundHTML(w)
		return CustomStatus{}, nil, false
	}
	return sts[i], sts, true
}

func (s *Server) apiGetStatus(w http.ResponseWriter, r *http.Request, arg string) {
	if st, _, ok := s.findStatus(w, r, arg); ok {
		writeJSON(w, http.StatusOK, statusWire(st))
	}
}

func (s *Server) apiCreateStatus(w http.ResponseWriter, r *http.Request, _ string) {
	var in statusInput
	if err := decodeWrapped(r, "custom_status", &in); err != nil {
		writeBadBody(w, "custom_status")
		return
	}
	ctx := r.Context()
	s.mu.Lock()
	defer s.mu.Unlock()
	sts, err := s.store.ListStatuses(ctx)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	now := s.now()
	st := CustomStatus{CreatedAt: now, UpdatedAt: now}
	if bad := in.apply(&st, sts); bad != nil {
		writeValidation(w, bad)
		return
	}
	st.Permalink = uniquePermalink(st.Title, sts)
	for _, o := range sts {
		st.Position = max(st.Position, o.Position)
	}
	st.Position++
	if !insertNew(s, w, r, SeqStatuses, idBaseStatuses, &st, func(st *CustomStatus, id int64) { st.ID = id }, s.store.PutStatus) {
		return
	}
	writeJSON(w, http.StatusCreated, statusWire(st))
}

func (s *Server) apiUpdateStatus(w http.ResponseWriter, r *http.Request, arg string) {
	var in statusInput
	if err := decodeWrapped(r, "custom_status", &in); err != nil {
		writeBadBody(w, "custom_status")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, sts, ok := s.findStatus(w, r, arg)
	if !ok {
		return
	}
	if bad := in.apply(&st, sts); bad != nil {
		writeValidation(w, bad)
		return
	}
	st.UpdatedAt = s.now()
	if err := s.store.PutStatus(r.Context(), st); err != nil {
		s.internalError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, statusWire(st))
}

func (s *Server) apiDeleteStatus(w http.ResponseWriter, r *http.Request, arg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, _, ok := s.findStatus(w, r, arg)
	if !ok {
		return
	}
	if st.IsDefault {
		writeValidation(w, validation{"base": {"Нельзя удалить статус по умолчанию"}})
		return
	}
	if err := s.store.DeleteStatus(r.Context(), st.ID); err != nil {
		s.internalError(w, r, err)
		return
	}
	writeOK(w)
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

// writeList answers a list resource as InSales does: a bare JSON array of the
// wire form of every record.
func writeList[T, J any](s *Server, w http.ResponseWriter, r *http.Request, list func(context.Context) ([]T, error), wire func(T) J) {
	items, err := list(r.Context())
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	out := make([]J, 0, len(items))
	for _, it := range items {
		out = append(out, wire(it))
	}
	writeJSON(w, http.StatusOK, out)
}

// findByID finds the record whose id is arg, answering the 500 or the HTML
// 404 InSales gives when it cannot; ok tells whether the caller goes on.
func findByID[T any](s *Server, w http.ResponseWriter, r *http.Request, arg string, list func(context.Context) ([]T, error), idOf func(T) int64) (T, bool) {
	var zero T
	items, err := list(r.Context())
	if err != nil {
		s.internalError(w, r, err)
		return zero, false
	}
	id, _ := parseID(arg)
	i := slices.IndexFunc(items, func(it T) bool { return idOf(it) == id })
	if i < 0 {
		s.notFoundHTML(w)
		return zero, false
	}
	return items[i], true
}

// insertNew gives a new record the next id of its kind and stores it. False
// means it failed and the 500 has been sent.
func insertNew[T any](s *Server, w http.ResponseWriter, r *http.Request, seq string, base int64, rec *T, setID func(*T, int64), put func(context.Context, T) error) bool {
	n, err := s.store.NextID(r.Context(), seq)
	if err != nil {
		s.internalError(w, r, err)
		return false
	}
	setID(rec, base+n)
	if err := put(r.Context(), *rec); err != nil {
		s.internalError(w, r, err)
		return false
	}
	return true
}
