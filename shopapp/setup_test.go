package shopapp_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	insalessandbox "parceltrack/sandbox/insales"
	"parceltrack/shopapp"
)

// appResources counts what the app owns in the sandbox shop.
type appResources struct {
	webhooks, fields, widgets int
	fieldID                   int64
	widgetCode                string
}

func (e *env) resources(t *testing.T) appResources {
	t.Helper()
	ctx := context.Background()
	var r appResources
	hooks, _ := e.sbStore.ListWebhooks(ctx)
	r.webhooks = len(hooks)
	fields, _ := e.sbStore.ListFields(ctx)
	for _, f := range fields {
		if f.Handle == shopapp.TrackFieldHandle {
			r.fields++
			r.fieldID = f.ID
		}
	}
	ws, _ := e.sbStore.ListWidgets(ctx)
	r.widgets = len(ws)
	if len(ws) > 0 {
		r.widgetCode = ws[0].Code
	}
	return r
}

func TestSetupCreatesEachResourceOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{sandbox: true})
	ctx := e.ctx()
	// Another app's order field with our title: it must not be taken.
	now := time.Now()
	if err := e.sbStore.PutField(ctx, insalessandbox.Field{ID: 23780250, Destiny: 3, Title: "Трек-номер", OfficeTitle: "Трек-номер",
		Handle: "post_track_number", Type: "Field::TextField", Active: true, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	// The first widget create fails, as InSales sometimes does.
	e.faults.failNext("POST", "/admin/application_widgets.json", 1)

	shop := e.installSandbox()
	if shop.Setup.Complete || shop.Setup.Step(shopapp.StepWidget).Status != shopapp.StepFailed ||
		!strings.Contains(shop.Setup.Step(shopapp.StepWidget).LastError, "500") ||
		shop.Setup.Step(shopapp.StepWebhooks).Status != shopapp.StepDone || shop.Setup.Step(shopapp.StepTrackField).Status != shopapp.StepDone {
		t.Fatalf("setup after a failing step: %+v", shop.Setup)
	}
	if r := e.resources(t); r.webhooks != 2 || r.fields != 1 || r.widgets != 0 || r.fieldID == 23780250 || r.fieldID != shop.Settings.TrackFieldID {
		t.Fatalf("after the failed run: %+v, shop field %d", r, shop.Settings.TrackFieldID)
	}

	// The periodic job picks the incomplete shop up and finishes it.
	if n, err := e.app.RunPendingSetups(ctx); err != nil || n != 1 {
		t.Fatalf("pending setups: %d %v", n, err)
	}
	shop = e.shop(shop.ID)
	want := appResources{webhooks: 2, fields: 1, widgets: 1, fieldID: shop.Settings.TrackFieldID}
	check := func(stage string) {
		t.Helper()
		r := e.resources(t)
		if r.webhooks != want.webhooks || r.fields != want.fields || r.widgets != want.widgets || r.fieldID != want.fieldID {
			t.Fatalf("%s: %+v, want %+v", stage, r, want)
		}
		if !strings.Contains(r.widgetCode, e.appURL+"/widget/"+shop.Settings.WidgetKey+"/") || !strings.Contains(r.widgetCode, "window.order_info") {
			t.Fatalf("%s: widget code %q", stage, r.widgetCode)
		}
	}
	if !shop.Setup.Complete || shop.Setup.Step(shopapp.StepWidget).Attempts != 2 || shop.Settings.WidgetID == 0 || len(shop.Settings.WebhookIDs) != 2 {
		t.Fatalf("completed setup: %+v", shop)
	}
	check("after the retry")

	// A reinstall reruns every step and finds everything again.
	e.faults.failNext("GET", "/admin/webhooks.json", 1)
	shop = e.installSandbox()
	if shop.Setup.Complete {
		t.Fatalf("reinstall with a failing list completed: %+v", shop.Setup)
	}
	if err := e.app.RunSetup(ctx, shop.ID); err != nil {
		t.Fatal(err)
	}
	check("after a reinstall")
	if again := e.shop(shop.ID); !again.Setup.Complete || again.Settings.WidgetID != shop.Settings.WidgetID {
		t.Fatalf("reinstall setup: %+v", again)
	}

	// Uninstall removes webhooks and widgets at InSales; the next install
	// makes them again and reuses the field.
	if err := e.sb.Uninstall(ctx); err != nil {
		t.Fatal(err)
	}
	if !e.shop(shop.ID).Uninstalled() {
		t.Fatal("uninstall not recorded")
	}
	e.installSandbox()
	check("after uninstall and install")
}

// TestConcurrentSetupRunsCreateEachResourceOnce: the wizard's «Повторить»,
// the queue's retry and the periodic job (maybe in another process) can run
// one shop's setup at once; each looks for existing resources before it
// creates them, so without the shop's lock they would all create them.
func TestConcurrentSetupRunsCreateEachResourceOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{sandbox: true})
	ctx := e.ctx()
	for _, list := range []string{"/admin/webhooks.json", "/admin/fields.json", "/admin/application_widgets.json"} {
		e.faults.failNext("GET", list, 1)
	}
	shop := e.installSandbox()
	if shop.Setup.Complete || shop.Setup.Step(shopapp.StepWebhooks).Status != shopapp.StepFailed {
		t.Fatalf("install-time setup should have failed: %+v", shop.Setup)
	}
	e.faults.slowDown(30 * time.Millisecond)

	const runs = 3
	errs := make(chan error, runs)
	for range runs {
		go func() { errs <- e.app.RunSetup(ctx, shop.ID) }()
	}
	for range runs {
		if err := <-errs; err != nil {
			t.Errorf("run: %v", err)
		}
	}
	if r := e.resources(t); r.webhooks != 2 || r.fields != 1 || r.widgets != 1 {
		t.Fatalf("%d runs at once made %d webhooks, %d fields, %d widgets; want 2, 1, 1", runs, r.webhooks, r.fields, r.widgets)
	}
	if !e.shop(shop.ID).Setup.Complete {
		t.Fatal("setup not complete")
	}
}

// TestSetupWaitsForARunInProgress: while another process holds the shop's
// setup lock, a run waits, and tells it is busy when its time is up.
func TestSetupWaitsForARunInProgress(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{sandbox: true})
	shop := e.installSandbox()
	key := "insales-setup:" + shop.ID
	if ok, err := e.db.Leases().Acquire(e.ctx(), key, "other-process", time.Now(), time.Minute); err != nil || !ok {
		t.Fatalf("take the lock: %v %v", ok, err)
	}
	ctx, cancel := context.WithTimeout(e.ctx(), 700*time.Millisecond)
	defer cancel()
	if err := e.app.RunSetup(ctx, shop.ID); !errors.Is(err, shopapp.ErrSetupBusy) {
		t.Fatalf("run while another holds the lock: %v, want ErrSetupBusy", err)
	}
	if err := e.db.Leases().Release(e.ctx(), key, "other-process"); err != nil {
		t.Fatal(err)
	}
	if err := e.app.RunSetup(e.ctx(), shop.ID); err != nil {
		t.Fatalf("run once the lock is free: %v", err)
	}
}
