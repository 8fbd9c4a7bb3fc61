package insalessandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"parceltrack/tracking"
)

// Order listing defaults: InSales caps per_page at 250.
const (
	defaultPerPage = 25
	maxPerPage     = 250
)

// Fulfillment (system) statuses and their Russian titles.
var fulfillmentStatuses = []struct{ Value, Title string }{
	{"new", "Новый"},
	{"accepted", "В обработке"},
	{"approved", "Согласован"},
	{"dispatched", "Отгружен"},
	{"delivered", "Доставлен"},
	{"returning", "В процессе возврата"},
	{"declined", "Отменён"},
	{"returned", "Возврат"},
}

func validFulfillment(v string) bool {
	return slices.ContainsFunc(fulfillmentStatuses, func(s struct{ Value, Title string }) bool { return s.Value == v })
}

func (s *Server) apiAccount(w http.ResponseWriter, _ *http.Request, _ string) {
	sub, _, _ := strings.Cut(s.cfg.ShopDomain, ".")
	writeJSON(w, http.StatusOK, accountJSON{
		ID: s.cfg.InsalesID, Title: s.cfg.ShopTitle, Subdomain: sub, Email: s.cfg.Admin.Email,
		Phone: "+7(900)000-00-01", Country: "RU", TimeZone: "Moscow", Currency: "RUR", Locale: "ru",
		CreatedAt: jsonTime(time.Date(2022, 8, 11, 13, 10, 4, 0, tracking.Moscow)),
	})
}

func (s *Server) apiListOrders(w http.ResponseWriter, r *http.Request, _ string) {
	q := r.URL.Query()
	page, perPage := 1, defaultPerPage
	if v := q.Get("page"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			page = n
		}
	}
	if v := q.Get("per_page"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			perPage = min(n, maxPerPage)
		}
	}
	oq := OrderQuery{Offset: (page - 1) * perPage, Limit: perPage}
	if v := q.Get("updated_since"); v != "" {
		t, ok := parseUpdatedSince(v)
		if !ok {
			writeJSON(w, http.StatusBadRequest, map[string]string{"message": "Неверный формат updated_since"})
			return
		}
		oq.UpdatedSince = t
		if id, ok := parseID(q.Get("from_id")); ok {
			oq.FromID = id
		}
		// Stored times have millisecond precision: rounding a finer instant
		// up selects the same orders, and no order can sit exactly on it.
		if ms := t.Truncate(time.Millisecond); !ms.Equal(t) {
			oq.UpdatedSince, oq.FromID = ms.Add(time.Millisecond), 0
		}
	}
	orders, err := s.store.ListOrders(r.Context(), oq)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wireAll(orders, func(o Order) orderJSON { return orderWire(o, s.cfg.InsalesID) }))
}

func (s *Server) apiCountOrders(w http.ResponseWriter, r *http.Request, _ string) {
	n, err := s.store.CountOrders(r.Context())
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"count": n})
}

func (s *Server) apiGetOrder(w http.ResponseWriter, r *http.Request, arg string) {
	id, ok := parseID(arg)
	if !ok {
		s.notFoundHTML(w)
		return
	}
	o, err := s.store.GetOrder(r.Context(), id)
	if errors.Is(err, ErrNotFound) {
		s.notFoundHTML(w)
		return
	}
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, orderWire(o, s.cfg.InsalesID))
}

// orderInput is the body of PUT /admin/orders/{id}.json.
type orderInput struct {
	CustomStatusPermalink  *string `json:"custom_status_permalink"`
	FulfillmentStatus      *string `json:"fulfillment_status"`
	FieldsValuesAttributes []struct {
		ID      flexInt         `json:"id"`
		FieldID flexInt         `json:"field_id"`
		Value   json.RawMessage `json:"value"`
	} `json:"fields_values_attributes"`
}

func (s *Server) apiUpdateOrder(w http.ResponseWriter, r *http.Request, arg string) {
	id, ok := parseID(arg)
	if !ok {
		s.notFoundHTML(w)
		return
	}
	in, ok := decodeInput[orderInput](w, r, "order")
	if !ok {
		return
	}
	ch := orderChange{customStatus: in.CustomStatusPermalink, fulfillment: in.FulfillmentStatus}
	for _, a := range in.FieldsValuesAttributes {
		v, ok := jsonValueString(a.Value)
		if !ok {
			writeValidation(w, validation{"fields_values.value": {msgInvalid}})
			return
		}
		ch.values = append(ch.values, valueChange{id: int64(a.ID), fieldID: int64(a.FieldID), value: v})
	}
	o, bad, err := s.changeOrder(r.Context(), id, ch)
	switch {
	case errors.Is(err, ErrNotFound):
		s.notFoundHTML(w)
	case err != nil:
		s.internalError(w, r, err)
	case bad != nil:
		writeValidation(w, bad)
	default:
		writeJSON(w, http.StatusOK, orderWire(o, s.cfg.InsalesID))
	}
}

// orderChange is what a save changes on an order: from the API's PUT or the
// order page's form.
type orderChange struct {
	customStatus *string // permalink
	fulfillment  *string
	values       []valueChange
}

// valueChange sets a field value: the row id, else the field id.
type valueChange struct {
	id      int64
	fieldID int64
	value   string
}

// changeOrder validates and applies ch, moves updated_at forward, saves and
// fires orders/update. A validation failure returns the 422 body and saves
// nothing.
func (s *Server) changeOrder(ctx context.Context, id int64, ch orderChange) (Order, validation, error) {
	o, bad, err := s.applyOrderChange(ctx, id, ch)
	if err != nil || bad != nil {
		return o, bad, err
	}
	s.fire(ctx, TopicOrdersUpdate, o)
	return o, nil, nil
}

func (s *Server) applyOrderChange(ctx context.Context, id int64, ch orderChange) (Order, validation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, err := s.store.GetOrder(ctx, id)
	if err != nil {
		return Order{}, nil, fmt.Errorf("insalessandbox: change order %d: %w", id, err)
	}
	statuses, err := s.store.ListStatuses(ctx)
	if err != nil {
		return Order{}, nil, fmt.Errorf("insalessandbox: change order %d: %w", id, err)
	}
	var fields []Field
	if len(ch.values) > 0 {
		if fields, err = s.store.ListFields(ctx); err != nil {
			return Order{}, nil, fmt.Errorf("insalessandbox: change order %d: %w", id, err)
		}
	}
	now := s.now()
	bad := validation{}
	if ch.fulfillment != nil {
		if !validFulfillment(*ch.fulfillment) {
			bad.add("fulfillment_status", msgInvalid)
		} else {
			o.FulfillmentStatus = *ch.fulfillment
			o.CustomStatus = nil
			if st, ok := defaultStatus(statuses, o.FulfillmentStatus); ok {
				o.CustomStatus = &StatusRef{Permalink: st.Permalink, Title: st.Title}
			}
		}
	}
	if ch.customStatus != nil {
		i := slices.IndexFunc(statuses, func(st CustomStatus) bool { return st.Permalink == *ch.customStatus })
		if i < 0 {
			bad.add("custom_status_permalink", msgNotFound)
		} else {
			o.CustomStatus = &StatusRef{Permalink: statuses[i].Permalink, Title: statuses[i].Title}
			o.FulfillmentStatus = statuses[i].SystemStatus
		}
	}
	for _, vc := range ch.values {
		if err := s.setValue(ctx, &o, fields, vc, now, bad); err != nil {
			return Order{}, nil, err
		}
	}
	if len(bad) > 0 {
		return Order{}, bad, nil
	}
	o.UpdatedAt = nextUpdatedAt(o.UpdatedAt, now)
	if err := s.store.ReplaceOrder(ctx, o); err != nil {
		return Order{}, nil, fmt.Errorf("insalessandbox: save order %d: %w", id, err)
	}
	return o, nil, nil
}

// nextUpdatedAt keeps updated_at strictly increasing per order, so two saves
// within one clock tick stay two distinct (id, updated_at) events.
func nextUpdatedAt(prev, now time.Time) time.Time {
	if !now.After(prev) {
		return prev.Add(time.Millisecond)
	}
	return now
}

// setValue applies one value change: update the row with vc.id, else the
// row of vc.fieldID, else add a row for vc.fieldID.
func (s *Server) setValue(ctx context.Context, o *Order, fields []Field, vc valueChange, now time.Time, bad validation) error {
	if vc.id > 0 {
		i := slices.IndexFunc(o.FieldsValues, func(v FieldValue) bool { return v.ID == vc.id })
		if i < 0 {
			bad.add("fields_values", msgNotFound)
			return nil
		}
		o.FieldsValues[i].Value, o.FieldsValues[i].UpdatedAt = vc.value, now
		return nil
	}
	if vc.fieldID <= 0 {
		bad.add("fields_values.field", msgBlank)
		return nil
	}
	fi := slices.IndexFunc(fields, func(f Field) bool { return f.ID == vc.fieldID })
	if fi < 0 {
		bad.add("fields_values.field", msgNotFound)
		return nil
	}
	if i := slices.IndexFunc(o.FieldsValues, func(v FieldValue) bool { return v.FieldID == vc.fieldID }); i >= 0 {
		o.FieldsValues[i].Value, o.FieldsValues[i].UpdatedAt = vc.value, now
		return nil
	}
	n, err := s.store.NextID(ctx, SeqFieldValues)
	if err != nil {
		return fmt.Errorf("insalessandbox: field value id: %w", err)
	}
	f := fields[fi]
	o.FieldsValues = append(o.FieldsValues, FieldValue{
		ID: idBaseFieldValues + n, FieldID: f.ID, Name: fieldName(f), Handle: f.Handle,
		Type: fieldTypeLabel(f.Type), Value: vc.value, CreatedAt: now, UpdatedAt: now,
	})
	return nil
}

func fieldName(f Field) string {
	if f.Title != "" {
		return f.Title
	}
	return f.OfficeTitle
}

// defaultStatus is the shop's default custom status for a system status.
func defaultStatus(statuses []CustomStatus, system string) (CustomStatus, bool) {
	var first *CustomStatus
	for i, st := range statuses {
		if st.SystemStatus != system {
			continue
		}
		if st.IsDefault {
			return st, true
		}
		if first == nil {
			first = &statuses[i]
		}
	}
	if first != nil {
		return *first, true
	}
	return CustomStatus{}, false
}
