package storage

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"parceltrack/billing"
	"parceltrack/insales"
	"parceltrack/onboarding"
	"parceltrack/shopapp"
)

// shopDoc is the storage mapping of shopapp.Shop (the shops collection).
// The document also carries balance_seq and pending, which only Ledger
// writes: never replace a whole shop document, change fields with $set. It
// stays small — it is read on every charge and rewritten on every balance
// change — so message templates and the like belong elsewhere.
type shopDoc struct {
	ID        string `bson:"_id"`
	InsalesID int64  `bson:"insales_id"`
	Domain    string `bson:"domain"`
	Name      string `bson:"name,omitempty"`
	// PasswordEnc is sealed by the caller; storage never sees it in clear.
	PasswordEnc  []byte          `bson:"password_enc,omitempty"`
	Owner        ownerDoc        `bson:"owner"`
	Verification verificationDoc `bson:"verification"`
	WizardStep   string          `bson:"wizard_step,omitempty"`
	Onboarding   onboardingDoc   `bson:"onboarding"`
	UserID       string          `bson:"user_id,omitempty"`
	APIKeyHash   string          `bson:"api_key_hash,omitempty"`
	Settings     settingsDoc     `bson:"settings"`
	// Balance is in kopecks; it equals the sum of the shop's ledger once the
	// changes pending on it are recorded.
	Balance       int64      `bson:"balance"`
	Setup         setupDoc   `bson:"setup"`
	Reconcile     cursorDoc  `bson:"reconcile"`
	InstalledAt   time.Time  `bson:"installed_at"`
	UninstalledAt *time.Time `bson:"uninstalled_at,omitempty"`
	CreatedAt     time.Time  `bson:"created_at"`
	UpdatedAt     time.Time  `bson:"updated_at"`
}

type ownerDoc struct {
	Name  string `bson:"name,omitempty"`
	Email string `bson:"email,omitempty"`
	Phone string `bson:"phone,omitempty"`
}

type verificationDoc struct {
	PhoneVerifiedAt *time.Time `bson:"phone_verified_at,omitempty"`
	EmailVerifiedAt *time.Time `bson:"email_verified_at,omitempty"`
}

type onboardingDoc struct {
	CredentialsSentAt *time.Time `bson:"credentials_sent_at,omitempty"`
	FinishedAt        *time.Time `bson:"finished_at,omitempty"`
}

type settingsDoc struct {
	TrackFieldID  int64         `bson:"track_field_id,omitempty"`
	WidgetID      int64         `bson:"widget_id,omitempty"`
	WidgetKey     string        `bson:"widget_key,omitempty"`
	WebhookIDs    []int64       `bson:"webhook_ids,omitempty"`
	WebhookSecret string        `bson:"webhook_secret,omitempty"`
	StatusSync    statusSyncDoc `bson:"status_sync"`
	Messages      messagesDoc   `bson:"messages"`
	StorageDays   int           `bson:"storage_days,omitempty"`
}

type statusSyncDoc struct {
	Enabled bool              `bson:"enabled"`
	Mapping map[string]string `bson:"mapping,omitempty"`
}

type messagesDoc struct {
	Off          map[string]bool `bson:"off,omitempty"`
	FromMinute   int             `bson:"from_minute,omitempty"`
	ToMinute     int             `bson:"to_minute,omitempty"`
	ReminderDays []int           `bson:"reminder_days,omitempty"`
	VoiceDays    []int           `bson:"voice_days,omitempty"`
	NoLastDay    bool            `bson:"no_last_day,omitempty"`
	Delivered    bool            `bson:"delivered,omitempty"`
	CallsPerDay  int             `bson:"calls_per_day,omitempty"`
}

func (d messagesDoc) settings() shopapp.MessageSettings {
	return shopapp.MessageSettings{Off: d.Off, Window: shopapp.SendWindow{FromMinute: d.FromMinute, ToMinute: d.ToMinute},
		ReminderDays: d.ReminderDays, VoiceDays: d.VoiceDays, NoLastDay: d.NoLastDay, Delivered: d.Delivered,
		CallsPerDay: d.CallsPerDay}
}

type setupDoc struct {
	Complete    bool               `bson:"complete"`
	CompletedAt *time.Time         `bson:"completed_at,omitempty"`
	Steps       map[string]stepDoc `bson:"steps,omitempty"`
}

type stepDoc struct {
	Status    string    `bson:"status"`
	Attempts  int       `bson:"attempts"`
	LastError string    `bson:"last_error,omitempty"`
	UpdatedAt time.Time `bson:"updated_at"`
}

type cursorDoc struct {
	UpdatedSince time.Time `bson:"updated_since"`
	FromID       int64     `bson:"from_id"`
}

func (d shopDoc) shop() shopapp.Shop {
	s := shopapp.Shop{
		ID: d.ID, InsalesID: d.InsalesID, Domain: d.Domain, Name: d.Name, PasswordEnc: d.PasswordEnc,
		Owner: shopapp.Owner{Name: d.Owner.Name, Email: d.Owner.Email, Phone: d.Owner.Phone},
		Verification: shopapp.Verification{
			PhoneVerifiedAt: derefTime(d.Verification.PhoneVerifiedAt),
			EmailVerifiedAt: derefTime(d.Verification.EmailVerifiedAt),
		},
		Wizard: shopapp.Wizard{Step: d.WizardStep,
			CredentialsSentAt: derefTime(d.Onboarding.CredentialsSentAt), FinishedAt: derefTime(d.Onboarding.FinishedAt)},
		API: shopapp.APICredentials{UserID: d.UserID, KeyHash: d.APIKeyHash},
		Settings: shopapp.Settings{
			TrackFieldID: d.Settings.TrackFieldID, WidgetID: d.Settings.WidgetID, WidgetKey: d.Settings.WidgetKey,
			WebhookIDs: d.Settings.WebhookIDs, WebhookSecret: d.Settings.WebhookSecret,
			StatusSync:  shopapp.StatusSync{Enabled: d.Settings.StatusSync.Enabled, Mapping: d.Settings.StatusSync.Mapping},
			Messages:    d.Settings.Messages.settings(),
			StorageDays: d.Settings.StorageDays,
		},
		Balance:       d.Balance,
		Setup:         shopapp.SetupProgress{Complete: d.Setup.Complete, CompletedAt: derefTime(d.Setup.CompletedAt)},
		Cursor:        insales.OrderCursor{UpdatedSince: d.Reconcile.UpdatedSince, FromID: d.Reconcile.FromID},
		InstalledAt:   d.InstalledAt,
		UninstalledAt: derefTime(d.UninstalledAt),
		CreatedAt:     d.CreatedAt,
		UpdatedAt:     d.UpdatedAt,
	}
	for _, step := range shopapp.SetupSteps() {
		st := shopapp.StepState{Step: step, Status: shopapp.StepPending}
		if sd, ok := d.Setup.Steps[string(step)]; ok {
			st.Status, st.Attempts, st.LastError, st.UpdatedAt = shopapp.StepStatus(sd.Status), sd.Attempts, sd.LastError, sd.UpdatedAt
		}
		s.Setup.Steps = append(s.Setup.Steps, st)
	}
	return s
}

// Shops is the shops collection. It implements shopapp.ShopStore (install,
// setup, reconciliation) and onboarding.ShopStore (the wizard's fields)
// over the one shopDoc mapping. Every write is by _id or by the unique
// insales_id.
type Shops struct{ db *DB }

// Shops returns the shop store.
func (d *DB) Shops() *Shops { return &Shops{db: d} }

var (
	_ shopapp.ShopStore    = (*Shops)(nil)
	_ onboarding.ShopStore = (*Shops)(nil)
)

// WelcomeRef is the ledger ref of a shop's welcome credit.
const WelcomeRef = "welcome"

// InstallShop implements shopapp.ShopStore: an install creates a new shop,
// or gives a known one (same insales_id, e.g. a reinstall) the new domain
// and password and marks it installed again.
//
// A new shop starts with welcome kopecks, and the very same atomic insert
// leaves the welcome credit pending on it (ref WelcomeRef, kind welcome), so
// balance == sum(ledger) holds as soon as the pending change is recorded —
// by billing.Service.Settle, which the caller should run next, or by the
// periodic repair if the process dies first.
func (s *Shops) InstallShop(ctx context.Context, in shopapp.InstallRecord, welcome int64, now time.Time) (shopapp.Shop, bool, error) {
	now = now.UTC().Truncate(time.Millisecond)
	id := NewID()
	onInsert := bson.D{
		{Key: "_id", Value: id},
		{Key: "created_at", Value: now},
		{Key: "balance", Value: welcome},
		{Key: "balance_seq", Value: int64(0)},
		{Key: "pending", Value: bson.A{}},
		{Key: "owner", Value: ownerDoc{}},
		{Key: "verification", Value: verificationDoc{}},
		{Key: "settings", Value: settingsDoc{}},
	}
	if welcome > 0 {
		onInsert[3].Value = int64(1)
		onInsert[4].Value = bson.A{pendingDoc{
			Op:           "welcome-" + id,
			Ref:          WelcomeRef,
			Kind:         string(billing.KindWelcome),
			Amount:       welcome,
			BalanceAfter: welcome,
			Seq:          1,
			Actor:        actorDoc{Type: string(billing.ActorSystem), Reason: "welcome balance"},
			At:           now,
		}}
	}
	update := bson.D{
		{Key: "$set", Value: bson.D{
			{Key: "domain", Value: in.Domain},
			{Key: "name", Value: in.Name},
			{Key: "password_enc", Value: in.PasswordEnc},
			{Key: "installed_at", Value: now},
			{Key: "updated_at", Value: now},
		}},
		{Key: "$unset", Value: bson.D{{Key: "uninstalled_at", Value: ""}}},
		{Key: "$setOnInsert", Value: onInsert},
	}
	opts := options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)
	// Served by insales_id_unique. Two installs racing on MongoDB may both
	// try the insert; the loser gets a duplicate key and its retry updates.
	var out shopDoc
	var err error
	for range 2 {
		err = s.col().FindOneAndUpdate(ctx, bson.D{{Key: "insales_id", Value: in.InsalesID}}, update, opts).Decode(&out)
		if !isDuplicate(err) {
			break
		}
	}
	if err != nil {
		return shopapp.Shop{}, false, mapErr("install shop", err)
	}
	return out.shop(), out.ID == id, nil
}

// PrepareInstall implements shopapp.ShopStore: one write resets the setup
// and the cursor; a secret is then set only where the shop has none, so two
// racing installs agree on one.
func (s *Shops) PrepareInstall(ctx context.Context, shopID string, p shopapp.InstallPrep) (shopapp.Shop, error) {
	at := p.At.UTC().Truncate(time.Millisecond)
	// Served by _id.
	var d shopDoc
	err := s.col().FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: shopID}},
		bson.D{{Key: "$set", Value: bson.D{
			{Key: "setup", Value: setupDoc{Steps: map[string]stepDoc{}}},
			{Key: "reconcile", Value: cursorDoc{UpdatedSince: p.Cursor.UpdatedSince.UTC(), FromID: p.Cursor.FromID}},
			{Key: "updated_at", Value: at},
		}}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if err != nil {
		return shopapp.Shop{}, mapErr("prepare install "+shopID, err)
	}
	changed := false
	for _, f := range []struct{ key, value string }{
		{"settings.webhook_secret", p.WebhookSecret},
		{"settings.widget_key", p.WidgetKey},
	} {
		if f.value == "" {
			continue
		}
		// Served by _id; the condition keeps a secret already set.
		_, err := s.col().UpdateOne(ctx, bson.D{
			{Key: "_id", Value: shopID},
			{Key: "$or", Value: bson.A{
				bson.D{{Key: f.key, Value: bson.D{{Key: "$exists", Value: false}}}},
				bson.D{{Key: f.key, Value: ""}},
			}},
		}, bson.D{{Key: "$set", Value: bson.D{{Key: f.key, Value: f.value}}}})
		if err != nil {
			return shopapp.Shop{}, mapErr("prepare install "+shopID, err)
		}
		changed = true
	}
	if changed {
		return s.Shop(ctx, shopID)
	}
	return d.shop(), nil
}

func (s *Shops) col() *mongo.Collection { return s.db.db.Collection(colShops) }

func (s *Shops) find(ctx context.Context, op string, filter bson.D) (shopapp.Shop, error) {
	var d shopDoc
	if err := s.col().FindOne(ctx, filter).Decode(&d); err != nil {
		return shopapp.Shop{}, mapErr(op, err)
	}
	return d.shop(), nil
}

// Shop implements shopapp.ShopStore and onboarding.ShopStore.
func (s *Shops) Shop(ctx context.Context, id string) (shopapp.Shop, error) {
	// Served by _id.
	return s.find(ctx, "get shop "+id, bson.D{{Key: "_id", Value: id}})
}

// ShopByInsalesID implements shopapp.ShopStore.
func (s *Shops) ShopByInsalesID(ctx context.Context, insalesID int64) (shopapp.Shop, error) {
	// Served by insales_id_unique.
	return s.find(ctx, "get shop by insales id", bson.D{{Key: "insales_id", Value: insalesID}})
}

// ShopByWidgetKey implements shopapp.ShopStore. An empty key matches no
// shop (a shop without a key has none stored).
func (s *Shops) ShopByWidgetKey(ctx context.Context, key string) (shopapp.Shop, error) {
	if key == "" {
		return shopapp.Shop{}, mapErr("get shop by widget key", ErrNotFound)
	}
	// Served by widget_key.
	return s.find(ctx, "get shop by widget key", bson.D{{Key: "settings.widget_key", Value: key}})
}

// MarkUninstalled implements shopapp.ShopStore.
func (s *Shops) MarkUninstalled(ctx context.Context, shopID string, now time.Time) error {
	now = now.UTC().Truncate(time.Millisecond)
	return s.update(ctx, "uninstall shop", shopID, bson.D{{Key: "$set", Value: bson.D{
		{Key: "uninstalled_at", Value: now}, {Key: "updated_at", Value: now},
	}}})
}

// SaveSetupStep implements shopapp.ShopStore in one write.
func (s *Shops) SaveSetupStep(ctx context.Context, shopID string, st shopapp.StepState, res shopapp.SetupResult) error {
	set := bson.D{
		{Key: "setup.steps." + string(st.Step), Value: stepDoc{
			Status: string(st.Status), Attempts: st.Attempts, LastError: st.LastError, UpdatedAt: st.UpdatedAt.UTC(),
		}},
		{Key: "updated_at", Value: st.UpdatedAt.UTC()},
	}
	if res.TrackFieldID != 0 {
		set = append(set, bson.E{Key: "settings.track_field_id", Value: res.TrackFieldID})
	}
	if res.WidgetID != 0 {
		set = append(set, bson.E{Key: "settings.widget_id", Value: res.WidgetID})
	}
	if res.WebhookIDs != nil {
		set = append(set, bson.E{Key: "settings.webhook_ids", Value: res.WebhookIDs})
	}
	return s.update(ctx, "save setup step", shopID, bson.D{{Key: "$set", Value: set}})
}

// SetSetupComplete implements shopapp.ShopStore.
func (s *Shops) SetSetupComplete(ctx context.Context, shopID string, now time.Time) error {
	return s.update(ctx, "complete setup", shopID, bson.D{{Key: "$set", Value: bson.D{
		{Key: "setup.complete", Value: true},
		{Key: "setup.completed_at", Value: now.UTC()},
	}}})
}

// ShopsNeedingSetup implements shopapp.ShopStore.
func (s *Shops) ShopsNeedingSetup(ctx context.Context, limit int) ([]string, error) {
	// Served by setup_complete.
	return s.ids(ctx, "shops needing setup", bson.D{
		{Key: "setup.complete", Value: false},
		{Key: "uninstalled_at", Value: bson.D{{Key: "$exists", Value: false}}},
	}, options.Find().SetLimit(int64(limit)))
}

// ShopIDs implements shopapp.ShopStore: up to limit shop ids greater than
// after, in id order, so a caller walks every shop page by page without
// holding a cursor open.
func (s *Shops) ShopIDs(ctx context.Context, after string, limit int) ([]string, error) {
	// Served by _id.
	return s.ids(ctx, "list shops", bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}}},
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit)))
}

func (s *Shops) ids(ctx context.Context, op string, filter bson.D, opts *options.FindOptions) ([]string, error) {
	cur, err := s.col().Find(ctx, filter, opts.SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, mapErr(op, err)
	}
	var rows []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &rows); err != nil {
		return nil, mapErr(op, err)
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	return ids, nil
}

// SaveCursor implements shopapp.ShopStore.
func (s *Shops) SaveCursor(ctx context.Context, shopID string, c insales.OrderCursor) error {
	return s.update(ctx, "save cursor", shopID, bson.D{{Key: "$set", Value: bson.D{
		{Key: "reconcile", Value: cursorDoc{UpdatedSince: c.UpdatedSince.UTC(), FromID: c.FromID}},
	}}})
}

// SaveRegistration implements onboarding.ShopStore.
func (s *Shops) SaveRegistration(ctx context.Context, shopID string, r onboarding.Registration, step onboarding.Step, now time.Time) error {
	return s.set(ctx, "save registration", shopID, now, bson.D{
		{Key: "owner.name", Value: r.Name},
		{Key: "owner.email", Value: r.Email},
		{Key: "owner.phone", Value: r.Phone},
		{Key: "wizard_step", Value: string(step)},
	})
}

// SavePhone implements onboarding.ShopStore.
func (s *Shops) SavePhone(ctx context.Context, shopID, phone string, now time.Time) error {
	return s.set(ctx, "save phone", shopID, now, bson.D{{Key: "owner.phone", Value: phone}})
}

// MarkPhoneVerified implements onboarding.ShopStore.
func (s *Shops) MarkPhoneVerified(ctx context.Context, shopID, phone string, step onboarding.Step, at time.Time) error {
	return s.set(ctx, "verify phone", shopID, at, bson.D{
		{Key: "owner.phone", Value: phone},
		{Key: "verification.phone_verified_at", Value: at.UTC().Truncate(time.Millisecond)},
		{Key: "wizard_step", Value: string(step)},
	})
}

// ReserveUserID implements onboarding.ShopStore through APIUsers.
func (s *Shops) ReserveUserID(ctx context.Context, userID, shopID string, now time.Time) error {
	return s.db.APIUsers().Reserve(ctx, userID, shopID, now)
}

// SaveAPIKey implements onboarding.ShopStore.
func (s *Shops) SaveAPIKey(ctx context.Context, shopID, userID, keyHash string, now time.Time) error {
	now = now.UTC().Truncate(time.Millisecond)
	return s.update(ctx, "save api key", shopID, bson.D{
		{Key: "$set", Value: bson.D{
			{Key: "user_id", Value: userID},
			{Key: "api_key_hash", Value: keyHash},
			{Key: "updated_at", Value: now},
		}},
		{Key: "$unset", Value: bson.D{{Key: "onboarding.credentials_sent_at", Value: ""}}},
	})
}

// MarkCredentialsSent implements onboarding.ShopStore.
func (s *Shops) MarkCredentialsSent(ctx context.Context, shopID string, at time.Time) error {
	return s.set(ctx, "credentials sent", shopID, at, bson.D{
		{Key: "onboarding.credentials_sent_at", Value: at.UTC().Truncate(time.Millisecond)},
	})
}

// SaveEmail implements onboarding.ShopStore.
func (s *Shops) SaveEmail(ctx context.Context, shopID, email string, now time.Time) error {
	return s.set(ctx, "save email", shopID, now, bson.D{{Key: "owner.email", Value: email}})
}

// MarkEmailVerified implements onboarding.ShopStore.
func (s *Shops) MarkEmailVerified(ctx context.Context, shopID string, step onboarding.Step, at time.Time) error {
	return s.set(ctx, "verify email", shopID, at, bson.D{
		{Key: "verification.email_verified_at", Value: at.UTC().Truncate(time.Millisecond)},
		{Key: "wizard_step", Value: string(step)},
	})
}

// SetStep implements onboarding.ShopStore.
func (s *Shops) SetStep(ctx context.Context, shopID string, step onboarding.Step, now time.Time) error {
	set := bson.D{{Key: "wizard_step", Value: string(step)}}
	if step == onboarding.StepDone {
		set = append(set, bson.E{Key: "onboarding.finished_at", Value: now.UTC().Truncate(time.Millisecond)})
	}
	return s.set(ctx, "set wizard step", shopID, now, set)
}

// SaveStatusSync implements onboarding.ShopStore: settings.status_sync is
// what shopapp.App.SyncStatus reads.
func (s *Shops) SaveStatusSync(ctx context.Context, shopID string, st shopapp.StatusSync, now time.Time) error {
	mapping := st.Mapping
	if mapping == nil {
		mapping = map[string]string{}
	}
	return s.set(ctx, "save status sync", shopID, now, bson.D{
		{Key: "settings.status_sync", Value: statusSyncDoc{Enabled: st.Enabled, Mapping: mapping}},
	})
}

// SaveMessageSettings replaces the shop's message settings.
func (s *Shops) SaveMessageSettings(ctx context.Context, shopID string, m shopapp.MessageSettings, now time.Time) error {
	return s.set(ctx, "save message settings", shopID, now, bson.D{
		{Key: "settings.messages", Value: messagesDoc{Off: m.Off, FromMinute: m.Window.FromMinute, ToMinute: m.Window.ToMinute,
			ReminderDays: m.ReminderDays, VoiceDays: m.VoiceDays, NoLastDay: m.NoLastDay, Delivered: m.Delivered,
			CallsPerDay: m.CallsPerDay}},
	})
}

// set applies $set fields (and updated_at) to one shop.
func (s *Shops) set(ctx context.Context, op, shopID string, now time.Time, fields bson.D) error {
	fields = append(fields, bson.E{Key: "updated_at", Value: now.UTC().Truncate(time.Millisecond)})
	return s.update(ctx, op, shopID, bson.D{{Key: "$set", Value: fields}})
}

// update applies update to one shop by _id; ErrNotFound when there is none.
func (s *Shops) update(ctx context.Context, op, id string, update bson.D) error {
	// Served by _id.
	res, err := s.col().UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, update)
	if err != nil {
		return mapErr(op+" "+id, err)
	}
	if res.MatchedCount == 0 {
		return mapErr(op+" "+id, ErrNotFound)
	}
	return nil
}
