package storage

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/bson"
)

// Settings keep process-wide facts that must survive restarts, such as the
// sandbox clock's epoch and one-time seeding marks.
type Settings struct{ db *DB }

// Settings returns the settings store.
func (d *DB) Settings() *Settings { return &Settings{db: d} }

// FirstTime stores t under key unless a value is there already, and returns
// the stored value: the first caller wins, later callers read it.
func (s *Settings) FirstTime(ctx context.Context, key string, t time.Time) (time.Time, error) {
	return s.firstIn(ctx, colSettings, key, t)
}

// SandboxStarts remembers when the sandbox carrier first saw each barcode, so
// scenarios continue where they were after a restart.
type SandboxStarts struct{ db *DB }

// SandboxStarts returns the store.
func (d *DB) SandboxStarts() *SandboxStarts { return &SandboxStarts{db: d} }

// Start returns the first instant recorded for barcode, recording now if none.
func (s *SandboxStarts) Start(ctx context.Context, barcode string, now time.Time) (time.Time, error) {
	return (&Settings{db: s.db}).firstIn(ctx, colSandboxStarts, barcode, now)
}

func (s *Settings) firstIn(ctx context.Context, collection, key string, t time.Time) (time.Time, error) {
	col := s.db.db.Collection(collection)
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
