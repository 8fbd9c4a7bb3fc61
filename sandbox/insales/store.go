package insalessandbox

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sort"
	"sync"
	"time"
)

// Sentinel errors a Store returns; implementations wrap them (errors.Is).
var (
	// ErrNotFound means the record asked for does not exist.
	ErrNotFound = errors.New("insalessandbox: not found")
	// ErrConflict means a record with the same id exists already.
	ErrConflict = errors.New("insalessandbox: conflict")
)

// Sequences NextID is asked for.
const (
	SeqOrders      = "orders"
	SeqFieldValues = "field_values"
	SeqFields      = "fields"
	SeqWebhooks    = "webhooks"
	SeqWidgets     = "widgets"
	SeqStatuses    = "statuses"
	SeqClients     = "clients"
	SeqLines       = "lines"
)

// Store keeps the sandbox shop. The sandbox serialises its own writes (one
// process serves it), so a Store only needs single-record atomicity and an
// atomic NextID. Times are stored with millisecond precision.
type Store interface {
	// NextID returns the next number of the named sequence: 1, 2, 3, ...
	NextID(ctx context.Context, seq string) (int64, error)

	// LoadShop returns the saved shop state, or ErrNotFound before the first SaveShop.
	LoadShop(ctx context.Context) (ShopState, error)
	SaveShop(ctx context.Context, s ShopState) error

	// InsertOrder adds an order; ErrConflict when its id exists.
	InsertOrder(ctx context.Context, o Order) error
	// GetOrder reads an order by id; ErrNotFound when absent.
	GetOrder(ctx context.Context, id int64) (Order, error)
	// ReplaceOrder overwrites an existing order; ErrNotFound when absent.
	ReplaceOrder(ctx context.Context, o Order) error
	// ListOrders returns the orders q selects, in q's order (see OrderQuery).
	ListOrders(ctx context.Context, q OrderQuery) ([]Order, error)
	CountOrders(ctx context.Context) (int, error)

	// The small collections: List returns everything ordered by id, Put
	// inserts or replaces by id, Delete removes by id (ErrNotFound when absent).
	ListFields(ctx context.Context) ([]Field, error)
	PutField(ctx context.Context, f Field) error
	DeleteField(ctx context.Context, id int64) error
	ListWebhooks(ctx context.Context) ([]Webhook, error)
	PutWebhook(ctx context.Context, w Webhook) error
	DeleteWebhook(ctx context.Context, id int64) error
	ListWidgets(ctx context.Context) ([]Widget, error)
	PutWidget(ctx context.Context, w Widget) error
	DeleteWidget(ctx context.Context, id int64) error
	ListStatuses(ctx context.Context) ([]CustomStatus, error)
	PutStatus(ctx context.Context, s CustomStatus) error
	DeleteStatus(ctx context.Context, id int64) error
}

// OrderQuery selects a page of orders. With UpdatedSince set the orders are
// those with updated_at >= UpdatedSince, minus (when FromID > 0) those with
// updated_at == UpdatedSince and id <= FromID, sorted by updated_at then id —
// the incremental-sync contract of GET /admin/orders.json. Without it, every
// order sorted by id. Offset and Limit (0 = no limit) cut the page.
type OrderQuery struct {
	UpdatedSince time.Time
	FromID       int64
	Offset       int
	Limit        int
}

// Match reports whether o passes the UpdatedSince/FromID filter.
func (q OrderQuery) Match(o Order) bool {
	if q.UpdatedSince.IsZero() {
		return true
	}
	if o.UpdatedAt.Before(q.UpdatedSince) {
		return false
	}
	if q.FromID > 0 && o.UpdatedAt.Equal(q.UpdatedSince) && o.ID <= q.FromID {
		return false
	}
	return true
}

// ShopState is the app's install state in the sandbox shop, plus bookkeeping.
// The password is kept in clear: it is a sandbox.
type ShopState struct {
	Installed     bool      `bson:"installed"`
	Token         string    `bson:"token"`
	Password      string    `bson:"password"`
	InstalledAt   time.Time `bson:"installed_at"`
	UninstalledAt time.Time `bson:"uninstalled_at"`
	// SeedVersion is the version of the demo data already seeded.
	SeedVersion int `bson:"seed_version"`
	// Notice is the outcome of the last install/uninstall, shown on the home page.
	Notice   string    `bson:"notice"`
	NoticeOK bool      `bson:"notice_ok"`
	NoticeAt time.Time `bson:"notice_at"`
}

// Order is a stored order; the API renders it in InSales' shape.
type Order struct {
	ID                int64        `bson:"id"`
	Number            int64        `bson:"number"`
	Key               string       `bson:"key"`
	CreatedAt         time.Time    `bson:"created_at"`
	UpdatedAt         time.Time    `bson:"updated_at"`
	FulfillmentStatus string       `bson:"fulfillment_status"`
	FinancialStatus   string       `bson:"financial_status"`
	CustomStatus      *StatusRef   `bson:"custom_status,omitempty"`
	Client            Client       `bson:"client"`
	Shipping          Address      `bson:"shipping_address"`
	Lines             []Line       `bson:"order_lines"`
	Delivery          Delivery     `bson:"delivery"`
	PaymentTitle      string       `bson:"payment_title"`
	Comment           string       `bson:"comment,omitempty"`
	FieldsValues      []FieldValue `bson:"fields_values"`
	// DemoTrack is a sandbox-only track number that is filled into the track
	// field when the app creates one (see the package comment).
	DemoTrack string `bson:"demo_track,omitempty"`
}

// StatusRef is the custom status an order carries.
type StatusRef struct {
	Permalink string `bson:"permalink"`
	Title     string `bson:"title"`
}

// Client is the buyer.
type Client struct {
	ID         int64  `bson:"id"`
	Name       string `bson:"name"`
	Surname    string `bson:"surname"`
	Middlename string `bson:"middlename,omitempty"`
	Email      string `bson:"email,omitempty"`
	Phone      string `bson:"phone,omitempty"` // as typed
}

// Address is the shipping address.
type Address struct {
	ID        int64  `bson:"id"`
	Name      string `bson:"name"`
	Surname   string `bson:"surname"`
	Phone     string `bson:"phone,omitempty"`
	Zip       string `bson:"zip,omitempty"` // usually empty: the postcode lives in KladrZip
	KladrZip  string `bson:"kladr_zip"`
	RegionZip string `bson:"region_zip,omitempty"`
	State     string `bson:"state"`
	City      string `bson:"city"`
	Address   string `bson:"address"`
}

// Line is one order line. Prices are in kopecks.
type Line struct {
	ID        int64  `bson:"id"`
	ProductID int64  `bson:"product_id"`
	VariantID int64  `bson:"variant_id"`
	Title     string `bson:"title"`
	SKU       string `bson:"sku"`
	Quantity  int    `bson:"quantity"`
	SalePrice int64  `bson:"sale_price"`
}

// Delivery is the chosen delivery variant. Price is in kopecks.
type Delivery struct {
	VariantID     int64  `bson:"variant_id"`
	Title         string `bson:"title"`
	Price         int64  `bson:"price"`
	Company       string `bson:"company"`
	CompanyHandle string `bson:"company_handle"`
	TariffID      string `bson:"tariff_id"`
}

// FieldValue is a custom field value on an order; name, handle and type are
// copied from the field when the value is written, as InSales shows them.
type FieldValue struct {
	ID        int64     `bson:"id"`
	FieldID   int64     `bson:"field_id"`
	Name      string    `bson:"name"`
	Handle    string    `bson:"handle,omitempty"`
	Type      string    `bson:"type"`
	Value     string    `bson:"value"`
	CreatedAt time.Time `bson:"created_at"`
	UpdatedAt time.Time `bson:"updated_at"`
}

// Field is an additional field of the shop.
type Field struct {
	ID               int64     `bson:"id"`
	Destiny          int       `bson:"destiny"`
	Position         int       `bson:"position"`
	Title            string    `bson:"title,omitempty"`
	OfficeTitle      string    `bson:"office_title"`
	Handle           string    `bson:"handle,omitempty"`
	SystemName       string    `bson:"system_name,omitempty"`
	Type             string    `bson:"type"`
	Active           bool      `bson:"active"`
	ForBuyer         bool      `bson:"for_buyer"`
	Obligatory       bool      `bson:"obligatory"`
	ShowInCheckout   bool      `bson:"show_in_checkout"`
	ShowInResult     bool      `bson:"show_in_result"`
	HideInBackoffice bool      `bson:"hide_in_backoffice"`
	CreatedAt        time.Time `bson:"created_at"`
	UpdatedAt        time.Time `bson:"updated_at"`
}

// Webhook is a webhook subscription of the app.
type Webhook struct {
	ID         int64     `bson:"id"`
	Address    string    `bson:"address"`
	Topic      string    `bson:"topic"`
	FormatType string    `bson:"format_type"`
	CreatedAt  time.Time `bson:"created_at"`
	UpdatedAt  time.Time `bson:"updated_at"`
}

// Widget is an application widget.
type Widget struct {
	ID        int64     `bson:"id"`
	Code      string    `bson:"code"`
	Height    int       `bson:"height"`
	PageType  string    `bson:"page_type"`
	CreatedAt time.Time `bson:"created_at"`
	UpdatedAt time.Time `bson:"updated_at"`
}

// CustomStatus is a shop's own order status.
type CustomStatus struct {
	ID           int64     `bson:"id"`
	Permalink    string    `bson:"permalink"`
	Title        string    `bson:"title"`
	SystemStatus string    `bson:"system_status"`
	Color        string    `bson:"color"`
	Position     int       `bson:"position"`
	IsDefault    bool      `bson:"is_default"`
	CreatedAt    time.Time `bson:"created_at"`
	UpdatedAt    time.Time `bson:"updated_at"`
}

// Clone returns a deep copy, so a stored order never shares slices with one
// being edited.
func (o Order) Clone() Order {
	o.Lines = slices.Clone(o.Lines)
	o.FieldsValues = slices.Clone(o.FieldsValues)
	if o.CustomStatus != nil {
		cs := *o.CustomStatus
		o.CustomStatus = &cs
	}
	return o
}

// Memory is an in-process Store for tests and for running without a
// database. It is safe for concurrent use; the zero value is ready.
type Memory struct {
	mu     sync.Mutex
	seqs   map[string]int64
	shop   *ShopState
	orders map[int64]Order

	fields   table[Field]
	webhooks table[Webhook]
	widgets  table[Widget]
	statuses table[CustomStatus]
}

var _ Store = (*Memory)(nil)

// NextID implements Store.
func (m *Memory) NextID(_ context.Context, seq string) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.seqs == nil {
		m.seqs = make(map[string]int64)
	}
	m.seqs[seq]++
	return m.seqs[seq], nil
}

// LoadShop implements Store.
func (m *Memory) LoadShop(context.Context) (ShopState, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.shop == nil {
		return ShopState{}, ErrNotFound
	}
	return *m.shop, nil
}

// SaveShop implements Store.
func (m *Memory) SaveShop(_ context.Context, s ShopState) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.shop = &s
	return nil
}

// InsertOrder implements Store.
func (m *Memory) InsertOrder(_ context.Context, o Order) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.orders == nil {
		m.orders = make(map[int64]Order)
	}
	if _, ok := m.orders[o.ID]; ok {
		return ErrConflict
	}
	m.orders[o.ID] = o.Clone()
	return nil
}

// GetOrder implements Store.
func (m *Memory) GetOrder(_ context.Context, id int64) (Order, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	o, ok := m.orders[id]
	if !ok {
		return Order{}, ErrNotFound
	}
	return o.Clone(), nil
}

// ReplaceOrder implements Store.
func (m *Memory) ReplaceOrder(_ context.Context, o Order) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.orders[o.ID]; !ok {
		return ErrNotFound
	}
	m.orders[o.ID] = o.Clone()
	return nil
}

// ListOrders implements Store.
func (m *Memory) ListOrders(_ context.Context, q OrderQuery) ([]Order, error) {
	m.mu.Lock()
	var out []Order
	for _, o := range m.orders {
		if q.Match(o) {
			out = append(out, o.Clone())
		}
	}
	m.mu.Unlock()
	sortOrders(out, q)
	if q.Offset > 0 {
		if q.Offset >= len(out) {
			return nil, nil
		}
		out = out[q.Offset:]
	}
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}

// sortOrders sorts orders as q asks: by (updated_at, id) with UpdatedSince,
// else by id.
func sortOrders(orders []Order, q OrderQuery) {
	sort.Slice(orders, func(i, j int) bool {
		a, b := orders[i], orders[j]
		if !q.UpdatedSince.IsZero() && !a.UpdatedAt.Equal(b.UpdatedAt) {
			return a.UpdatedAt.Before(b.UpdatedAt)
		}
		return a.ID < b.ID
	})
}

// CountOrders implements Store.
func (m *Memory) CountOrders(context.Context) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.orders), nil
}

// ListFields implements Store.
func (m *Memory) ListFields(context.Context) ([]Field, error) { return m.fields.list() }

// PutField implements Store.
func (m *Memory) PutField(_ context.Context, f Field) error { return m.fields.put(f.ID, f) }

// DeleteField implements Store.
func (m *Memory) DeleteField(_ context.Context, id int64) error { return m.fields.delete(id) }

// ListWebhooks implements Store.
func (m *Memory) ListWebhooks(context.Context) ([]Webhook, error) { return m.webhooks.list() }

// PutWebhook implements Store.
func (m *Memory) PutWebhook(_ context.Context, w Webhook) error { return m.webhooks.put(w.ID, w) }

// DeleteWebhook implements Store.
func (m *Memory) DeleteWebhook(_ context.Context, id int64) error { return m.webhooks.delete(id) }

// ListWidgets implements Store.
func (m *Memory) ListWidgets(context.Context) ([]Widget, error) { return m.widgets.list() }

// PutWidget implements Store.
func (m *Memory) PutWidget(_ context.Context, w Widget) error { return m.widgets.put(w.ID, w) }

// DeleteWidget implements Store.
func (m *Memory) DeleteWidget(_ context.Context, id int64) error { return m.widgets.delete(id) }

// ListStatuses implements Store.
func (m *Memory) ListStatuses(context.Context) ([]CustomStatus, error) { return m.statuses.list() }

// PutStatus implements Store.
func (m *Memory) PutStatus(_ context.Context, s CustomStatus) error { return m.statuses.put(s.ID, s) }

// DeleteStatus implements Store.
func (m *Memory) DeleteStatus(_ context.Context, id int64) error { return m.statuses.delete(id) }

// table is one of Memory's small collections: records by id. It has its own
// lock, as a Store only promises single-record atomicity; the zero value is
// empty and ready.
type table[T any] struct {
	mu   sync.Mutex
	rows map[int64]T
}

// list returns every record in id order.
func (t *table[T]) list() ([]T, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]T, 0, len(t.rows))
	for _, id := range slices.Sorted(maps.Keys(t.rows)) {
		out = append(out, t.rows[id])
	}
	return out, nil
}

// put inserts or replaces the record with id.
func (t *table[T]) put(id int64, v T) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.rows == nil {
		t.rows = make(map[int64]T)
	}
	t.rows[id] = v
	return nil
}

// delete removes the record with id; ErrNotFound when there is none.
func (t *table[T]) delete(id int64) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.rows[id]; !ok {
		return ErrNotFound
	}
	delete(t.rows, id)
	return nil
}
