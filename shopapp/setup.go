package shopapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"parceltrack/insales"
)

// TrackFieldHandle is the handle of the app's own track-number field. Other
// apps' order fields are often titled «Трек-номер» too, so the field is found
// again by its id or this handle, never by its title.
const TrackFieldHandle = "parceltrack_track_number"

// widgetMarker identifies the app's widget code among the shop's widgets.
const widgetMarker = `data-parceltrack-widget`

// WidgetHeight is the widget's height on the order page, in pixels.
const WidgetHeight = 300

// WidgetCode is the HTML InSales puts on the order card: a placeholder that
// frames the app's widget page for the order InSales describes in
// window.order_info. The shop is named by its widget key only.
func (a *App) WidgetCode(widgetKey string) string {
	// JSON string literals are valid JavaScript and escape <, > and &.
	base, _ := json.Marshal(a.o.BaseURL + "/widget/" + widgetKey + "/")
	return `<div id="parceltrack-widget" ` + widgetMarker + `></div>
<script>
(function () {
  var o = window.order_info;
  if (!o || !o.id) { return; }
  var f = document.createElement("iframe");
  f.src = ` + string(base) + ` + encodeURIComponent(o.id);
  f.title = "Отслеживание посылки";
  f.style.cssText = "width:100%;height:` + fmt.Sprint(WidgetHeight-10) + `px;border:0";
  document.getElementById("parceltrack-widget").appendChild(f);
})();
</script>`
}

const (
	// setupRunLimit bounds one setup run, and setupLockTTL outlives it, so
	// a lock is never taken over while its run still works; a process that
	// dies holding it blocks the shop's setup for setupLockTTL at most.
	setupRunLimit = 4 * time.Minute
	setupLockTTL  = 5 * time.Minute
	// setupLockWait is how long a run waits for another to finish; the
	// wizard's request is bounded tighter by its own deadline.
	setupLockWait = 30 * time.Second
	setupLockPoll = 250 * time.Millisecond
)

// lockSetup takes the shop's setup lock, waiting for a run in progress, and
// returns the function that gives it back.
func (a *App) lockSetup(ctx context.Context, shopID string) (func(), error) {
	key := "insales-setup:" + shopID
	owner, err := randomHex(8)
	if err != nil {
		return nil, err
	}
	wctx, cancel := context.WithTimeout(ctx, setupLockWait)
	defer cancel()
	tick := time.NewTicker(setupLockPoll)
	defer tick.Stop()
	for {
		ok, err := a.o.Locks.Acquire(wctx, key, owner, a.o.Now(), setupLockTTL)
		if err != nil && wctx.Err() == nil {
			return nil, fmt.Errorf("shopapp: setup %s: lock: %w", shopID, err)
		}
		if ok {
			return func() {
				rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
				defer cancel()
				if err := a.o.Locks.Release(rctx, key, owner); err != nil {
					a.log.Warn("release setup lock", slog.String("shop_id", shopID), slog.String("error", err.Error()))
				}
			}, nil
		}
		select {
		case <-wctx.Done():
			if errors.Is(ctx.Err(), context.Canceled) {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("%w: shop %s", ErrSetupBusy, shopID)
		case <-tick.C:
		}
	}
}

// RunSetup makes sure the shop has the app's webhooks, track field and order
// widget. Every step first looks for what an earlier run (or install)
// created and reuses it, so running it again creates no duplicates. A failed
// step is recorded (failed + error) and the next steps still run; the error
// lists every failure. Steps already done are skipped until the next install
// resets them.
//
// One run at a time per shop, across processes: a run that finds another
// in progress waits for it (then usually finds every step done), and gives
// up with ErrSetupBusy after setupLockWait.
func (a *App) RunSetup(ctx context.Context, shopID string) error {
	unlock, err := a.lockSetup(ctx, shopID)
	if err != nil {
		return err
	}
	defer unlock()
	ctx, cancel := context.WithTimeout(ctx, setupRunLimit)
	defer cancel()
	shop, err := a.shopByID(ctx, shopID)
	if err != nil {
		return err
	}
	if shop.Uninstalled() {
		return nil
	}
	creds, err := a.creds(shop)
	if err != nil {
		return err
	}
	log := a.log.With(slog.String("shop_id", shop.ID))
	var errs []error
	for _, step := range SetupSteps() {
		prev := shop.Setup.Step(step)
		if prev.Status == StepDone {
			continue
		}
		res, err := a.runStep(ctx, step, shop, creds)
		st := StepState{Step: step, Status: StepDone, Attempts: prev.Attempts + 1, UpdatedAt: a.o.Now()}
		if err != nil {
			st.Status, st.LastError = StepFailed, errText(err)
			errs = append(errs, fmt.Errorf("shopapp: setup %s: %s: %w", shop.ID, step, err))
			log.Warn("setup step failed", slog.String("step", string(step)), slog.String("error", st.LastError))
		}
		if serr := a.o.Shops.SaveSetupStep(ctx, shop.ID, st, res); serr != nil {
			return errors.Join(append(errs, serr)...)
		}
		// Later steps see what earlier ones created.
		if res.TrackFieldID != 0 {
			shop.Settings.TrackFieldID = res.TrackFieldID
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	// Last, so a failure leaves the setup pending and it is retried.
	if _, err := a.resumeUninstalled(ctx, shop); err != nil {
		return fmt.Errorf("shopapp: setup %s: %w", shop.ID, err)
	}
	if err := a.o.Shops.SetSetupComplete(ctx, shop.ID, a.o.Now()); err != nil {
		return fmt.Errorf("shopapp: setup %s: %w", shop.ID, err)
	}
	log.Info("setup complete", slog.Int64("track_field_id", shop.Settings.TrackFieldID))
	return nil
}

func (a *App) runStep(ctx context.Context, step SetupStep, shop Shop, creds insales.Shop) (SetupResult, error) {
	switch step {
	case StepWebhooks:
		ids, err := a.setupWebhooks(ctx, shop, creds)
		return SetupResult{WebhookIDs: ids}, err
	case StepTrackField:
		id, err := a.setupTrackField(ctx, shop, creds)
		return SetupResult{TrackFieldID: id}, err
	case StepWidget:
		id, err := a.setupWidget(ctx, shop, creds)
		return SetupResult{WidgetID: id}, err
	}
	return SetupResult{}, fmt.Errorf("unknown step %q", step)
}

// setupWebhooks subscribes orders/create and orders/update to the shop's
// secret URL, reusing subscriptions that exist ((address, topic) is unique
// per app), and removes the app's subscriptions to an old secret URL.
func (a *App) setupWebhooks(ctx context.Context, shop Shop, creds insales.Shop) ([]int64, error) {
	if shop.Settings.WebhookSecret == "" {
		return nil, errors.New("the shop has no webhook secret yet")
	}
	hooks, err := a.o.Client.ListWebhooks(ctx, creds)
	if err != nil {
		return nil, err
	}
	address := a.WebhookURL(shop)
	var ids []int64
	for _, topic := range []string{insales.TopicOrdersCreate, insales.TopicOrdersUpdate} {
		i := slices.IndexFunc(hooks, func(h insales.Webhook) bool { return h.Address == address && h.Topic == topic })
		if i >= 0 {
			ids = append(ids, hooks[i].ID)
			continue
		}
		h, err := a.o.Client.CreateWebhook(ctx, creds, insales.WebhookInput{Address: address, Topic: topic, FormatType: insales.FormatJSON})
		if err != nil {
			return nil, err
		}
		ids = append(ids, h.ID)
	}
	for _, h := range hooks {
		if h.Address != address && strings.HasPrefix(h.Address, a.o.BaseURL+webhookPath+shop.ID+".") {
			if err := a.o.Client.DeleteWebhook(ctx, creds, h.ID); err != nil && !insales.IsNotFound(err) {
				return nil, err
			}
		}
	}
	return ids, nil
}

// setupTrackField finds the app's order field by its remembered id, then by
// its handle, and creates it only when neither exists.
func (a *App) setupTrackField(ctx context.Context, shop Shop, creds insales.Shop) (int64, error) {
	if id := shop.Settings.TrackFieldID; id != 0 {
		f, err := a.o.Client.GetField(ctx, creds, id)
		switch {
		case err == nil && f.Destiny == insales.DestinyOrder:
			return f.ID, nil
		case err != nil && !insales.IsNotFound(err):
			return 0, err
		}
	}
	fields, err := a.o.Client.ListFields(ctx, creds)
	if err != nil {
		return 0, err
	}
	for _, f := range fields {
		if f.Destiny == insales.DestinyOrder && strings.EqualFold(strings.TrimSpace(f.Handle), TrackFieldHandle) {
			return f.ID, nil
		}
	}
	in := insales.TrackFieldInput(insales.DefaultTrackFieldName)
	in.Handle = TrackFieldHandle
	f, err := a.o.Client.CreateField(ctx, creds, in)
	if err != nil {
		return 0, err
	}
	return f.ID, nil
}

// setupWidget updates the app's widget in place (by remembered id, else the
// one whose code carries the app's marker) or creates it.
func (a *App) setupWidget(ctx context.Context, shop Shop, creds insales.Shop) (int64, error) {
	if shop.Settings.WidgetKey == "" {
		return 0, errors.New("the shop has no widget key yet")
	}
	in := insales.ApplicationWidgetInput{Code: a.WidgetCode(shop.Settings.WidgetKey), Height: WidgetHeight, PageType: insales.PageTypeOrder}
	id := shop.Settings.WidgetID
	if id == 0 {
		ws, err := a.o.Client.ListApplicationWidgets(ctx, creds)
		if err != nil {
			return 0, err
		}
		for _, w := range ws {
			if strings.Contains(w.Code, widgetMarker) {
				id = w.ID
				break
			}
		}
	}
	if id != 0 {
		w, err := a.o.Client.UpdateApplicationWidget(ctx, creds, id, in)
		if err == nil {
			return w.ID, nil
		}
		if !insales.IsNotFound(err) {
			return 0, err
		}
	}
	w, err := a.o.Client.CreateApplicationWidget(ctx, creds, in)
	if err != nil {
		return 0, err
	}
	return w.ID, nil
}

// RunPendingSetups runs the setup job for every installed shop whose setup is
// not complete; a periodic singleton job calls it. It returns the number of
// shops it completed.
func (a *App) RunPendingSetups(ctx context.Context) (int, error) {
	ids, err := a.o.Shops.ShopsNeedingSetup(ctx, 100)
	if err != nil {
		return 0, fmt.Errorf("shopapp: pending setups: %w", err)
	}
	done, failed := 0, 0
	for _, id := range ids {
		if ctx.Err() != nil {
			return done, ctx.Err()
		}
		if err := a.RunSetup(ctx, id); err != nil {
			failed++
			continue
		}
		done++
	}
	if len(ids) > 0 {
		a.log.Info("pending setups run", slog.Int("shops", len(ids)), slog.Int("completed", done), slog.Int("failed", failed))
	}
	return done, nil
}
