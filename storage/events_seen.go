package storage

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"

	"parceltrack/shopapp"
)

// colEventsSeen deduplicates order events (webhook deliveries and
// reconciled orders): one small document per event key.
const colEventsSeen = "events_seen"

// EventsSeen is the events_seen collection; it implements shopapp.EventStore.
// A key is the document's _id, so both operations are primary-key reads and
// inserts, the cheap kind on the embedded server.
type EventsSeen struct{ db *DB }

// EventsSeen returns the event dedup store.
func (d *DB) EventsSeen() *EventsSeen { return &EventsSeen{db: d} }

var _ shopapp.EventStore = (*EventsSeen)(nil)

// Seen implements shopapp.EventStore.
func (e *EventsSeen) Seen(ctx context.Context, key string) (bool, error) {
	// Served by _id.
	err := e.db.db.Collection(colEventsSeen).FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Err()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, nil
	}
	if err != nil {
		return false, mapErr("event seen", err)
	}
	return true, nil
}

// MarkSeen implements shopapp.EventStore; a key recorded twice is fine.
func (e *EventsSeen) MarkSeen(ctx context.Context, key string, now time.Time) error {
	_, err := e.db.db.Collection(colEventsSeen).InsertOne(ctx, bson.D{
		{Key: "_id", Value: key},
		{Key: "seen_at", Value: now.UTC()},
	})
	if isDuplicate(err) {
		return nil
	}
	return mapErr("mark event seen", err)
}

// Sweep deletes the keys recorded before before and returns how many; a
// periodic job runs it (there are no TTL indexes on the embedded server).
// Keep a week or more: InSales may redeliver and the reconciler re-reads
// orders changed since its cursor.
func (e *EventsSeen) Sweep(ctx context.Context, before time.Time) (int64, error) {
	// Served by seen_at.
	res, err := e.db.db.Collection(colEventsSeen).DeleteMany(ctx,
		bson.D{{Key: "seen_at", Value: bson.D{{Key: "$lt", Value: before.UTC()}}}})
	if err != nil {
		return 0, mapErr("sweep events seen", err)
	}
	return res.DeletedCount, nil
}
