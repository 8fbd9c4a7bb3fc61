package shopapp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"

	"parceltrack/insales"
	"parceltrack/jobs"
	"parceltrack/tracking"
)

// Kinds of the app's background jobs (package jobs). The values are stored
// in the jobs collection: never change one.
const (
	// JobImport imports one order event a webhook brought.
	JobImport = "insales.import"
	// JobSetup runs the setup job for one shop.
	JobSetup = "insales.setup"
	// JobStatusSync moves one parcel's order status.
	JobStatusSync = "insales.status_sync"
)

// setupAttempts bounds the queue's retries of a failing setup; after them
// the job stays failed (visible) and the periodic RunPendingSetups asks
// again.
const setupAttempts = 5

// importJob is the payload of JobImport: the webhook body as InSales sent
// it, parsed again when the job runs.
type importJob struct {
	ShopID string `json:"shop_id"`
	Order  []byte `json:"order"`
}

// shopJob is the payload of JobSetup.
type shopJob struct {
	ShopID string `json:"shop_id"`
}

// parcelJob is the payload of JobStatusSync.
type parcelJob struct {
	ParcelID string `json:"parcel_id"`
}

// JobHandlers are the handlers of the app's job kinds, for the job runner.
func (a *App) JobHandlers() map[string]jobs.Handler {
	return map[string]jobs.Handler{
		JobImport:     a.runImportJob,
		JobSetup:      a.runSetupJob,
		JobStatusSync: a.runStatusSyncJob,
	}
}

// enqueueImport stores the import of one webhook delivery. One order's
// events share a lane, so two deliveries for the same order never import
// side by side and run in the order they came.
func (a *App) enqueueImport(ctx context.Context, shopID string, o insales.Order, body []byte) error {
	j, err := jobs.New(JobImport, importJob{ShopID: shopID, Order: body})
	if err != nil {
		return fmt.Errorf("shopapp: import job: %w", err)
	}
	j.Lane = "order:" + shopID + ":" + strconv.FormatInt(o.ID, 10)
	if err := a.o.Jobs.Enqueue(ctx, j); err != nil {
		return fmt.Errorf("shopapp: queue import of %s: %w", o, err)
	}
	return nil
}

func (a *App) runImportJob(ctx context.Context, j jobs.Job) error {
	var p importJob
	if err := j.Decode(&p); err != nil {
		return jobs.Permanent(fmt.Errorf("decode: %w", err))
	}
	o, err := insales.ParseOrder(p.Order)
	if err != nil {
		return jobs.Permanent(err)
	}
	// Read the shop now, not at delivery: a setting may have changed.
	s, err := a.o.Shops.Shop(ctx, p.ShopID)
	if errors.Is(err, ErrNotFound) {
		return jobs.Permanent(err)
	}
	if err != nil {
		return err
	}
	_, err = a.ImportOrder(ctx, s, o, SourceWebhook)
	return err
}

// EnqueueSetup stores a run of the shop's setup job, retried with back-off
// while it fails. A run already waiting is not stored twice; one asked for
// while a run works runs once more after it.
func (a *App) EnqueueSetup(ctx context.Context, shopID string) error {
	j, err := jobs.New(JobSetup, shopJob{ShopID: shopID})
	if err != nil {
		return fmt.Errorf("shopapp: setup job: %w", err)
	}
	j.Key, j.MaxAttempts = "setup:"+shopID, setupAttempts
	if err := a.o.Jobs.Enqueue(ctx, j); err != nil {
		return fmt.Errorf("shopapp: queue setup of %s: %w", shopID, err)
	}
	return nil
}

func (a *App) runSetupJob(ctx context.Context, j jobs.Job) error {
	var p shopJob
	if err := j.Decode(&p); err != nil {
		return jobs.Permanent(fmt.Errorf("decode: %w", err))
	}
	err := a.RunSetup(ctx, p.ShopID)
	if errors.Is(err, ErrUnknownShop) {
		return jobs.Permanent(err)
	}
	return err
}

// OnStateChange is the poller's hook: when the state moved, it stores a
// status sync of the parcel, which calls InSales later. An error makes the
// poller keep the poll unfinished, so the change is seen, and this called,
// again.
func (a *App) OnStateChange(ctx context.Context, c tracking.Change) error {
	if !c.StateChanged() || StatusRank(c.Status.State) == 0 {
		return nil
	}
	parcelID := c.Schedule.ID
	j, err := jobs.New(JobStatusSync, parcelJob{ParcelID: parcelID})
	if err != nil {
		return fmt.Errorf("shopapp: status sync job: %w", err)
	}
	j.Key = "status:" + parcelID
	if err := a.o.Jobs.Enqueue(ctx, j); err != nil {
		return fmt.Errorf("shopapp: queue status sync of %s: %w", parcelID, err)
	}
	return nil
}

func (a *App) runStatusSyncJob(ctx context.Context, j jobs.Job) error {
	var p parcelJob
	if err := j.Decode(&p); err != nil {
		return jobs.Permanent(fmt.Errorf("decode: %w", err))
	}
	out, err := a.SyncStatus(ctx, p.ParcelID)
	if err != nil {
		return err
	}
	if out == SyncSet || out == SyncManual {
		a.log.Info("status sync", slog.String("parcel_id", p.ParcelID), slog.String("outcome", string(out)))
	}
	return nil
}
