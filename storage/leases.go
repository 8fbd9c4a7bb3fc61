package storage

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// Leases are named, time-limited locks shared by every process on one database:
// the scheduler uses them so a singleton job runs in one process only.
type Leases struct{ db *DB }

// Leases returns the lease store.
func (d *DB) Leases() *Leases { return &Leases{db: d} }

// Acquire takes the lease key for owner until now+ttl when it is free, expired,
// or already owner's. It reports whether owner holds the lease afterwards.
func (l *Leases) Acquire(ctx context.Context, key, owner string, now time.Time, ttl time.Duration) (bool, error) {
	// Served by _id. The upsert inserts a free lease; when another owner holds a
	// live one the filter misses, the upsert collides on _id, and that collision
	// is the "not acquired" answer — atomic on MongoDB and on the embedded server.
	filter := bson.D{
		{Key: "_id", Value: key},
		{Key: "$or", Value: bson.A{
			bson.D{{Key: "until", Value: bson.D{{Key: "$lte", Value: now}}}},
			bson.D{{Key: "owner", Value: owner}},
		}},
	}
	update := bson.D{{Key: "$set", Value: bson.D{
		{Key: "owner", Value: owner},
		{Key: "until", Value: now.Add(ttl)},
		{Key: "acquired_at", Value: now},
	}}}
	_, err := l.db.db.Collection(colLeases).UpdateOne(ctx, filter, update, options.Update().SetUpsert(true))
	if isDuplicate(err) {
		return false, nil
	}
	if err != nil {
		return false, mapErr("acquire lease "+key, err)
	}
	return true, nil
}

// Extend moves the end of owner's lease to until; it reports false when owner no
// longer holds it.
func (l *Leases) Extend(ctx context.Context, key, owner string, until time.Time) (bool, error) {
	// Served by _id.
	res, err := l.db.db.Collection(colLeases).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: key}, {Key: "owner", Value: owner}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "until", Value: until}}}})
	if err != nil {
		return false, mapErr("extend lease "+key, err)
	}
	return res.MatchedCount == 1, nil
}

// Release gives owner's lease up at once.
func (l *Leases) Release(ctx context.Context, key, owner string) error {
	// Served by _id.
	_, err := l.db.db.Collection(colLeases).DeleteOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "owner", Value: owner}})
	return mapErr("release lease "+key, err)
}
