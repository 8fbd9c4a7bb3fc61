package shopapp_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"parceltrack/billing"
	"parceltrack/insales"
	"parceltrack/shopapp"
	"parceltrack/tracking"
)

func TestInstallStoresSealedPasswordAndWelcome(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	ctx := e.ctx()
	e.accounts.set("shop.myinsales.ru", 42, "token123")
	first, err := e.app.Install(ctx, shopapp.InstallRequest{Shop: " Shop.MyInsales.ru ", Token: "token123", InsalesID: 42})
	if err != nil {
		t.Fatal(err)
	}
	sealer, _ := shopapp.NewSealer(testSealKey)
	pw, err := sealer.Open(first.PasswordEnc, shopapp.ShopLabel(42))
	// The documented test vector: md5("token123" + "mysecret").
	if err != nil || pw != "4c3f4c197336eb97475506e71c839c71" {
		t.Fatalf("stored password %q, %v", pw, err)
	}
	if strings.Contains(string(first.PasswordEnc), pw) {
		t.Fatal("password stored in clear")
	}
	if first.Domain != "shop.myinsales.ru" || first.Settings.WebhookSecret == "" || first.Settings.WidgetKey == "" || first.Balance != 1000 {
		t.Fatalf("installed shop: %+v", first)
	}
	h, err := e.bill.History(ctx, first.ID, 0, 10)
	if err != nil || len(h) != 1 || h[0].Kind != billing.KindWelcome || h[0].Amount != 1000 {
		t.Fatalf("welcome credit not recorded: %+v %v", h, err)
	}

	// A reinstall: same shop, new password, the secrets and balance kept.
	e.accounts.set("shop.myinsales.ru", 42, "token456")
	again, err := e.app.Install(ctx, shopapp.InstallRequest{Shop: "shop.myinsales.ru", Token: "token456", InsalesID: 42})
	if err != nil {
		t.Fatal(err)
	}
	pw2, _ := sealer.Open(again.PasswordEnc, shopapp.ShopLabel(42))
	if again.ID != first.ID || pw2 != insales.InstallPassword("token456", testAppSecret) ||
		again.Settings.WebhookSecret != first.Settings.WebhookSecret || again.Settings.WidgetKey != first.Settings.WidgetKey || again.Balance != 1000 {
		t.Fatalf("reinstall: %+v", again)
	}

	for _, bad := range []shopapp.InstallRequest{
		{Token: "t", InsalesID: 1},
		{Shop: "s.myinsales.ru", InsalesID: 1},
		{Shop: "s.myinsales.ru", Token: "t"},
	} {
		if _, err := e.app.Install(ctx, bad); !errors.Is(err, shopapp.ErrBadRequest) {
			t.Errorf("install %+v: %v, want ErrBadRequest", bad, err)
		}
	}
}

// TestInstallIsCheckedWithInSales: an install whose token InSales does not
// accept, or that names another shop's insales_id, or a host outside
// InSales, changes nothing — the stored password stays the one InSales gave.
func TestInstallIsCheckedWithInSales(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	ctx := e.ctx()
	shop := e.installDirect(42, 0) // shop-42.myinsales.ru, token123
	e.accounts.set("other.myinsales.ru", 77, "token-other")

	tests := []struct {
		name string
		req  shopapp.InstallRequest
		want error // nil: any error but these two (InSales cancels the install, a retry may pass)
	}{
		{"InSales failing", shopapp.InstallRequest{Shop: downShop, Token: "t", InsalesID: 44}, nil},
		{"a token InSales never issued", shopapp.InstallRequest{Shop: shop.Domain, Token: "guessed", InsalesID: 42}, shopapp.ErrDenied},
		{"another shop's token for this insales_id", shopapp.InstallRequest{Shop: "other.myinsales.ru", Token: "token-other", InsalesID: 42}, shopapp.ErrDenied},
		{"a shop InSales does not know", shopapp.InstallRequest{Shop: "nobody.myinsales.ru", Token: "t", InsalesID: 43}, shopapp.ErrDenied},
		{"a host outside InSales", shopapp.InstallRequest{Shop: "evil.example.com", Token: "token123", InsalesID: 42}, shopapp.ErrBadRequest},
		{"a look-alike host", shopapp.InstallRequest{Shop: "evil.com/x.myinsales.ru", Token: "token123", InsalesID: 42}, shopapp.ErrBadRequest},
		{"the zone itself", shopapp.InstallRequest{Shop: ".myinsales.ru", Token: "token123", InsalesID: 42}, shopapp.ErrBadRequest},
		{"a host with a port", shopapp.InstallRequest{Shop: "shop-42.myinsales.ru:444", Token: "token123", InsalesID: 42}, shopapp.ErrBadRequest},
	}
	for _, tt := range tests {
		_, err := e.app.Install(ctx, tt.req)
		switch {
		case err == nil:
			t.Errorf("%s: installed", tt.name)
		case tt.want == nil && (errors.Is(err, shopapp.ErrDenied) || errors.Is(err, shopapp.ErrBadRequest)):
			t.Errorf("%s: %v, want a failure that is neither a refusal nor a bad request", tt.name, err)
		case tt.want != nil && !errors.Is(err, tt.want):
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
	sealer, _ := shopapp.NewSealer(testSealKey)
	after := e.shop(shop.ID)
	if pw, err := sealer.Open(after.PasswordEnc, shopapp.ShopLabel(42)); err != nil || pw != insales.InstallPassword("token123", testAppSecret) {
		t.Fatalf("stored password changed by a refused install: %v", err)
	}
	if after.Domain != shop.Domain {
		t.Fatalf("domain changed to %q", after.Domain)
	}
	for _, id := range []int64{43, 44} {
		if _, err := e.db.Shops().ShopByInsalesID(ctx, id); err == nil {
			t.Fatalf("shop %d was created though InSales did not confirm it", id)
		}
	}
}

func TestUninstallChecksTheToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	ctx := e.ctx()
	shop := e.installDirect(7, 555)
	res := mustImport(t, e, shop, orderWithTrack(1, time.Now(), 555, "RA644000001RU"))
	password := insales.InstallPassword("token123", testAppSecret)

	tests := []struct {
		name          string
		req           shopapp.UninstallRequest
		wantErr       error
		wantUninstall bool
	}{
		{"unknown shop is fine", shopapp.UninstallRequest{Token: password, InsalesID: 8}, nil, false},
		{"wrong token refused", shopapp.UninstallRequest{Token: "0" + password[1:], InsalesID: 7}, shopapp.ErrDenied, false},
		{"empty token refused", shopapp.UninstallRequest{InsalesID: 7}, shopapp.ErrDenied, false},
		{"the password uninstalls", shopapp.UninstallRequest{Token: strings.ToUpper(password), InsalesID: 7}, nil, true},
	}
	for _, tt := range tests {
		err := e.app.Uninstall(ctx, tt.req)
		if !errors.Is(err, tt.wantErr) {
			t.Fatalf("%s: %v, want %v", tt.name, err, tt.wantErr)
		}
		if got := e.shop(shop.ID).Uninstalled(); got != tt.wantUninstall {
			t.Fatalf("%s: uninstalled = %v", tt.name, got)
		}
	}
	// Data is kept; the parcel stopped and is no longer polled.
	ps := e.parcels(shop.ID, 1)
	if len(ps) != 1 || !ps[0].Stopped() || ps[0].StopReason != shopapp.StopUninstalled || !e.poll(res.ParcelID).NextPollAt.IsZero() {
		t.Fatalf("after uninstall: %s poll %+v", describe(ps), e.poll(res.ParcelID))
	}
	// Events for an uninstalled shop change nothing.
	if r := mustImport(t, e, e.shop(shop.ID), orderWithTrack(1, time.Now().Add(time.Hour), 555, "RA123456785RU")); r.Outcome != shopapp.OutcomeIgnored {
		t.Fatalf("import after uninstall: %+v", r)
	}
}

func TestReceiveWebhook(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	ctx := e.ctx()
	shop := e.installDirect(9, 555)
	other := e.installDirect(10, 555)
	good := shopapp.WebhookToken(shop.ID, shop.Settings.WebhookSecret)
	body := `{"id": 31, "number": 1031, "updated_at": "2026-04-08T11:23:18.000+03:00",
		"client": {"name": "Анна", "phone": "+7 912 000-11-22"},
		"fields_values": [{"id": 5, "field_id": 555, "value": "ra 644000001 ru"}]}`

	refused := []struct {
		name  string
		token string
		body  string
		want  error
	}{
		{"wrong secret", shop.ID + "." + strings.Repeat("0", len(shop.Settings.WebhookSecret)), body, shopapp.ErrDenied},
		{"another shop's secret", shop.ID + "." + other.Settings.WebhookSecret, body, shopapp.ErrDenied},
		{"unknown shop", "nope." + shop.Settings.WebhookSecret, body, shopapp.ErrDenied},
		{"no separator", shop.Settings.WebhookSecret, body, shopapp.ErrDenied},
		{"empty", "", body, shopapp.ErrDenied},
		{"malformed JSON", good, `{"id": 31,`, shopapp.ErrBadRequest},
		{"not an order", good, `{"status": "ok"}`, shopapp.ErrBadRequest},
		{"empty body", good, ``, shopapp.ErrBadRequest},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			if err := e.app.ReceiveWebhook(ctx, tt.token, []byte(tt.body)); !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
	if n, m := e.count("parcels"), e.count("events_seen"); n != 0 || m != 0 {
		t.Fatalf("a refused webhook stored %d parcels, %d events", n, m)
	}

	// A delivery whose import cannot be stored is not acknowledged: InSales
	// sends it again.
	e.queue.down.Store(true)
	if err := e.app.ReceiveWebhook(ctx, good, []byte(body)); err == nil || errors.Is(err, shopapp.ErrBadRequest) || errors.Is(err, shopapp.ErrDenied) {
		t.Fatalf("webhook with the job store down: %v, want a failure to answer 500", err)
	}
	e.queue.down.Store(false)
	if n := e.count("parcels"); n != 0 {
		t.Fatalf("an unstored delivery imported %d parcels", n)
	}

	if err := e.app.ReceiveWebhook(ctx, good, []byte(body)); err != nil {
		t.Fatal(err)
	}
	ps := e.parcels(shop.ID, 31)
	if len(ps) != 1 || ps[0].Track != "RA644000001RU" || ps[0].State != tracking.StateRegistered || ps[0].OrderNumber != "1031" {
		t.Fatalf("webhook import: %s", describe(ps))
	}
}

// TestWebhookImportsAreJobs: a delivery is answered once its import is
// stored; the import runs later, in a worker, in the order the deliveries
// came, and a duplicate changes nothing.
func TestWebhookImportsAreJobs(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{async: true})
	ctx := e.ctx()
	shop := e.installDirect(30, 555)
	e.runJobs() // the install's setup
	token := shopapp.WebhookToken(shop.ID, shop.Settings.WebhookSecret)
	body := []byte(`{"id": 5, "updated_at": "2026-04-08T11:23:18.000+03:00", "fields_values": [{"field_id": 555, "value": "RA644000001RU"}]}`)
	changed := []byte(`{"id": 5, "updated_at": "2026-04-08T11:25:00.000+03:00", "fields_values": [{"field_id": 555, "value": "RA123456785RU"}]}`)
	for _, b := range [][]byte{body, body, changed} {
		if err := e.app.ReceiveWebhook(ctx, token, b); err != nil {
			t.Fatal(err)
		}
	}
	if ps := e.parcels(shop.ID, 5); len(ps) != 0 {
		t.Fatalf("imported before a worker ran the jobs: %s", describe(ps))
	}
	if n := e.runJobs(); n != 3 {
		t.Fatalf("ran %d jobs, want the 3 deliveries", n)
	}
	ps := e.parcels(shop.ID, 5)
	if len(ps) != 2 || len(e.charges(shop.ID)) != 2 {
		t.Fatalf("parcels %s, charges %+v", describe(ps), e.charges(shop.ID))
	}
	for _, p := range ps {
		if p.Stopped() != (p.Track == "RA644000001RU") {
			t.Fatalf("the changed track did not replace the first: %s", describe(ps))
		}
	}
}

// TestReinstallTracksUninstalledParcelsAgain: parcels an uninstall stopped
// are tracked again once the app is back and set up, without a second
// charge and with their entry date; parcels stopped for another reason stay
// stopped.
func TestReinstallTracksUninstalledParcelsAgain(t *testing.T) {
	t.Parallel()
	clock := clockwork.NewFakeClockAt(trackingNow)
	e := newEnv(t, envOptions{sandbox: true, trackingClock: clock.Now})
	ctx := e.ctx()
	shop := e.installSandbox()
	tracked := mustImport(t, e, shop, orderWithTrack(1, time.Now(), shop.Settings.TrackFieldID, "RA644000001RU"))
	mustImport(t, e, shop, orderWithTrack(2, time.Now(), shop.Settings.TrackFieldID, "RA123456785RU"))
	cleared := mustImport(t, e, shop, orderWithTrack(2, time.Now().Add(time.Minute), shop.Settings.TrackFieldID, ""))
	if cleared.Outcome != shopapp.OutcomeStopped {
		t.Fatalf("clearing the track: %+v", cleared)
	}
	enteredAt := e.parcels(shop.ID, 1)[0].EnteredAt
	charges := len(e.charges(shop.ID))

	if err := e.sb.Uninstall(ctx); err != nil {
		t.Fatal(err)
	}
	if p := e.parcels(shop.ID, 1)[0]; p.StopReason != shopapp.StopUninstalled || !e.poll(tracked.ParcelID).NextPollAt.IsZero() {
		t.Fatalf("after uninstall: %s", describe([]shopapp.Parcel{p}))
	}

	clock.Advance(72 * time.Hour)
	if err := e.sb.Install(ctx); err != nil {
		t.Fatal(err)
	}
	if !e.shopByInsalesID(e.sb.InsalesID()).Setup.Complete {
		t.Fatal("setup after the reinstall did not complete")
	}
	p := e.parcels(shop.ID, 1)[0]
	if p.Stopped() || p.State != tracking.StateRegistered || !p.EnteredAt.Equal(enteredAt) {
		t.Fatalf("after reinstall: %s entered %v, want tracked again from %v", describe([]shopapp.Parcel{p}), p.EnteredAt, enteredAt)
	}
	if poll := e.poll(tracked.ParcelID); poll.NextPollAt.IsZero() || poll.NextPollAt.After(clock.Now()) || !poll.EnteredAt.Equal(enteredAt) {
		t.Fatalf("polling row after reinstall: %+v; want due now", poll)
	}
	for _, p := range e.parcels(shop.ID, 2) {
		if !p.Stopped() || p.StopReason == shopapp.StopUninstalled {
			t.Fatalf("order 2 after reinstall: %s; its parcels stay stopped as the merchant left them", describe(e.parcels(shop.ID, 2)))
		}
	}
	// Running the setup again changes nothing and charges nothing.
	if err := e.app.RunSetup(ctx, shop.ID); err != nil {
		t.Fatal(err)
	}
	if n := len(e.charges(shop.ID)); n != charges {
		t.Fatalf("%d tracking charges after the reinstall, want still %d", n, charges)
	}
}
