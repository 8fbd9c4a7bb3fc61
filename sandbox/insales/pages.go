package insalessandbox

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	rpsandbox "parceltrack/sandbox/russianpost"
	"parceltrack/tracking"
)

//go:embed views/*.html
var views embed.FS

// pageNames are the pages rendered inside the layout.
var pageNames = []string{"home", "orders", "order", "app", "error"}

var pageFuncs = template.FuncMap{
	"rub":         formatRub,
	"date":        func(t time.Time) string { return t.In(tracking.Moscow).Format("02.01.2006 15:04") },
	"fulfillment": fulfillmentTitle,
	"financial": func(v string) string {
		if v == "paid" {
			return "Оплачен"
		}
		return "Не оплачен"
	},
}

// parsePages builds every page at start-up, so a broken template fails New
// rather than a request.
func parsePages() (map[string]*template.Template, error) {
	out := make(map[string]*template.Template, len(pageNames)+1)
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(pageFuncs).ParseFS(views, "views/layout.html", "views/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("insalessandbox: parse page %s: %w", name, err)
		}
		out[name] = t
	}
	t, err := template.New("widget").Funcs(pageFuncs).ParseFS(views, "views/widget.html")
	if err != nil {
		return nil, fmt.Errorf("insalessandbox: parse widget document: %w", err)
	}
	out["widget"] = t
	return out, nil
}

func (s *Server) pageRoutes() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("GET /{$}", s.pageHome)
	m.HandleFunc("POST /install", s.sameSite(s.pageInstall))
	m.HandleFunc("POST /uninstall", s.sameSite(s.pageUninstall))
	m.HandleFunc("GET /app", s.pageApp)
	m.HandleFunc("GET /orders", s.pageOrders)
	m.HandleFunc("POST /orders", s.sameSite(s.pageCreateOrder))
	m.HandleFunc("GET /orders/{id}", s.pageOrder)
	m.HandleFunc("POST /orders/{id}", s.sameSite(s.pageSaveOrder))
	m.HandleFunc("GET /orders/{id}/widgets/{wid}", s.pageWidget)
	return m
}

// layout is what every page's layout needs.
type layout struct {
	Title     string
	Nav       string
	Prefix    string
	ShopTitle string
	Domain    string
	Installed bool
}

func (s *Server) layout(title, nav string) layout {
	return layout{Title: title, Nav: nav, Prefix: s.cfg.Prefix, ShopTitle: s.cfg.ShopTitle,
		Domain: s.cfg.ShopDomain, Installed: s.State().Installed}
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	var buf bytes.Buffer
	tmpl := "layout"
	if name == "widget" {
		tmpl = "widget"
	}
	if err := s.pages[name].ExecuteTemplate(&buf, tmpl, data); err != nil {
		s.log.ErrorContext(r.Context(), "insales sandbox page failed", slog.String("page", name), slog.Any("error", err))
		http.Error(w, "Ошибка отображения страницы", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

type errorData struct {
	layout
	Heading, Text string
}

func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, status int, heading, text string) {
	s.render(w, r, status, "error", errorData{layout: s.layout(heading, ""), Heading: heading, Text: text})
}

func (s *Server) notFoundPage(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusNotFound, "Страница не найдена", "Запрошенная страница не существует.")
}

func (s *Server) failPage(w http.ResponseWriter, r *http.Request, err error) {
	s.log.ErrorContext(r.Context(), "insales sandbox page failed", slog.String("path", r.URL.Path), slog.Any("error", err))
	s.errorPage(w, r, http.StatusInternalServerError, "Ошибка", "Не удалось выполнить действие; подробности в журнале.")
}

// pageFailed answers a page whose step failed with err: the 404 page when
// what was asked for does not exist, else the error page. It tells whether
// err was an error.
func (s *Server) pageFailed(w http.ResponseWriter, r *http.Request, err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, ErrNotFound):
		s.notFoundPage(w, r)
	default:
		s.failPage(w, r, err)
	}
	return true
}

// sameSite refuses form posts another site's page made: the sandbox has no
// sessions, but a browser still says where a post came from.
func (s *Server) sameSite(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
			s.errorPage(w, r, http.StatusForbidden, "Запрос отклонён", "Форма отправлена с другого сайта.")
			return
		}
		h(w, r)
	}
}

// read returns what get returns and keeps its error in *err; once *err is
// set it returns T's zero value without calling get. A page runs its store
// reads in turn and checks the first error once.
func read[T any](ctx context.Context, err *error, get func(context.Context) (T, error)) T {
	var v T
	if *err == nil {
		v, *err = get(ctx)
	}
	return v
}

// --- home ---

type homeData struct {
	layout
	State       ShopState
	AppID       string
	InsalesID   int64
	APIBase     string
	LoginLink   string
	CanInstall  bool
	Webhooks    []Webhook
	Widgets     []Widget
	OrderFields []Field
	Statuses    int
	Orders      []orderRow
	OrderCount  int
}

func (s *Server) pageHome(w http.ResponseWriter, r *http.Request) {
	d := homeData{layout: s.layout("Главная", "home"), State: s.State(), AppID: s.cfg.App.ID, InsalesID: s.cfg.InsalesID,
		APIBase: s.APIBase(), LoginLink: s.loginLink(), CanInstall: s.cfg.App.InstallURL != ""}
	ctx := r.Context()
	var err error
	d.Webhooks = read(ctx, &err, s.store.ListWebhooks)
	d.Widgets = read(ctx, &err, s.store.ListWidgets)
	d.OrderFields = orderFields(read(ctx, &err, s.store.ListFields))
	d.Statuses = len(read(ctx, &err, s.store.ListStatuses))
	d.OrderCount = read(ctx, &err, s.store.CountOrders)
	orders := read(ctx, &err, func(ctx context.Context) ([]Order, error) {
		return s.store.ListOrders(ctx, OrderQuery{Offset: max(d.OrderCount-5, 0)})
	})
	if err != nil {
		s.failPage(w, r, err)
		return
	}
	d.Orders = orderRows(orders, d.OrderFields)
	s.render(w, r, http.StatusOK, "home", d)
}

func (s *Server) pageInstall(w http.ResponseWriter, r *http.Request) {
	// The outcome is shown on the home page as the notice.
	_ = s.Install(r.Context())
	http.Redirect(w, r, s.cfg.Prefix+"/", http.StatusSeeOther)
}

func (s *Server) pageUninstall(w http.ResponseWriter, r *http.Request) {
	// The outcome is shown on the home page as the notice.
	if err := s.Uninstall(r.Context()); err != nil {
		s.log.InfoContext(r.Context(), "insales sandbox uninstall", slog.Any("error", err))
	}
	http.Redirect(w, r, s.cfg.Prefix+"/", http.StatusSeeOther)
}

type appData struct {
	layout
	LoginLink string
}

func (s *Server) pageApp(w http.ResponseWriter, r *http.Request) {
	if !s.State().Installed || s.loginLink() == "" {
		s.errorPage(w, r, http.StatusConflict, "Приложение не установлено",
			"Установите приложение на главной странице песочницы, затем откройте его.")
		return
	}
	s.render(w, r, http.StatusOK, "app", appData{layout: s.layout("Приложение", "app"), LoginLink: s.loginLink()})
}

// --- orders ---

// orderRow is an order in a list.
type orderRow struct {
	ID          int64
	Number      int64
	CreatedAt   time.Time
	Buyer       string
	Phone       string
	City        string
	Total       int64
	Status      string
	Fulfillment string
	Track       string
}

func orderRows(orders []Order, fields []Field) []orderRow {
	var trackField int64
	if len(fields) > 0 {
		trackField = fields[0].ID
	}
	rows := make([]orderRow, 0, len(orders))
	for i := len(orders) - 1; i >= 0; i-- {
		o := orders[i]
		row := orderRow{ID: o.ID, Number: o.Number, CreatedAt: o.CreatedAt,
			Buyer: strings.TrimSpace(o.Client.Surname + " " + o.Client.Name), Phone: o.Client.Phone,
			City: o.Shipping.City, Total: itemsPrice(o) + o.Delivery.Price, Fulfillment: o.FulfillmentStatus}
		if o.CustomStatus != nil {
			row.Status = o.CustomStatus.Title
		}
		for _, v := range o.FieldsValues {
			if v.FieldID == trackField {
				row.Track = v.Value
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// orderFields are the shop's own order fields (not system ones): the app's
// track field among them. Their values are edited on the order page.
func orderFields(fields []Field) []Field {
	var out []Field
	for _, f := range fields {
		if f.Destiny == 3 && f.SystemName == "" {
			out = append(out, f)
		}
	}
	return out
}

// newOrderForm is the "Новый заказ" form, echoed back on errors.
type newOrderForm struct {
	Surname, Name, Phone, Email, Address string
	City, Product1, Product2, Delivery   int
	Qty1, Qty2, Payment                  int
	Fields                               map[int64]string
}

type ordersData struct {
	layout
	Orders      []orderRow
	OrderFields []Field
	TrackTitle  string
	Form        newOrderForm
	Errors      []string
	Cities      []city
	Catalog     []product
	Deliveries  []Delivery
	Payments    []string
	DemoTracks  []demoTrackOption
}

// demoTrackOption suggests a Russian Post sandbox number for a scenario.
type demoTrackOption struct{ Track, Title string }

func demoTrackOptions() []demoTrackOption {
	var out []demoTrackOption
	for _, sc := range rpsandbox.Scenarios() {
		if t := rpsandbox.Barcode(sc, 500); t != "" {
			out = append(out, demoTrackOption{Track: t, Title: sc.Title})
		}
	}
	return out
}

func (s *Server) ordersPage(w http.ResponseWriter, r *http.Request, status int, form newOrderForm, errs []string) {
	ctx := r.Context()
	var err error
	orders := read(ctx, &err, func(ctx context.Context) ([]Order, error) { return s.store.ListOrders(ctx, OrderQuery{}) })
	of := orderFields(read(ctx, &err, s.store.ListFields))
	if err != nil {
		s.failPage(w, r, err)
		return
	}
	d := ordersData{layout: s.layout("Заказы", "orders"), Orders: orderRows(orders, of), OrderFields: of,
		Form: form, Errors: errs, Cities: cities, Catalog: catalog, Deliveries: deliveries, Payments: payments,
		DemoTracks: demoTrackOptions()}
	if len(of) > 0 {
		d.TrackTitle = fieldName(of[0])
	}
	s.render(w, r, status, "orders", d)
}

func (s *Server) pageOrders(w http.ResponseWriter, r *http.Request) {
	s.ordersPage(w, r, http.StatusOK, newOrderForm{Qty1: 1, Product2: -1, Qty2: 1}, nil)
}

func formInt(r *http.Request, key string, def int) int {
	n, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue(key)))
	if err != nil {
		return def
	}
	return n
}

func (s *Server) pageCreateOrder(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "Неверная форма", "Форму не удалось прочитать.")
		return
	}
	ctx := r.Context()
	f := newOrderForm{
		Surname: strings.TrimSpace(r.PostFormValue("surname")), Name: strings.TrimSpace(r.PostFormValue("name")),
		Phone: strings.TrimSpace(r.PostFormValue("phone")), Email: strings.TrimSpace(r.PostFormValue("email")),
		Address: strings.TrimSpace(r.PostFormValue("address")),
		City:    formInt(r, "city", 0), Product1: formInt(r, "product1", -1), Qty1: formInt(r, "qty1", 1),
		Product2: formInt(r, "product2", -1), Qty2: formInt(r, "qty2", 1),
		Delivery: formInt(r, "delivery", 0), Payment: formInt(r, "payment", 0),
		Fields: map[int64]string{},
	}
	fields, err := s.store.ListFields(ctx)
	if err != nil {
		s.failPage(w, r, err)
		return
	}
	for _, fl := range orderFields(fields) {
		if v := strings.TrimSpace(r.PostFormValue("field_" + strconv.FormatInt(fl.ID, 10))); v != "" {
			f.Fields[fl.ID] = v
		}
	}
	var errs []string
	if f.Name == "" && f.Surname == "" {
		errs = append(errs, "Укажите имя или фамилию покупателя.")
	}
	if f.Product1 < 0 || f.Product1 >= len(catalog) {
		errs = append(errs, "Выберите товар.")
	}
	if f.Qty1 < 1 || f.Qty1 > 99 || (f.Product2 >= 0 && (f.Qty2 < 1 || f.Qty2 > 99)) {
		errs = append(errs, "Количество — от 1 до 99.")
	}
	if f.City < 0 || f.City >= len(cities) || f.Delivery < 0 || f.Delivery >= len(deliveries) ||
		f.Payment < 0 || f.Payment >= len(payments) || f.Product2 >= len(catalog) {
		errs = append(errs, "Неверное значение в форме.")
	}
	if len(errs) > 0 {
		s.ordersPage(w, r, http.StatusUnprocessableEntity, f, errs)
		return
	}
	o, err := s.createOrder(ctx, f, orderFields(fields))
	if err != nil {
		s.failPage(w, r, err)
		return
	}
	s.fire(ctx, TopicOrdersCreate, o)
	http.Redirect(w, r, s.cfg.Prefix+"/orders/"+strconv.FormatInt(o.ID, 10)+"?created=1", http.StatusSeeOther)
}

func (s *Server) createOrder(ctx context.Context, f newOrderForm, fields []Field) (Order, error) {
	n, err := s.store.NextID(ctx, SeqOrders)
	if err != nil {
		return Order{}, fmt.Errorf("insalessandbox: create order: %w", err)
	}
	now := s.now()
	c := cities[f.City]
	id := idBaseOrders + n
	o := Order{
		ID: id, Number: numberBaseOrders + n, Key: orderKey(id), CreatedAt: now, UpdatedAt: now,
		FulfillmentStatus: "new", FinancialStatus: "pending",
		Client: Client{ID: idBaseClients + n, Name: f.Name, Surname: f.Surname, Email: f.Email, Phone: f.Phone},
		Shipping: Address{ID: seedAddressID + 100 + n, Name: f.Name, Surname: f.Surname, Phone: f.Phone,
			KladrZip: c.Zip, RegionZip: c.RegionZip, State: c.State, City: c.Name, Address: f.Address},
		Delivery: deliveries[f.Delivery], PaymentTitle: payments[f.Payment], FieldsValues: []FieldValue{},
	}
	if f.Payment == 0 {
		o.FinancialStatus = "paid"
	}
	for j, pq := range []struct{ p, q int }{{f.Product1, f.Qty1}, {f.Product2, f.Qty2}} {
		if pq.p < 0 {
			continue
		}
		p := catalog[pq.p]
		o.Lines = append(o.Lines, Line{ID: idBaseLines + n*10 + int64(j), ProductID: p.ID, VariantID: p.VariantID,
			Title: p.Title, SKU: p.SKU, Quantity: pq.q, SalePrice: p.Price})
	}
	for _, fl := range fields {
		v, ok := f.Fields[fl.ID]
		if !ok {
			continue
		}
		vid, err := s.store.NextID(ctx, SeqFieldValues)
		if err != nil {
			return Order{}, fmt.Errorf("insalessandbox: create order: %w", err)
		}
		o.FieldsValues = append(o.FieldsValues, FieldValue{ID: idBaseFieldValues + vid, FieldID: fl.ID,
			Name: fieldName(fl), Handle: fl.Handle, Type: fieldTypeLabel(fl.Type), Value: v, CreatedAt: now, UpdatedAt: now})
	}
	sts, err := s.store.ListStatuses(ctx)
	if err != nil {
		return Order{}, fmt.Errorf("insalessandbox: create order: %w", err)
	}
	if st, ok := defaultStatus(sts, "new"); ok {
		o.CustomStatus = &StatusRef{Permalink: st.Permalink, Title: st.Title}
	}
	if err := s.store.InsertOrder(ctx, o); err != nil {
		return Order{}, fmt.Errorf("insalessandbox: create order: %w", err)
	}
	return o, nil
}

// --- the order page ---

type fieldInputRow struct {
	ID    int64
	Title string
	Value string
}

type statusOption struct {
	Value, Title string
	Selected     bool
}

type orderData struct {
	layout
	Order       Order
	Items       int64
	Total       int64
	Buyer       string
	Fields      []fieldInputRow
	StatusName  string // the select's name: custom_status or fulfillment_status
	Statuses    []statusOption
	Widgets     []Widget
	JSON        string
	Notice      string
	Errors      []string
	DemoTracks  []demoTrackOption
	ZipShown    string
	DeliveryFee int64
}

func (s *Server) loadOrderPage(ctx context.Context, id int64) (orderData, error) {
	var err error
	o := read(ctx, &err, func(ctx context.Context) (Order, error) { return s.store.GetOrder(ctx, id) })
	fields := read(ctx, &err, s.store.ListFields)
	sts := read(ctx, &err, s.store.ListStatuses)
	ws := read(ctx, &err, s.store.ListWidgets)
	if err != nil {
		return orderData{}, err
	}
	js, err := json.MarshalIndent(orderWire(o, s.cfg.InsalesID), "", "  ")
	if err != nil {
		return orderData{}, err
	}
	d := orderData{layout: s.layout(fmt.Sprintf("Заказ №%d", o.Number), "orders"), Order: o,
		Items: itemsPrice(o), Total: itemsPrice(o) + o.Delivery.Price, DeliveryFee: o.Delivery.Price,
		Buyer: strings.TrimSpace(strings.Join([]string{o.Client.Surname, o.Client.Name, o.Client.Middlename}, " ")),
		JSON:  string(js), DemoTracks: demoTrackOptions(), ZipShown: o.Shipping.Zip}
	if d.ZipShown == "" {
		d.ZipShown = o.Shipping.KladrZip
	}
	for _, f := range orderFields(fields) {
		row := fieldInputRow{ID: f.ID, Title: fieldName(f)}
		for _, v := range o.FieldsValues {
			if v.FieldID == f.ID {
				row.Value = v.Value
			}
		}
		d.Fields = append(d.Fields, row)
	}
	if len(sts) > 0 {
		d.StatusName = "custom_status"
		for _, st := range sts {
			sel := o.CustomStatus != nil && o.CustomStatus.Permalink == st.Permalink
			title := st.Title
			if sys := fulfillmentTitle(st.SystemStatus); !strings.EqualFold(sys, title) {
				title += " (" + sys + ")"
			}
			d.Statuses = append(d.Statuses, statusOption{Value: st.Permalink, Title: title, Selected: sel})
		}
	} else {
		d.StatusName = "fulfillment_status"
		for _, fs := range fulfillmentStatuses {
			d.Statuses = append(d.Statuses, statusOption{Value: fs.Value, Title: fs.Title, Selected: fs.Value == o.FulfillmentStatus})
		}
	}
	for _, wd := range ws {
		if wd.PageType == "order" {
			d.Widgets = append(d.Widgets, wd)
		}
	}
	return d, nil
}

func (s *Server) pageOrder(w http.ResponseWriter, r *http.Request) {
	id, ok := parseID(r.PathValue("id"))
	if !ok {
		s.notFoundPage(w, r)
		return
	}
	d, err := s.loadOrderPage(r.Context(), id)
	if s.pageFailed(w, r, err) {
		return
	}
	switch {
	case r.URL.Query().Get("saved") != "":
		d.Notice = "Заказ сохранён."
	case r.URL.Query().Get("created") != "":
		d.Notice = "Заказ создан."
	}
	s.render(w, r, http.StatusOK, "order", d)
}

func (s *Server) pageSaveOrder(w http.ResponseWriter, r *http.Request) {
	id, ok := parseID(r.PathValue("id"))
	if !ok {
		s.notFoundPage(w, r)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "Неверная форма", "Форму не удалось прочитать.")
		return
	}
	ctx := r.Context()
	fields, err := s.store.ListFields(ctx)
	if err != nil {
		s.failPage(w, r, err)
		return
	}
	var ch orderChange
	if v := strings.TrimSpace(r.PostFormValue("custom_status")); v != "" {
		ch.customStatus = &v
	}
	if v := strings.TrimSpace(r.PostFormValue("fulfillment_status")); v != "" {
		ch.fulfillment = &v
	}
	for _, f := range orderFields(fields) {
		key := "field_" + strconv.FormatInt(f.ID, 10)
		if _, ok := r.PostForm[key]; ok {
			ch.values = append(ch.values, valueChange{fieldID: f.ID, value: strings.TrimSpace(r.PostFormValue(key))})
		}
	}
	_, bad, err := s.changeOrder(ctx, id, ch)
	if s.pageFailed(w, r, err) {
		return
	}
	if bad != nil {
		d, err := s.loadOrderPage(ctx, id)
		if err != nil {
			s.failPage(w, r, err)
			return
		}
		for attr, msgs := range bad {
			d.Errors = append(d.Errors, attr+": "+strings.Join(msgs, ", "))
		}
		slices.Sort(d.Errors)
		s.render(w, r, http.StatusUnprocessableEntity, "order", d)
		return
	}
	http.Redirect(w, r, s.cfg.Prefix+"/orders/"+strconv.FormatInt(id, 10)+"?saved=1", http.StatusSeeOther)
}

// widgetData is the widget iframe's document: like InSales it defines
// window.order_info, window.account_id and window.user_id before the code.
type widgetData struct {
	OrderJSON template.JS
	AccountID template.JS // digits only: html/template would pad a number with spaces
	UserID    template.JS
	Code      template.HTML
}

func (s *Server) pageWidget(w http.ResponseWriter, r *http.Request) {
	id, ok1 := parseID(r.PathValue("id"))
	wid, ok2 := parseID(r.PathValue("wid"))
	if !ok1 || !ok2 {
		s.notFoundPage(w, r)
		return
	}
	ctx := r.Context()
	var err error
	o := read(ctx, &err, func(ctx context.Context) (Order, error) { return s.store.GetOrder(ctx, id) })
	ws := read(ctx, &err, s.store.ListWidgets)
	if s.pageFailed(w, r, err) {
		return
	}
	i := slices.IndexFunc(ws, func(wd Widget) bool { return wd.ID == wid })
	if i < 0 {
		s.notFoundPage(w, r)
		return
	}
	// json.Marshal escapes <, > and &, so the order cannot close the script.
	js, err := json.Marshal(orderWire(o, s.cfg.InsalesID))
	if err != nil {
		s.failPage(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "widget", widgetData{
		OrderJSON: template.JS(js),
		AccountID: template.JS(strconv.FormatInt(s.cfg.InsalesID, 10)),
		UserID:    template.JS(strconv.FormatInt(s.cfg.Admin.ID, 10)),
		// The code is the app's own HTML and script, shown as InSales shows it.
		Code: template.HTML(ws[i].Code),
	})
}

// formatRub writes kopecks as "1 234,50 ₽".
func formatRub(k int64) string {
	sign := ""
	if k < 0 {
		sign, k = "−", -k
	}
	digits := strconv.FormatInt(k/100, 10)
	var b strings.Builder
	for i, c := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteString("\u00a0")
		}
		b.WriteRune(c)
	}
	return fmt.Sprintf("%s%s,%02d\u00a0₽", sign, b.String(), k%100)
}

func fulfillmentTitle(v string) string {
	for _, fs := range fulfillmentStatuses {
		if fs.Value == v {
			return fs.Title
		}
	}
	return v
}
