package shopapp

import (
	"context"
	"fmt"

	"parceltrack/insales"
)

// CustomStatuses lists the shop's custom order statuses at InSales, for the
// status sync mapping.
func (a *App) CustomStatuses(ctx context.Context, shopID string) ([]insales.CustomStatus, error) {
	_, creds, err := a.shopCreds(ctx, shopID)
	if err != nil {
		return nil, err
	}
	list, err := a.o.Client.ListCustomStatuses(ctx, creds)
	if err != nil {
		return nil, fmt.Errorf("shopapp: list statuses %s: %w", shopID, err)
	}
	return list, nil
}

// CreateCustomStatus creates a custom order status in the shop.
func (a *App) CreateCustomStatus(ctx context.Context, shopID string, in insales.CustomStatusInput) (insales.CustomStatus, error) {
	_, creds, err := a.shopCreds(ctx, shopID)
	if err != nil {
		return insales.CustomStatus{}, err
	}
	cs, err := a.o.Client.CreateCustomStatus(ctx, creds, in)
	if err != nil {
		return insales.CustomStatus{}, fmt.Errorf("shopapp: create status %s: %w", shopID, err)
	}
	return cs, nil
}

// shopCreds reads a shop and opens its password.
func (a *App) shopCreds(ctx context.Context, shopID string) (Shop, insales.Shop, error) {
	shop, err := a.shopByID(ctx, shopID)
	if err != nil {
		return Shop{}, insales.Shop{}, err
	}
	creds, err := a.creds(shop)
	return shop, creds, err
}
