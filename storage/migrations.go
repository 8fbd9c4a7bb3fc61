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
)

// IndexSpec names an index and its keys; migrations create them and tests check
// that every index a query comment names exists.
type IndexSpec struct {
	Collection string
	Name       string
	Keys       bson.D
	Unique     bool
}

// Migration is one numbered, named step. Steps only add indexes (idempotent on
// MongoDB and FerretDB alike), so two processes migrating at once is harmless.
type Migration struct {
	ID      string
	Indexes []IndexSpec
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
	}
}

// Migrate applies every step not yet recorded in the migrations collection and
// returns the IDs it applied.
func (d *DB) Migrate(ctx context.Context) ([]string, error) {
	var applied []string
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
