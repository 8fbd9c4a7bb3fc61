package shopapp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"parceltrack/insales"
)

// InstallRequest is the query of InSales' install call.
type InstallRequest struct {
	Shop      string // the shop's domain
	Token     string
	InsalesID int64
}

// cursorMargin is how far before the install the first reconciliation
// starts: it covers clock skew between InSales and the app, and no order can
// carry a value in the app's (new) track field from before the install.
const cursorMargin = time.Hour

// Install records an install: the shop's password md5(token + secret) is
// first checked with InSales (it already works during the install call), so
// nobody who merely knows a shop's insales_id can replace its password or
// open a shop InSales does not know; then it is sealed and stored on the shop
// (created with the welcome balance if new, updated on a reinstall), setup
// goes back to pending and the setup job is queued. One InSales call and a
// handful of database writes keep the answer well within InSales' deadline.
func (a *App) Install(ctx context.Context, in InstallRequest) (Shop, error) {
	in.Shop = strings.ToLower(strings.TrimSpace(in.Shop))
	if in.Shop == "" || in.Token == "" || in.InsalesID <= 0 {
		return Shop{}, fmt.Errorf("%w: install needs shop, token and insales_id", ErrBadRequest)
	}
	if !isShopDomain(in.Shop) {
		return Shop{}, fmt.Errorf("%w: shop %q is not an InSales shop domain (*%s)", ErrBadRequest, in.Shop, shopZone)
	}
	password := insales.InstallPassword(in.Token, a.o.AppSecret)
	acc, err := a.checkInstall(ctx, in, password)
	if err != nil {
		return Shop{}, err
	}
	enc, err := a.o.Sealer.Seal(password, ShopLabel(in.InsalesID))
	if err != nil {
		return Shop{}, err
	}
	now := a.o.Now()
	shop, created, err := a.o.Shops.InstallShop(ctx, InstallRecord{InsalesID: in.InsalesID, Domain: in.Shop,
		Name: strings.TrimSpace(acc.Title), PasswordEnc: enc},
		a.o.Billing.Prices().Welcome, now)
	if err != nil {
		return Shop{}, fmt.Errorf("shopapp: install: %w", err)
	}
	log := a.log.With(slog.String("shop_id", shop.ID), slog.Int64("insales_id", in.InsalesID))
	if created {
		// Record the welcome credit now; if this fails the periodic repair
		// finishes it, so the install still succeeds.
		if _, err := a.o.Billing.Settle(ctx, shop.ID); err != nil {
			log.Warn("settle welcome credit", slog.String("error", err.Error()))
		}
	}
	prep := InstallPrep{Cursor: insales.OrderCursor{UpdatedSince: now.Add(-cursorMargin)}, At: now}
	if shop.Settings.WebhookSecret == "" {
		if prep.WebhookSecret, err = randomHex(16); err != nil {
			return Shop{}, err
		}
	}
	if shop.Settings.WidgetKey == "" {
		if prep.WidgetKey, err = randomHex(16); err != nil {
			return Shop{}, err
		}
	}
	if shop, err = a.o.Shops.PrepareInstall(ctx, shop.ID, prep); err != nil {
		return Shop{}, fmt.Errorf("shopapp: install: %w", err)
	}
	// Stored before InSales is answered: a setup lost to a crash would
	// leave the shop without webhooks until the periodic retry.
	if err := a.EnqueueSetup(ctx, shop.ID); err != nil {
		return Shop{}, err
	}
	log.Info("app installed", slog.Bool("new_shop", created))
	return shop, nil
}

// shopZone is InSales' technical domain: the install call names every shop
// under it. Refusing other hosts keeps the app from sending a password, and
// later every setup call, to a server someone else chose.
const shopZone = ".myinsales.ru"

// installCheckTimeout leaves room for the database writes within InSales'
// 10 s install deadline.
const installCheckTimeout = 5 * time.Second

// isShopDomain reports whether host is a plain name under shopZone.
func isShopDomain(host string) bool {
	name, ok := strings.CutSuffix(host, shopZone)
	if !ok || name == "" || len(host) > 253 {
		return false
	}
	for label := range strings.SplitSeq(name, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' {
				return false
			}
		}
	}
	return true
}

// checkInstall asks InSales for the shop's account with the new password:
// InSales accepts it only for a real install, and the account must be the
// shop the call names.
func (a *App) checkInstall(ctx context.Context, in InstallRequest, password string) (insales.Account, error) {
	cctx, cancel := context.WithTimeout(ctx, installCheckTimeout)
	defer cancel()
	acc, err := a.o.Client.GetAccount(cctx, insales.Shop{Domain: in.Shop, Password: password, ID: in.InsalesID})
	switch {
	case insales.IsUnauthorized(err) || insales.IsForbidden(err) || insales.IsNotFound(err):
		return insales.Account{}, fmt.Errorf("%w: InSales did not accept the install token for %s", ErrDenied, in.Shop)
	case err != nil:
		return insales.Account{}, fmt.Errorf("shopapp: install: check the token with InSales: %w", err)
	case acc.ID != in.InsalesID:
		return insales.Account{}, fmt.Errorf("%w: %s belongs to account %d, not %d", ErrDenied, in.Shop, acc.ID, in.InsalesID)
	}
	return acc, nil
}

// UninstallRequest is the query of InSales' uninstall call; Token is the
// shop's password.
type UninstallRequest struct {
	Shop      string
	Token     string
	InsalesID int64
}

// Uninstall checks the token against the stored password (constant time),
// marks the shop uninstalled and stops its parcels; the data is kept. An
// unknown shop is not an error (InSales expects 200 for it too); a wrong
// token is ErrDenied.
func (a *App) Uninstall(ctx context.Context, in UninstallRequest) error {
	if in.InsalesID <= 0 {
		return fmt.Errorf("%w: uninstall needs insales_id", ErrBadRequest)
	}
	shop, err := a.o.Shops.ShopByInsalesID(ctx, in.InsalesID)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("shopapp: uninstall: %w", err)
	}
	creds, err := a.creds(shop)
	if err != nil {
		return err
	}
	if !insales.CheckUninstall(in.Token, creds.Password) {
		return ErrDenied
	}
	now := a.o.Now()
	if err := a.o.Shops.MarkUninstalled(ctx, shop.ID, now); err != nil {
		return fmt.Errorf("shopapp: uninstall: %w", err)
	}
	n, err := a.o.Parcels.StopShopParcels(ctx, shop.ID, StopUninstalled, now)
	if err != nil {
		return fmt.Errorf("shopapp: uninstall: %w", err)
	}
	a.log.Info("app uninstalled", slog.String("shop_id", shop.ID), slog.Int("parcels_stopped", n))
	return nil
}
