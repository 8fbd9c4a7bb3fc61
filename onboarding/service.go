package onboarding

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"parceltrack/billing"
	"parceltrack/insales"
	"parceltrack/notify"
)

// The wizard's rules.
const (
	// CodeLength is the number of digits of an SMS code.
	CodeLength = 6
	// CodeLifetime is how long a code can be used.
	CodeLifetime = 10 * time.Minute
	// MaxCodeTries wrong codes end a code.
	MaxCodeTries = 5
	// ResendAfter is the wait before another code (or credentials e-mail)
	// goes to the same address.
	ResendAfter = 60 * time.Second
	// MaxCodesPerDay caps the codes sent to one phone, and by one shop, per
	// day (Moscow time); a shop's credentials e-mails have the same cap.
	MaxCodesPerDay = 5
	// setupTimeout bounds a setup run started from the wizard, below the web
	// server's write timeout.
	setupTimeout = 20 * time.Second
)

// Errors a store returns, wrapped (test with errors.Is).
var (
	// ErrStoreNotFound means the record asked for does not exist.
	ErrStoreNotFound = errors.New("onboarding: record not found")
	// ErrStoreConflict means a record with the same key exists already.
	ErrStoreConflict = errors.New("onboarding: record exists")
)

// Registration is what the merchant typed on the first page, after
// normalisation (Phone in E.164, Email lower-cased domain).
type Registration struct {
	Name  string
	Email string
	Phone string
}

// ShopStore keeps the wizard's fields on the shop document.
type ShopStore interface {
	// Merchant reads the shop's wizard fields; ErrStoreNotFound for an
	// unknown shop.
	Merchant(ctx context.Context, shopID string) (Merchant, error)
	// SaveRegistration stores the owner's name, e-mail and phone and moves
	// the wizard to step, in one write.
	SaveRegistration(ctx context.Context, shopID string, r Registration, step Step, now time.Time) error
	// SavePhone replaces the owner's (not yet verified) phone.
	SavePhone(ctx context.Context, shopID, phone string, now time.Time) error
	// MarkPhoneVerified records the proved phone and moves the wizard to step.
	MarkPhoneVerified(ctx context.Context, shopID, phone string, step Step, at time.Time) error
	// ReserveUserID claims a public User ID for the shop; ErrStoreConflict
	// when another shop holds it.
	ReserveUserID(ctx context.Context, userID, shopID string, now time.Time) error
	// SaveAPIKey stores the User ID and the API key's hash (replacing an
	// earlier key) and clears the credentials' sent time.
	SaveAPIKey(ctx context.Context, shopID, userID, keyHash string, now time.Time) error
	// MarkCredentialsSent records that the credentials e-mail went out.
	MarkCredentialsSent(ctx context.Context, shopID string, at time.Time) error
	// SaveEmail replaces the owner's (not yet verified) e-mail.
	SaveEmail(ctx context.Context, shopID, email string, now time.Time) error
	// MarkEmailVerified records the proved e-mail and moves the wizard to step.
	MarkEmailVerified(ctx context.Context, shopID string, step Step, at time.Time) error
	// SetStep moves the wizard to step (StepDone also records the finish).
	SetStep(ctx context.Context, shopID string, step Step, now time.Time) error
	// SaveStatusSync stores whether and how parcel states move order
	// statuses (settings.status_sync, read by insales.App.SyncStatus).
	SaveStatusSync(ctx context.Context, shopID string, s insales.StatusSyncSettings, now time.Time) error
}

// Code is the pending SMS code of a shop. Only its hash is stored.
type Code struct {
	ShopID    string
	Phone     string
	Hash      string
	SentAt    time.Time
	ExpiresAt time.Time
	// Tries counts the codes typed against it so far.
	Tries int
}

// CodeStore keeps pending codes and the daily send counters.
type CodeStore interface {
	// PendingCode returns the shop's code; ErrStoreNotFound when none.
	PendingCode(ctx context.Context, shopID string) (Code, error)
	// SaveCode stores c as the shop's only code, replacing an earlier one.
	SaveCode(ctx context.Context, c Code) error
	// AddTry counts one typed code atomically and returns the code after it;
	// ErrStoreNotFound when the shop has no code.
	AddTry(ctx context.Context, shopID string) (Code, error)
	// DeleteCode removes the shop's code (used or abandoned).
	DeleteCode(ctx context.Context, shopID string) error
	// CountSend adds delta to the counter key (created at 0, removable after
	// expires) atomically and returns its new value.
	CountSend(ctx context.Context, key string, delta int, expires time.Time) (int, error)
}

// Setupper runs the InSales setup job for a shop; *insales.App implements it.
type Setupper interface {
	RunSetup(ctx context.Context, shopID string) error
}

// AppShops reads what the InSales app keeps about a shop (setup progress,
// status sync, the sealed password); *storage.AppShops implements it.
type AppShops interface {
	ShopByID(ctx context.Context, id string) (insales.AppShop, error)
}

// StatusClient reads and creates a shop's custom order statuses;
// *insales.Client implements it.
type StatusClient interface {
	ListCustomStatuses(ctx context.Context, shop insales.Shop) ([]insales.CustomStatus, error)
	CreateCustomStatus(ctx context.Context, shop insales.Shop, in insales.CustomStatusInput) (insales.CustomStatus, error)
}

// Options configure a Service. Shops, Codes, SMS, Email, Secret, AppShops,
// Setup, Statuses and Sealer are required.
type Options struct {
	Shops ShopStore
	Codes CodeStore
	// SMS sends the codes; Email the credentials.
	SMS   notify.Channel
	Email notify.Channel
	// Secret is APP_SECRET_KEY: it keys the hashes of SMS codes.
	Secret string
	// StatusCallback is the URL Twilio reports SMS delivery to; empty asks
	// for no report.
	StatusCallback string
	AppShops       AppShops
	Setup          Setupper
	Statuses       StatusClient
	// Sealer opens the shop's stored InSales password for status calls.
	Sealer *insales.Sealer
	// Prices are shown on the "how it works" page.
	Prices billing.Prices
	// Now is the clock (nil: time.Now); Random the source of codes and keys
	// (nil: crypto/rand).
	Now    func() time.Time
	Random io.Reader
	Logger *slog.Logger
}

// Service is the wizard. It is safe for concurrent use.
type Service struct {
	o   Options
	log *slog.Logger
}

// New checks o and builds the Service.
func New(o Options) (*Service, error) {
	switch {
	case o.Shops == nil || o.Codes == nil || o.AppShops == nil:
		return nil, errors.New("onboarding: missing store")
	case o.SMS == nil || o.Email == nil:
		return nil, errors.New("onboarding: missing channel")
	case o.Secret == "":
		return nil, errors.New("onboarding: empty secret")
	case o.Setup == nil || o.Statuses == nil || o.Sealer == nil:
		return nil, errors.New("onboarding: missing InSales setup, status client or sealer")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Random == nil {
		o.Random = rand.Reader
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{o: o, log: o.Logger.With(slog.String("component", "onboarding"))}, nil
}

// Merchant returns the wizard state of a shop; ErrUnknownShop when there is
// no such shop.
func (s *Service) Merchant(ctx context.Context, shopID string) (Merchant, error) {
	m, err := s.o.Shops.Merchant(ctx, shopID)
	if errors.Is(err, ErrStoreNotFound) {
		return Merchant{}, fmt.Errorf("%w: %s", ErrUnknownShop, shopID)
	}
	if err != nil {
		return Merchant{}, fmt.Errorf("onboarding: merchant %s: %w", shopID, err)
	}
	return m, nil
}

// at loads the merchant and checks that the wizard is on one of steps.
func (s *Service) at(ctx context.Context, shopID string, steps ...Step) (Merchant, error) {
	m, err := s.Merchant(ctx, shopID)
	if err != nil {
		return Merchant{}, err
	}
	if m.Uninstalled {
		return Merchant{}, refuse(ReasonShopUninstalled, "",
			"Приложение удалено из магазина. Установите его снова из каталога приложений InSales.")
	}
	for _, st := range steps {
		if m.Current() == st {
			return m, nil
		}
	}
	return Merchant{}, refuse(ReasonWrongStep, "", "Этот шаг уже пройден или ещё не начат. Откройте мастер настройки заново.")
}

// now is the service clock in UTC, at millisecond precision (what the
// database keeps).
func (s *Service) now() time.Time { return s.o.Now().UTC().Truncate(time.Millisecond) }
