package insales

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// UpdatedSinceLayout is how updated_since goes on the wire, as the InSales
// docs show it ("2017-09-04 00:00:00 +03:00"); a fraction of a second is
// added only when the time has one.
const UpdatedSinceLayout = "2006-01-02 15:04:05.999999 -07:00"

// ListOrdersParams filters GET /admin/orders.json. Zero members are omitted.
type ListOrdersParams struct {
	UpdatedSince time.Time // updated_at >= UpdatedSince, sorted by updated_at then id
	FromID       int64     // with UpdatedSince: skip updated_at == UpdatedSince && id <= FromID
	Page         int
	PerPage      int // at most 250
}

func (p ListOrdersParams) query() url.Values {
	q := url.Values{}
	if !p.UpdatedSince.IsZero() {
		q.Set("updated_since", p.UpdatedSince.Format(UpdatedSinceLayout))
		if p.FromID > 0 {
			q.Set("from_id", strconv.FormatInt(p.FromID, 10))
		}
	}
	if p.Page > 0 {
		q.Set("page", strconv.Itoa(p.Page))
	}
	if p.PerPage > 0 {
		q.Set("per_page", strconv.Itoa(min(p.PerPage, DefaultPageSize)))
	}
	return q
}

// GetAccount reads the shop's account; a cheap connectivity and credentials
// check.
func (c *Client) GetAccount(ctx context.Context, shop Shop) (Account, error) {
	var a Account
	if err := c.do(ctx, shop, http.MethodGet, "account", nil, nil, &a); err != nil {
		return Account{}, fmt.Errorf("insales: get account: %w", err)
	}
	return a, nil
}

// GetOrder reads one order.
func (c *Client) GetOrder(ctx context.Context, shop Shop, id int64) (Order, error) {
	var o Order
	if err := c.do(ctx, shop, http.MethodGet, "orders/"+strconv.FormatInt(id, 10), nil, nil, &o); err != nil {
		return Order{}, fmt.Errorf("insales: get order %d: %w", id, err)
	}
	return o, nil
}

// ListOrders reads one page of orders.
func (c *Client) ListOrders(ctx context.Context, shop Shop, p ListOrdersParams) ([]Order, error) {
	var orders []Order
	if err := c.do(ctx, shop, http.MethodGet, "orders", p.query(), nil, &orders); err != nil {
		return nil, fmt.Errorf("insales: list orders: %w", err)
	}
	return orders, nil
}

// CountOrders returns the number of orders in the shop.
func (c *Client) CountOrders(ctx context.Context, shop Shop) (int, error) {
	var out struct {
		Count int `json:"count"`
	}
	if err := c.do(ctx, shop, http.MethodGet, "orders/count", nil, nil, &out); err != nil {
		return 0, fmt.Errorf("insales: count orders: %w", err)
	}
	return out.Count, nil
}

// syncEpoch stands in for a zero "since": without updated_since InSales
// neither sorts by updated_at nor honours from_id, and the walk needs both.
var syncEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// OrderCursor is the resume point of an incremental order sync: save it and
// pass it back next time.
type OrderCursor struct {
	UpdatedSince time.Time
	FromID       int64
}

// after reports whether o comes strictly after the cursor in the server's
// (updated_at, id) order.
func (cur OrderCursor) after(o Order) bool {
	if !o.UpdatedAt.Equal(cur.UpdatedSince) {
		return o.UpdatedAt.After(cur.UpdatedSince)
	}
	return o.ID > cur.FromID
}

var errNoProgress = errors.New("paging did not advance")

// OrdersUpdatedSince walks every order updated at or after since (skipping,
// at exactly since, ids up to fromID) and calls fn for each, oldest change
// first. It follows the documented recipe: always ask for the first page,
// move updated_since/from_id to the last order of each batch, stop at an
// empty batch. A zero since means from the beginning. It returns the cursor after the last order fn accepted, so a
// caller can save progress even when fn or a request fails midway.
func (c *Client) OrdersUpdatedSince(ctx context.Context, shop Shop, since time.Time, fromID int64, fn func(Order) error) (OrderCursor, error) {
	if since.IsZero() {
		since = syncEpoch
	}
	cur := OrderCursor{UpdatedSince: since, FromID: fromID}
	for {
		batch, err := c.ListOrders(ctx, shop, ListOrdersParams{UpdatedSince: cur.UpdatedSince, FromID: cur.FromID, PerPage: c.cfg.PageSize})
		if err != nil {
			return cur, err
		}
		if len(batch) == 0 {
			return cur, nil
		}
		advanced := false
		for _, o := range batch {
			// Guards against a server that ignores from_id: without it a page
			// full of orders sharing one updated_at would repeat forever.
			if !cur.after(o) {
				continue
			}
			if err := fn(o); err != nil {
				return cur, err
			}
			cur = OrderCursor{UpdatedSince: o.UpdatedAt, FromID: o.ID}
			advanced = true
		}
		if !advanced {
			return cur, fmt.Errorf("insales: orders updated since %s: %w", cur.UpdatedSince.Format(time.RFC3339), errNoProgress)
		}
	}
}

// OrderUpdate is the body of PUT /admin/orders/{id}.json; nil and empty
// members are left out so only what is set changes.
type OrderUpdate struct {
	CustomStatusPermalink  *string          `json:"custom_status_permalink,omitempty"`
	FulfillmentStatus      *string          `json:"fulfillment_status,omitempty"`
	FieldsValuesAttributes []FieldValueAttr `json:"fields_values_attributes,omitempty"`
}

// FieldValueAttr sets a custom field value: give ID to update an existing
// value row in place, otherwise FieldID to add one. An empty Value is sent.
type FieldValueAttr struct {
	ID      int64  `json:"id,omitempty"`
	FieldID int64  `json:"field_id,omitempty"`
	Value   string `json:"value"`
}

// UpdateOrder changes an order and returns it as InSales saved it. InSales
// will likely echo the change back as an orders/update webhook.
func (c *Client) UpdateOrder(ctx context.Context, shop Shop, id int64, upd OrderUpdate) (Order, error) {
	var o Order
	if err := c.do(ctx, shop, http.MethodPut, "orders/"+strconv.FormatInt(id, 10), nil, wrap("order", upd), &o); err != nil {
		return Order{}, fmt.Errorf("insales: update order %d: %w", id, err)
	}
	return o, nil
}
