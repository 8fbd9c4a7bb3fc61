package storage

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/bson"
)

// Settings keep process-wide facts that must survive restarts, such as the
// sandbox clock's epoch and one-time seeding marks: one instant per key.
type Settings struct {
	db         *DB
	collection string
}

// Settings returns the settings store.
func (d *DB) Settings() *Settings { return &Settings{db: d, collection: colSettings} }

// SettingsIn returns a store of the same kind in another collection, for
// code that keeps many such facts (the sandbox carrier's scenario starts).
func (d *DB) SettingsIn(collection string) *Settings { return &Settings{db: d, collection: collection} }

// FirstTime stores t under key unless a value is there already, and returns
// the stored value: the first caller wins, later callers read it.
func (s *Settings) FirstTime(ctx context.Context, key string, t time.Time) (time.Time, error) {
	col := s.db.db.Collection(s.collection)
	// Served by _id: a cheap read first, since almost every call finds one.
	var doc struct {
		Time time.Time `bson:"time"`
	}
	err := col.FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&doc)
	if err == nil {
		return doc.Time, nil
	}
	if _, err := col.InsertOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "time", Value: t}}); err != nil && !isDuplicate(err) {
		return time.Time{}, mapErr("first time "+key, err)
	}
	if err := col.FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&doc); err != nil {
		return time.Time{}, mapErr("first time "+key, err)
	}
	return doc.Time, nil
}
