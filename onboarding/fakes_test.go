package onboarding_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"parceltrack/billing"
	"parceltrack/insales"
	"parceltrack/notify"
	"parceltrack/onboarding"
	"parceltrack/shopapp"
)

// shops is an in-memory onboarding.ShopStore.
type shops struct {
	mu      sync.Mutex
	m       map[string]shopapp.Shop
	users   map[string]string
	writes  int
	failing error
	// conflicts makes that many User ID claims fail as taken.
	conflicts int
	claims    int
}

func (s *shops) get(id string) shopapp.Shop {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[id]
}

func (s *shops) Shop(_ context.Context, id string) (shopapp.Shop, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.m[id]
	if !ok {
		return m, fmt.Errorf("shop %s: %w", id, shopapp.ErrNotFound)
	}
	return m, nil
}

func (s *shops) update(id string, fn func(*shopapp.Shop)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failing != nil {
		return s.failing
	}
	m, ok := s.m[id]
	if !ok {
		return shopapp.ErrNotFound
	}
	fn(&m)
	s.m[id] = m
	s.writes++
	return nil
}

func (s *shops) SaveRegistration(_ context.Context, id string, r onboarding.Registration, step onboarding.Step, _ time.Time) error {
	return s.update(id, func(m *shopapp.Shop) {
		m.Owner.Name, m.Owner.Email, m.Owner.Phone, m.Wizard.Step = r.Name, r.Email, r.Phone, string(step)
	})
}

func (s *shops) SavePhone(_ context.Context, id, phone string, _ time.Time) error {
	return s.update(id, func(m *shopapp.Shop) { m.Owner.Phone = phone })
}

func (s *shops) MarkPhoneVerified(_ context.Context, id, phone string, step onboarding.Step, at time.Time) error {
	return s.update(id, func(m *shopapp.Shop) {
		m.Owner.Phone, m.Wizard.Step, m.Verification.PhoneVerifiedAt = phone, string(step), at
	})
}

func (s *shops) ReserveUserID(_ context.Context, userID, shopID string, _ time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.claims++
	if s.conflicts > 0 {
		s.conflicts--
		return shopapp.ErrConflict
	}
	if _, taken := s.users[userID]; taken {
		return shopapp.ErrConflict
	}
	s.users[userID] = shopID
	return nil
}

func (s *shops) SaveAPIKey(_ context.Context, id, userID, hash string, _ time.Time) error {
	return s.update(id, func(m *shopapp.Shop) {
		m.API.UserID, m.API.KeyHash, m.Wizard.CredentialsSentAt = userID, hash, time.Time{}
	})
}

func (s *shops) MarkCredentialsSent(_ context.Context, id string, at time.Time) error {
	return s.update(id, func(m *shopapp.Shop) { m.Wizard.CredentialsSentAt = at })
}

func (s *shops) SaveEmail(_ context.Context, id, email string, _ time.Time) error {
	return s.update(id, func(m *shopapp.Shop) { m.Owner.Email = email })
}

func (s *shops) MarkEmailVerified(_ context.Context, id string, step onboarding.Step, at time.Time) error {
	return s.update(id, func(m *shopapp.Shop) { m.Wizard.Step, m.Verification.EmailVerifiedAt = string(step), at })
}

func (s *shops) SetStep(_ context.Context, id string, step onboarding.Step, at time.Time) error {
	return s.update(id, func(m *shopapp.Shop) {
		m.Wizard.Step = string(step)
		if step == onboarding.StepDone {
			m.Wizard.FinishedAt = at
		}
	})
}

func (s *shops) SaveStatusSync(_ context.Context, id string, st shopapp.StatusSync, _ time.Time) error {
	return s.update(id, func(m *shopapp.Shop) { m.Settings.StatusSync = st })
}

// codes is an in-memory onboarding.CodeStore.
type codes struct {
	mu       sync.Mutex
	pending  map[string]onboarding.Code
	counters map[string]int
}

func (c *codes) PendingCode(_ context.Context, shopID string) (onboarding.Code, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	code, ok := c.pending[shopID]
	if !ok {
		return code, shopapp.ErrNotFound
	}
	return code, nil
}

func (c *codes) SaveCode(_ context.Context, code onboarding.Code) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pending[code.ShopID] = code
	return nil
}

func (c *codes) AddTry(_ context.Context, shopID string) (onboarding.Code, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	code, ok := c.pending[shopID]
	if !ok {
		return code, shopapp.ErrNotFound
	}
	code.Tries++
	c.pending[shopID] = code
	return code, nil
}

func (c *codes) DeleteCode(_ context.Context, shopID string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.pending, shopID)
	return nil
}

func (c *codes) CountSend(_ context.Context, key string, delta int, _ time.Time) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counters[key] += delta
	return c.counters[key], nil
}

// channel records messages; fail makes the next sends fail.
type channel struct {
	kind notify.ChannelKind
	mu   sync.Mutex
	sent []notify.Message
	fail error
}

func (c *channel) Kind() notify.ChannelKind { return c.kind }

func (c *channel) Send(_ context.Context, m notify.Message) (notify.Result, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail != nil {
		return notify.Result{}, c.fail
	}
	c.sent = append(c.sent, m)
	return notify.Result{ProviderID: fmt.Sprintf("id%d", len(c.sent)), Status: "queued"}, nil
}

func (c *channel) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.sent)
}

func (c *channel) last(t *testing.T) notify.Message {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.sent) == 0 {
		t.Fatal("nothing sent")
	}
	return c.sent[len(c.sent)-1]
}

var codeInText = regexp.MustCompile(`\b(\d{6})\b`)

// lastCode is the code of the last SMS.
func (c *channel) lastCode(t *testing.T) string {
	t.Helper()
	m := codeInText.FindStringSubmatch(c.last(t).Text)
	if m == nil {
		t.Fatalf("no code in %q", c.last(t).Text)
	}
	return m[1]
}

var credsInText = regexp.MustCompile(`User ID: (PT-\d{8})\nКлюч API: ([A-Za-z0-9]{32})\n`)

// lastCredentials are the User ID and key of the last e-mail.
func (c *channel) lastCredentials(t *testing.T) (userID, key string) {
	t.Helper()
	m := credsInText.FindStringSubmatch(c.last(t).Text)
	if m == nil {
		t.Fatalf("no credentials in %q", c.last(t).Text)
	}
	return m[1], m[2]
}

// insalesFake is the app in the shop at InSales (onboarding.ShopApp): the
// setup's progress, written on the shop as the real setup does, the shop's
// statuses, and failures.
type insalesFake struct {
	mu        sync.Mutex
	shops     *shops
	setupErr  error
	setupRuns int
	statuses  []insales.CustomStatus
	listErr   error
	createErr error
	failAfter int // creates that succeed before createErr applies
	created   int
	// asked lists the shops whose statuses were asked for.
	asked []string
}

func (f *insalesFake) RunSetup(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.setupRuns++
	if f.setupErr != nil {
		return errors.Join(f.setupErr, f.shops.update(id, func(s *shopapp.Shop) {
			s.Setup = shopapp.SetupProgress{Steps: []shopapp.StepState{{Step: shopapp.StepWebhooks, Status: shopapp.StepFailed, LastError: f.setupErr.Error()}}}
		}))
	}
	return f.shops.update(id, func(s *shopapp.Shop) {
		s.Setup = shopapp.SetupProgress{Complete: true}
		for _, st := range shopapp.SetupSteps() {
			s.Setup.Steps = append(s.Setup.Steps, shopapp.StepState{Step: st, Status: shopapp.StepDone})
		}
	})
}

func (f *insalesFake) CustomStatuses(_ context.Context, shopID string) ([]insales.CustomStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, shopID)
	if f.listErr != nil {
		return nil, f.listErr
	}
	return append([]insales.CustomStatus{}, f.statuses...), nil
}

func (f *insalesFake) CreateCustomStatus(_ context.Context, _ string, in insales.CustomStatusInput) (insales.CustomStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.createErr != nil && f.created >= f.failAfter {
		return insales.CustomStatus{}, f.createErr
	}
	f.created++
	cs := insales.CustomStatus{Permalink: fmt.Sprintf("s-%d", len(f.statuses)+1), Title: in.Title, SystemStatus: in.SystemStatus}
	f.statuses = append(f.statuses, cs)
	return cs, nil
}

// world is a Service over fakes with one installed shop "shop1".
type world struct {
	svc   *onboarding.Service
	clock *clockwork.FakeClock
	shops *shops
	codes *codes
	sms   *channel
	email *channel
	ins   *insalesFake
}

const shop1 = "shop1"

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{
		clock: clockwork.NewFakeClockAt(time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)),
		shops: &shops{m: map[string]shopapp.Shop{}, users: map[string]string{}},
		codes: &codes{pending: map[string]onboarding.Code{}, counters: map[string]int{}},
		sms:   &channel{kind: notify.KindSMS},
		email: &channel{kind: notify.KindEmail},
	}
	w.ins = &insalesFake{shops: w.shops}
	w.addShop(shop1, 77)
	var err error
	w.svc, err = onboarding.New(onboarding.Options{
		Shops: w.shops, Codes: w.codes, SMS: w.sms, Email: w.email, Secret: "app-secret",
		StatusCallback: "https://app.example/notify/twilio/status", App: w.ins,
		Prices: billing.DefaultPrices(), Now: w.clock.Now,
		Random: rand.NewChaCha8([32]byte{1, 2, 3}),
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *world) addShop(id string, insalesID int64) {
	w.shops.m[id] = shopapp.Shop{ID: id, InsalesID: insalesID, Domain: id + ".myinsales.ru"}
}

var ctx = context.Background()

var okRegistration = onboarding.Registration{Name: " Мария  Иванова ", Email: "Owner@Example.RU", Phone: "8 912 345-67-89"}

// register registers shop1 and returns the code sent.
func (w *world) register(t *testing.T) string {
	t.Helper()
	if err := w.svc.Register(ctx, shop1, okRegistration); err != nil {
		t.Fatalf("register: %v", err)
	}
	return w.sms.lastCode(t)
}

// throughCode registers shop1 and verifies the phone.
func (w *world) throughCode(t *testing.T) {
	t.Helper()
	code := w.register(t)
	if err := w.svc.VerifyCode(ctx, shop1, code); err != nil {
		t.Fatalf("verify: %v", err)
	}
}

// throughCredentials gets shop1 to the setup step.
func (w *world) throughCredentials(t *testing.T) {
	t.Helper()
	w.throughCode(t)
	id, key := w.email.lastCredentials(t)
	if err := w.svc.CheckCredentials(ctx, shop1, id, key); err != nil {
		t.Fatalf("credentials: %v", err)
	}
}

// wantReason fails unless err is a refusal with reason r.
func wantReason(t *testing.T, err error, r onboarding.Reason) onboarding.Problems {
	t.Helper()
	ps, ok := onboarding.AsProblems(err)
	if !ok || !ps.Has(r) {
		t.Fatalf("error %v, want refusal %s", err, r)
	}
	for _, p := range ps {
		if p.Text == "" || !strings.ContainsAny(p.Text, "абвгдеёжзийклмнопрстуфхцчшщьыъэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЭЮЯ") {
			t.Fatalf("problem %s has no Russian text: %q", p.Reason, p.Text)
		}
	}
	return ps
}
