package shopapp

import (
	"context"
	"errors"
	"fmt"

	"parceltrack/insales"
)

// BeginLogin finds the installed shop a login request names and returns it
// with the InSales URL that sends the merchant through autologin with nonce
// and back to autologinURL.
func (a *App) BeginLogin(ctx context.Context, insalesID int64, nonce, autologinURL string) (Shop, string, error) {
	shop, err := a.installedShop(ctx, insalesID)
	if err != nil {
		return Shop{}, "", err
	}
	return shop, a.o.Client.LoginRedirectURL(shop.Domain, nonce, autologinURL), nil
}

// CheckAutologin verifies the autologin callback's token3 against the nonce
// kept for the browser and the shop's password. A wrong token is ErrDenied.
func (a *App) CheckAutologin(ctx context.Context, shopID, nonce string, q insales.AutologinQuery) (Shop, error) {
	shop, err := a.shopByID(ctx, shopID)
	if err != nil {
		return Shop{}, err
	}
	if shop.Uninstalled() {
		return Shop{}, ErrUnknownShop
	}
	creds, err := a.creds(shop)
	if err != nil {
		return Shop{}, err
	}
	if !insales.VerifyAutologin(nonce, q, creds.Password) {
		return Shop{}, ErrDenied
	}
	return shop, nil
}

func (a *App) installedShop(ctx context.Context, insalesID int64) (Shop, error) {
	if insalesID <= 0 {
		return Shop{}, fmt.Errorf("%w: no insales_id", ErrBadRequest)
	}
	shop, err := a.o.Shops.ShopByInsalesID(ctx, insalesID)
	if errors.Is(err, ErrNotFound) {
		return Shop{}, ErrUnknownShop
	}
	if err != nil {
		return Shop{}, fmt.Errorf("shopapp: find shop: %w", err)
	}
	if shop.Uninstalled() {
		return Shop{}, ErrUnknownShop
	}
	return shop, nil
}
