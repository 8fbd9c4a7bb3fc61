package shopapp

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"

	"parceltrack/insales"
)

// ReceiveWebhook authenticates an orders/* delivery by the secret in its URL
// (token, see WebhookToken), parses the order and stores its import as a
// job; it returns only once the job is stored, so an answered delivery is
// never lost. A wrong or unknown token is ErrDenied, an unusable body
// ErrBadRequest (with the reason); in both cases nothing is stored.
// Deliveries for an uninstalled shop are accepted and ignored.
func (a *App) ReceiveWebhook(ctx context.Context, token string, body []byte) error {
	shop, err := a.webhookShop(ctx, token)
	if err != nil {
		return err
	}
	order, err := insales.ParseOrder(body)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadRequest, err)
	}
	if shop.Uninstalled() {
		return nil
	}
	return a.enqueueImport(ctx, shop.ID, order, body)
}

func (a *App) webhookShop(ctx context.Context, token string) (Shop, error) {
	id, secret, ok := strings.Cut(token, ".")
	if !ok || id == "" || secret == "" {
		return Shop{}, ErrDenied
	}
	shop, err := a.o.Shops.Shop(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return Shop{}, ErrDenied
	}
	if err != nil {
		return Shop{}, fmt.Errorf("shopapp: webhook: %w", err)
	}
	want := shop.Settings.WebhookSecret
	if want == "" || subtle.ConstantTimeCompare([]byte(secret), []byte(want)) != 1 {
		return Shop{}, ErrDenied
	}
	return shop, nil
}
