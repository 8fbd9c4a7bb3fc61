package shopapp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"parceltrack/insales"
)

// ReconcileStats sum up one reconciliation.
type ReconcileStats struct {
	Shops   int
	Orders  int
	Changed int // imports that changed a parcel
	Failed  int // shops whose pass stopped on an error
}

// ReconcileShop imports every order of the shop changed since its cursor
// (orders.json?updated_since=…, see Client.OrdersUpdatedSince) and moves the
// cursor past them, so a webhook InSales lost costs at most one
// reconciliation interval. Orders the webhooks already brought are skipped as
// duplicates. The cursor is saved even when the pass stops midway.
func (a *App) ReconcileShop(ctx context.Context, shopID string) (ReconcileStats, error) {
	st := ReconcileStats{Shops: 1}
	shop, err := a.shopByID(ctx, shopID)
	if err != nil {
		return st, err
	}
	if shop.Uninstalled() || shop.Settings.TrackFieldID == 0 {
		return ReconcileStats{}, nil
	}
	creds, err := a.creds(shop)
	if err != nil {
		return st, err
	}
	start := shop.Cursor
	cur, walkErr := a.o.Client.OrdersUpdatedSince(ctx, creds, start.UpdatedSince, start.FromID, func(o insales.Order) error {
		st.Orders++
		res, err := a.ImportOrder(ctx, shop, o, SourceReconcile)
		if err != nil {
			return err
		}
		switch res.Outcome {
		case OutcomeIgnored, OutcomeDuplicate, OutcomeStale, OutcomeUnchanged:
		default:
			st.Changed++
		}
		return nil
	})
	if !cur.UpdatedSince.Equal(start.UpdatedSince) || cur.FromID != start.FromID {
		// A background context: progress made must not be lost to the
		// cancellation that stopped the walk.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := a.o.Shops.SaveCursor(sctx, shop.ID, cur); err != nil {
			walkErr = errors.Join(walkErr, err)
		}
	}
	if walkErr != nil {
		st.Failed = 1
		return st, fmt.Errorf("shopapp: reconcile %s: %w", shopID, walkErr)
	}
	return st, nil
}

// ReconcileAll reconciles every installed shop, one after another; a shop
// that fails is logged and the others still run. A periodic singleton job
// calls it.
func (a *App) ReconcileAll(ctx context.Context) (ReconcileStats, error) {
	started := time.Now()
	var total ReconcileStats
	after := ""
	for {
		ids, err := a.o.Shops.ShopIDs(ctx, after, 100)
		if err != nil {
			return total, fmt.Errorf("shopapp: reconcile all: %w", err)
		}
		for _, id := range ids {
			if ctx.Err() != nil {
				return total, ctx.Err()
			}
			st, err := a.ReconcileShop(ctx, id)
			total.Shops += st.Shops
			total.Orders += st.Orders
			total.Changed += st.Changed
			total.Failed += st.Failed
			if err != nil {
				level := slog.LevelWarn
				if insales.IsUnauthorized(err) {
					// The password stopped working: most likely uninstalled
					// without the uninstall call reaching us.
					level = slog.LevelInfo
				}
				a.log.Log(ctx, level, "reconcile shop failed", slog.String("shop_id", id), slog.String("error", errText(err)))
			}
		}
		if len(ids) < 100 {
			break
		}
		after = ids[len(ids)-1]
	}
	a.log.Info("reconciled", slog.Int("shops", total.Shops), slog.Int("orders", total.Orders),
		slog.Int("changed", total.Changed), slog.Int("failed", total.Failed),
		slog.Int64("duration_ms", time.Since(started).Milliseconds()))
	return total, nil
}
