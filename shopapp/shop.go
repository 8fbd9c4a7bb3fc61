package shopapp

import (
	"time"

	"parceltrack/insales"
)

// Shop is one installed InSales shop, the one model of a document in the
// shops collection: what InSales told at install, what the setup created
// there, what the merchant registered and chose in the wizard, and the
// balance. Absent dates are zero.
//
// The balance belongs to the ledger (package billing); it is read here as
// last stored on the shop.
type Shop struct {
	ID        string
	InsalesID int64
	Domain    string
	// Name is the shop's title at InSales, as buyers know the shop; empty
	// when InSales gave none (Title falls back to the domain).
	Name string
	// PasswordEnc is the app password sealed with Sealer (label ShopLabel);
	// only the app opens it, for API calls.
	PasswordEnc  []byte
	Owner        Owner
	Verification Verification
	Wizard       Wizard
	API          APICredentials
	Settings     Settings
	// Balance in kopecks.
	Balance int64
	Setup   SetupProgress
	// Cursor is where the next reconciliation resumes.
	Cursor        insales.OrderCursor
	InstalledAt   time.Time
	UninstalledAt time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Title is the shop's name for buyers: its InSales title, else its domain.
func (s Shop) Title() string {
	if s.Name != "" {
		return s.Name
	}
	return s.Domain
}

// Uninstalled reports whether the shop removed the app.
func (s Shop) Uninstalled() bool { return !s.UninstalledAt.IsZero() }

// Owner is the merchant who registered the shop in the wizard.
type Owner struct {
	Name  string
	Email string
	// Phone is E.164.
	Phone string
}

// Verification is what the wizard has confirmed about the owner; the codes
// themselves are kept apart (package onboarding).
type Verification struct {
	PhoneVerifiedAt time.Time
	EmailVerifiedAt time.Time
}

// Wizard is where the merchant is in the setup wizard (package onboarding
// gives the steps their meaning).
type Wizard struct {
	// Step is the stored step; empty means the first.
	Step              string
	CredentialsSentAt time.Time
	FinishedAt        time.Time
}

// APICredentials are the shop's public API User ID and the salted hash of
// its API key, issued by the wizard.
type APICredentials struct {
	UserID  string
	KeyHash string
}

// Settings are what the setup created at InSales and what the merchant
// chose.
type Settings struct {
	TrackFieldID int64
	WidgetID     int64
	// WidgetKey names the shop in its order-page widget's URL.
	WidgetKey  string
	WebhookIDs []int64
	// WebhookSecret is the secret path segment of the shop's webhook URL.
	WebhookSecret string
	StatusSync    StatusSync
	Messages      MessageSettings
	// StorageDays overrides the post office's storage period (0: the
	// carrier's rule).
	StorageDays int
}

// StatusSync says whether and how parcel states move InSales order
// statuses.
type StatusSync struct {
	Enabled bool
	// Mapping maps a tracking state ("in_transit", "arrived", ...) to the
	// permalink of an InSales custom status.
	Mapping map[string]string
}

// MessageSettings are the shop's choices about the messages its buyers
// (and its owner) get. The zero value means the defaults: every trigger on
// every channel except the thanks after delivery, 09:00–21:00 in the
// buyer's time, reminders on waiting days 5, 10, 15, 20 and 25, calls on
// days 7 and 14, a last-day reminder.
type MessageSettings struct {
	// Off switches one trigger's channel off, keyed "trigger/channel"
	// ("reminder/voice"); only read.
	Off          map[string]bool
	Window       SendWindow
	ReminderDays []int
	VoiceDays    []int
	NoLastDay    bool
	// Delivered thanks the buyer after delivery.
	Delivered bool
	// CallsPerDay caps the shop's calls a day (0: the app's default).
	CallsPerDay int
}

// SendWindow is when buyers may receive messages, in their local time, as
// minutes after midnight (540–1260 is 09:00–21:00). Zero values mean the
// default window.
type SendWindow struct {
	FromMinute int
	ToMinute   int
}

// SetupStep names one idempotent step of the setup job.
type SetupStep string

// The steps of the setup job, in the order they run.
const (
	StepWebhooks   SetupStep = "webhooks"
	StepTrackField SetupStep = "track_field"
	StepWidget     SetupStep = "widget"
)

// SetupSteps lists every setup step in run order.
func SetupSteps() []SetupStep { return []SetupStep{StepWebhooks, StepTrackField, StepWidget} }

// Title is the step's name for the merchant.
func (s SetupStep) Title() string {
	switch s {
	case StepWebhooks:
		return "Уведомления о заказах (вебхуки)"
	case StepTrackField:
		return "Поле «Трек-номер» в заказе"
	case StepWidget:
		return "Виджет на странице заказа"
	}
	return string(s)
}

// StepStatus is where a setup step stands.
type StepStatus string

// Step statuses.
const (
	StepPending StepStatus = "pending"
	StepDone    StepStatus = "done"
	StepFailed  StepStatus = "failed"
)

// Label is the status's word for the merchant.
func (s StepStatus) Label() string {
	switch s {
	case StepDone:
		return "готово"
	case StepFailed:
		return "ошибка"
	}
	return "ожидает"
}

// StepState is the stored progress of one setup step.
type StepState struct {
	Step      SetupStep
	Status    StepStatus
	Attempts  int
	LastError string
	UpdatedAt time.Time
}

// SetupProgress is the stored progress of the setup job on one shop.
type SetupProgress struct {
	// Steps holds one entry per SetupSteps, in run order; a step never
	// recorded is pending.
	Steps       []StepState
	Complete    bool
	CompletedAt time.Time
}

// Step returns the state of one step (pending when never recorded).
func (p SetupProgress) Step(s SetupStep) StepState {
	for _, st := range p.Steps {
		if st.Step == s {
			return st
		}
	}
	return StepState{Step: s, Status: StepPending}
}
