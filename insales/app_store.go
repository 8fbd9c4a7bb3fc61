package insales

import (
	"context"
	"errors"
	"time"

	"parceltrack/billing"
	"parceltrack/tracking"
)

// The app side of the integration (App) keeps its records through the small
// store interfaces below; package storage implements them. The types are
// declared here so that this package never imports storage.

// Errors a store returns, wrapped (test with errors.Is).
var (
	// ErrStoreNotFound means the record asked for does not exist.
	ErrStoreNotFound = errors.New("insales: record not found")
	// ErrStoreConflict means a record with the same key exists already.
	ErrStoreConflict = errors.New("insales: record exists")
)

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
	Steps    []StepState
	Complete bool
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

// StatusSyncSettings say whether and how parcel states move InSales order
// statuses.
type StatusSyncSettings struct {
	Enabled bool
	// Mapping maps a tracking state ("in_transit", "arrived", ...) to the
	// permalink of an InSales custom status.
	Mapping map[string]string
}

// AppShop is what the app keeps about one installed shop.
type AppShop struct {
	ID        string
	InsalesID int64
	Domain    string
	// PasswordEnc is the app password sealed with Sealer (label ShopLabel).
	PasswordEnc []byte
	Uninstalled bool
	// Balance in kopecks, as last stored on the shop.
	Balance       int64
	TrackFieldID  int64
	WidgetID      int64
	WidgetKey     string
	WebhookIDs    []int64
	WebhookSecret string
	StatusSync    StatusSyncSettings
	StorageDays   int
	Setup         SetupProgress
	// Cursor is where the next reconciliation resumes.
	Cursor OrderCursor
}

// InstallRecord is what an install request changes on a shop.
type InstallRecord struct {
	InsalesID   int64
	Domain      string
	PasswordEnc []byte
}

// InstallPrep is what Install stores after the upsert: fresh secrets (set
// only where the shop has none yet), setup steps back to pending and the
// reconciliation cursor.
type InstallPrep struct {
	WebhookSecret string
	WidgetKey     string
	Cursor        OrderCursor
	At            time.Time
}

// SetupResult is what a successful step learned; zero members are left as
// stored.
type SetupResult struct {
	TrackFieldID int64
	WidgetID     int64
	WebhookIDs   []int64
}

// ShopStore keeps shops.
type ShopStore interface {
	// InstallShop upserts the shop by InsalesID. A new shop starts with
	// welcome kopecks, left pending on it for Biller.Settle to record.
	InstallShop(ctx context.Context, in InstallRecord, welcome int64, now time.Time) (shop AppShop, created bool, err error)
	// PrepareInstall applies p (see InstallPrep) and returns the shop after it.
	PrepareInstall(ctx context.Context, shopID string, p InstallPrep) (AppShop, error)
	ShopByID(ctx context.Context, id string) (AppShop, error)
	ShopByInsalesID(ctx context.Context, insalesID int64) (AppShop, error)
	// ShopByWidgetKey finds the shop whose order-page widget carries key.
	ShopByWidgetKey(ctx context.Context, key string) (AppShop, error)
	MarkUninstalled(ctx context.Context, shopID string, now time.Time) error
	// SaveSetupStep records one step's state and, on success, its result.
	SaveSetupStep(ctx context.Context, shopID string, st StepState, res SetupResult) error
	// SetSetupComplete marks the whole setup done.
	SetSetupComplete(ctx context.Context, shopID string, now time.Time) error
	// ShopsNeedingSetup lists up to limit installed shops whose setup is not
	// complete.
	ShopsNeedingSetup(ctx context.Context, limit int) ([]string, error)
	// ShopIDs pages through every shop id in order.
	ShopIDs(ctx context.Context, after string, limit int) ([]string, error)
	SaveCursor(ctx context.Context, shopID string, c OrderCursor) error
}

// Stop reasons recorded on a parcel.
const (
	StopTrackChanged = "track_changed"
	StopTrackCleared = "track_cleared"
	StopUninstalled  = "uninstalled"
)

// Buyer is who the parcel goes to. A phone or e-mail that cannot be used is
// kept as written and flagged (PhoneOK/EmailOK false).
type Buyer struct {
	Name    string
	Phone   string
	PhoneOK bool
	Email   string
	EmailOK bool
}

// OrderFacts are the parts of a parcel copied from its order.
type OrderFacts struct {
	OrderNumber  string
	Buyer        Buyer
	Products     []string
	DestPostcode string
	// OrderUpdatedAt is the order's updated_at these facts come from.
	OrderUpdatedAt time.Time
}

// StatusWrite is the last order status the app set for a parcel.
type StatusWrite struct {
	Permalink      string
	State          tracking.State
	OrderUpdatedAt time.Time
	At             time.Time
}

// ImportedParcel is a parcel as the importer and status sync see it.
type ImportedParcel struct {
	ID      string
	ShopID  string
	OrderID int64
	Track   string
	State   tracking.State
	OrderFacts
	// Charged: the track charge (ref ChargeRef) was paid. ChargeKind is the
	// kind it is (or will be, for a no_balance parcel) charged as.
	Charged    bool
	ChargeKind billing.Kind
	// TrackSetAt is when this track became the order's track (the newest is
	// the order's current parcel), on the wall clock. EnteredAt is when
	// tracking started, on the tracking clock (see AppOptions.TrackingClock).
	TrackSetAt time.Time
	EnteredAt  time.Time
	StoppedAt  *time.Time
	StopReason string
	Status     StatusWrite
	CreatedAt  time.Time
	UpdatedAt  time.Time
	// Tracking is what the carrier told, as the poller last stored it (no
	// events in listings that leave them out, such as ShopParcels).
	Tracking TrackingDetails
}

// Stopped reports whether the parcel no longer follows its order.
func (p ImportedParcel) Stopped() bool { return p.StoppedAt != nil }

// PollPlan is the polling schedule written with a parcel.
type PollPlan struct {
	State tracking.State
	// NextPollAt nil means not polled.
	NextPollAt  *time.Time
	Priority    int
	EnteredAt   time.Time
	StorageDays int
}

// TrackingDetails are the carrier-derived dates and events of a parcel, as
// the poller last stored them. Absent dates are zero.
type TrackingDetails struct {
	// ArrivedAt is the first arrival of the current waiting episode; set
	// only while the parcel waits at a delivery point.
	ArrivedAt time.Time
	// Deadline is the end of the last day of storage (23:59:59 in the
	// arrival office's offset); set only while waiting.
	Deadline    time.Time
	LastEventAt time.Time
	Events      []tracking.Event
}

// ParcelStore keeps imported parcels and their polling rows.
type ParcelStore interface {
	// OrderParcels returns every parcel of the order, any state.
	OrderParcels(ctx context.Context, shopID string, orderID int64) ([]ImportedParcel, error)
	// SchedulePoll writes (creates or updates) the parcel's polling row.
	SchedulePoll(ctx context.Context, p ImportedParcel, plan PollPlan) error
	// InsertParcel adds a parcel; ErrStoreConflict when its id exists.
	InsertParcel(ctx context.Context, p ImportedParcel, now time.Time) error
	// UpdateFacts stores new order facts on a parcel (and the postcode on its
	// polling row when it changed).
	UpdateFacts(ctx context.Context, id string, f OrderFacts, postcodeChanged bool, now time.Time) error
	// StopParcel marks the parcel stopped and unschedules its polling row.
	StopParcel(ctx context.Context, id, reason string, orderUpdatedAt, now time.Time) error
	// Reactivate clears a stop and sets the parcel's state, charge and facts
	// (the caller schedules the polling row).
	Reactivate(ctx context.Context, p ImportedParcel, now time.Time) error
	// MarkCharged records that a no_balance parcel was paid for and is now
	// in state, tracked from enteredAt.
	MarkCharged(ctx context.Context, id string, state tracking.State, enteredAt, now time.Time) error
	// NoBalanceParcels lists up to limit parcels of the shop waiting for
	// money, oldest first.
	NoBalanceParcels(ctx context.Context, shopID string, limit int) ([]ImportedParcel, error)
	// Parcel reads one parcel.
	Parcel(ctx context.Context, id string) (ImportedParcel, error)
	// ShopParcels lists the shop's most recently updated parcels.
	ShopParcels(ctx context.Context, shopID string, limit int) ([]ImportedParcel, error)
	// SaveStatusWrite records the order status the app set.
	SaveStatusWrite(ctx context.Context, id string, w StatusWrite) error
	// StopShopParcels stops every parcel of the shop not stopped yet.
	StopShopParcels(ctx context.Context, shopID, reason string, now time.Time) (int, error)
	// StoppedParcels lists up to limit of the shop's parcels stopped for
	// reason.
	StoppedParcels(ctx context.Context, shopID, reason string, limit int) ([]ImportedParcel, error)
}

// EventStore remembers order events already handled (events_seen).
type EventStore interface {
	// Seen reports whether key was recorded.
	Seen(ctx context.Context, key string) (bool, error)
	// MarkSeen records key; recording it twice is not an error.
	MarkSeen(ctx context.Context, key string, now time.Time) error
}

// Biller is the part of billing.Service the app uses.
type Biller interface {
	Charge(ctx context.Context, shopID, ref string, amount int64, kind billing.Kind, meta billing.Meta) (billing.Entry, error)
	Settle(ctx context.Context, shopID string) (int, error)
	Prices() billing.Prices
}
