package storage

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// Collection names, in one place.
const (
	colMigrations = "migrations"
	colLeases     = "leases"
	colShops      = "shops"
	colLedger     = "ledger"
	colParcels    = "parcels"
	colPolls      = "polls"
	colPollLeases = "poll_leases"
	colBudgets    = "budgets"
	colSettings   = "settings"
)

// collections lists every collection of the application, so Migrate can
// create them up front (the embedded server's tuning needs their tables).
func collections() []string {
	return []string{
		colMigrations, colLeases, colShops, colLedger, colParcels, colPolls, colPollLeases, colBudgets, colSettings,
		colTickets, colAPIUsers, colEventsSeen, colMessageStatus, colSessions, colVerifications, colCSRFTokens,
		colOrderParcels, colRateLimits, colJobs, colJobLeases, colLinks, colNotifications, colNotificationLeases,
	}
}

// IndexSpec names an index and its keys; migrations create them and tests check
// that every index a query comment names exists.
type IndexSpec struct {
	Collection string
	Name       string
	Keys       bson.D
	Unique     bool
}

// Migration is one numbered, named step: indexes to add, then an optional
// backfill of data. Both are idempotent on MongoDB and FerretDB alike, so two
// processes migrating at once is harmless.
type Migration struct {
	ID       string
	Indexes  []IndexSpec
	Backfill func(ctx context.Context, d *DB) error
}

// Migrations lists every step in order. Never edit a released step: add one.
func Migrations() []Migration {
	return []Migration{
		{ID: "0001_shops_and_ledger", Indexes: []IndexSpec{
			{Collection: colShops, Name: "insales_id_unique", Keys: bson.D{{Key: "insales_id", Value: 1}}, Unique: true},
			{Collection: colLedger, Name: "ref_unique", Keys: bson.D{{Key: "ref", Value: 1}}, Unique: true},
			{Collection: colLedger, Name: "shop_created", Keys: bson.D{{Key: "shop_id", Value: 1}, {Key: "created_at", Value: -1}}},
		}},
		{ID: "0002_parcels", Indexes: []IndexSpec{
			{Collection: colParcels, Name: "shop_order_track_unique", Keys: bson.D{{Key: "shop_id", Value: 1}, {Key: "order_id", Value: 1}, {Key: "track", Value: 1}}, Unique: true},
			{Collection: colPolls, Name: "due", Keys: bson.D{{Key: "poll_priority", Value: -1}, {Key: "next_poll_at", Value: 1}}},
			{Collection: colParcels, Name: "shop_updated", Keys: bson.D{{Key: "shop_id", Value: 1}, {Key: "updated_at", Value: -1}}},
		}},
		{ID: "0003_billing", Indexes: []IndexSpec{
			// Finds shops with a balance change left pending by a crash.
			{Collection: colShops, Name: "pending_at", Keys: bson.D{{Key: "pending.at", Value: 1}}},
			// A shop's ledger page by page in the exact order of its changes.
			{Collection: colLedger, Name: "shop_seq", Keys: bson.D{{Key: "shop_id", Value: 1}, {Key: "seq", Value: -1}}},
		}},
		{ID: "0004_insales", Indexes: []IndexSpec{
			// A shop's parcels waiting for money (ResumeNoBalance), and
			// stopping a shop's parcels on uninstall.
			{Collection: colParcels, Name: "shop_state", Keys: bson.D{{Key: "shop_id", Value: 1}, {Key: "state", Value: 1}}},
			// Unscheduling a shop's polling rows on uninstall.
			{Collection: colPolls, Name: "shop", Keys: bson.D{{Key: "shop_id", Value: 1}}},
			// Shops whose setup job has not completed (the periodic retry).
			{Collection: colShops, Name: "setup_complete", Keys: bson.D{{Key: "setup.complete", Value: 1}}},
			// Sweeps of old dedup keys and expired sessions.
			{Collection: colEventsSeen, Name: "seen_at", Keys: bson.D{{Key: "seen_at", Value: 1}}},
			{Collection: colSessions, Name: "expires_at", Keys: bson.D{{Key: "expires_at", Value: 1}}},
		}},
		{ID: "0005_tickets", Indexes: []IndexSpec{
			// The batch poller's next ticket to collect (Tickets.ClaimDue).
			{Collection: colTickets, Name: "next_try", Keys: bson.D{{Key: "next_try_at", Value: 1}}},
		}},
		{ID: "0006_csrf_tokens", Indexes: []IndexSpec{
			// The sweep of expired tokens.
			{Collection: colCSRFTokens, Name: "expires_at", Keys: bson.D{{Key: "expires_at", Value: 1}}},
		}},
		{ID: "0007_widget_key", Indexes: []IndexSpec{
			// The order-page widget names its shop by the widget key alone
			// (Shops.ShopByWidgetKey). Not unique: shops installed
			// before their key was set have none, and FerretDB ignores
			// sparse, so a unique index would refuse the second of them.
			{Collection: colShops, Name: "widget_key", Keys: bson.D{{Key: "settings.widget_key", Value: 1}}},
		}},
		// Every order's parcel ids, read by _id (order_parcels.go), listed
		// for the parcels stored before.
		{ID: "0008_order_parcels", Backfill: backfillOrderParcels},
		{ID: "0009_jobs", Indexes: []IndexSpec{
			// A claim's due jobs in enqueue order, and List.
			{Collection: colJobs, Name: "status_seq", Keys: bson.D{{Key: "status", Value: 1}, {Key: "seq", Value: 1}}},
			// The sweep of old failed jobs.
			{Collection: colJobs, Name: "status_updated", Keys: bson.D{{Key: "status", Value: 1}, {Key: "updated_at", Value: 1}}},
			// Dropping ended lane leases at each claim.
			{Collection: colJobLeases, Name: "until", Keys: bson.D{{Key: "until", Value: 1}}},
		}},
		{ID: "0010_rate_limits", Indexes: []IndexSpec{
			// The sweep of expired counters.
			{Collection: colRateLimits, Name: "expires_at", Keys: bson.D{{Key: "expires_at", Value: 1}}},
		}},
		{ID: "0011_notifications", Indexes: []IndexSpec{
			// The dispatcher's due rows (rows with nothing to do have none).
			{Collection: colNotifications, Name: "next_at", Keys: bson.D{{Key: "next_at", Value: 1}}},
			// A shop's rows waiting for a credit, and its messages.
			{Collection: colNotifications, Name: "shop_status", Keys: bson.D{{Key: "shop_id", Value: 1}, {Key: "status", Value: 1}}},
			// A parcel's messages.
			{Collection: colNotifications, Name: "parcel", Keys: bson.D{{Key: "parcel_id", Value: 1}, {Key: "send_at", Value: 1}}},
			// What a provider id stands for (the sandbox outbox page).
			{Collection: colNotifications, Name: "provider", Keys: bson.D{{Key: "provider_id", Value: 1}}},
			// Dropping ended leases at each claim.
			{Collection: colNotificationLeases, Name: "until", Keys: bson.D{{Key: "until", Value: 1}}},
		}},
	}
}

// Migrate applies every step not yet recorded in the migrations collection and
// returns the IDs it applied.
func (d *DB) Migrate(ctx context.Context) ([]string, error) {
	var applied []string
	// First, so the steps' backfills already write through the _id index.
	if d.tuneDir != "" {
		if err := d.createCollections(ctx, collections()); err != nil {
			return applied, err
		}
		if err := tuneEmbedded(ctx, d.tuneDir, d.db.Name()); err != nil {
			return applied, err
		}
	}
	for _, m := range Migrations() {
		err := d.db.Collection(colMigrations).FindOne(ctx, bson.D{{Key: "_id", Value: m.ID}}).Err()
		if err == nil {
			continue
		}
		if err != mongo.ErrNoDocuments {
			return applied, mapErr("migrate: read "+m.ID, err)
		}
		for _, ix := range m.Indexes {
			model := mongo.IndexModel{Keys: ix.Keys, Options: options.Index().SetName(ix.Name).SetUnique(ix.Unique)}
			if _, err := d.db.Collection(ix.Collection).Indexes().CreateOne(ctx, model); err != nil {
				return applied, fmt.Errorf("storage: migrate %s: index %s.%s: %w", m.ID, ix.Collection, ix.Name, err)
			}
		}
		if m.Backfill != nil {
			if err := m.Backfill(ctx, d); err != nil {
				return applied, fmt.Errorf("storage: migrate %s: %w", m.ID, err)
			}
		}
		_, err = d.db.Collection(colMigrations).InsertOne(ctx, bson.D{
			{Key: "_id", Value: m.ID},
			{Key: "applied_at", Value: time.Now().UTC()},
		})
		if err != nil && !isDuplicate(err) {
			return applied, mapErr("migrate: record "+m.ID, err)
		}
		applied = append(applied, m.ID)
	}
	return applied, nil
}

// EnsureCollections creates collections that code outside this package
// keeps in the same database (the sandbox stand-ins'), and on the embedded
// server gives them the _id index Migrate gives the application's own, so
// their lookups by _id stay cheap too.
func (d *DB) EnsureCollections(ctx context.Context, names ...string) error {
	if d.tuneDir == "" {
		return nil
	}
	if err := d.createCollections(ctx, names); err != nil {
		return err
	}
	return tuneEmbedded(ctx, d.tuneDir, d.db.Name())
}

// IndexNames lists the indexes that exist on a collection, for tests and the
// operator's checks.
func (d *DB) IndexNames(ctx context.Context, collection string) ([]string, error) {
	cur, err := d.db.Collection(collection).Indexes().List(ctx)
	if err != nil {
		return nil, mapErr("list indexes "+collection, err)
	}
	defer cur.Close(ctx)
	var names []string
	for cur.Next(ctx) {
		var ix struct {
			Name string `bson:"name"`
		}
		if err := cur.Decode(&ix); err != nil {
			return nil, mapErr("decode index", err)
		}
		names = append(names, ix.Name)
	}
	return names, mapErr("list indexes "+collection, cur.Err())
}
