package insales

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
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
func (a *App) Install(ctx context.Context, in InstallRequest) (AppShop, error) {
	in.Shop = strings.ToLower(strings.TrimSpace(in.Shop))
	if in.Shop == "" || in.Token == "" || in.InsalesID <= 0 {
		return AppShop{}, fmt.Errorf("%w: install needs shop, token and insales_id", ErrBadRequest)
	}
	if !isShopDomain(in.Shop) {
		return AppShop{}, fmt.Errorf("%w: shop %q is not an InSales shop domain (*%s)", ErrBadRequest, in.Shop, shopZone)
	}
	password := InstallPassword(in.Token, a.o.AppSecret)
	if err := a.checkInstall(ctx, in, password); err != nil {
		return AppShop{}, err
	}
	enc, err := a.o.Sealer.Seal(password, ShopLabel(in.InsalesID))
	if err != nil {
		return AppShop{}, err
	}
	now := a.o.Now()
	shop, created, err := a.o.Shops.InstallShop(ctx, InstallRecord{InsalesID: in.InsalesID, Domain: in.Shop, PasswordEnc: enc},
		a.o.Billing.Prices().Welcome, now)
	if err != nil {
		return AppShop{}, fmt.Errorf("insales: install: %w", err)
	}
	log := a.log.With(slog.String("shop_id", shop.ID), slog.Int64("insales_id", in.InsalesID))
	if created {
		// Record the welcome credit now; if this fails the periodic repair
		// finishes it, so the install still succeeds.
		if _, err := a.o.Billing.Settle(ctx, shop.ID); err != nil {
			log.Warn("settle welcome credit", slog.String("error", err.Error()))
		}
	}
	prep := InstallPrep{Cursor: OrderCursor{UpdatedSince: now.Add(-cursorMargin)}, At: now}
	if shop.WebhookSecret == "" {
		if prep.WebhookSecret, err = randomHex(16); err != nil {
			return AppShop{}, err
		}
	}
	if shop.WidgetKey == "" {
		if prep.WidgetKey, err = randomHex(16); err != nil {
			return AppShop{}, err
		}
	}
	if shop, err = a.o.Shops.PrepareInstall(ctx, shop.ID, prep); err != nil {
		return AppShop{}, fmt.Errorf("insales: install: %w", err)
	}
	log.Info("app installed", slog.Bool("new_shop", created))
	a.EnqueueSetup(ctx, shop.ID)
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
func (a *App) checkInstall(ctx context.Context, in InstallRequest, password string) error {
	cctx, cancel := context.WithTimeout(ctx, installCheckTimeout)
	defer cancel()
	acc, err := a.o.Client.GetAccount(cctx, Shop{Domain: in.Shop, Password: password, ID: in.InsalesID})
	switch {
	case IsUnauthorized(err) || IsForbidden(err) || IsNotFound(err):
		return fmt.Errorf("%w: InSales did not accept the install token for %s", ErrDenied, in.Shop)
	case err != nil:
		return fmt.Errorf("insales: install: check the token with InSales: %w", err)
	case acc.ID != in.InsalesID:
		return fmt.Errorf("%w: %s belongs to account %d, not %d", ErrDenied, in.Shop, acc.ID, in.InsalesID)
	}
	return nil
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
	if errors.Is(err, ErrStoreNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("insales: uninstall: %w", err)
	}
	creds, err := a.creds(shop)
	if err != nil {
		return err
	}
	if !CheckUninstall(in.Token, creds.Password) {
		return ErrDenied
	}
	now := a.o.Now()
	if err := a.o.Shops.MarkUninstalled(ctx, shop.ID, now); err != nil {
		return fmt.Errorf("insales: uninstall: %w", err)
	}
	n, err := a.o.Parcels.StopShopParcels(ctx, shop.ID, StopUninstalled, now)
	if err != nil {
		return fmt.Errorf("insales: uninstall: %w", err)
	}
	a.log.Info("app uninstalled", slog.String("shop_id", shop.ID), slog.Int("parcels_stopped", n))
	return nil
}

// BeginLogin finds the installed shop a login request names and returns it
// with the InSales URL that sends the merchant through autologin with nonce
// and back to autologinURL.
func (a *App) BeginLogin(ctx context.Context, insalesID int64, nonce, autologinURL string) (AppShop, string, error) {
	shop, err := a.installedShop(ctx, insalesID)
	if err != nil {
		return AppShop{}, "", err
	}
	return shop, a.o.Client.LoginRedirectURL(shop.Domain, nonce, autologinURL), nil
}

// CheckAutologin verifies the autologin callback's token3 against the nonce
// kept for the browser and the shop's password. A wrong token is ErrDenied.
func (a *App) CheckAutologin(ctx context.Context, shopID, nonce string, q AutologinQuery) (AppShop, error) {
	shop, err := a.o.Shops.ShopByID(ctx, shopID)
	if errors.Is(err, ErrStoreNotFound) {
		return AppShop{}, ErrUnknownShop
	}
	if err != nil {
		return AppShop{}, fmt.Errorf("insales: autologin: %w", err)
	}
	if shop.Uninstalled {
		return AppShop{}, ErrUnknownShop
	}
	creds, err := a.creds(shop)
	if err != nil {
		return AppShop{}, err
	}
	if !VerifyAutologin(nonce, q, creds.Password) {
		return AppShop{}, ErrDenied
	}
	return shop, nil
}

func (a *App) installedShop(ctx context.Context, insalesID int64) (AppShop, error) {
	if insalesID <= 0 {
		return AppShop{}, fmt.Errorf("%w: no insales_id", ErrBadRequest)
	}
	shop, err := a.o.Shops.ShopByInsalesID(ctx, insalesID)
	if errors.Is(err, ErrStoreNotFound) {
		return AppShop{}, ErrUnknownShop
	}
	if err != nil {
		return AppShop{}, fmt.Errorf("insales: find shop: %w", err)
	}
	if shop.Uninstalled {
		return AppShop{}, ErrUnknownShop
	}
	return shop, nil
}

// ReceiveWebhook authenticates an orders/* delivery by the secret in its URL
// (token, see WebhookToken), parses the order and queues its import. A wrong
// or unknown token is ErrDenied, an unusable body ErrBadRequest (with the
// reason); in both cases nothing is stored. Deliveries for an uninstalled
// shop are accepted and ignored.
func (a *App) ReceiveWebhook(ctx context.Context, token string, body []byte) error {
	shop, err := a.webhookShop(ctx, token)
	if err != nil {
		return err
	}
	order, err := ParseOrder(body)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadRequest, err)
	}
	if shop.Uninstalled {
		return nil
	}
	shopID := shop.ID
	// One order's events run in order on one lane: two deliveries for the
	// same order never import side by side.
	lane := shopID + ":" + strconv.FormatInt(order.ID, 10)
	a.queue.submit(ctx, "", lane, func(ctx context.Context) {
		// Read the shop again: the queued job may run after a setting changed.
		s, err := a.o.Shops.ShopByID(ctx, shopID)
		if err == nil {
			_, err = a.ImportOrder(ctx, s, order, SourceWebhook)
		}
		if err != nil {
			// The reconciler imports it on its next pass.
			a.log.Warn("webhook import failed", slog.String("shop_id", shopID),
				slog.Int64("order_id", order.ID), slog.String("error", err.Error()))
		}
	})
	return nil
}

func (a *App) webhookShop(ctx context.Context, token string) (AppShop, error) {
	id, secret, ok := strings.Cut(token, ".")
	if !ok || id == "" || secret == "" {
		return AppShop{}, ErrDenied
	}
	shop, err := a.o.Shops.ShopByID(ctx, id)
	if errors.Is(err, ErrStoreNotFound) {
		return AppShop{}, ErrDenied
	}
	if err != nil {
		return AppShop{}, fmt.Errorf("insales: webhook: %w", err)
	}
	if shop.WebhookSecret == "" || subtle.ConstantTimeCompare([]byte(secret), []byte(shop.WebhookSecret)) != 1 {
		return AppShop{}, ErrDenied
	}
	return shop, nil
}

// Overview is what the app's start page shows about a shop.
type Overview struct {
	Shop    AppShop
	Parcels []ImportedParcel
}

// Overview reads the shop and its most recently updated parcels.
func (a *App) Overview(ctx context.Context, shopID string, limit int) (Overview, error) {
	shop, err := a.o.Shops.ShopByID(ctx, shopID)
	if errors.Is(err, ErrStoreNotFound) {
		return Overview{}, ErrUnknownShop
	}
	if err != nil {
		return Overview{}, fmt.Errorf("insales: overview: %w", err)
	}
	parcels, err := a.o.Parcels.ShopParcels(ctx, shopID, limit)
	if err != nil {
		return Overview{}, fmt.Errorf("insales: overview: %w", err)
	}
	return Overview{Shop: shop, Parcels: parcels}, nil
}
