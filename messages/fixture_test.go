package messages_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"parceltrack/billing"
	"parceltrack/messages"
	"parceltrack/notify"
	"parceltrack/sandbox/outbox"
	"parceltrack/sandbox/smtpsink"
	twiliosandbox "parceltrack/sandbox/twilio"
	"parceltrack/shopapp"
	"parceltrack/storage"
	"parceltrack/storage/storagetest"
	"parceltrack/tracking"
)

// server is the one embedded database server of this test package.
var server = storagetest.NewServer()

func TestMain(m *testing.M) {
	code := m.Run()
	server.Close()
	os.Exit(code)
}

// The outbox implements what the domain declares.
var _ messages.Store = (*storage.Notifications)(nil)

const (
	testSID   = "AC0123456789abcdef0123456789abcdef"
	testToken = "testauthtoken0123"
)

// clock is a settable clock shared by the tracking and the wall clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fixture is one shop on a fresh database with the real channels against
// the sandbox Twilio (behind a switch that can make it fail) and the SMTP
// sink, both recording into out.
type fixture struct {
	t     *testing.T
	db    *storage.DB
	bill  *billing.Service
	clock *clock
	out   *outbox.Memory
	shop  shopapp.Shop
	// failNext makes the next n Twilio requests answer 500.
	failNext atomic.Int64
	channels []notify.Channel
	seq      int
}

// msk is Moscow for the dates tests write.
var msk = tracking.Moscow

// start is the fixtures' first instant: 10:00 in Moscow.
var start = time.Date(2030, 3, 4, 10, 0, 0, 0, msk)

func newFixture(t *testing.T, welcome int64) *fixture {
	t.Helper()
	f := &fixture{t: t, db: server.DB(t), clock: &clock{t: start}, out: &outbox.Memory{}}
	f.bill = billing.New(f.db.Ledger(), billing.Options{Prices: billing.DefaultPrices(), Now: f.clock.Now})
	ctx := context.Background()
	shop, _, err := f.db.Shops().InstallShop(ctx, shopapp.InstallRecord{InsalesID: 1, Domain: "shop.myinsales.ru", Name: "Пледы"}, welcome, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.bill.Settle(ctx, shop.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.db.Shops().SaveEmail(ctx, shop.ID, "owner@shop.example", f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	f.shop = f.reloadShop()

	tw := twiliosandbox.New(twiliosandbox.Config{AccountSID: testSID, AuthToken: testToken, Recorder: f.out})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f.failNext.Add(-1) >= 0 {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`{"code": 20500, "message": "Internal Server Error", "status": 500}`))
			return
		}
		tw.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { srv.Close(); tw.Close() })
	f.failNext.Store(0)
	tc := notify.TwilioConfig{AccountSID: testSID, AuthToken: testToken, From: "+15005550006", BaseURL: srv.URL,
		Voice: "Polly.Tatyana", VoiceRepeat: true}
	sms, err := notify.NewSMS(tc)
	if err != nil {
		t.Fatal(err)
	}
	voice, err := notify.NewVoice(tc)
	if err != nil {
		t.Fatal(err)
	}
	sink, err := smtpsink.Start(ctx, "127.0.0.1:0", f.out)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sink.Close() })
	email, err := notify.NewEmail(notify.SMTPConfig{Host: sink.Host(), Port: sink.Port(), From: "noreply@parceltrack.test", TLS: notify.SMTPTLSNone})
	if err != nil {
		t.Fatal(err)
	}
	f.channels = []notify.Channel{sms, voice, email}
	return f
}

func (f *fixture) reloadShop() shopapp.Shop {
	f.t.Helper()
	s, err := f.db.Shops().Shop(context.Background(), f.shop.ID)
	if f.shop.ID == "" {
		s, err = f.db.Shops().ShopByInsalesID(context.Background(), 1)
	}
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

// dispatcher builds a dispatcher over the fixture (owner names it).
func (f *fixture) dispatcher(owner string, change ...func(*messages.DispatcherOptions)) *messages.Dispatcher {
	f.t.Helper()
	o := messages.DispatcherOptions{
		Owner: owner, Store: f.db.Notifications(), Parcels: f.db.Parcels(), Shops: f.db.Shops(), Billing: f.bill,
		Budgets: f.db.Budgets(), Links: linker{}, Channels: f.channels, BaseURL: "https://pt.example",
		StatusCallback: "https://pt.example/notify/twilio/status", Rules: tracking.DefaultRules(),
		Clock: f.clock.Now, TrackingClock: f.clock.Now, Lease: time.Minute,
	}
	for _, c := range change {
		c(&o)
	}
	d, err := messages.NewDispatcher(o)
	if err != nil {
		f.t.Fatal(err)
	}
	return d
}

func (f *fixture) planner() *messages.Planner {
	return messages.NewPlanner(messages.PlannerOptions{Store: f.db.Notifications(), Parcels: f.db.Parcels(),
		Shops: f.db.Shops(), Clock: f.clock.Now})
}

// linker gives every parcel the link its id makes: the buyer's page itself
// is shopapp's and tested there.
type linker struct{}

func (linker) Link(_ context.Context, p shopapp.Parcel) (string, error) { return "L" + p.ID, nil }

// buyer is who a fixture parcel goes to.
type buyer struct {
	phone, email, postcode string
}

var moscowBuyer = buyer{phone: "+79161234567", email: "anna@example.ru", postcode: "101000"}

// parcel stores a parcel entered at enteredAt with the given history and
// returns it.
func (f *fixture) parcel(b buyer, enteredAt time.Time, events ...tracking.Event) shopapp.Parcel {
	f.t.Helper()
	f.seq++
	p := shopapp.Parcel{
		ID: "p" + strconv.Itoa(f.seq), ShopID: f.shop.ID, OrderID: int64(1000 + f.seq), Track: "RA644000001RU",
		Carrier: "russianpost",
		OrderFacts: shopapp.OrderFacts{OrderNumber: strconv.Itoa(1000 + f.seq),
			Buyer:    shopapp.Buyer{Name: "Анна", Phone: b.phone, PhoneOK: b.phone != "", Email: b.email, EmailOK: b.email != ""},
			Products: []string{"Плед шерстяной"}, DestPostcode: b.postcode},
		State: tracking.StateRegistered, EnteredAt: enteredAt, TrackSetAt: enteredAt, Events: events,
	}
	if err := f.db.Parcels().InsertParcel(context.Background(), p, enteredAt); err != nil {
		f.t.Fatal(err)
	}
	return p
}

// setEvents replaces the parcel's history, as a poll would.
func (f *fixture) setEvents(p *shopapp.Parcel, at time.Time, events ...tracking.Event) {
	f.t.Helper()
	p.Events = events
	st := p.Tracking(at, tracking.DefaultRules())
	if err := f.db.Parcels().ApplyTracking(context.Background(), p.ID, st, at); err != nil {
		f.t.Fatal(err)
	}
	p.State = st.State
}

// change is what the poller hands the planner for p seen at at.
func change(p shopapp.Parcel, from tracking.State, at time.Time) tracking.Change {
	return tracking.Change{Schedule: tracking.Schedule{ID: p.ID, ShopID: p.ShopID, State: from},
		Status: p.Tracking(at, tracking.DefaultRules()), At: at}
}

// plan runs the planner on p as seen at at and returns how many rows were
// new.
func (f *fixture) plan(p shopapp.Parcel, at time.Time) {
	f.t.Helper()
	if err := f.planner().OnChange(context.Background(), change(p, "", at)); err != nil {
		f.t.Fatal(err)
	}
}

// Events of a typical history, in the office's offset.
func accepted(at time.Time) tracking.Event {
	return tracking.Event{At: at, Type: 1, Attr: 1, Name: "Приём", OfficeIndex: "190000", OfficeName: "Санкт-Петербург"}
}

func arrived(at time.Time, index string) tracking.Event {
	return tracking.Event{At: at, Type: 8, Attr: 2, Name: "Прибыло в место вручения", OfficeIndex: index, OfficeName: "Отделение " + index}
}

func delivered(at time.Time, index string) tracking.Event {
	return tracking.Event{At: at, Type: 2, Attr: 1, Name: "Вручение адресату", OfficeIndex: index, OfficeName: "Отделение " + index}
}

// rows reads every row of the outbox, keyed by key.
func (f *fixture) rows() map[string]messages.Notification {
	f.t.Helper()
	all, err := f.db.Notifications().ByShop(context.Background(), f.shop.ID, 10_000)
	if err != nil {
		f.t.Fatal(err)
	}
	out := map[string]messages.Notification{}
	for _, n := range all {
		out[n.Key] = n
	}
	return out
}

// ledger sums the shop's ledger per ref.
func (f *fixture) ledger() map[string]int64 {
	f.t.Helper()
	entries, err := f.bill.History(context.Background(), f.shop.ID, 0, 10_000)
	if err != nil {
		f.t.Fatal(err)
	}
	out := map[string]int64{}
	for _, e := range entries {
		out[e.Ref] += e.Amount
	}
	return out
}

func (f *fixture) balance() int64 {
	f.t.Helper()
	b, err := f.bill.Balance(context.Background(), f.shop.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return b
}

// sentTo counts what the stand-ins accepted per recipient and channel.
func (f *fixture) sent() map[string]int {
	out := map[string]int{}
	for _, r := range f.out.List() {
		if r.Status != outbox.StatusRejected {
			out[r.Channel+" "+r.To]++
		}
	}
	return out
}

func (f *fixture) run(d *messages.Dispatcher) messages.Stats {
	f.t.Helper()
	st, err := d.Drain(context.Background(), 100)
	if err != nil {
		f.t.Fatal(err)
	}
	return st
}
