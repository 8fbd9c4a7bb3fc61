package insales

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// The resources the install job sets up: the track-number field, the
// webhooks, the order-page widget, and the custom statuses it reads.

func idPath(resource string, id int64) string {
	return resource + "/" + strconv.FormatInt(id, 10)
}

// ListFields reads all additional fields of the shop.
func (c *Client) ListFields(ctx context.Context, shop Shop) ([]Field, error) {
	var fields []Field
	if err := c.do(ctx, shop, http.MethodGet, "fields", nil, nil, &fields); err != nil {
		return nil, fmt.Errorf("insales: list fields: %w", err)
	}
	return fields, nil
}

// GetField reads one field.
func (c *Client) GetField(ctx context.Context, shop Shop, id int64) (Field, error) {
	var f Field
	if err := c.do(ctx, shop, http.MethodGet, idPath("fields", id), nil, nil, &f); err != nil {
		return Field{}, fmt.Errorf("insales: get field %d: %w", id, err)
	}
	return f, nil
}

// CreateField adds a field; see TrackFieldInput.
func (c *Client) CreateField(ctx context.Context, shop Shop, in FieldInput) (Field, error) {
	var f Field
	if err := c.do(ctx, shop, http.MethodPost, "fields", nil, wrap("field", in), &f); err != nil {
		return Field{}, fmt.Errorf("insales: create field: %w", err)
	}
	return f, nil
}

// UpdateField changes a field.
func (c *Client) UpdateField(ctx context.Context, shop Shop, id int64, in FieldInput) (Field, error) {
	var f Field
	if err := c.do(ctx, shop, http.MethodPut, idPath("fields", id), nil, wrap("field", in), &f); err != nil {
		return Field{}, fmt.Errorf("insales: update field %d: %w", id, err)
	}
	return f, nil
}

// DeleteField removes a field.
func (c *Client) DeleteField(ctx context.Context, shop Shop, id int64) error {
	if err := c.do(ctx, shop, http.MethodDelete, idPath("fields", id), nil, nil, nil); err != nil {
		return fmt.Errorf("insales: delete field %d: %w", id, err)
	}
	return nil
}

// ListWebhooks reads the app's webhooks in the shop. (address, topic) is
// unique per app: list first and reuse.
func (c *Client) ListWebhooks(ctx context.Context, shop Shop) ([]Webhook, error) {
	var hooks []Webhook
	if err := c.do(ctx, shop, http.MethodGet, "webhooks", nil, nil, &hooks); err != nil {
		return nil, fmt.Errorf("insales: list webhooks: %w", err)
	}
	return hooks, nil
}

// CreateWebhook subscribes address to topic. An empty FormatType means JSON.
func (c *Client) CreateWebhook(ctx context.Context, shop Shop, in WebhookInput) (Webhook, error) {
	if in.FormatType == "" {
		in.FormatType = FormatJSON
	}
	var w Webhook
	if err := c.do(ctx, shop, http.MethodPost, "webhooks", nil, wrap("webhook", in), &w); err != nil {
		return Webhook{}, fmt.Errorf("insales: create webhook %s: %w", in.Topic, err)
	}
	return w, nil
}

// DeleteWebhook removes a webhook.
func (c *Client) DeleteWebhook(ctx context.Context, shop Shop, id int64) error {
	if err := c.do(ctx, shop, http.MethodDelete, idPath("webhooks", id), nil, nil, nil); err != nil {
		return fmt.Errorf("insales: delete webhook %d: %w", id, err)
	}
	return nil
}

// ListApplicationWidgets reads the app's widgets in the shop.
func (c *Client) ListApplicationWidgets(ctx context.Context, shop Shop) ([]ApplicationWidget, error) {
	var ws []ApplicationWidget
	if err := c.do(ctx, shop, http.MethodGet, "application_widgets", nil, nil, &ws); err != nil {
		return nil, fmt.Errorf("insales: list application widgets: %w", err)
	}
	return ws, nil
}

// GetApplicationWidget reads one widget.
func (c *Client) GetApplicationWidget(ctx context.Context, shop Shop, id int64) (ApplicationWidget, error) {
	var w ApplicationWidget
	if err := c.do(ctx, shop, http.MethodGet, idPath("application_widgets", id), nil, nil, &w); err != nil {
		return ApplicationWidget{}, fmt.Errorf("insales: get application widget %d: %w", id, err)
	}
	return w, nil
}

// CreateApplicationWidget adds a widget. Keep its id and update it on
// reinstall instead of creating a duplicate.
func (c *Client) CreateApplicationWidget(ctx context.Context, shop Shop, in ApplicationWidgetInput) (ApplicationWidget, error) {
	var w ApplicationWidget
	if err := c.do(ctx, shop, http.MethodPost, "application_widgets", nil, wrap("application_widget", in), &w); err != nil {
		return ApplicationWidget{}, fmt.Errorf("insales: create application widget: %w", err)
	}
	return w, nil
}

// UpdateApplicationWidget replaces a widget's code, height or page type.
func (c *Client) UpdateApplicationWidget(ctx context.Context, shop Shop, id int64, in ApplicationWidgetInput) (ApplicationWidget, error) {
	var w ApplicationWidget
	if err := c.do(ctx, shop, http.MethodPut, idPath("application_widgets", id), nil, wrap("application_widget", in), &w); err != nil {
		return ApplicationWidget{}, fmt.Errorf("insales: update application widget %d: %w", id, err)
	}
	return w, nil
}

// DeleteApplicationWidget removes a widget.
func (c *Client) DeleteApplicationWidget(ctx context.Context, shop Shop, id int64) error {
	if err := c.do(ctx, shop, http.MethodDelete, idPath("application_widgets", id), nil, nil, nil); err != nil {
		return fmt.Errorf("insales: delete application widget %d: %w", id, err)
	}
	return nil
}

// ListCustomStatuses reads the shop's custom order statuses. An empty list or
// a 403/404 means the shop does not use them: fall back to fulfillment_status.
func (c *Client) ListCustomStatuses(ctx context.Context, shop Shop) ([]CustomStatus, error) {
	var st []CustomStatus
	if err := c.do(ctx, shop, http.MethodGet, "custom_statuses", nil, nil, &st); err != nil {
		return nil, fmt.Errorf("insales: list custom statuses: %w", err)
	}
	return st, nil
}

// CreateCustomStatus adds a status; use the Permalink of the result.
func (c *Client) CreateCustomStatus(ctx context.Context, shop Shop, in CustomStatusInput) (CustomStatus, error) {
	var s CustomStatus
	if err := c.do(ctx, shop, http.MethodPost, "custom_statuses", nil, wrap("custom_status", in), &s); err != nil {
		return CustomStatus{}, fmt.Errorf("insales: create custom status: %w", err)
	}
	return s, nil
}

// UpdateCustomStatus changes the status with this permalink.
func (c *Client) UpdateCustomStatus(ctx context.Context, shop Shop, permalink string, in CustomStatusInput) (CustomStatus, error) {
	var s CustomStatus
	if err := c.do(ctx, shop, http.MethodPut, "custom_statuses/"+url.PathEscape(permalink), nil, wrap("custom_status", in), &s); err != nil {
		return CustomStatus{}, fmt.Errorf("insales: update custom status %q: %w", permalink, err)
	}
	return s, nil
}

// DeleteCustomStatus removes the status with this permalink.
func (c *Client) DeleteCustomStatus(ctx context.Context, shop Shop, permalink string) error {
	if err := c.do(ctx, shop, http.MethodDelete, "custom_statuses/"+url.PathEscape(permalink), nil, nil, nil); err != nil {
		return fmt.Errorf("insales: delete custom status %q: %w", permalink, err)
	}
	return nil
}
