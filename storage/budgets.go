package storage

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// Budgets count a carrier account's requests per day, shared by every worker
// process, and hold an account-wide back-off after the carrier refused the
// account (bad credentials, daily limit reached).
type Budgets struct{ db *DB }

// Budgets returns the budget store.
func (d *DB) Budgets() *Budgets { return &Budgets{db: d} }

type budgetDoc struct {
	ID           string    `bson:"_id"`
	Used         int       `bson:"used"`
	BlockedUntil time.Time `bson:"blocked_until"`
}

// Reserve takes up to want requests from day's budget of limit and returns how
// many it got (0 when spent or blocked at now). Two round trips per batch: read
// the counter, then move it with a condition that it has not moved meanwhile.
func (b *Budgets) Reserve(ctx context.Context, day string, want, limit int, now time.Time) (int, error) {
	col := b.db.db.Collection(colBudgets)
	for attempt := 0; attempt < 5; attempt++ {
		var doc budgetDoc
		// Served by _id.
		err := col.FindOne(ctx, bson.D{{Key: "_id", Value: day}}).Decode(&doc)
		if err != nil && err != mongo.ErrNoDocuments {
			return 0, mapErr("read budget "+day, err)
		}
		if now.Before(doc.BlockedUntil) {
			return 0, nil
		}
		got := min(want, limit-doc.Used)
		if got <= 0 {
			return 0, nil
		}
		// Served by _id. The "used" condition turns a concurrent reservation
		// into a miss (or, for a first reservation, a duplicate key) and a retry.
		res, err := col.UpdateOne(ctx,
			bson.D{{Key: "_id", Value: day}, {Key: "used", Value: doc.Used}},
			bson.D{{Key: "$inc", Value: bson.D{{Key: "used", Value: got}}}},
			options.Update().SetUpsert(doc.ID == ""))
		if isDuplicate(err) {
			continue
		}
		if err != nil {
			return 0, mapErr("reserve budget "+day, err)
		}
		if res.MatchedCount+res.UpsertedCount == 0 {
			continue
		}
		return got, nil
	}
	return 0, nil
}

// Give returns n unused requests to day's budget.
func (b *Budgets) Give(ctx context.Context, day string, n int) error {
	if n <= 0 {
		return nil
	}
	// Served by _id.
	_, err := b.db.db.Collection(colBudgets).UpdateOne(ctx, bson.D{{Key: "_id", Value: day}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "used", Value: -n}}}})
	return mapErr("give budget "+day, err)
}

// Block stops all requests on day's budget until until.
func (b *Budgets) Block(ctx context.Context, day string, until time.Time) error {
	// Served by _id.
	_, err := b.db.db.Collection(colBudgets).UpdateOne(ctx, bson.D{{Key: "_id", Value: day}},
		bson.D{{Key: "$max", Value: bson.D{{Key: "blocked_until", Value: until}}}},
		options.Update().SetUpsert(true))
	if isDuplicate(err) {
		return b.Block(ctx, day, until)
	}
	return mapErr("block budget "+day, err)
}
