package insalessandbox

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"parceltrack/tracking"
)

const maxBodyBytes = 1 << 20

// notFoundBody is InSales' 404: an HTML page even for .json URLs.
const notFoundBody = `<!DOCTYPE html>
<html>
<head><title>Страница не найдена (404)</title></head>
<body>
<h1>Страница не найдена</h1>
<p>Запрошенная страница не существует.</p>
</body>
</html>
`

// apiHandler serves one matched API route; arg is the id or permalink in
// the path ("" for collections).
type apiHandler func(w http.ResponseWriter, r *http.Request, arg string)

// routeKey names an API route: a method on a collection or on a member.
type routeKey struct {
	method   string
	resource string
	member   bool
}

// apiRoutes is the API route table, built once in New.
func (s *Server) apiRoutes() map[routeKey]apiHandler {
	type key = routeKey
	fields, hooks, widgets, statuses := s.fieldsAPI(), s.webhooksAPI(), s.widgetsAPI(), s.statusesAPI()
	return map[key]apiHandler{
		{http.MethodGet, "account", false}:               s.apiAccount,
		{http.MethodGet, "orders", false}:                s.apiListOrders,
		{http.MethodGet, "orders", true}:                 s.apiGetOrder,
		{http.MethodPut, "orders", true}:                 s.apiUpdateOrder,
		{http.MethodGet, "fields", false}:                fields.serveList,
		{http.MethodPost, "fields", false}:               serveCreate(fields, newField, s.fieldCreated),
		{http.MethodGet, "fields", true}:                 fields.serveGet,
		{http.MethodPut, "fields", true}:                 serveUpdate(fields, fieldInput.apply),
		{http.MethodDelete, "fields", true}:              fields.serveDelete(keepSystemField),
		{http.MethodGet, "webhooks", false}:              hooks.serveList,
		{http.MethodPost, "webhooks", false}:             serveCreate(hooks, newWebhook, nil),
		{http.MethodGet, "webhooks", true}:               hooks.serveGet,
		{http.MethodDelete, "webhooks", true}:            hooks.serveDelete(nil),
		{http.MethodGet, "application_widgets", false}:   widgets.serveList,
		{http.MethodPost, "application_widgets", false}:  serveCreate(widgets, newWidget, nil),
		{http.MethodGet, "application_widgets", true}:    widgets.serveGet,
		{http.MethodPut, "application_widgets", true}:    serveUpdate(widgets, widgetInput.apply),
		{http.MethodDelete, "application_widgets", true}: widgets.serveDelete(nil),
		{http.MethodGet, "custom_statuses", false}:       statuses.serveList,
		{http.MethodPost, "custom_statuses", false}:      serveCreate(statuses, newStatus, nil),
		{http.MethodGet, "custom_statuses", true}:        statuses.serveGet,
		{http.MethodPut, "custom_statuses", true}:        serveUpdate(statuses, statusInput.apply),
		{http.MethodDelete, "custom_statuses", true}:     statuses.serveDelete(keepDefaultStatus),
	}
}

// route finds the handler for method and the admin path without ".json".
func (s *Server) route(method, path string) (apiHandler, string) {
	parts := strings.Split(path, "/")
	type key = routeKey
	routes := s.routes
	switch {
	case len(parts) == 1:
		return routes[key{method, parts[0], false}], ""
	case len(parts) == 2 && parts[0] == "orders" && parts[1] == "count":
		if method == http.MethodGet {
			return s.apiCountOrders, ""
		}
		return nil, ""
	case len(parts) == 2 && parts[1] != "":
		return routes[key{method, parts[0], true}], parts[1]
	}
	return nil, ""
}

// serveAPI answers /admin/{path}: rate limit, routing, Basic auth,
// Content-Type, then the resource handler.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request, path string) {
	used, ok, retry := s.rate.take(s.cfg.Clock(), s.cfg.RateLimit, s.cfg.RateWindow)
	w.Header().Set("API-Usage-Limit", strconv.Itoa(used)+"/"+strconv.Itoa(s.cfg.RateLimit))
	if !ok {
		secs := int(math.Ceil(retry.Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
		w.WriteHeader(http.StatusTooManyRequests)
		return
	}
	trimmed, isJSON := strings.CutSuffix(path, ".json")
	var h apiHandler
	var arg string
	if isJSON {
		h, arg = s.route(r.Method, trimmed)
	}
	if h == nil {
		s.notFoundHTML(w)
		return
	}
	if !s.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="Application"`)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, "HTTP Basic: Access denied.\n")
		return
	}
	if r.Method == http.MethodPost || r.Method == http.MethodPut {
		mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || mt != "application/json" {
			writeJSON(w, http.StatusUnprocessableEntity, map[string]string{
				"message": "incorrect Content-Type, should be application/json"})
			return
		}
	}
	h(w, r, arg)
}

// authorized checks Basic auth: the app id and the current install's password.
func (s *Server) authorized(r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return false
	}
	shop := s.State()
	if !shop.Installed || shop.Password == "" {
		return false
	}
	userOK := subtle.ConstantTimeCompare([]byte(user), []byte(s.cfg.App.ID)) == 1
	passOK := subtle.ConstantTimeCompare([]byte(pass), []byte(shop.Password)) == 1
	return userOK && passOK
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encode: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// validation is a 422 body: attribute → Russian messages.
type validation map[string][]string

func (v validation) add(attr, msg string) { v[attr] = append(v[attr], msg) }

// Messages InSales (Rails) uses for validation errors.
const (
	msgBlank    = "не может быть пустым"
	msgInvalid  = "имеет непредусмотренное значение"
	msgTaken    = "уже существует"
	msgNotFound = "не найдено"
	msgBadURL   = "Недопустимый URL"
)

func writeValidation(w http.ResponseWriter, v validation) {
	writeJSON(w, http.StatusUnprocessableEntity, v)
}

func writeOK(w http.ResponseWriter) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) notFoundHTML(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	_, _ = io.WriteString(w, notFoundBody)
}

func (s *Server) internalError(w http.ResponseWriter, r *http.Request, err error) {
	s.log.ErrorContext(r.Context(), "insales sandbox request failed",
		slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("error", err))
	writeJSON(w, http.StatusInternalServerError, map[string]string{"message": "Внутренняя ошибка сервера"})
}

// errBadBody marks an unreadable request body: a 400.
var errBadBody = errors.New("bad request body")

// decodeWrapped reads {"key": {...}} into out.
func decodeWrapped(r *http.Request, key string, out any) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes))
	if err != nil {
		return errBadBody
	}
	var env map[string]json.RawMessage
	if err := json.Unmarshal(b, &env); err != nil {
		return errBadBody
	}
	inner, ok := env[key]
	if !ok || string(inner) == "null" {
		return errBadBody
	}
	if err := json.Unmarshal(inner, out); err != nil {
		return errBadBody
	}
	return nil
}

func writeBadBody(w http.ResponseWriter, key string) {
	writeJSON(w, http.StatusBadRequest, map[string]string{
		"message": "Не удалось разобрать запрос: ожидается JSON вида {\"" + key + "\": {...}}"})
}

func parseID(s string) (int64, bool) {
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}

// flexInt accepts an id sent as a number or a numeric string, as Rails does.
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	t := strings.Trim(strings.TrimSpace(string(b)), `"`)
	if t == "" || t == "null" {
		*f = 0
		return nil
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil {
		return err
	}
	*f = flexInt(n)
	return nil
}

// updatedSinceLayouts are the forms updated_since is accepted in: the docs'
// "2017-09-04 00:00:00 +03:00" (with or without a fraction), ISO 8601, a
// bare date or time in Moscow time.
var updatedSinceLayouts = []string{
	"2006-01-02 15:04:05.999999999 -07:00",
	"2006-01-02 15:04:05.999999999 -0700",
	"2006-01-02 15:04:05.999999999 Z07:00",
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02",
}

func parseUpdatedSince(v string) (time.Time, bool) {
	v = strings.TrimSpace(v)
	try := func(v string) (time.Time, bool) {
		for _, l := range updatedSinceLayouts {
			if t, err := time.ParseInLocation(l, v, tracking.Moscow); err == nil {
				return t, true
			}
		}
		return time.Time{}, false
	}
	if t, ok := try(v); ok {
		return t, true
	}
	// An unencoded "+03:00" arrives as " 03:00": put the sign back.
	if i := strings.LastIndex(v, " "); i > 0 {
		return try(v[:i] + " +" + v[i+1:])
	}
	return time.Time{}, false
}
