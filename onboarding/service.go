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
	"parceltrack/shopapp"
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

// Registration is what the merchant typed on the first page, after
// normalisation (Phone in E.164, Email lower-cased domain).
type Registration struct {
	Name  string
	Email string
	Phone string
}

// ShopStore keeps the wizard's fields on the shop (package storage
// implements it, as it does shopapp.ShopStore, over the one Shop model).
// Missing records are shopapp.ErrNotFound, taken keys shopapp.ErrConflict.
type ShopStore interface {
	// Shop reads a shop.
	Shop(ctx context.Context, shopID string) (shopapp.Shop, error)
	// SaveRegistration stores the owner's name, e-mail and phone and moves
	// the wizard to step, in one write.
	SaveRegistration(ctx context.Context, shopID string, r Registration, step Step, now time.Time) error
	// SavePhone replaces the owner's (not yet verified) phone.
	SavePhone(ctx context.Context, shopID, phone string, now time.Time) error
	// MarkPhoneVerified records the proved phone and moves the wizard to step.
	MarkPhoneVerified(ctx context.Context, shopID, phone string, step Step, at time.Time) error
	// ReserveUserID claims a public User ID for the shop; shopapp.ErrConflict
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
	// statuses (read by shopapp.App.SyncStatus).
	SaveStatusSync(ctx context.Context, shopID string, s shopapp.StatusSync, now time.Time) error
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
	// PendingCode returns the shop's code; shopapp.ErrNotFound when none.
	PendingCode(ctx context.Context, shopID string) (Code, error)
	// SaveCode stores c as the shop's only code, replacing an earlier one.
	SaveCode(ctx context.Context, c Code) error
	// AddTry counts one typed code atomically and returns the code after it;
	// shopapp.ErrNotFound when the shop has no code.
	AddTry(ctx context.Context, shopID string) (Code, error)
	// DeleteCode removes the shop's code (used or abandoned).
	DeleteCode(ctx context.Context, shopID string) error
	// CountSend adds delta to the counter key (created at 0, removable after
	// expires) atomically and returns its new value.
	CountSend(ctx context.Context, key string, delta int, expires time.Time) (int, error)
}

// ShopApp is what the wizard asks of the app in the merchant's shop: the
// setup job and the shop's custom order statuses; *shopapp.App implements it.
type ShopApp interface {
	RunSetup(ctx context.Context, shopID string) error
	CustomStatuses(ctx context.Context, shopID string) ([]insales.CustomStatus, error)
	CreateCustomStatus(ctx context.Context, shopID string, in insales.CustomStatusInput) (insales.CustomStatus, error)
}

// Options configure a Service. Shops, Codes, SMS, Email, Secret and App are
// required.
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
	App            ShopApp
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
	case o.Shops == nil || o.Codes == nil:
		return nil, errors.New("onboarding: missing store")
	case o.SMS == nil || o.Email == nil:
		return nil, errors.New("onboarding: missing channel")
	case o.Secret == "":
		return nil, errors.New("onboarding: empty secret")
	case o.App == nil:
		return nil, errors.New("onboarding: no shop app")
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

// Shop returns the shop with its wizard state; ErrUnknownShop when there is
// no such shop.
func (s *Service) Shop(ctx context.Context, shopID string) (shopapp.Shop, error) {
	m, err := s.o.Shops.Shop(ctx, shopID)
	if errors.Is(err, shopapp.ErrNotFound) {
		return shopapp.Shop{}, fmt.Errorf("%w: %s", ErrUnknownShop, shopID)
	}
	if err != nil {
		return shopapp.Shop{}, fmt.Errorf("onboarding: shop %s: %w", shopID, err)
	}
	return m, nil
}

// at loads the merchant and checks that the wizard is on one of steps.
func (s *Service) at(ctx context.Context, shopID string, steps ...Step) (shopapp.Shop, error) {
	m, err := s.Shop(ctx, shopID)
	if err != nil {
		return shopapp.Shop{}, err
	}
	if m.Uninstalled() {
		return shopapp.Shop{}, refuse(ReasonShopUninstalled, "",
			"Приложение удалено из магазина. Установите его снова из каталога приложений InSales.")
	}
	for _, st := range steps {
		if Current(m) == st {
			return m, nil
		}
	}
	return shopapp.Shop{}, refuse(ReasonWrongStep, "", "Этот шаг уже пройден или ещё не начат. Откройте мастер настройки заново.")
}

// now is the service clock in UTC, at millisecond precision (what the
// database keeps).
func (s *Service) now() time.Time { return s.o.Now().UTC().Truncate(time.Millisecond) }
