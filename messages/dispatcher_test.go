package messages_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"parceltrack/billing"
	"parceltrack/messages"
	"parceltrack/notify"
	"parceltrack/sandbox/outbox"
	twiliosandbox "parceltrack/sandbox/twilio"
	"parceltrack/shopapp"
	"parceltrack/storage"
	"parceltrack/tracking"
)

// arrivedParcel is a parcel entered at start, accepted an hour later and
// waiting at the buyer's office since the morning two days after.
func (f *fixture) arrivedParcel(b buyer) (shopapp.Parcel, time.Time) {
	at := start.Add(50 * time.Hour) // 6 March, 12:00 in Moscow
	p := f.parcel(b, start, accepted(start.Add(time.Hour)), arrived(at, b.postcode))
	return p, at
}

func TestArrivalGoesOutOnceAndIsCharged(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 100_000)
	p, at := f.arrivedParcel(moscowBuyer)
	f.clock.Set(at.Add(time.Minute))
	f.plan(p, f.clock.Now())
	planned := f.rows()
	smsKey, emailKey := p.ID+":arrived:sms:1", p.ID+":arrived:email:1"
	for _, key := range []string{smsKey, emailKey, p.ID + ":reminder:sms:5", p.ID + ":reminder:voice:7"} {
		if planned[key].Status != messages.StatusQueued {
			t.Fatalf("%s not queued: %+v (planned %d)", key, planned[key], len(planned))
		}
	}

	d := f.dispatcher("w")
	if st := f.run(d); st.Sent != 2 || st.Claimed != 2 {
		t.Fatalf("first dispatch: %+v", st)
	}
	rows := f.rows()
	for _, key := range []string{smsKey, emailKey} {
		if n := rows[key]; n.Status != messages.StatusSent || n.ProviderID == "" || !n.Charged || n.To == "" {
			t.Fatalf("%s: %+v", key, n)
		}
	}
	if got := f.sent(); got["sms +79161234567"] != 1 || got["email anna@example.ru"] != 1 || len(got) != 2 {
		t.Fatalf("providers got %v", got)
	}
	sms := rows[smsKey]
	if !strings.Contains(sms.Text, "Плед шерстяной") || sms.Segments != 1 {
		t.Fatalf("sms text %q in %d segments", sms.Text, sms.Segments)
	}
	ledger := f.ledger()
	if ledger[smsKey] != -350 || ledger[emailKey] != -50 || f.balance() != 100_000-400 {
		t.Fatalf("ledger %v, balance %d", ledger, f.balance())
	}

	// The same change seen again, and another dispatch: nothing new.
	f.plan(p, f.clock.Now())
	if st := f.run(d); st.Claimed != 0 {
		t.Fatalf("second dispatch: %+v", st)
	}
	if again := f.rows(); len(again) != len(planned) || again[smsKey].Status != messages.StatusSent {
		t.Fatalf("planning again changed the outbox: %d rows, was %d", len(again), len(planned))
	}
	if got := f.sent(); len(got) != 2 || f.balance() != 100_000-400 {
		t.Fatalf("providers got %v, balance %d", got, f.balance())
	}
}

// TestNothingBeforeTheDayAfterEntry: a track entered for a parcel already
// waiting is not texted about the same day; the next morning it is.
func TestNothingBeforeTheDayAfterEntry(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 10_000)
	arrival := time.Date(2030, 3, 4, 9, 0, 0, 0, msk)
	entered := time.Date(2030, 3, 4, 14, 0, 0, 0, msk)
	p := f.parcel(buyer{phone: "+79161234567", postcode: "101000"}, entered, accepted(arrival.Add(-48*time.Hour)), arrived(arrival, "101000"))
	f.clock.Set(entered)
	f.plan(p, entered)
	d := f.dispatcher("w")
	steps := []struct {
		at   time.Time
		sent int
	}{
		{entered, 0},
		{time.Date(2030, 3, 4, 20, 59, 0, 0, msk), 0},
		{time.Date(2030, 3, 5, 8, 59, 0, 0, msk), 0},
		{time.Date(2030, 3, 5, 9, 0, 0, 0, msk), 1},
	}
	for _, s := range steps {
		f.clock.Set(s.at)
		f.run(d)
		if got := len(f.out.List()); got != s.sent {
			t.Fatalf("at %s: %d sent, want %d", s.at, got, s.sent)
		}
	}
	if n := f.rows()[p.ID+":arrived:sms:1"]; n.Status != messages.StatusSent || !n.SentAt.Equal(steps[3].at) {
		t.Fatalf("arrived sms: %+v", n)
	}
}

// TestQuietHoursAreTheBuyers: at one instant, buyers in four zones get a due
// message or keep it for their morning.
func TestQuietHoursAreTheBuyers(t *testing.T) {
	t.Parallel()
	zones := []struct {
		name, postcode string
		loc            string
	}{
		{"Kaliningrad", "236000", "Europe/Kaliningrad"},
		{"Moscow", "101000", "Europe/Moscow"},
		{"Novosibirsk", "630000", "Asia/Novosibirsk"},
		{"Vladivostok", "690000", "Asia/Vladivostok"},
	}
	utc := func(d, h, m int) time.Time { return time.Date(2030, 3, d, h, m, 0, 0, time.UTC) }
	tests := []struct {
		name string
		at   time.Time
		// deferredTo is, per zone, when a kept message is due again; zero:
		// sent at once.
		deferredTo map[string]time.Time
	}{
		{"morning in Moscow", utc(7, 6, 30), map[string]time.Time{
			"Kaliningrad": utc(7, 7, 0), // 08:30 there: 09:00
		}},
		{"evening in Moscow", utc(7, 18, 30), map[string]time.Time{
			"Moscow":      utc(8, 6, 0),  // 21:30 there
			"Novosibirsk": utc(8, 2, 0),  // 01:30 there
			"Vladivostok": utc(7, 23, 0), // 04:30 there
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, 10_000)
			keys := map[string]string{}
			for i, z := range zones {
				loc, err := time.LoadLocation(z.loc)
				if err != nil {
					t.Fatal(err)
				}
				// Arrived at noon the day before, there.
				arrival := time.Date(2030, 3, 6, 12, 0, 0, 0, loc)
				phone := fmt.Sprintf("+7916000000%d", i)
				p := f.parcel(buyer{phone: phone, postcode: z.postcode}, start, accepted(start.Add(time.Hour)), arrived(arrival, z.postcode))
				f.clock.Set(arrival.Add(time.Minute))
				f.plan(p, f.clock.Now())
				keys[z.name] = p.ID + ":arrived:sms:1"
			}
			// Every arrived SMS was due since the day before; none went.
			f.clock.Set(tt.at)
			f.run(f.dispatcher("w"))
			rows := f.rows()
			for _, z := range zones {
				n := rows[keys[z.name]]
				want, kept := tt.deferredTo[z.name]
				switch {
				case kept && (n.Status != messages.StatusQueued || !n.NextAt.Equal(want)):
					t.Errorf("%s: %s, next at %s; want kept until %s", z.name, n.Status, n.NextAt.UTC(), want)
				case !kept && n.Status != messages.StatusSent:
					t.Errorf("%s: %s (%s), want sent", z.name, n.Status, n.Error)
				}
			}
		})
	}
}

// TestRemindersFireOnceAndStopWhenCollected plays two parcels' storage
// hour by hour, the poller's hook and the dispatcher at each step: the one
// never collected gets exactly what notify.Replay says for its history,
// each message once; the one collected on day 6 gets nothing after, and
// what it did not get costs nothing.
func TestRemindersFireOnceAndStopWhenCollected(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 100_000)
	arrival := start.Add(50 * time.Hour)
	pickup := arrival.Add(6 * 24 * time.Hour)
	history := []tracking.Event{accepted(start.Add(time.Hour)), arrived(arrival, "101000")}
	waiting := f.parcel(moscowBuyer, start)
	collected := f.parcel(buyer{phone: "+79161234568", email: "boris@example.ru", postcode: "101000"}, start)
	// seen is the part of a history the carrier has told by at.
	seen := func(events []tracking.Event, at time.Time) []tracking.Event {
		var out []tracking.Event
		for _, e := range events {
			if !e.At.After(at) {
				out = append(out, e)
			}
		}
		return out
	}
	d := f.dispatcher("w")
	end := start.Add(40 * 24 * time.Hour)
	for at := start; at.Before(end); at = at.Add(3 * time.Hour) {
		f.clock.Set(at)
		f.setEvents(&waiting, at, seen(history, at)...)
		f.setEvents(&collected, at, seen(append(slices.Clone(history), delivered(pickup, "101000")), at)...)
		f.plan(waiting, at)
		f.plan(collected, at)
		f.run(d)
	}

	rows := f.rows()
	var sentKeys, skipped []string
	for key, n := range rows {
		switch n.Status {
		case messages.StatusSent:
			sentKeys = append(sentKeys, key)
		case messages.StatusSkipped:
			skipped = append(skipped, key)
		}
	}
	in := notify.PlanInput{ParcelID: waiting.ID, EnteredAt: waiting.EnteredAt,
		Contacts: notify.Contacts{Phone: true, Email: true, MerchantEmail: true}, Zone: notify.BuyerZone("101000", nil, nil)}
	facts := tracking.Facts{Track: waiting.Track, EnteredAt: waiting.EnteredAt, DestinationPostcode: "101000"}
	var want []string
	for _, p := range notify.Replay(in, facts, history, tracking.DefaultRules(), end) {
		want = append(want, p.Key)
	}
	want = append(want, collected.ID+":shipped:sms:1", collected.ID+":shipped:email:1",
		collected.ID+":arrived:sms:1", collected.ID+":arrived:email:1",
		collected.ID+":reminder:sms:5", collected.ID+":reminder:email:5")
	slices.Sort(want)
	slices.Sort(sentKeys)
	if !slices.Equal(sentKeys, want) {
		t.Fatalf("sent %v\nwant %v", sentKeys, want)
	}
	if len(f.out.List()) != len(want) {
		t.Fatalf("providers got %d messages for %d keys", len(f.out.List()), len(want))
	}
	ledger := f.ledger()
	for _, key := range skipped {
		if !strings.HasPrefix(key, collected.ID+":") {
			t.Errorf("%s skipped: %s", key, rows[key].Error)
		}
		if _, charged := ledger[key]; charged {
			t.Errorf("%s was skipped but charged", key)
		}
	}
	if len(skipped) == 0 {
		t.Fatal("nothing was skipped for the collected parcel: the test proves nothing")
	}
	var paid int64
	for _, key := range sentKeys {
		paid -= ledger[key]
	}
	if f.balance() != 100_000-paid || paid == 0 {
		t.Fatalf("balance %d after paying %d", f.balance(), paid)
	}
}

// TestTwoDispatchersSendEachMessageOnce runs two dispatchers side by side
// over one database.
func TestTwoDispatchersSendEachMessageOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 1_000_000)
	const parcels = 40
	var at time.Time
	for i := range parcels {
		var p shopapp.Parcel
		p, at = f.arrivedParcel(buyer{phone: fmt.Sprintf("+7916100%04d", i), email: fmt.Sprintf("b%d@example.ru", i), postcode: "101000"})
		f.clock.Set(at.Add(time.Minute))
		f.plan(p, f.clock.Now())
	}
	var wg sync.WaitGroup
	stats := make([]messages.Stats, 2)
	for i := range stats {
		d := f.dispatcher(fmt.Sprintf("w%d", i), func(o *messages.DispatcherOptions) { o.BatchSize = 7 })
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				st, err := d.RunOnce(context.Background())
				if err != nil {
					t.Error(err)
					return
				}
				stats[i].Sent += st.Sent
				if st.Claimed == 0 {
					return
				}
			}
		}()
	}
	wg.Wait()
	if stats[0].Sent+stats[1].Sent != 2*parcels || stats[0].Sent == 0 || stats[1].Sent == 0 {
		t.Fatalf("sent %d + %d, want %d from both", stats[0].Sent, stats[1].Sent, 2*parcels)
	}
	for to, n := range f.sent() {
		if n != 1 {
			t.Errorf("%s got %d messages", to, n)
		}
	}
	if len(f.sent()) != 2*parcels {
		t.Fatalf("%d recipients, want %d", len(f.sent()), 2*parcels)
	}
	charged := 0
	for ref := range f.ledger() {
		if strings.Contains(ref, ":arrived:") {
			charged++
		}
	}
	if charged != 2*parcels {
		t.Fatalf("%d charges, want %d", charged, 2*parcels)
	}
}

// TestNoBalanceWaitsForACredit: messages the balance cannot pay wait, the
// owner is told once, and a credit sends them.
func TestNoBalanceWaitsForACredit(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 0)
	p, at := f.arrivedParcel(moscowBuyer)
	f.clock.Set(at.Add(time.Minute))
	f.plan(p, f.clock.Now())
	d := f.dispatcher("w")
	first := f.run(d)
	if first.NoBalance != 2 || first.Sent != 0 {
		t.Fatalf("first dispatch: %+v", first)
	}
	f.run(d) // the balance alert planned meanwhile
	f.clock.Add(time.Hour)
	f.run(d)
	if got := f.sent(); len(got) != 1 || got["email owner@shop.example"] != 1 {
		t.Fatalf("providers got %v, want the owner's alert alone", got)
	}
	rows := f.rows()
	sms := rows[p.ID+":arrived:sms:1"]
	if sms.Status != messages.StatusNoBalance || !sms.NextAt.IsZero() || sms.Charged {
		t.Fatalf("sms without money: %+v", sms)
	}
	alert := rows["balance:"+f.shop.ID+":balance_exhausted:"+f.clock.Now().Format(time.DateOnly)]
	if alert.Status != messages.StatusSent || alert.Price != 0 {
		t.Fatalf("balance alert: %+v", alert)
	}

	if _, err := f.bill.Credit(context.Background(), f.shop.ID, "topup:1", 5_000, billing.KindTopup, billing.Meta{}); err != nil {
		t.Fatal(err)
	}
	reports := messages.NewReports(f.db.Notifications(), f.bill, nil, f.clock.Now)
	if n, err := reports.Resume(context.Background(), f.shop.ID, f.clock.Now()); err != nil || n != 2 {
		t.Fatalf("resume: %d, %v", n, err)
	}
	if st := f.run(d); st.Sent != 2 {
		t.Fatalf("after the credit: %+v", st)
	}
	if got := f.sent(); got["sms +79161234567"] != 1 || got["email anna@example.ru"] != 1 {
		t.Fatalf("providers got %v", got)
	}
	if f.balance() != 5_000-400 {
		t.Fatalf("balance %d", f.balance())
	}
}

// TestResumeFundedFindsCreditsNobodyAnnounced: the sweep resumes a shop
// whose balance was credited without a call to Resume.
func TestResumeFundedFindsCreditsNobodyAnnounced(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 0)
	p, at := f.arrivedParcel(buyer{phone: "+79161234567", postcode: "101000"})
	f.clock.Set(at.Add(time.Minute))
	f.plan(p, f.clock.Now())
	d := f.dispatcher("w")
	f.run(d)
	if n, err := d.ResumeFunded(context.Background()); err != nil || n != 0 {
		t.Fatalf("resume with no money: %d, %v", n, err)
	}
	if _, err := f.bill.Credit(context.Background(), f.shop.ID, "adj:1", 1_000, billing.KindAdjustment, billing.Meta{}); err != nil {
		t.Fatal(err)
	}
	if n, err := d.ResumeFunded(context.Background()); err != nil || n != 1 {
		t.Fatalf("resume after a credit: %d, %v", n, err)
	}
	f.run(d)
	if n := f.rows()[p.ID+":arrived:sms:1"]; n.Status != messages.StatusSent {
		t.Fatalf("after the sweep: %+v", n)
	}
}

// TestProviderFailures: a permanent refusal fails the message and refunds
// it without a retry; temporary failures retry with backoff and then send,
// charged once, or give up after the last attempt, refunded.
func TestProviderFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		phone    string
		failures int64 // 500s before the sandbox answers
		attempts int   // MaxAttempts
		status   messages.Status
		tries    int
		net      int64 // ledger total for the key
		accepted int
	}{
		{"400 fails at once, refunded", twiliosandbox.MagicInvalid, 0, 5, messages.StatusFailed, 1, 0, 0},
		{"500 twice, then sent", "+79161234567", 2, 5, messages.StatusSent, 3, -350, 1},
		{"500 until the last attempt", "+79161234567", 100, 3, messages.StatusFailed, 3, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, 10_000)
			p, at := f.arrivedParcel(buyer{phone: tt.phone, postcode: "101000"})
			f.clock.Set(at.Add(time.Minute))
			f.plan(p, f.clock.Now())
			f.failNext.Store(tt.failures)
			d := f.dispatcher("w", func(o *messages.DispatcherOptions) { o.MaxAttempts = tt.attempts })
			key := p.ID + ":arrived:sms:1"
			for range 10 {
				f.run(d)
				f.clock.Add(2 * time.Hour)
			}
			n := f.rows()[key]
			if n.Status != tt.status || n.Attempts != tt.tries || !n.NextAt.IsZero() {
				t.Fatalf("row: %s after %d attempts (next %s): %s", n.Status, n.Attempts, n.NextAt, n.Error)
			}
			if n.Status == messages.StatusFailed && !n.Refunded {
				t.Fatalf("failed but not refunded: %+v", n)
			}
			ledger := f.ledger()
			if ledger[key]+ledger["refund:"+key] != tt.net || f.balance() != 10_000+tt.net {
				t.Fatalf("ledger %v, balance %d", ledger, f.balance())
			}
			if got := f.sent()["sms "+tt.phone]; got != tt.accepted {
				t.Fatalf("provider accepted %d", got)
			}
		})
	}
}

// TestFailedDeliveryIsRefundedOnce: a failure report refunds the message
// however often it comes; a delivered one only marks it.
func TestFailedDeliveryIsRefundedOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 10_000)
	p, at := f.arrivedParcel(moscowBuyer)
	f.clock.Set(at.Add(time.Minute))
	f.plan(p, f.clock.Now())
	f.run(f.dispatcher("w"))
	reports := messages.NewReports(f.db.Notifications(), f.bill, nil, f.clock.Now)
	smsKey := p.ID + ":arrived:sms:1"
	sms := f.rows()[smsKey]
	ctx := context.Background()
	for range 2 {
		err := reports.Report(ctx, smsKey, notify.Delivery{ProviderID: sms.ProviderID, Channel: notify.KindSMS, Status: "undelivered", ErrorCode: "30003"})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := reports.Report(ctx, "nope", notify.Delivery{Status: "delivered"}); !errors.Is(err, messages.ErrNotFound) {
		t.Fatalf("unknown key: %v", err)
	}
	n := f.rows()[smsKey]
	if n.Status != messages.StatusFailed || !n.Refunded || !strings.Contains(n.Error, "undelivered 30003") {
		t.Fatalf("after the reports: %+v", n)
	}
	ledger := f.ledger()
	if ledger[smsKey] != -350 || ledger["refund:"+smsKey] != 350 || f.balance() != 10_000-50 {
		t.Fatalf("ledger %v, balance %d", ledger, f.balance())
	}
	entries, _ := f.bill.History(ctx, f.shop.ID, 0, 100)
	refunds := 0
	for _, e := range entries {
		if e.Kind == billing.KindRefund {
			refunds++
		}
	}
	if refunds != 1 {
		t.Fatalf("%d refunds", refunds)
	}
}

// crashingStore is the real outbox with a process that dies at one step:
// the step fails and the leases are never given back.
type crashingStore struct {
	*storage.Notifications
	failSaveMany, failMarkSent bool
}

var errCrash = errors.New("the process died here")

func (s crashingStore) SaveMany(ctx context.Context, rows []messages.Notification) error {
	if s.failSaveMany {
		return errCrash
	}
	return s.Notifications.SaveMany(ctx, rows)
}

func (s crashingStore) MarkSent(ctx context.Context, n messages.Notification) (messages.Notification, error) {
	if s.failMarkSent {
		return messages.Notification{}, errCrash
	}
	return s.Notifications.MarkSent(ctx, n)
}

func (crashingStore) Release(context.Context, string, []string) error { return nil }

// TestACrashNeitherLosesNorDoubles: a dispatcher dies after charging (the
// next one sends the message, charged once) or after handing it to the
// provider (the next one does not send it again, and refunds it unless a
// delivery report says it arrived).
func TestACrashNeitherLosesNorDoubles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		crash    crashingStore
		report   string // delivery report arriving before the next dispatcher
		status   messages.Status
		net      int64
		accepted int
	}{
		{"between charge and send", crashingStore{failSaveMany: true}, "", messages.StatusSent, -350, 1},
		{"between send and record", crashingStore{failMarkSent: true}, "", messages.StatusFailed, 0, 1},
		{"between send and record, delivered", crashingStore{failMarkSent: true}, "delivered", messages.StatusDelivered, -350, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, 10_000)
			p, at := f.arrivedParcel(buyer{phone: "+79161234567", postcode: "101000"})
			f.clock.Set(at.Add(time.Minute))
			f.plan(p, f.clock.Now())
			key := p.ID + ":arrived:sms:1"
			tt.crash.Notifications = f.db.Notifications()
			dying := f.dispatcher("dying", func(o *messages.DispatcherOptions) { o.Store = tt.crash })
			_, _ = dying.RunOnce(context.Background())
			if f.ledger()[key] != -350 {
				t.Fatalf("the dying dispatcher did not charge: %v", f.ledger())
			}
			if tt.report != "" {
				reports := messages.NewReports(f.db.Notifications(), f.bill, nil, f.clock.Now)
				if err := reports.Report(context.Background(), key, notify.Delivery{Status: tt.report}); err != nil {
					t.Fatal(err)
				}
			}
			// Its leases end; another dispatcher takes over.
			f.clock.Add(2 * time.Minute)
			f.run(f.dispatcher("next"))
			f.clock.Add(time.Hour)
			f.run(f.dispatcher("next"))
			n := f.rows()[key]
			if n.Status != tt.status {
				t.Fatalf("row %s (%s), want %s", n.Status, n.Error, tt.status)
			}
			ledger := f.ledger()
			if ledger[key]+ledger["refund:"+key] != tt.net {
				t.Fatalf("ledger %v", ledger)
			}
			if got := f.sent()["sms +79161234567"]; got != tt.accepted {
				t.Fatalf("the buyer got %d messages, want %d", got, tt.accepted)
			}
		})
	}
}

// TestCallsSpeakTheTextAndKeepTheDailyCap: a call reads the text twice in
// Russian; a shop over its calls for the day calls the next day.
func TestCallsSpeakTheTextAndKeepTheDailyCap(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 100_000)
	if err := f.db.Shops().SaveMessageSettings(context.Background(), f.shop.ID, shopapp.MessageSettings{
		CallsPerDay: 1, ReminderDays: []int{30}}, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	var at time.Time
	var ps []shopapp.Parcel
	for i := range 2 {
		var p shopapp.Parcel
		p, at = f.arrivedParcel(buyer{phone: fmt.Sprintf("+7916200000%d", i), postcode: "101000"})
		ps = append(ps, p)
	}
	d := f.dispatcher("w")
	day7 := at.Add(7 * 24 * time.Hour)
	for _, step := range []time.Time{at.Add(time.Minute), day7.Add(time.Minute), day7.Add(22 * time.Hour)} {
		f.clock.Set(step)
		for _, p := range ps {
			f.plan(p, step)
		}
		f.run(d)
	}
	var calls []outbox.Record
	for _, r := range f.out.List() {
		if r.Channel == outbox.ChannelVoice {
			calls = append(calls, r)
		}
	}
	if len(calls) != 2 {
		t.Fatalf("%d calls, want one on day 7 and one the next morning", len(calls))
	}
	days := map[string]bool{}
	for _, p := range ps {
		n := f.rows()[p.ID+":reminder:voice:7"]
		if n.Status != messages.StatusSent {
			t.Fatalf("call for %s: %+v", p.ID, n)
		}
		days[n.SentAt.Format(time.DateOnly)] = true
	}
	if len(days) != 2 {
		t.Fatalf("both calls on one day: %v", days)
	}
	twiml := calls[0].Raw
	if !strings.Contains(twiml, `language="ru-RU"`) || strings.Count(twiml, "<Say") != 2 || !strings.Contains(twiml, "Плед") {
		t.Fatalf("twiml %s", twiml)
	}
}
