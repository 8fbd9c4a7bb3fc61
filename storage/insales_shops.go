package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo/options"

	"parceltrack/insales"
)

// AppShops is the shops collection as the InSales app sees it: install,
// setup progress and the reconciliation cursor. It implements
// insales.ShopStore. Its errors match both this package's sentinels and
// insales.ErrStoreNotFound / ErrStoreConflict.
type AppShops struct{ db *DB }

// AppShops returns the InSales app's shop store.
func (d *DB) AppShops() *AppShops { return &AppShops{db: d} }

var _ insales.ShopStore = (*AppShops)(nil)

// appShopDoc is a shop with the fields only the InSales app writes: the
// setup job's progress and the reconciliation cursor. Both stay small, as
// the shop document must (see Shop).
type appShopDoc struct {
	Shop      `bson:",inline"`
	Setup     setupDoc  `bson:"setup"`
	Reconcile cursorDoc `bson:"reconcile"`
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

// appErr maps a driver error and adds the insales sentinel.
func appErr(op string, err error) error {
	err = mapErr(op, err)
	switch {
	case errors.Is(err, ErrNotFound):
		return fmt.Errorf("%w (%w)", err, insales.ErrStoreNotFound)
	case errors.Is(err, ErrConflict):
		return fmt.Errorf("%w (%w)", err, insales.ErrStoreConflict)
	}
	return err
}

func (d appShopDoc) appShop() insales.AppShop {
	s := insales.AppShop{
		ID:            d.ID,
		InsalesID:     d.InsalesID,
		Domain:        d.Domain,
		PasswordEnc:   d.PasswordEnc,
		Uninstalled:   d.UninstalledAt != nil,
		Balance:       d.Balance,
		TrackFieldID:  d.Settings.TrackFieldID,
		WidgetID:      d.Settings.WidgetID,
		WidgetKey:     d.Settings.WidgetKey,
		WebhookIDs:    d.Settings.WebhookIDs,
		WebhookSecret: d.Settings.WebhookSecret,
		StatusSync:    insales.StatusSyncSettings{Enabled: d.Settings.StatusSync.Enabled, Mapping: d.Settings.StatusSync.Mapping},
		StorageDays:   d.Settings.StorageDays,
		Setup:         insales.SetupProgress{Complete: d.Setup.Complete},
		Cursor:        insales.OrderCursor{UpdatedSince: d.Reconcile.UpdatedSince, FromID: d.Reconcile.FromID},
	}
	for _, step := range insales.SetupSteps() {
		st := insales.StepState{Step: step, Status: insales.StepPending}
		if sd, ok := d.Setup.Steps[string(step)]; ok {
			st.Status, st.Attempts, st.LastError, st.UpdatedAt = insales.StepStatus(sd.Status), sd.Attempts, sd.LastError, sd.UpdatedAt
		}
		s.Setup.Steps = append(s.Setup.Steps, st)
	}
	return s
}

func (s *AppShops) find(ctx context.Context, op string, filter bson.D) (insales.AppShop, error) {
	var d appShopDoc
	if err := s.db.db.Collection(colShops).FindOne(ctx, filter).Decode(&d); err != nil {
		return insales.AppShop{}, appErr(op, err)
	}
	return d.appShop(), nil
}

// InstallShop implements insales.ShopStore with Shops.Upsert.
func (s *AppShops) InstallShop(ctx context.Context, in insales.InstallRecord, welcome int64, now time.Time) (insales.AppShop, bool, error) {
	shop, created, err := s.db.Shops().Upsert(ctx, Install{InsalesID: in.InsalesID, Domain: in.Domain, PasswordEnc: in.PasswordEnc}, welcome, now)
	if err != nil {
		return insales.AppShop{}, false, appErr("install shop", err)
	}
	return appShopDoc{Shop: shop}.appShop(), created, nil
}

// PrepareInstall implements insales.ShopStore: one write resets the setup
// and the cursor; a secret is then set only where the shop has none, so two
// racing installs agree on one.
func (s *AppShops) PrepareInstall(ctx context.Context, shopID string, p insales.InstallPrep) (insales.AppShop, error) {
	at := p.At.UTC().Truncate(time.Millisecond)
	col := s.db.db.Collection(colShops)
	// Served by _id.
	var d appShopDoc
	err := col.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: shopID}},
		bson.D{{Key: "$set", Value: bson.D{
			{Key: "setup", Value: setupDoc{Steps: map[string]stepDoc{}}},
			{Key: "reconcile", Value: cursorDoc{UpdatedSince: p.Cursor.UpdatedSince.UTC(), FromID: p.Cursor.FromID}},
			{Key: "updated_at", Value: at},
		}}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if err != nil {
		return insales.AppShop{}, appErr("prepare install "+shopID, err)
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
		_, err := col.UpdateOne(ctx, bson.D{
			{Key: "_id", Value: shopID},
			{Key: "$or", Value: bson.A{
				bson.D{{Key: f.key, Value: bson.D{{Key: "$exists", Value: false}}}},
				bson.D{{Key: f.key, Value: ""}},
			}},
		}, bson.D{{Key: "$set", Value: bson.D{{Key: f.key, Value: f.value}}}})
		if err != nil {
			return insales.AppShop{}, appErr("prepare install "+shopID, err)
		}
		changed = true
	}
	if changed {
		return s.ShopByID(ctx, shopID)
	}
	return d.appShop(), nil
}

// ShopByID implements insales.ShopStore.
func (s *AppShops) ShopByID(ctx context.Context, id string) (insales.AppShop, error) {
	// Served by _id.
	return s.find(ctx, "get shop "+id, bson.D{{Key: "_id", Value: id}})
}

// ShopByInsalesID implements insales.ShopStore.
func (s *AppShops) ShopByInsalesID(ctx context.Context, insalesID int64) (insales.AppShop, error) {
	// Served by insales_id_unique.
	return s.find(ctx, "get shop by insales id", bson.D{{Key: "insales_id", Value: insalesID}})
}

// ShopByWidgetKey implements insales.ShopStore. An empty key matches no
// shop (a shop without a key has none stored).
func (s *AppShops) ShopByWidgetKey(ctx context.Context, key string) (insales.AppShop, error) {
	if key == "" {
		return insales.AppShop{}, appErr("get shop by widget key", ErrNotFound)
	}
	// Served by widget_key.
	return s.find(ctx, "get shop by widget key", bson.D{{Key: "settings.widget_key", Value: key}})
}

// MarkUninstalled implements insales.ShopStore.
func (s *AppShops) MarkUninstalled(ctx context.Context, shopID string, now time.Time) error {
	return appErr("uninstall", s.db.Shops().MarkUninstalled(ctx, shopID, now))
}

// SaveSetupStep implements insales.ShopStore in one write.
func (s *AppShops) SaveSetupStep(ctx context.Context, shopID string, st insales.StepState, res insales.SetupResult) error {
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
	return s.updateByID(ctx, "save setup step", shopID, bson.D{{Key: "$set", Value: set}})
}

// SetSetupComplete implements insales.ShopStore.
func (s *AppShops) SetSetupComplete(ctx context.Context, shopID string, now time.Time) error {
	now = now.UTC()
	return s.updateByID(ctx, "complete setup", shopID, bson.D{{Key: "$set", Value: bson.D{
		{Key: "setup.complete", Value: true},
		{Key: "setup.completed_at", Value: now},
	}}})
}

// ShopsNeedingSetup implements insales.ShopStore.
func (s *AppShops) ShopsNeedingSetup(ctx context.Context, limit int) ([]string, error) {
	// Served by setup_complete.
	cur, err := s.db.db.Collection(colShops).Find(ctx, bson.D{
		{Key: "setup.complete", Value: false},
		{Key: "uninstalled_at", Value: bson.D{{Key: "$exists", Value: false}}},
	}, options.Find().SetLimit(int64(limit)).SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, appErr("shops needing setup", err)
	}
	var rows []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &rows); err != nil {
		return nil, appErr("shops needing setup", err)
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	return ids, nil
}

// ShopIDs implements insales.ShopStore; see Shops.IDs.
func (s *AppShops) ShopIDs(ctx context.Context, after string, limit int) ([]string, error) {
	ids, err := s.db.Shops().IDs(ctx, after, limit)
	return ids, appErr("shop ids", err)
}

// SaveCursor implements insales.ShopStore.
func (s *AppShops) SaveCursor(ctx context.Context, shopID string, c insales.OrderCursor) error {
	return s.updateByID(ctx, "save cursor", shopID, bson.D{{Key: "$set", Value: bson.D{
		{Key: "reconcile", Value: cursorDoc{UpdatedSince: c.UpdatedSince.UTC(), FromID: c.FromID}},
	}}})
}

func (s *AppShops) updateByID(ctx context.Context, op, id string, update bson.D) error {
	// Served by _id.
	res, err := s.db.db.Collection(colShops).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, update)
	if err != nil {
		return appErr(op+" "+id, err)
	}
	if res.MatchedCount == 0 {
		return appErr(op+" "+id, ErrNotFound)
	}
	return nil
}
