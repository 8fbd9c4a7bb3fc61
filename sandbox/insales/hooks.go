package insalessandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
)

// fire delivers order o to every JSON webhook subscribed to topic: in the
// background, or before returning with Config.SyncWebhooks. Like InSales it
// never retries; a failure is logged.
func (s *Server) fire(ctx context.Context, topic string, o Order) {
	hooks, err := s.store.ListWebhooks(ctx)
	if err != nil {
		s.log.ErrorContext(ctx, "insales sandbox webhooks not listed", slog.String("topic", topic),
			slog.Int64("order_id", o.ID), slog.Any("error", err))
		return
	}
	var body []byte
	for _, h := range hooks {
		if h.Topic != topic {
			continue
		}
		if h.FormatType != "json" {
			s.log.WarnContext(ctx, "insales sandbox skips a non-JSON webhook", slog.Int64("webhook_id", h.ID),
				slog.String("format_type", h.FormatType))
			continue
		}
		if body == nil {
			if body, err = json.Marshal(orderWire(o, s.cfg.InsalesID)); err != nil {
				s.log.ErrorContext(ctx, "insales sandbox order not encoded", slog.Int64("order_id", o.ID), slog.Any("error", err))
				return
			}
		}
		if s.cfg.SyncWebhooks {
			s.deliver(ctx, h, topic, o.ID, body)
			continue
		}
		s.hooksMu.Lock()
		if s.closed {
			s.hooksMu.Unlock()
			s.log.WarnContext(ctx, "insales sandbox closed, webhook dropped", slog.Int64("webhook_id", h.ID), slog.Int64("order_id", o.ID))
			continue
		}
		s.hooks.Add(1)
		s.hooksMu.Unlock()
		go func(h Webhook) {
			defer s.hooks.Done()
			// A fresh context, not one derived from the request's: mounted in
			// Fiber, the request's context is recycled once the handler returns.
			s.deliver(context.Background(), h, topic, o.ID, body)
		}(h)
	}
}

// deliver POSTs one webhook. The address carries the app's per-shop secret,
// so only its host is logged.
func (s *Server) deliver(ctx context.Context, h Webhook, topic string, orderID int64, body []byte) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.WebhookTimeout)
	defer cancel()
	err := func() error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.Address, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "InSales")
		resp, err := s.http.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	}()
	host := ""
	if u, perr := url.Parse(h.Address); perr == nil {
		host = u.Host
	}
	if ue := (*url.Error)(nil); errors.As(err, &ue) {
		err = ue.Err // the URL would leak the secret
	}
	if err != nil {
		s.log.WarnContext(ctx, "insales sandbox webhook failed", slog.String("topic", topic),
			slog.Int64("webhook_id", h.ID), slog.Int64("order_id", orderID), slog.String("host", host), slog.Any("error", err))
		return
	}
	s.log.DebugContext(ctx, "insales sandbox webhook delivered", slog.String("topic", topic),
		slog.Int64("webhook_id", h.ID), slog.Int64("order_id", orderID), slog.String("host", host))
}
