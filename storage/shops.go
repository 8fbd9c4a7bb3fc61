package storage

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"parceltrack/billing"
)

// Owner is the merchant who registered the shop in the wizard.
type Owner struct {
	Name  string `bson:"name,omitempty"`
	Email string `bson:"email,omitempty"`
	// Phone is E.164.
	Phone string `bson:"phone,omitempty"`
}

// Verification is what the wizard has confirmed about the owner; the codes
// themselves live in the verifications collection.
type Verification struct {
	PhoneVerifiedAt *time.Time `bson:"phone_verified_at,omitempty"`
	EmailVerifiedAt *time.Time `bson:"email_verified_at,omitempty"`
}

// StatusSync moves InSales order statuses forward as parcels progress.
type StatusSync struct {
	Enabled bool `bson:"enabled"`
	// Mapping maps a parcel state to an InSales status permalink.
	Mapping map[string]string `bson:"mapping,omitempty"`
}

// Channels switches whole message channels on or off for the shop.
type Channels struct {
	SMS   bool `bson:"sms"`
	Voice bool `bson:"voice"`
	Email bool `bson:"email"`
}

// SendWindow is when buyers may receive messages, in their local time, as
// minutes after midnight (540–1260 is 09:00–21:00). Zero values mean the
// default window.
type SendWindow struct {
	FromMinute int `bson:"from_minute,omitempty"`
	ToMinute   int `bson:"to_minute,omitempty"`
}

// ShopSettings is what the setup wizard created at InSales and what the
// merchant chose. Message templates and the reminder schedule are kept out of
// the shop document: it is read on every charge and rewritten on every balance
// change, so it stays small.
type ShopSettings struct {
	TrackFieldID  int64      `bson:"track_field_id,omitempty"`
	WidgetID      int64      `bson:"widget_id,omitempty"`
	WidgetKey     string     `bson:"widget_key,omitempty"`
	WebhookIDs    []int64    `bson:"webhook_ids,omitempty"`
	WebhookSecret string     `bson:"webhook_secret,omitempty"`
	StatusSync    StatusSync `bson:"status_sync"`
	Channels      Channels   `bson:"channels"`
	SendWindow    SendWindow `bson:"send_window"`
	// StorageDays overrides the post office's storage period (0: the
	// carrier's rule).
	StorageDays int `bson:"storage_days,omitempty"`
}

// Shop is one InSales install.
//
// The balance belongs to the ledger (see Ledger): the document also carries
// balance_seq and pending, which only Ledger writes. Never replace a whole
// shop document; change fields with $set.
type Shop struct {
	ID        string `bson:"_id"`
	InsalesID int64  `bson:"insales_id"`
	Domain    string `bson:"domain"`
	// PasswordEnc is the InSales app password encrypted with APP_SECRET_KEY
	// by the caller; storage never sees it in clear.
	PasswordEnc  []byte       `bson:"password_enc,omitempty"`
	Owner        Owner        `bson:"owner"`
	Verification Verification `bson:"verification"`
	WizardStep   string       `bson:"wizard_step,omitempty"`
	// UserID is the public API user id; APIKeyHash the hash of its key.
	UserID     string       `bson:"user_id,omitempty"`
	APIKeyHash string       `bson:"api_key_hash,omitempty"`
	Settings   ShopSettings `bson:"settings"`
	// Balance is in kopecks; it equals the sum of the shop's ledger once the
	// changes pending on it are recorded.
	Balance       int64      `bson:"balance"`
	InstalledAt   time.Time  `bson:"installed_at"`
	UninstalledAt *time.Time `bson:"uninstalled_at,omitempty"`
	CreatedAt     time.Time  `bson:"created_at"`
	UpdatedAt     time.Time  `bson:"updated_at"`
}

// Install is what an InSales install request tells about a shop.
type Install struct {
	InsalesID   int64
	Domain      string
	PasswordEnc []byte
}

// Shops is the shops collection.
type Shops struct{ db *DB }

// Shops returns the shop store.
func (d *DB) Shops() *Shops { return &Shops{db: d} }

// WelcomeRef is the ledger ref of a shop's welcome credit.
const WelcomeRef = "welcome"

// Upsert records an install: a new shop is created, a known one (same
// insales_id, e.g. a reinstall) gets the new domain and password and is marked
// installed again. It returns the shop and whether it was created.
//
// A new shop starts with welcome kopecks, and the very same atomic insert
// leaves the welcome credit pending on it (ref WelcomeRef, kind welcome), so
// balance == sum(ledger) holds as soon as the pending change is recorded —
// by billing.Service.Settle, which the caller should run next, or by the
// periodic repair if the process dies first.
func (s *Shops) Upsert(ctx context.Context, in Install, welcome int64, now time.Time) (Shop, bool, error) {
	now = now.UTC().Truncate(time.Millisecond)
	id := NewID()
	onInsert := bson.D{
		{Key: "_id", Value: id},
		{Key: "created_at", Value: now},
		{Key: "balance", Value: welcome},
		{Key: "balance_seq", Value: int64(0)},
		{Key: "pending", Value: bson.A{}},
		{Key: "owner", Value: Owner{}},
		{Key: "verification", Value: Verification{}},
		{Key: "settings", Value: ShopSettings{}},
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
	var out Shop
	var err error
	for range 2 {
		err = s.db.db.Collection(colShops).FindOneAndUpdate(ctx,
			bson.D{{Key: "insales_id", Value: in.InsalesID}}, update, opts).Decode(&out)
		if !isDuplicate(err) {
			break
		}
	}
	if err != nil {
		return Shop{}, false, mapErr("upsert shop", err)
	}
	return out, out.ID == id, nil
}

// MarkUninstalled records that the shop removed the app.
func (s *Shops) MarkUninstalled(ctx context.Context, id string, now time.Time) error {
	now = now.UTC().Truncate(time.Millisecond)
	// Served by _id.
	res, err := s.db.db.Collection(colShops).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "uninstalled_at", Value: now}, {Key: "updated_at", Value: now}}}})
	if err != nil {
		return mapErr("uninstall shop "+id, err)
	}
	if res.MatchedCount == 0 {
		return mapErr("uninstall shop "+id, mongo.ErrNoDocuments)
	}
	return nil
}

// Get reads a shop by id.
func (s *Shops) Get(ctx context.Context, id string) (Shop, error) {
	// Served by _id.
	var out Shop
	err := s.db.db.Collection(colShops).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&out)
	return out, mapErr("get shop "+id, err)
}

// GetByInsalesID reads a shop by its InSales id.
func (s *Shops) GetByInsalesID(ctx context.Context, insalesID int64) (Shop, error) {
	// Served by insales_id_unique.
	var out Shop
	err := s.db.db.Collection(colShops).FindOne(ctx, bson.D{{Key: "insales_id", Value: insalesID}}).Decode(&out)
	return out, mapErr("get shop by insales id", err)
}

// IDs returns up to limit shop ids greater than after, in id order, so a
// caller can walk every shop page by page without holding a cursor open.
func (s *Shops) IDs(ctx context.Context, after string, limit int) ([]string, error) {
	// Served by _id.
	cur, err := s.db.db.Collection(colShops).Find(ctx,
		bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}}},
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit)).
			SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, mapErr("list shops", err)
	}
	defer cur.Close(ctx)
	var rows []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &rows); err != nil {
		return nil, mapErr("list shops", err)
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	return ids, nil
}
